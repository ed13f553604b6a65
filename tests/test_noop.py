"""The no-op fast path (taskbind.noop): same answers as the full command line, without its imports.

A no-op `generate` / `check` must print and exit exactly as the full path does (TASKBIND_NO_FASTPATH=1
forces that path), must not import typer, yaml, jinja2 or pydantic, and must step aside whenever the
output is stale or the command line is anything but plain flags.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import GENERATED, REPO

HEAVY = ("typer", "yaml", "jinja2", "pydantic")


def run(*args: str, full: bool = False, cwd: Path = REPO) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "TASKBIND_NO_FASTPATH"}
    if full:
        env["TASKBIND_NO_FASTPATH"] = "1"
    return subprocess.run([sys.executable, "-m", "taskbind", *args], cwd=cwd, env=env, capture_output=True, text=True)


@pytest.fixture(scope="module")
def output(tmp_path_factory) -> Path:
    """A copy of the committed output: up to date, and free to edit."""
    out = tmp_path_factory.mktemp("noop") / "generated"
    shutil.copytree(GENERATED, out, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    return out


@pytest.mark.parametrize("command", ["check", "generate"])
def test_fast_and_full_paths_answer_alike(output, command):
    fast, full = run(command, "--out", str(output)), run(command, "--out", str(output), full=True)
    assert (fast.returncode, fast.stdout, fast.stderr) == (full.returncode, full.stdout, full.stderr)
    assert fast.returncode == 0 and fast.stdout.strip()


def test_the_fast_path_imports_nothing_heavy(output):
    probe = (
        "import sys; from taskbind.noop import run; "
        f"code = run(['check', '--out', {str(output)!r}]); "
        f"print(code, sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True)
    assert done.stdout.split("\n")[-2:] == ["0 []", ""], done.stdout + done.stderr


def test_a_stale_output_takes_the_full_path(output, tmp_path):
    stale = tmp_path / "generated"
    shutil.copytree(output, stale)
    edited = stale / "python" / "mcp_tasks" / "lifecycle.py"
    edited.write_text(edited.read_text() + "# a hand edit\n")
    result = run("check", "--out", str(stale))
    assert result.returncode == 1 and "-# a hand edit" in result.stdout


@pytest.mark.parametrize(
    "argv",
    [["check", "--verbose"], ["check", "--out"], ["check", "--out", "a", "--out", "b"], ["generate", "--help"], ["validate"], []],
)
def test_anything_but_plain_flags_is_left_to_the_full_command_line(argv):
    from taskbind.noop import run as fast

    assert fast(argv) is None


def test_the_fast_path_shares_the_pipeline_constants():
    from taskbind import fingerprint, noop, pipeline, write

    assert noop.DEFAULT_PACKAGE == pipeline.DEFAULT_PACKAGE
    assert fingerprint.MANIFEST_NAME == write.MANIFEST_NAME
