"""Line endings and header stability (issue 12).

A checkout with CRLF line endings (git's core.autocrlf on Windows) must not look stale: the spec,
template and output hashes ignore line endings. And the spec's fingerprint lives in the manifest
only, so a change to one description rewrites only the files that show it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from typer.testing import CliRunner

from conftest import GENERATED, REPO, SPEC_DIR
from taskbind import fingerprint, pipeline
from taskbind.cli import app
from taskbind.load import spec_fingerprint
from taskbind.resources import bundled_templates
from taskbind.write import MANIFEST_NAME, plan

runner = CliRunner()
_CACHES = shutil.ignore_patterns("__pycache__", ".mypy_cache", ".ruff_cache", "*.egg-info")


def crlf_copy(source: Path, destination: Path) -> Path:
    """A copy of `source` with every LF turned into CRLF, as git's core.autocrlf checks it out."""
    shutil.copytree(source, destination, ignore=_CACHES)
    for path in destination.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            path.write_bytes(data.replace(b"\n", b"\r\n"))
    return destination


def test_a_crlf_checkout_of_spec_and_output_is_up_to_date(tmp_path):
    spec = crlf_copy(SPEC_DIR, tmp_path / "spec")
    out = crlf_copy(GENERATED, tmp_path / "generated")
    assert b"\r\n" in (spec / "modules" / "core.yaml").read_bytes()
    assert spec_fingerprint(spec) == spec_fingerprint(SPEC_DIR)
    result = runner.invoke(app, ["check", "--spec", str(spec), "--out", str(out)])
    assert result.exit_code == 0, result.output[-2000:]
    assert "is up to date" in result.stdout
    # ...answered from the manifest, without rendering anything.
    options = pipeline.Options(spec=spec, out=out)
    assert pipeline.plan_generation(options).from_manifest


def test_a_crlf_output_file_is_not_rewritten(tmp_path):
    (tmp_path / "a.md").write_bytes(b"one\r\ntwo\r\n")
    result = plan(tmp_path, {"a.md": "one\ntwo\n", "b.md": "new\n"}, {})
    assert result.unchanged == ["a.md"] and result.written == ["b.md"]


def test_template_and_code_fingerprints_ignore_line_endings(tmp_path):
    lf = tmp_path / "lf"
    shutil.copytree(bundled_templates(), lf, ignore=_CACHES)
    crlf = crlf_copy(bundled_templates(), tmp_path / "crlf")
    assert fingerprint.tree_fingerprint(crlf) == fingerprint.tree_fingerprint(lf)
    code = crlf_copy(fingerprint._GENERATOR_ROOT, tmp_path / "code")
    assert fingerprint.tree_fingerprint(code, (".py",)) == fingerprint.tree_fingerprint(
        fingerprint._GENERATOR_ROOT, (".py",)
    )


def test_gitattributes_pins_lf_for_spec_templates_and_output():
    for path in ("spec/modules/core.yaml", "templates/python/package/store.py", "generated/python/mcp_tasks/models.py"):
        found = subprocess.run(
            ["git", "check-attr", "eol", "--", path], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout
        assert found.strip() == f"{path}: eol: lf", found


def test_one_description_change_rewrites_only_the_files_that_show_it(tmp_path):
    """The issue: every generated file embedded the spec's sha256, so a one-line spec change
    rewrote all of them."""
    spec = tmp_path / "spec"
    shutil.copytree(SPEC_DIR, spec)
    out = tmp_path / "generated"
    shutil.copytree(GENERATED, out, ignore=_CACHES)  # what generate writes for the spec as it is
    module = spec / "modules" / "core.yaml"
    old, new = "The state of one task as the server reports it.", "What the server says about one task."
    assert module.read_text("utf-8").count(old) == 1
    module.write_text(module.read_text("utf-8").replace(old, new), "utf-8")

    result = runner.invoke(app, ["generate", "--spec", str(spec), "--out", str(out)])
    assert result.exit_code == 0, result.output[-2000:]
    written = {line.split()[1] for line in result.stdout.splitlines() if line.startswith("wrote ")}
    showing = {
        p.relative_to(out).as_posix()
        for p in out.rglob("*")
        if p.is_file() and p.name != MANIFEST_NAME and new in p.read_text("utf-8")
    }
    assert showing, "the new description shows somewhere"
    assert {str(Path(w).resolve().relative_to(out.resolve()).as_posix()) for w in written} == showing
    manifest = json.loads((out / MANIFEST_NAME).read_text("utf-8"))
    assert manifest["inputs"]["spec"] == spec_fingerprint(spec) != spec_fingerprint(SPEC_DIR)
