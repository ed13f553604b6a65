"""The manifest logic (taskbind.fingerprint), function by function: what changes a hash and what does
not, and when an output directory counts as up to date. Fast (no generation), so that the mutation
run of tools/mutation.py can use it; the expectations follow from the module's contract (the
README's `check`: any change of spec, templates, options, version or taskbind's code is stale; line
endings and bytecode are not), never from its output.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from taskbind import __version__, fingerprint
from taskbind.fingerprint import (
    MANIFEST_NAME,
    input_fingerprint,
    read_manifest,
    spec_files,
    spec_fingerprint,
    tree_fingerprint,
    up_to_date,
)


def tree(root: Path, files: dict[str, bytes | str]) -> Path:
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return root


SPEC = {"taskbind.yaml": "name: x\n", "modules/core.yaml": "module: core\n", "examples/core.yaml": "[]\n"}


# -- spec_files / spec_fingerprint -----------------------------------------------------------------


def test_spec_files_are_every_yaml_file_sorted_and_nothing_else(tmp_path):
    root = tree(tmp_path, {**SPEC, "README.md": "x", "modules/core.yml": "x", "modules/notes.txt": "x"})
    (root / "modules" / "dir.yaml").mkdir()  # a directory named like a YAML file is not a file
    assert spec_files(root) == [root / "examples/core.yaml", root / "modules/core.yaml", root / "taskbind.yaml"]


def test_the_spec_hash_is_the_same_for_the_same_files_anywhere(tmp_path):
    assert spec_fingerprint(tree(tmp_path / "a", SPEC)) == spec_fingerprint(tree(tmp_path / "b", SPEC))
    assert len(spec_fingerprint(tmp_path / "a")) == 64


@pytest.mark.parametrize(
    "change",
    [
        {"modules/core.yaml": "module: core\ntitle: t\n"},  # content
        {"modules/extra.yaml": "module: extra\n"},  # a new file
    ],
)
def test_any_spec_change_changes_the_spec_hash(tmp_path, change):
    assert spec_fingerprint(tree(tmp_path / "a", SPEC)) != spec_fingerprint(tree(tmp_path / "b", {**SPEC, **change}))


def test_a_renamed_spec_file_changes_the_spec_hash(tmp_path):
    renamed = {**{k: v for k, v in SPEC.items() if k != "modules/core.yaml"}, "modules/kernel.yaml": SPEC["modules/core.yaml"]}
    assert spec_fingerprint(tree(tmp_path / "a", SPEC)) != spec_fingerprint(tree(tmp_path / "b", renamed))


def test_line_endings_do_not_change_the_spec_hash(tmp_path):
    crlf = {k: v.replace("\n", "\r\n") for k, v in SPEC.items()}
    assert spec_fingerprint(tree(tmp_path / "a", SPEC)) == spec_fingerprint(tree(tmp_path / "b", crlf))


# -- tree_fingerprint ------------------------------------------------------------------------------


def test_no_tree_has_no_hash():
    assert tree_fingerprint(None) is None
    assert tree_fingerprint(None, (".py",)) is None


FILES = {"a.py": "x = 1\n", "pkg/b.py": "y = 2\n", "pkg/data.json": "{}\n", "notes.txt": "n\n"}


def test_the_tree_hash_is_the_same_for_the_same_files_anywhere(tmp_path):
    first, second = tree_fingerprint(tree(tmp_path / "a", FILES)), tree_fingerprint(tree(tmp_path / "b", FILES))
    assert first == second and first is not None and len(first) == 64


@pytest.mark.parametrize(
    "change",
    [{"pkg/b.py": "y = 3\n"}, {"pkg/c.py": ""}, {"notes.txt": "m\n"}, {"pkg/data.json": "[]\n"}],
    ids=["content", "new-empty-file", "other-suffix", "json"],
)
def test_without_suffixes_any_file_counts(tmp_path, change):
    assert tree_fingerprint(tree(tmp_path / "a", FILES)) != tree_fingerprint(tree(tmp_path / "b", {**FILES, **change}))


def test_with_suffixes_only_those_files_count(tmp_path):
    a, b = tree(tmp_path / "a", FILES), tree(tmp_path / "b", {**FILES, "notes.txt": "changed\n", "pkg/new.md": "x"})
    assert tree_fingerprint(a, (".py", ".json")) == tree_fingerprint(b, (".py", ".json"))
    assert tree_fingerprint(a) != tree_fingerprint(b)
    c = tree(tmp_path / "c", {**FILES, "pkg/data.json": "[]\n"})
    assert tree_fingerprint(a, (".py", ".json")) != tree_fingerprint(c, (".py", ".json"))
    assert tree_fingerprint(a, (".py",)) == tree_fingerprint(c, (".py",))


@pytest.mark.parametrize("skipped", ["__pycache__/a.cpython-311.pyc", "_bundled/spec/taskbind.yaml", "pkg/__pycache__/b.pyc"])
def test_bytecode_and_the_bundled_copies_do_not_count(tmp_path, skipped):
    assert tree_fingerprint(tree(tmp_path / "a", FILES)) == tree_fingerprint(tree(tmp_path / "b", {**FILES, skipped: b"\x00"}))


def test_a_directory_that_merely_resembles_a_skipped_one_counts(tmp_path):
    assert tree_fingerprint(tree(tmp_path / "a", FILES)) != tree_fingerprint(tree(tmp_path / "b", {**FILES, "pycache/a.py": "z\n"}))


def test_renames_and_moves_change_the_tree_hash(tmp_path):
    a = tree(tmp_path / "a", {"x/y.py": "1"})
    assert tree_fingerprint(a) != tree_fingerprint(tree(tmp_path / "b", {"x/z.py": "1"}))
    assert tree_fingerprint(a) != tree_fingerprint(tree(tmp_path / "c", {"y.py": "1"}))
    # one file x/y.py is not two files x and y.py's content moved across the boundary
    assert tree_fingerprint(tree(tmp_path / "d", {"a.py": "12", "b.py": "3"})) != tree_fingerprint(tree(tmp_path / "e", {"a.py": "1", "b.py": "23"}))


def test_line_endings_do_not_change_the_tree_hash(tmp_path):
    crlf = {k: v.replace("\n", "\r\n") for k, v in FILES.items()}
    assert tree_fingerprint(tree(tmp_path / "a", FILES)) == tree_fingerprint(tree(tmp_path / "b", crlf))


# -- input_fingerprint -----------------------------------------------------------------------------


ARGS = {"modules": ["core"], "targets": ["python"], "package": "mcp_tasks", "npm_package": "mcp-tasks", "distribution": "d", "distribution_version": "1"}


@pytest.fixture
def spec(tmp_path) -> Path:
    return tree(tmp_path / "spec", SPEC)


def test_the_inputs_name_everything_the_output_depends_on(spec, tmp_path):
    templates = tree(tmp_path / "templates", {"x.j2": "{{ x }}"})
    inputs = input_fingerprint(spec, templates, **ARGS)
    assert inputs == {
        "generator": __version__,
        "code": tree_fingerprint(fingerprint._GENERATOR_ROOT, (".py", ".json", ".toml")),
        "spec": spec_fingerprint(spec),
        "templates": tree_fingerprint(fingerprint.bundled_templates()),
        "template_overrides": tree_fingerprint(templates),
        "modules": ["core"],
        "targets": ["python"],
        "package": "mcp_tasks",
        "npm_package": "mcp-tasks",
        "distribution": "d",
        "distribution_version": "1",
    }
    assert inputs["code"] is not None and inputs["templates"] is not None and inputs["template_overrides"] is not None


def test_unset_options_stay_unset(spec):
    inputs = input_fingerprint(spec, None, None, None, "mcp_tasks", "mcp-tasks")
    assert (inputs["modules"], inputs["targets"], inputs["template_overrides"]) == (None, None, None)
    assert (inputs["distribution"], inputs["distribution_version"]) == (None, None)
    # an empty selection is not "all modules"
    assert input_fingerprint(spec, None, [], [], "mcp_tasks", "mcp-tasks")["modules"] == []


def test_the_code_hash_covers_the_generator_sources_and_data(monkeypatch, tmp_path, spec):
    code = tree(tmp_path / "code", {"a.py": "1", "meta.json": "{}", "conf.toml": "", "README.md": "r"})
    monkeypatch.setattr(fingerprint, "_GENERATOR_ROOT", code)
    before = input_fingerprint(spec, None, **ARGS)["code"]
    for name in ("a.py", "meta.json", "conf.toml"):
        (code / name).write_text("changed", "utf-8")
        after = input_fingerprint(spec, None, **ARGS)["code"]
        assert after != before, name
        before = after
    (code / "README.md").write_text("changed", "utf-8")
    assert input_fingerprint(spec, None, **ARGS)["code"] == before


# -- read_manifest / up_to_date --------------------------------------------------------------------


def digest(text: bytes) -> str:
    return hashlib.sha256(text).hexdigest()


INPUTS = {"generator": "1", "spec": "s"}


def out_with(tmp_path: Path, files: dict[str, bytes], recorded: dict[str, str] | None = None, inputs=INPUTS) -> Path:
    out = tree(tmp_path / "out", files)
    recorded = recorded if recorded is not None else {k: digest(v) for k, v in files.items()}
    (out / MANIFEST_NAME).write_text(json.dumps({"files": recorded, "inputs": inputs}), "utf-8")
    return out


def test_a_missing_or_unreadable_manifest_reads_as_empty(tmp_path):
    assert read_manifest(tmp_path) == {}
    (tmp_path / MANIFEST_NAME).write_text("{not json", "utf-8")
    assert read_manifest(tmp_path) == {}
    assert up_to_date(tmp_path, INPUTS) is False


def test_a_manifest_reads_as_written(tmp_path):
    out = out_with(tmp_path, {"a.py": b"x\n"})
    assert read_manifest(out) == {"files": {"a.py": digest(b"x\n")}, "inputs": INPUTS}


def test_same_inputs_and_untouched_files_are_up_to_date(tmp_path):
    assert up_to_date(out_with(tmp_path, {"a.py": b"x\n", "d/b.py": b"y\n"}), dict(INPUTS)) is True


def test_no_files_recorded_is_up_to_date_when_inputs_match(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / MANIFEST_NAME).write_text(json.dumps({"inputs": INPUTS}), "utf-8")
    assert up_to_date(out, INPUTS) is True


def test_other_inputs_are_stale(tmp_path):
    out = out_with(tmp_path, {"a.py": b"x\n"})
    assert up_to_date(out, {**INPUTS, "spec": "t"}) is False
    assert up_to_date(out, {}) is False


def test_an_edited_or_missing_output_file_is_stale(tmp_path):
    out = out_with(tmp_path, {"a.py": b"x\n", "b.py": b"y\n"})
    (out / "b.py").write_bytes(b"y\nedited\n")
    assert up_to_date(out, INPUTS) is False
    (out / "b.py").write_bytes(b"y\n")
    assert up_to_date(out, INPUTS) is True
    (out / "a.py").unlink()
    assert up_to_date(out, INPUTS) is False


def test_an_output_file_with_crlf_line_endings_is_not_stale(tmp_path):
    out = out_with(tmp_path, {"a.py": b"x\r\ny\r\n"}, recorded={"a.py": digest(b"x\ny\n")})
    assert up_to_date(out, INPUTS) is True


def test_the_committed_manifest_matches_the_hashes_of_the_spec_and_templates():
    """The hash formulas are part of the manifest format: a change of them (another separator, say)
    makes every committed output, here and in each repository that vendors taskbind, look stale.
    The committed manifest was written by the last `taskbind generate`, so it is the reference."""
    from conftest import GENERATED, SPEC_DIR

    recorded = json.loads((GENERATED / MANIFEST_NAME).read_text("utf-8"))["inputs"]
    assert recorded["spec"] == spec_fingerprint(SPEC_DIR)
    assert recorded["templates"] == tree_fingerprint(fingerprint.bundled_templates())
