"""`[tool.taskbind]` in pyproject.toml: found by walking up from the working directory, paths
relative to that file, command-line flags first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import REPO, SPEC_DIR
from generation import runner, tree
from specedit import copy_spec, remove_method
from taskbind.cli import app
from taskbind.config import NO_CONFIG, ConfigError, load_config
from taskbind.resources import bundled_spec

SCHEMA = "schema/mcp-tasks.schema.json"


def write_pyproject(directory: Path, body: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "pyproject.toml").write_text(body, "utf-8")
    return directory


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project with its own spec copy and a configuration using every key."""
    copy_spec(tmp_path / "proj" / "contract", examples=False)
    return write_pyproject(
        tmp_path / "proj",
        """
[project]
name = "someone-else"

[tool.taskbind]
spec = "contract"
out = "bindings"
modules = ["core"]
targets = "schema"
package = "acme_tasks"
templates = "tpl"
""",
    )


def test_found_from_a_subdirectory_with_paths_relative_to_the_file(project: Path):
    (project / "a" / "b").mkdir(parents=True)
    config = load_config(project / "a" / "b")
    assert config.path == project / "pyproject.toml"
    assert config.spec == project / "contract" and config.out == project / "bindings"
    assert config.templates == project / "tpl"
    assert (
        config.modules == ("core",)
        and config.targets == ("schema",)
        and config.package == "acme_tasks"
    )


def test_a_pyproject_without_the_table_does_not_stop_the_search(project: Path):
    nested = write_pyproject(project / "generated" / "python", '[project]\nname = "mcp-tasks"\n')
    assert load_config(nested).path == project / "pyproject.toml"


def test_no_configuration_anywhere(tmp_path: Path):
    assert load_config(tmp_path) == NO_CONFIG


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[tool.taskbind]\nspecs = "spec"\n', "unknown key(s) in [tool.taskbind]: specs"),
        ("[tool.taskbind]\nmodules = 3\n", "modules must be a list of strings"),
        ('[tool.taskbind]\nout = ""\n', "out must be a non-empty string"),
        ('[tool]\ntaskbind = "spec"\n', "[tool.taskbind] must be a table"),
        ("[tool.taskbind\n", "cannot read"),
    ],
)
def test_a_bad_configuration_is_an_error_naming_the_file(
    tmp_path: Path, body: str, message: str, monkeypatch
):
    write_pyproject(tmp_path, body)
    with pytest.raises(ConfigError, match=r"pyproject\.toml") as caught:
        load_config(tmp_path)
    assert message in str(caught.value)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["generate"])
    assert result.exit_code == 2 and message in result.stderr


def test_generate_and_check_use_the_configuration_from_a_subdirectory(project: Path, monkeypatch):
    (project / "tpl").mkdir()
    (project / "src").mkdir()
    monkeypatch.chdir(project / "src")
    result = runner.invoke(app, ["generate"])
    assert result.exit_code == 0, result.output
    files = tree(project / "bindings")
    assert sorted(files) == [".taskbind-manifest.json", SCHEMA]  # targets = "schema"
    schema = files[SCHEMA].decode()
    assert "tasks/get" in schema and "paused" not in schema  # modules = ["core"]
    assert (
        "regenerate with `taskbind generate --modules core --target schema --package acme_tasks`"
        in schema
    )
    assert runner.invoke(app, ["check"]).exit_code == 0


def test_flags_override_the_configuration(project: Path, tmp_path: Path, monkeypatch):
    (project / "tpl").mkdir()
    monkeypatch.chdir(project)
    out = tmp_path / "elsewhere"
    result = runner.invoke(
        app,
        ["generate", "--out", str(out), "--modules", "core,interaction", "--spec", str(SPEC_DIR)],
    )
    assert result.exit_code == 0, result.output
    assert not (project / "bindings").exists()
    assert "paused" in (out / SCHEMA).read_text()


def test_a_configured_path_that_does_not_exist_is_reported_with_its_origin(
    project: Path, monkeypatch
):
    monkeypatch.chdir(project)  # no tpl/ directory
    result = runner.invoke(app, ["generate"])
    assert result.exit_code == 2
    assert (
        f"{project / 'pyproject.toml'}: [tool.taskbind] templates = {project / 'tpl'} is not a directory"
        in result.stderr
    )


def test_diff_uses_the_configured_modules(project: Path, tmp_path: Path, monkeypatch):
    """With modules = ["core"], removing an interaction method changes nothing that is compared."""
    (project / "tpl").mkdir()
    new = copy_spec(tmp_path / "new", examples=False)
    remove_method(new, "tasks/pause")
    monkeypatch.chdir(project)
    result = runner.invoke(app, ["diff", str(project / "contract"), str(new), "--format", "json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["changes"] == []
    assert (
        runner.invoke(
            app, ["diff", str(project / "contract"), str(new), "--modules", "interaction"]
        ).exit_code
        == 1
    )


def test_this_repository_configures_its_own_spec_and_output():
    """`taskbind generate` with no flags, anywhere in the repository, rewrites generated/ from spec/:
    the same directories the defaults name from the repository root, so the output is the same."""
    config = load_config(REPO / "generator" / "taskbind")
    assert config.path == REPO / "pyproject.toml"
    assert config.spec == SPEC_DIR == bundled_spec()
    assert config.out == REPO / "generated"
    assert (config.modules, config.targets, config.package, config.templates) == (
        None,
        None,
        None,
        None,
    )
