"""The bad-spec corpus (tests/bad_specs/cases.py) and bad flags: every case is exit 2 with a located
message, no traceback, and an output directory left exactly as it was."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "bad_specs"))

from cases import CASES  # noqa: E402
from generation import runner  # noqa: E402
from specedit import copy_spec  # noqa: E402
from taskbind.cli import app  # noqa: E402


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """An output directory that already holds something: it must come out byte-identical."""
    out = tmp_path / "out"
    (out / "python").mkdir(parents=True)
    (out / "python" / "keep.py").write_text("KEEP = 1\n", "utf-8")
    (out / ".taskbind-manifest.json").write_text('{"files": {"python/keep.py": "0"}}\n', "utf-8")
    return out


def test_the_corpus_has_at_least_fifty_cases() -> None:
    assert len(CASES) >= 50
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_bad_spec_is_exit_2_located_and_writes_nothing(case, tmp_path: Path, out: Path) -> None:
    spec = copy_spec(tmp_path / "spec")
    case.edit(spec)
    before = _tree(out), _tree(tmp_path / "spec")
    result = runner.invoke(app, ["generate", "--spec", str(spec), "--out", str(out)])
    output = result.output
    assert result.exit_code == 2, output
    assert "Traceback" not in output and result.exception is None or isinstance(result.exception, SystemExit), output
    located = [line for line in output.splitlines()
               if re.search(rf"{re.escape(case.file)}:\d+:\d+: ", line) and case.message in line]
    assert located, f"no `{case.file}:line:col: ...{case.message}...` in:\n{output}"
    assert (_tree(out), _tree(tmp_path / "spec")) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "spec"]


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--package", "os"], "standard-library module"),
        (["--package", "json"], "standard-library module"),
        (["--package", "class"], "keyword"),
        (["--package", "match"], "keyword"),
        (["--package", "Mcp-Tasks"], "is not a Python identifier"),
        (["--package", "McpTasks"], "is not a package name"),
        (["--package", "mcp_tasks\nimport os"], "is not a Python identifier"),
        (["--package", "_private"], "starts with _"),
        (["--modules", "core,../../outside"], "outside"),
        (["--target", "schema,rust"], "unknown target"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_bad_flags_are_exit_2_and_write_nothing(flags, message, out: Path) -> None:
    before = _tree(out)
    result = runner.invoke(app, ["generate", "--out", str(out), *flags])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert _tree(out) == before
