"""The manifest's fingerprint covers what the output depends on, including taskbind's own code, and
nothing that does not (bytecode that pip or Python writes beside the installed files)."""

from __future__ import annotations

import shutil
from pathlib import Path

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
