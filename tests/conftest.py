"""Shared fixtures: the repository's paths, the bundled spec's IR, and the generated package."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import settings
from servers import stop

REPO = Path(__file__).resolve().parent.parent
SPEC_DIR = REPO / "spec"
GENERATED = REPO / "generated"
SCHEMA_PATH = GENERATED / "schema" / "mcp-tasks.schema.json"

# Test tiers: a test of a slow kind (pyproject.toml's markers) is also `slow`, which the default run
# leaves out. tests/run.sh runs everything.
SLOW_KINDS = ("hypothesis_jsonschema", "wheel", "node", "browser", "peers")


# Counts a test wants shown at the end of the run, whether or not output is captured (`-s`): the
# hostile-client and concurrency tests report how many vectors, tasks and requests they ran.
SUMMARY: list[str] = []


def pytest_terminal_summary(terminalreporter):
    if SUMMARY:
        terminalreporter.section("counts")
        for line in SUMMARY:
            terminalreporter.write_line(line)


def report(line: str) -> None:
    """Show `line` in the run's closing summary (and now, under `-s`)."""
    print(line)
    SUMMARY.append(line)


def pytest_collection_modifyitems(items):
    for item in items:
        if any(item.get_closest_marker(kind) for kind in SLOW_KINDS):
            item.add_marker(pytest.mark.slow)


# Hypothesis profiles, explicit: `dev` (the default) and `full` (HYPOTHESIS_PROFILE=full, more
# examples). Tests that pin max_examples with @settings keep their own count in both.
settings.register_profile("dev", deadline=None, max_examples=25, print_blob=True)
settings.register_profile("full", deadline=None, max_examples=100, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

# The generated package is what users import; tests import it the same way, from generated/.
if str(GENERATED / "python") not in sys.path:
    sys.path.insert(0, str(GENERATED / "python"))


# System dependencies -------------------------------------------------------------------------------


def in_ci() -> bool:
    """CI=true, as GitHub Actions, GitLab CI and most others set it."""
    return os.environ.get("CI", "").strip().lower() == "true"


def require(what: str, present: bool, how: str) -> None:
    """The one rule for what the Python test extras cannot install (a browser, Node packages, a
    server): when `present` is false, skip with `how` to enable it; under CI=true, fail instead, so
    that a CI run never passes by skipping. tests/run.sh installs them when it can (root and apt)."""
    if present:
        return
    message = f"{what} is missing; to run this test: {how}"
    if in_ci():
        pytest.fail(f"{message} (CI=true: a missing dependency fails the run)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def spec_ir():
    from taskbind.load import load_spec
    from taskbind.model import build_model

    return build_model(load_spec(SPEC_DIR))


@pytest.fixture(scope="session")
def generated_schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text("utf-8"))


# The reference server (examples/reference_server.py) ------------------------------------------------

REFERENCE_SERVER = REPO / "examples" / "reference_server.py"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_reference_server(
    *args: str,
    package: str = "mcp_tasks",
    python_path: Path | None = None,
    processes: list[subprocess.Popen] | None = None,
    log_path: Path | None = None,
):
    """Start `reference_server.py --port <free> --package <package> *args`; yield its /mcp URL.

    `python_path` is where `package` lives (default: where this test process imports mcp_tasks
    from). The server is stopped (by its pid) when the block ends; its output goes to a temporary
    file (a pipe nobody reads could fill up and stall it), or to `log_path` for a test that reads
    it, and is shown if it fails to start.
    """
    if python_path is None:
        import mcp_tasks

        python_path = Path(mcp_tasks.__file__).resolve().parent.parent
    port = free_port()
    paths = [str(python_path), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    command = [sys.executable, str(REFERENCE_SERVER), "--port", str(port)]
    command += ["--package", package, *args]
    opened = open(log_path, "w+") if log_path is not None else tempfile.TemporaryFile("w+")
    with opened as log:
        process = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, text=True
        )
        if processes is not None:  # for a test that kills it
            processes.append(process)
        try:
            _wait_until_listening(process, port, log)
            yield f"http://127.0.0.1:{port}/mcp"
        finally:
            stop(process)


def _wait_until_listening(process: subprocess.Popen, port: int, log, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"reference server exited with {process.returncode}:\n{log.read()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"reference server did not listen on {port} within {timeout} s")
            time.sleep(0.05)


@pytest.fixture(scope="session")
def reference_server_url():
    """http://127.0.0.1:<port>/mcp of one reference server (the full build) for the whole session."""
    with running_reference_server() as url:
        yield url


@pytest.fixture(scope="session")
def core_bindings(tmp_path_factory) -> Path:
    """A build with `--modules core`, as package `mcp_tasks_core`; returns the dir to put on sys.path."""
    from generation import generate  # the real command line, in process

    out = tmp_path_factory.mktemp("core-build")
    generate(out, "--modules", "core", "--package", "mcp_tasks_core", "--target", "python")
    return out / "python"


# Redis (tests/redis_server.py) -------------------------------------------------------------------


@pytest.fixture(scope="session")
def redis_url():
    """redis://127.0.0.1:<port>/0 of one real redis-server for the session (skips without it)."""
    from redis_server import running_redis

    with running_redis() as url:
        yield url



# The TypeScript package (generated/typescript), built --------------------------------------------

TS_PACKAGE = GENERATED / "typescript"
NODE_DIR = REPO / "tests" / "node"  # the npm packages the tests drive (npm ci --prefix tests/node)


def run_ok(args: list[str], cwd: Path, stdin: str | None = None, timeout: float = 300) -> str:
    """Run a command that must succeed; its stdout. A failure shows both of its outputs."""
    done = subprocess.run(
        args, cwd=cwd, input=stdin, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="session")
def ts_package(tmp_path_factory) -> Path:
    """A copy of generated/typescript with its pinned dependencies installed and built (dist/)."""
    if shutil.which("npm") is None:
        pytest.fail("npm is required (Node 20 or later)")
    where = tmp_path_factory.mktemp("ts") / "package"
    shutil.copytree(TS_PACKAGE, where, ignore=shutil.ignore_patterns("node_modules", "dist"))
    run_ok(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], where)
    run_ok(["npm", "run", "--silent", "build"], where)
    return where
