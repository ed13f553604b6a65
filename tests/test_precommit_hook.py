"""The pre-commit hook that taskbind offers (.pre-commit-hooks.yaml): its definition, its entry run
the way pre-commit runs it, and (slow) a real `pre-commit run` in a temporary repository."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO

HOOK = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())[0]
CONFIG = """\
[tool.taskbind]
spec = "spec"
out = "generated"
modules = ["core"]
targets = ["schema"]
"""


def test_the_taskbind_check_hook():
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "taskbind-check"
    assert hook["entry"] == "taskbind check" and hook["language"] == "python"
    assert (
        hook["pass_filenames"] is False
    )  # check looks at the whole output, not at the changed files
    files = re.compile(hook["files"])
    for path in (
        "spec/modules/core.yaml",
        "templates/python/package/client.py.j2",
        "generated/python/mcp_tasks/models.py",
        "pyproject.toml",
    ):
        assert files.search(path), path
    for path in ("README.md", "tests/test_diff.py", "generator/taskbind/cli.py", "docs/spec/x.md"):
        assert not files.search(path), path


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    done = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def consumer(tmp_path: Path) -> Path:
    """A repository that vendors a spec and commits its generated output, configured in
    pyproject.toml as the hook's comment says."""
    repo = tmp_path / "consumer"
    shutil.copytree(REPO / "spec", repo / "spec")
    (repo / "pyproject.toml").write_text(CONFIG, "utf-8")
    taskbind = [sys.executable, "-m", "taskbind"]
    done = subprocess.run([*taskbind, "generate"], cwd=repo, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "generated")
    return repo


def run_entry(repo: Path) -> subprocess.CompletedProcess:
    """The hook's entry as pre-commit runs it: split like a shell would, from the repository's
    root, with no file names (pass_filenames: false), the console script from the hook's env."""
    command = shlex.split(HOOK["entry"])
    script = Path(sys.executable).with_name(command[0])  # the environment's `taskbind` script
    assert script.is_file(), f"{script}: install taskbind (pip install -e .) to run this test"
    env = {k: v for k, v in os.environ.items() if k != "TASKBIND_NO_FASTPATH"}
    return subprocess.run([str(script), *command[1:]], cwd=repo, env=env, capture_output=True,
                          text=True, timeout=300)


def test_the_hooks_entry_passes_on_fresh_output_and_fails_on_a_hand_edit(tmp_path):
    repo = consumer(tmp_path)
    fresh = run_entry(repo)
    assert (fresh.returncode, fresh.stdout) == (0, "generated is up to date (1 files)\n"), fresh.stderr
    schema = repo / "generated" / "schema" / "mcp-tasks.schema.json"
    assert re.search(HOOK["files"], schema.relative_to(repo).as_posix())  # the hook runs for it
    schema.write_text(schema.read_text("utf-8").replace('"Task"', '"Tusk"', 1), "utf-8")
    stale = run_entry(repo)
    assert stale.returncode == 1, stale.stdout + stale.stderr
    assert stale.stdout.startswith("--- a/schema/mcp-tasks.schema.json\n")
    assert "generated is stale: 1 file(s) differ, 0 should be removed." in stale.stderr


@pytest.mark.slow
def test_pre_commit_runs_the_hook_from_this_repository(tmp_path):
    """A real `pre-commit run`, with this repository (its committed HEAD) as the hook repository:
    pre-commit clones it and installs taskbind into a fresh environment (from the package
    registry, hence slow), then runs the hook over the consumer's files."""
    pre_commit = Path(sys.executable).with_name("pre-commit")
    assert pre_commit.is_file(), "pre-commit is in the test extra: pip install -e '.[test]'"
    repo = consumer(tmp_path)
    head = git(REPO, "rev-parse", "HEAD").strip()
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {REPO}\n    rev: {head}\n    hooks:\n      - id: taskbind-check\n", "utf-8"
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "hook")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache")}
    env.pop("TASKBIND_NO_FASTPATH", None)

    def run() -> subprocess.CompletedProcess:
        return subprocess.run([str(pre_commit), "run", "--all-files"], cwd=repo, env=env,
                              capture_output=True, text=True, timeout=900)

    passed = run()
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert re.search(r"^taskbind check\.+Passed$", passed.stdout, re.M), passed.stdout
    schema = repo / "generated" / "schema" / "mcp-tasks.schema.json"
    schema.write_text(schema.read_text("utf-8").replace('"Task"', '"Tusk"', 1), "utf-8")
    failed = run()
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert re.search(r"^taskbind check\.+Failed$", failed.stdout, re.M), failed.stdout
    assert "generated is stale: 1 file(s) differ" in failed.stdout
