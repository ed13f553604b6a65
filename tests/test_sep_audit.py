"""One test per finding of the spec audit (issue 9), each citing the SEP text it follows.

Expected answers come from the SEP texts as quoted in mcp-tasks-spec-facts.md, never from the code
under test. Server-side tests drive the runtime server's dispatcher in process; the HTTP ones talk
to examples/reference_server.py on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from conftest import running_reference_server
from mcp_tasks import errors, lifecycle, models, parse_message, dump_message
from mcp_tasks.runtime import TaskContext, TaskRuntime
from mcp_tasks.runtime_server import RuntimeTaskServer
from mcp_tasks.server import RequestContext
from mcp_tasks.store import TaskStore

pytestmark = pytest.mark.anyio

EXTENSION = "io.modelcontextprotocol/tasks"
VERSION = "2026-07-28"
SCHEMA = {"type": "object", "properties": {"name": {"type": "string"}}}


@pytest.fixture
def anyio_backend():
    return "asyncio"


def meta(settings: dict | None = None, **top_level: Any) -> dict:
    return {
        "io.modelcontextprotocol/protocolVersion": VERSION,
        "io.modelcontextprotocol/clientCapabilities": {
            **top_level,
            "extensions": {EXTENSION: settings or {}},
        },
    }


def request(method: str, settings: dict | None = None, **params: Any) -> dict:
    return {
        "jsonrpc": "2.0",
        "id": 1,
        "method": method,
        "params": {**params, "_meta": meta(settings)},
    }


async def until(predicate, timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.005)


async def hold(task: TaskContext):
    await asyncio.Event().wait()


@pytest.fixture
async def runtime():
    runtime = TaskRuntime(poll_interval_ms=10)
    async with runtime.running():
        yield runtime


# SEP-2243 via SEP-2663: Mcp-Name on tasks/* --------------------------------------------------------


async def test_a_missing_mcp_name_is_refused_and_the_message_says_missing(runtime):
    # SEP-2243: "Servers implementing the new version MUST reject requests missing required
    # headers" (400, -32020); SEP-2663: the client MUST send Mcp-Name: <taskId> on tasks/*.
    server = RuntimeTaskServer(runtime)
    task_id = runtime.start(hold).task_id
    response = await server.dispatch(request("tasks/get", taskId=task_id), headers={})
    assert response["error"]["code"] == -32020
    assert "missing" in response["error"]["message"]
    assert "does not match" not in response["error"]["message"]


async def test_the_lenient_switch_accepts_a_missing_name_but_not_a_wrong_one(runtime):
    server = RuntimeTaskServer(runtime)
    server.accept_missing_name_header = True
    task_id = runtime.start(hold).task_id
    accepted = await server.dispatch(request("tasks/get", taskId=task_id), headers={})
    assert accepted["result"]["taskId"] == task_id
    wrong = await server.dispatch(
        request("tasks/get", taskId=task_id), headers={"Mcp-Name": "another-task"}
    )
    assert wrong["error"]["code"] == -32020 and "does not match" in wrong["error"]["message"]


def post(url: str, body: dict, headers: dict) -> tuple[int, dict]:
    base = {
        "Content-Type": "application/json",
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": VERSION,
        "Mcp-Method": body.get("method", ""),
    }
    raw = urllib.request.Request(
        url, json.dumps(body).encode(), {**base, **headers}, method="POST"
    )
    try:
        with urllib.request.urlopen(raw, timeout=30) as response:
            text = response.read()
            return response.status, json.loads(text) if text else {}
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_over_http_the_strict_server_answers_400_and_the_lenient_one_serves(reference_server_url):
    _, created = post(
        reference_server_url,
        request("tools/call", name="slow_compute", arguments={"seconds": 0.2}),
        {"Mcp-Name": "slow_compute"},
    )
    task_id = created["result"]["taskId"]
    status, body = post(reference_server_url, request("tasks/get", taskId=task_id), {})
    assert status == 400 and body["error"]["code"] == -32020
    assert "missing" in body["error"]["message"]
    with running_reference_server("--lenient-headers") as lenient:
        _, created = post(
            lenient,
            request("tools/call", name="slow_compute", arguments={"seconds": 0.2}),
            {"Mcp-Name": "slow_compute"},
        )
        task_id = created["result"]["taskId"]
        status, body = post(lenient, request("tasks/get", taskId=task_id), {})
        assert status == 200 and body["result"]["taskId"] == task_id
        status, body = post(lenient, request("tasks/get", taskId=task_id), {"Mcp-Name": "x"})
        assert status == 400 and body["error"]["code"] == -32020


# JSON-RPC 2.0: "id": null on an error response ---------------------------------------------------


def test_an_error_response_with_a_null_id_parses_and_dumps_back_unchanged(generated_schema):
    # JSON-RPC 2.0 §5: "If there was an error in detecting the id in the Request object (e.g. Parse
    # error/Invalid Request), it MUST be Null." The official SDK sends it ("Missing session ID").
    wire = {
        "jsonrpc": "2.0",
        "id": None,
        "error": {"code": -32600, "message": "Bad Request: Missing session ID"},
    }
    assert dump_message(parse_message(wire)) == wire
    absent = {"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}}
    assert dump_message(parse_message(absent)) == absent
    import jsonschema

    schema = {**generated_schema, "$ref": "#/$defs/JSONRPCErrorResponse"}
    jsonschema.validate(wire, schema)
    with pytest.raises(Exception):
        parse_message({**wire, "id": True})


# SEP-2669: opt-in on both sides ------------------------------------------------------------------


def test_discover_shows_a_setting_only_to_a_request_that_declared_it(reference_server_url):
    # SEP-2663: TasksExtensionCapability is Record<string, never>; SEP-2669: a client negotiating
    # only the tasks extension "will see no behavioral changes".
    def settings_seen(declared: dict) -> dict:
        _, body = post(reference_server_url, request("server/discover", declared), {})
        return body["result"]["capabilities"]["extensions"][EXTENSION]

    assert settings_seen({}) == {}
    assert settings_seen({"steer": True, "pause": True}) == {"steer": True, "pause": True}
    assert settings_seen({"pause": True}) == {"pause": True}


async def test_interaction_methods_are_method_not_found_for_a_client_that_did_not_opt_in(runtime):
    # SEP-2669: "unsupported -> -32601"; a server behaves as one without the setting to a client
    # that did not declare it.
    server = RuntimeTaskServer(runtime)
    task_id = runtime.start(hold).task_id
    for method, extra, setting in (
        ("tasks/steer", {"message": "go"}, "steer"),
        ("tasks/pause", {}, "pause"),
        ("tasks/resume", {}, "pause"),
    ):
        refused = await server.dispatch(request(method, {}, taskId=task_id, **extra))
        assert refused["error"]["code"] == -32601, (method, refused)
        assert setting in refused["error"]["message"]
    steered = await server.dispatch(request("tasks/steer", {"steer": True}, taskId=task_id, message="go"))
    assert steered["result"] == {"resultType": "complete"}


async def test_a_paused_task_is_working_to_a_client_that_did_not_opt_in(runtime):
    # SEP-2669 Open Question 1, decided in the spec: no `paused` on the wire of a base client.
    server = RuntimeTaskServer(runtime)
    task_id = runtime.start(hold).task_id
    paused = await server.dispatch(request("tasks/pause", {"pause": True}, taskId=task_id))
    assert paused["result"]["status"] == "paused"
    base = await server.dispatch(request("tasks/get", {}, taskId=task_id))
    assert base["result"]["status"] == "working"
    opted_in = await server.dispatch(request("tasks/get", {"pause": True}, taskId=task_id))
    assert opted_in["result"]["status"] == "paused"


async def test_pause_and_resume_keep_the_input_request_keys(runtime):
    # SEP-2669: pending inputRequests "remain valid with the same keys"; pause MUST NOT invalidate
    # or replace them.
    server = RuntimeTaskServer(runtime)

    async def asks(task: TaskContext):
        return {"content": [{"type": "text", "text": str(await task.elicit("Name?", SCHEMA))}]}

    record = runtime.start(asks)
    await until(lambda: record.status == "input_required")
    before = (await server.dispatch(request("tasks/get", taskId=record.task_id)))["result"]
    opted = {"pause": True}
    await server.dispatch(request("tasks/pause", opted, taskId=record.task_id))
    resumed = (await server.dispatch(request("tasks/resume", opted, taskId=record.task_id)))["result"]
    assert resumed["status"] == "input_required"
    assert resumed["inputRequests"] == before["inputRequests"]


# SEP-2663 / SEP-2669 / SEP-2268: server-triggered transitions ------------------------------------


def test_the_server_may_move_a_task_where_the_seps_never_reserve_it_to_a_client():
    # SEP-2663's diagram names no triggers; SEP-2268: "a cancelled child MAY implicitly terminate
    # its parent"; SEP-2669 motivates server-initiated pause, so server-initiated resume too.
    assert lifecycle.can_transition("input_required", "working", "server")
    assert lifecycle.can_transition("working", "cancelled", "server")
    assert lifecycle.can_transition("input_required", "cancelled", "server")
    assert lifecycle.can_transition("paused", "working", "server")
    assert not lifecycle.can_transition("completed", "working", "server")


# Spec error lists and rules ------------------------------------------------------------------------


def test_error_lists_carry_header_mismatch_and_listen_carries_missing_capability(spec_ir):
    methods = {m.name: m for m in spec_ir.methods}
    for name in ("tasks/get", "tasks/update", "tasks/cancel", "tasks/steer", "tasks/pause"):
        assert "HeaderMismatch" in {e.error for e in methods[name].errors}, name
    # SEP-2663: a client requesting task notifications without declaring the extension -> -32021.
    assert "MissingRequiredClientCapability" in {
        e.error for e in methods["subscriptions/listen"].errors
    }
    get_errors = " ".join(e.condition for e in methods["tasks/get"].errors)
    assert "not visible" not in get_errors  # not in SEP-2663: unknown or expired only


def test_child_input_required_invariant_is_in_the_spec(spec_ir):
    # SEP-2268: a child's input_required "MUST NOT be the only cause" of its parent's.
    assert "own-input-required" in {i.rule for i in spec_ir.invariants}


async def test_a_child_waiting_for_input_leaves_its_parent_working(runtime):
    asked = asyncio.Event()

    async def child(task: TaskContext):
        asked.set()
        await task.elicit("Child question?", SCHEMA)
        return {"content": []}

    async def parent(task: TaskContext):
        task.spawn_subtask(child)
        await asyncio.Event().wait()

    record = runtime.start(parent)
    await asked.wait()
    await until(lambda: any(c.status == "input_required" for c in runtime.store.children(record)))
    assert record.status == "working"
    assert "inputRequests" not in record.to_get_result()


# Task Event Sources draft ----------------------------------------------------------------------


async def test_events_list_names_the_event_source_of_a_task(runtime):
    # TES: "`name` MUST resolve via events/list".
    server = RuntimeTaskServer(runtime)
    record = runtime.start(hold, event_source=True)
    listed = await server.dispatch(request("events/list"))
    names = {event["name"] for event in listed["result"]["events"]}
    assert record.to_create_result()["eventSource"]["name"] in names
    assert all(event["delivery"] for event in listed["result"]["events"])


@pytest.mark.parametrize("cursor", ["not-a-cursor", "999"])
async def test_a_cursor_the_server_cannot_place_is_truncated_not_an_error(runtime, cursor):
    # EVENTS: gaps are reported with `truncated`, never as an error.
    server = RuntimeTaskServer(runtime)

    async def emits(task: TaskContext):
        task.emit_event({"n": 1})
        await asyncio.Event().wait()

    record = runtime.start(emits, event_source=True)
    await until(lambda: record.events)
    polled = await server.dispatch(
        request(
            "events/poll", name=runtime.event_type, arguments={"taskId": record.task_id}, cursor=cursor
        )
    )
    assert polled["result"]["truncated"] is True
    assert [e["data"] for e in polled["result"]["events"]] == [{"n": 1}]


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_the_stream_of_an_expired_task_ends_with_not_found():
    # EVENTS: a subscription ends abnormally with -32011 NotFound / -32012 / -32014; an expired
    # task no longer exists.
    clock = FakeClock()
    runtime = TaskRuntime(ttl_ms=1000, store=TaskStore(clock=clock))
    server = RuntimeTaskServer(runtime)
    sent: list[tuple[str, dict]] = []
    gate = asyncio.Event()

    async def notify(method: str, params: dict) -> None:
        sent.append((method, params))

    async def emits(task: TaskContext):
        await gate.wait()
        task.emit_event({"late": True})
        await asyncio.Event().wait()

    async with runtime.running():
        record = runtime.start(emits, event_source=True)
        stream = asyncio.create_task(
            server.stream_events(
                models.StreamEventsRequestParams.from_wire(
                    {"name": runtime.event_type, "arguments": {"taskId": record.task_id}, "cursor": "0"}
                ),
                RequestContext("events/stream", 9, notify=notify),
            )
        )
        await until(lambda: sent)
        clock.now += 2  # past the TTL
        gate.set()
        await asyncio.wait_for(stream, 5)
    method, params = sent[-1]
    assert method == "notifications/events/terminated"
    assert params["error"]["code"] == -32011


def test_the_generated_client_declares_the_events_capability():
    # TES: eventSource needs the client's Events capability; generated clients declare it per
    # request (the spec's decision on the `events` capability says why the server cannot insist).
    from mcp_tasks.client import CLIENT_CAPABILITIES

    assert CLIENT_CAPABILITIES["events"] == {}


# SEP-2663: notifications/cancelled MUST NOT cancel a task ------------------------------------------


def test_notifications_cancelled_does_not_cancel_a_task(reference_server_url):
    body = request("tools/call", name="slow_compute", arguments={"seconds": 1})
    body["id"] = "call-to-cancel"
    task_id = post(reference_server_url, body, {"Mcp-Name": "slow_compute"})[1]["result"]["taskId"]
    notification = {
        "jsonrpc": "2.0",
        "method": "notifications/cancelled",
        "params": {"requestId": "call-to-cancel", "reason": "user", "_meta": meta()},
    }
    post(reference_server_url, notification, {})
    statuses = []
    for _ in range(200):
        status = post(reference_server_url, request("tasks/get", taskId=task_id), {"Mcp-Name": task_id})
        statuses.append(status[1]["result"]["status"])
        if statuses[-1] in ("completed", "failed", "cancelled"):
            break
        import time

        time.sleep(0.05)
    assert statuses[-1] == "completed", statuses


# Examples ---------------------------------------------------------------------------------------


def test_no_create_task_result_example_carries_input_requests():
    # SEP-2663: CreateTaskResult = Result & Task; only the tasks/get variant has inputRequests.
    import yaml
    from conftest import SPEC_DIR

    for path in (SPEC_DIR / "examples").glob("*.yaml"):
        for example in yaml.safe_load(path.read_text()):
            if example.get("message") != "tools/call" or example.get("role") != "result":
                continue
            result = json.loads(example["json"]).get("result", {})
            if result.get("resultType") == "task" and not example.get("invalid"):
                assert "inputRequests" not in result, example["name"]
