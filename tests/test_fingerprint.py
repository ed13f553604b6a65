"""The manifest's fingerprint covers what the output depends on, including taskbind's own code, and
nothing that does not (bytecode that pip or Python writes beside the installed files)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import REPO
from taskbind import fingerprint, pipeline


def _generator_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "taskbind"
    shutil.copytree(fingerprint._GENERATOR_ROOT, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def test_an_emitter_edit_changes_the_fingerprint(tmp_path, monkeypatch):
    """Planted bug this catches: the fingerprint hashed the spec and templates only, so after an
    edit of an emitter `taskbind check` answered "up to date" from the manifest."""
    copy = _generator_copy(tmp_path)
    monkeypatch.setattr(fingerprint, "_GENERATOR_ROOT", copy)
    options = pipeline.Options(out=tmp_path / "out")
    before = pipeline.input_fingerprint(options)
    emitter = copy / "emitters" / "python_view.py"
    emitter.write_text(emitter.read_text("utf-8") + "\n# an edit\n", "utf-8")
    after = pipeline.input_fingerprint(options)
    assert before["code"] != after["code"]
    assert {k: v for k, v in before.items() if k != "code"} == {
        k: v for k, v in after.items() if k != "code"
    }


def test_bytecode_beside_the_code_or_templates_changes_nothing(tmp_path, monkeypatch):
    copy = _generator_copy(tmp_path)
    monkeypatch.setattr(fingerprint, "_GENERATOR_ROOT", copy)
    options = pipeline.Options(out=tmp_path / "out")
    before = pipeline.input_fingerprint(options)
    (copy / "__pycache__").mkdir(exist_ok=True)
    (copy / "__pycache__" / "pipeline.cpython-311.pyc").write_bytes(b"\x00bytecode")
    (copy / "_bundled" / "templates" / "__pycache__").mkdir(parents=True)
    (copy / "_bundled" / "templates" / "__pycache__" / "_wire.cpython-311.pyc").write_bytes(b"x")
    assert pipeline.input_fingerprint(options) == before


def _run(copy_parent: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """`python -m taskbind` from the copy (first on the path), the way a user runs it."""
    env = {**os.environ, "PYTHONPATH": str(copy_parent)}
    env.pop("TASKBIND_NO_FASTPATH", None)  # the fast path is what must not answer "up to date"
    return subprocess.run(
        [sys.executable, "-m", "taskbind", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
    )


def _installed_copy(tmp_path: Path) -> tuple[Path, Path, Path, tuple[str, ...]]:
    """A copy of taskbind with its bundled spec and templates (found as a wheel finds them, see
    taskbind.resources), and the arguments that generate its schema into tmp_path/out."""
    parent = tmp_path / "site"
    copy = _generator_copy(parent)
    for name in ("spec", "templates"):
        shutil.copytree(REPO / name, copy / "_bundled" / name)
    out = tmp_path / "out"
    return parent, copy, out, ("--spec", str(REPO / "spec"), "--out", str(out), "--target", "schema")


def test_check_exits_1_after_an_emitter_edit(tmp_path):
    """The whole command, not only the hash: generate with a copy of taskbind, edit one emitter of
    the copy so that its output changes, and `taskbind check` must exit 1 with a diff.

    Planted bug this catches (issue 13): generator code missing from the manifest fingerprint
    (`"code"` dropped from input_fingerprint, or the emitters left out of the hashed tree): the
    fast path then finds the manifest's inputs unchanged and answers "up to date", exit 0, over
    stale output."""
    parent, copy, out, args = _installed_copy(tmp_path)
    generated = _run(parent, tmp_path, "generate", *args)
    assert generated.returncode == 0, generated.stderr
    checked = _run(parent, tmp_path, "check", *args)
    assert (checked.returncode, checked.stdout) == (0, "out is up to date (1 files)\n")

    emitter = copy / "emitters" / "schema.py"
    source = emitter.read_text("utf-8")
    assert source.count("indent=2") == 1
    emitter.write_text(source.replace("indent=2", "indent=3"), "utf-8")
    checked = _run(parent, tmp_path, "check", *args)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert checked.stdout.startswith("--- a/schema/mcp-tasks.schema.json\n+++ b/schema/mcp-tasks.schema.json\n")
    assert "out is stale: 1 file(s) differ, 0 should be removed." in checked.stderr


def test_check_exits_1_when_only_the_manifest_would_change(tmp_path):
    """An edit of taskbind's code that leaves every output file as it was (a comment) still changes
    the inputs the manifest records, and `generate` would rewrite the manifest: `check` exits 1 with
    the manifest's diff, and after `generate` it exits 0 again. (Before, `check` said "up to date"
    and the next `generate` left a repository that vendors the output with a changed file.)"""
    parent, copy, out, args = _installed_copy(tmp_path)
    assert _run(parent, tmp_path, "generate", *args).returncode == 0
    manifest = (out / ".taskbind-manifest.json").read_text("utf-8")
    emitter = copy / "emitters" / "schema.py"
    emitter.write_text(emitter.read_text("utf-8") + "# a comment changes no output\n", "utf-8")

    checked = _run(parent, tmp_path, "check", *args)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert checked.stdout.startswith("--- a/.taskbind-manifest.json\n+++ b/.taskbind-manifest.json\n")
    changed = [line for line in checked.stdout.splitlines() if line[:1] in "+-" and line[:3] not in ("---", "+++")]
    assert [line[1:].split(":")[0].strip() for line in changed] == ['"code"', '"code"']
    assert "out is stale: its manifest (.taskbind-manifest.json) records other inputs" in checked.stderr
    assert (out / ".taskbind-manifest.json").read_text("utf-8") == manifest  # check writes nothing

    assert _run(parent, tmp_path, "generate", *args).returncode == 0
    checked = _run(parent, tmp_path, "check", *args)
    assert (checked.returncode, checked.stdout) == (0, "out is up to date (1 files)\n")
