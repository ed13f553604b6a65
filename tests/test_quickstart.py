"""The README's Quickstart, run as a new user would: on a fresh copy of the repository, command 1
alone must leave a `.venv` in which the README's Python snippet and the reference server run.

Slow (a venv and an install from the package index), so it carries the `slow` marker; the README's
test command runs it.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from conftest import REPO
from generation import tree
from test_wheel import clean_environment

pytestmark = pytest.mark.wheel


def quickstart_commands() -> list[str]:
    readme = (REPO / "README.md").read_text("utf-8")
    section = readme.split("## Quickstart", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "the Quickstart section has no ```sh code block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def readme_python_snippet() -> str:
    readme = (REPO / "README.md").read_text("utf-8")
    block = re.search(r"```python\n(.*?)```", readme, re.S)
    assert block, "the README shows no Python snippet"
    return block.group(1)


def test_quickstart_has_exactly_two_commands_and_ci_runs_the_second():
    commands = quickstart_commands()
    assert len(commands) == 2, commands
    ci = (REPO / ".ci" / "run").read_text("utf-8")
    assert commands[1] in ci


@pytest.fixture(scope="module")
def fresh_copy(tmp_path_factory):
    """The tracked files of this checkout (uncommitted edits included), as a clone would have them."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True
    ).stdout.decode()
    root = tmp_path_factory.mktemp("clone") / "taskbind"
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, root / name)
    return root


def test_command_one_reaches_the_bindings(fresh_copy, tmp_path):
    before = tree(fresh_copy / "generated")
    env = clean_environment()
    done = subprocess.run(
        ["sh", "-c", quickstart_commands()[0]],
        cwd=fresh_copy,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert tree(fresh_copy / "generated") == before, "command 1 changed generated/ on a clean copy"

    python = fresh_copy / ".venv" / "bin" / "python"
    # From an unrelated directory: the snippet must find mcp_tasks as installed, not by accident.
    snippet = subprocess.run(
        [str(python), "-c", readme_python_snippet()],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert snippet.returncode == 0, snippet.stderr

    server_help = subprocess.run(
        [str(python), str(fresh_copy / "examples" / "reference_server.py"), "--help"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert server_help.returncode == 0, server_help.stderr
    assert "--port" in server_help.stdout
