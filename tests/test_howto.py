"""The how-to pages run: every ```python block of "Build a task server" and "Build a task client".

Each block's info string names the program it belongs to (```python title="server.py"); the blocks
of one program, in page order, joined by blank lines, are that file. The test writes the programs
to a temporary directory, next to a copy of the generated package they import (a script's own
directory comes first on sys.path, so the copy is what they import), runs the server for real, runs
the client against it, and compares what the client prints with what the pages promise:

- the full build (the committed generated/docs and generated/python): server over streamable HTTP on
  127.0.0.1 and a free port, and the client starting it over stdio;
- a build with `--modules core --package mcp_tasks_core`: the same pages without the proposals, with
  the other package name in every import.

Servers never stop by themselves: the test stops each one (by its pid) in a `finally`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from conftest import GENERATED, _wait_until_listening, free_port
from generation import generate

pytestmark = pytest.mark.peers  # every page runs as a server and a client process

HOWTO = ("howto/server.md", "howto/client.md")
PROGRAMS = ("server.py", "client.py")
LIMIT = 120  # seconds the client may take, all steps included


# Pages to programs -----------------------------------------------------------------------------


def program_blocks(markdown: str) -> list[tuple[str, str]]:
    """(program, code) of every ```python block, in page order; a block without a title is an error."""
    blocks = []
    for token in MarkdownIt().parse(markdown):
        if token.type != "fence" or not token.info.startswith("python"):
            continue
        attributes = dict(part.split("=", 1) for part in token.info.split()[1:] if "=" in part)
        title = attributes.get("title", "").strip('"')
        assert title, f"a python block without a title: it would never run:\n{token.content}"
        blocks.append((title, token.content))
    return blocks


def write_programs(pages: Path, package: Path, work: Path) -> None:
    """The programs of the how-to pages under `pages`, with `package` beside them, into `work`."""
    programs: dict[str, list[str]] = {}
    for page in HOWTO:
        for title, code in program_blocks((pages / page).read_text("utf-8")):
            programs.setdefault(title, []).append(code)
    assert sorted(programs) == sorted(PROGRAMS)
    for title, blocks in programs.items():
        (work / title).write_text("\n\n".join(blocks), "utf-8")
    shutil.copytree(package, work / package.name, ignore=shutil.ignore_patterns("__pycache__"))


# The two builds ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def full_build(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("howto-full")
    write_programs(GENERATED / "docs" / "pages", GENERATED / "python" / "mcp_tasks", work)
    return work


@pytest.fixture(scope="module")
def core_build(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("howto-core-build")
    generate(out, "--modules", "core", "--package", "mcp_tasks_core", "--target", "python,docs")
    work = tmp_path_factory.mktemp("howto-core")
    write_programs(out / "docs" / "pages", out / "python" / "mcp_tasks_core", work)
    return work


def expected_output(*, interaction: bool) -> list[str]:
    """What the client prints: every status it reads, every result text, in order."""
    notes = "; notes: none" if interaction else ""
    lines = [f"call_tool: Report on tea: 2 sections{notes}", "status: working"]
    if interaction:
        lines += ["status: paused", "status: paused", "status: working"]
        lines += ["result: Report on costs: 10 sections; notes: mention the budget"]
    else:
        lines += ["result: Report on costs: 10 sections"]
    return lines + [
        "status: cancelled",
        "asked: Delete the draft 'old-draft'?",
        "result: Deleted old-draft",
        "tool error: True Error executing tool publish: Nobody reads faxes any more",
        "failed: -32603 The publishing service is down",
        "refused: -32602",  # then the server's message, its own wording
    ]


def matches(output: list[str], expected: list[str]) -> bool:
    return len(output) == len(expected) and all(
        line == want or (want.startswith("refused:") and line.startswith(want + " "))
        for line, want in zip(output, expected)
    )


# Running them -----------------------------------------------------------------------------------


def environment() -> dict[str, str]:
    """This environment without PYTHONPATH: the programs import the package copied beside them."""
    return {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}


def run_client(work: Path, *args: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "client.py", *args],
        cwd=work,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=LIMIT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.splitlines()


def run_over_http(work: Path) -> list[str]:
    port = free_port()
    with (work / "server.log").open("w+") as log:
        server = subprocess.Popen(
            [sys.executable, "server.py", "--port", str(port)],
            cwd=work,
            env=environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_listening(server, port, log)
            return run_client(work, f"http://127.0.0.1:{port}/mcp")
        finally:
            server.kill()
            server.wait()


@pytest.mark.parametrize("transport", ["http", "stdio"])
def test_the_full_builds_pages_run_with_every_feature(full_build, transport):
    output = run_over_http(full_build) if transport == "http" else run_client(full_build, "--stdio")
    assert matches(output, expected_output(interaction=True)), output


@pytest.mark.parametrize("transport", ["http", "stdio"])
def test_the_core_builds_pages_run_without_the_proposals(core_build, transport):
    source = (core_build / "client.py").read_text("utf-8") + (core_build / "server.py").read_text()
    assert "from mcp_tasks_core" in source and "from mcp_tasks." not in source
    output = run_over_http(core_build) if transport == "http" else run_client(core_build, "--stdio")
    assert matches(output, expected_output(interaction=False)), output


def test_the_readme_links_both_pages():
    readme = (GENERATED.parent / "README.md").read_text("utf-8")
    for page in HOWTO:
        assert f"(generated/docs/pages/{page})" in readme, page
