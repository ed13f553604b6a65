"""What the test suite needs from the system (issue 12): tests/run.sh needs no root, and the one
helper for missing system dependencies skips with a way to enable them, except under CI=true."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, require


@pytest.mark.parametrize("ci", ["", "false", "0"])
def test_a_missing_dependency_skips_with_how_to_enable_it(monkeypatch, ci):
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.skip.Exception) as caught:
        require("chromium", False, "sudo apt-get install -y chromium")
    assert str(caught.value) == "chromium is missing; to run this test: sudo apt-get install -y chromium"


@pytest.mark.parametrize("ci", ["true", "TRUE"])
def test_under_ci_a_missing_dependency_fails(monkeypatch, ci):
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception) as caught:
        require("chromium", False, "sudo apt-get install -y chromium")
    assert "chromium is missing" in str(caught.value) and "CI=true" in str(caught.value)


def test_a_present_dependency_does_nothing(monkeypatch):
    monkeypatch.setenv("CI", "true")
    require("chromium", True, "never shown")


def _stub(directory: Path, name: str, body: str) -> None:
    path = directory / name
    path.write_text(f"#!/bin/sh\n{body}\n", "utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def _fake_checkout(tmp_path: Path, uid: int) -> tuple[Path, dict[str, str], Path]:
    """tests/run.sh in a checkout whose .venv, id, apt-get and npm are stubs that log their calls;
    no chromium on PATH."""
    repo, bin_dir, log = tmp_path / "repo", tmp_path / "bin", tmp_path / "calls.log"
    (repo / "tests").mkdir(parents=True)
    shutil.copy(REPO / "tests" / "run.sh", repo / "tests" / "run.sh")
    (repo / ".venv" / "bin").mkdir(parents=True)
    bin_dir.mkdir()
    for name in ("pip", "python"):
        _stub(repo / ".venv" / "bin", name, f'echo "{name} $*" >> {log}')
    _stub(bin_dir, "id", f"echo {uid}")
    _stub(bin_dir, "apt-get", f'echo "apt-get $*" >> {log}')
    _stub(bin_dir, "npm", f'echo "npm $*" >> {log}')
    for tool in ("dirname",):
        os.symlink(shutil.which(tool), bin_dir / tool)
    env = {"PATH": str(bin_dir), "HOME": str(tmp_path)}
    return repo, env, log


def test_run_sh_needs_no_root(tmp_path):
    repo, env, log = _fake_checkout(tmp_path, uid=1000)
    result = subprocess.run(["/bin/sh", str(repo / "tests" / "run.sh"), "-q"], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    calls = log.read_text("utf-8")
    assert "apt-get" not in calls
    assert "npm ci --prefix tests/node" in calls and "python -m pytest -m  -q" in calls  # -m '': every tier
    assert "chromium is missing" in result.stderr and "sudo apt-get install -y chromium" in result.stderr


def test_run_sh_as_root_installs_chromium(tmp_path):
    repo, env, log = _fake_checkout(tmp_path, uid=0)
    result = subprocess.run(["/bin/sh", str(repo / "tests" / "run.sh")], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "apt-get install -y -qq chromium" in log.read_text("utf-8")
