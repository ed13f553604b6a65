"""The generated Python package's import name is configurable, and renaming it changes nothing else.

With `--package acme_tasks`, compared with the default `mcp_tasks`, exactly three things differ:
  (a) the package directory: python/mcp_tasks/ becomes python/acme_tasks/;
  (b) the header line of every file: the regenerate command gains `--package acme_tasks`;
  (c) where the package names itself: the import name (`acme_tasks`) and the distribution name
      (`acme-tasks`) in pyproject.toml, README.md and docstrings that tell users what to import.
Undoing (a), (b) and (c) gives the default output byte for byte; the package's modules that do
not name the package (models, methods, messages, ...) and the schema differ by (b) alone.
"""

from __future__ import annotations

import pytest

from generation import generate

NAME = "acme_tasks"
UNCHANGED_BUT_HEADER = [
    "schema/mcp-tasks.schema.json",
    "python/mcp_tasks/models.py",
    "python/mcp_tasks/_wire.py",
    "python/mcp_tasks/methods.py",
    "python/mcp_tasks/messages.py",
    "python/mcp_tasks/lifecycle.py",
    "python/mcp_tasks/py.typed",
]


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> tuple[dict[str, bytes], dict[str, bytes]]:
    root = tmp_path_factory.mktemp("package")
    return generate(root / "default"), generate(root / "renamed", "--package", NAME)


def undo_path(path: str) -> str:  # (a)
    return path.replace(f"python/{NAME}/", "python/mcp_tasks/")


def undo_header(data: bytes) -> bytes:  # (b)
    return data.replace(f"taskbind generate --package {NAME}`".encode(), b"taskbind generate`", 1)


def undo_names(data: bytes) -> bytes:  # (c)
    return data.replace(NAME.encode(), b"mcp_tasks").replace(
        NAME.replace("_", "-").encode(), b"mcp-tasks"
    )


def test_renaming_the_package_changes_its_directory_header_and_self_references_only(outputs):
    default, renamed = outputs
    assert sorted(undo_path(path) for path in renamed) == sorted(default)
    assert any(path.startswith(f"python/{NAME}/") for path in renamed)
    for path, data in renamed.items():
        assert undo_names(undo_header(data)) == default[undo_path(path)], path


def test_the_models_and_the_schema_differ_by_the_header_only(outputs):
    default, renamed = outputs
    for path in UNCHANGED_BUT_HEADER:
        renamed_path = path.replace("python/mcp_tasks/", f"python/{NAME}/")
        assert renamed[renamed_path] != default[path], f"{path}: the header names the command"
        assert undo_header(renamed[renamed_path]) == default[path], path


def test_the_package_names_itself_in_its_project_files(outputs):
    _, renamed = outputs
    assert b'name = "acme-tasks"' in renamed["python/pyproject.toml"]
    assert b'packages = ["acme_tasks"]' in renamed["python/pyproject.toml"]
    assert b"from acme_tasks import" in renamed["python/README.md"]


@pytest.mark.parametrize("bad", ["acme-tasks", "1tasks", "acme.tasks"])
def test_a_package_name_that_is_not_an_identifier_exits_2(bad: str, tmp_path):
    from generation import runner
    from taskbind.cli import app

    result = runner.invoke(app, ["generate", "--out", str(tmp_path), "--package", bad])
    assert result.exit_code == 2 and "is not a Python identifier" in result.stderr
