"""Error paths of the generated package, each with its exact error type, code and message:
parse_message on messages that are not messages of the spec, and the task event source (events/*)
on bad arguments, unknown names and cursors, an unsupported delivery mode, expiry, heartbeats and
paging. Codes come from the spec facts (section 6.2, the Events sketch: -32602 InvalidParams,
-32011 NotFound with data.kind, -32014 Unsupported; 2.12: -32602 for an unknown or expired task).
"""

from __future__ import annotations

import asyncio

import pytest

import mcp_tasks
from mcp_tasks import runtime_server
from mcp_tasks.messages import MessageValidationError
from mcp_tasks.runtime import TaskContext, TaskRuntime
from mcp_tasks.runtime_server import RuntimeTaskServer
from mcp_tasks.server import RequestContext
from mcp_tasks.store import TaskStore

META = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientCapabilities": {
        "events": {},
        "extensions": {"io.modelcontextprotocol/tasks": {}},
    },
}
EVENT_TYPE = "task.events"  # the runtime's default event type name


# parse_message ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "text"),
    [
        ([], "a JSON-RPC message is an object, not list"),
        ("tasks/get", "a JSON-RPC message is an object, not str"),
        (None, "a JSON-RPC message is an object, not NoneType"),
        ({"jsonrpc": "2.0", "id": 1, "method": "tasks/nope"}, "unknown method 'tasks/nope'"),
        ({"jsonrpc": "2.0", "id": 1, "method": 7}, "unknown method 7"),
        # SEP-2663 removed tasks/result: the package knows no such method
        ({"jsonrpc": "2.0", "id": 1, "method": "tasks/result", "params": {"taskId": "t"}},
         "unknown method 'tasks/result'"),
        ({"jsonrpc": "2.0", "method": "tasks/get", "params": {"taskId": "t"}},
         "tasks/get is a request, but the message is a notification"),
        ({"jsonrpc": "2.0", "id": 1, "method": "notifications/tasks", "params": {}},
         "notifications/tasks is a notification, but the message is a request"),
        ({"jsonrpc": "2.0", "id": 1, "params": {"taskId": "t"}},
         "not a JSON-RPC message: no method, result or error"),
    ],
)
def test_parse_message_refuses_what_is_not_a_message_of_the_spec(message, text):
    with pytest.raises(MessageValidationError) as refused:
        mcp_tasks.parse_message(message)
    assert type(refused.value) is MessageValidationError and isinstance(refused.value, ValueError)
    assert str(refused.value) == text
    assert refused.value.errors == []  # refused before any field is validated


@pytest.mark.parametrize(
    ("request_method", "text"),
    [
        (None, "a result does not name its method: pass request_method"),
        ("tasks/nope", "'tasks/nope' is not a request of this spec"),
        ("notifications/tasks", "'notifications/tasks' is not a request of this spec"),
    ],
)
def test_parse_message_needs_the_request_a_result_answers(request_method, text):
    with pytest.raises(MessageValidationError) as refused:
        mcp_tasks.parse_message({"jsonrpc": "2.0", "id": 1, "result": {}}, request_method)
    assert str(refused.value) == text


def test_parse_message_lists_each_invalid_member_with_its_path():
    message = {"jsonrpc": "2.0", "id": 1, "method": "tasks/get", "params": {}}
    with pytest.raises(MessageValidationError) as refused:
        mcp_tasks.parse_message(message)
    assert str(refused.value) == "invalid tasks/get request: params/taskId: Field required"
    assert refused.value.errors == [{"path": "params/taskId", "message": "Field required"}]


# Event sources, through the dispatcher ------------------------------------------------------------


@pytest.fixture
def anyio_backend():
    return "asyncio"


def poll(**params) -> dict:
    return {"jsonrpc": "2.0", "id": 3, "method": "events/poll", "params": {**params, "_meta": META}}


async def three_events(task: TaskContext):
    for index in range(3):
        task.emit_event({"index": index})
    await asyncio.Event().wait()


@pytest.fixture
async def served():
    """A server, one task with an event source that published three events, and one without."""
    runtime = TaskRuntime(poll_interval_ms=25)
    async with runtime.running():
        server = RuntimeTaskServer(runtime)
        with_source = runtime.start(three_events, event_source=True)
        without = runtime.start(three_events)
        async with asyncio.timeout(5):
            while len(with_source.events) < 3:
                await asyncio.sleep(0.005)
        yield server, with_source, without


async def error_of(server, message) -> dict:
    response = await server.dispatch(message)
    assert "result" not in response, response
    assert response["id"] == message["id"]
    return response["error"]


@pytest.mark.anyio
async def test_an_unknown_event_type_is_not_found_of_kind_event(served):
    server, record, _ = served
    error = await error_of(server, poll(name="nope", arguments={"taskId": record.task_id}, cursor="0"))
    assert error == {"code": -32011, "message": "Unknown event type 'nope'", "data": {"kind": "event"}}


@pytest.mark.anyio
@pytest.mark.parametrize("arguments", [{"taskId": 5}, {"taskId": "t", "extra": 1}, {}])
async def test_bad_arguments_are_invalid_params(served, arguments):
    server, _, _ = served
    error = await error_of(server, poll(name=EVENT_TYPE, arguments=arguments, cursor="0"))
    assert error == {"code": -32602, "message": 'arguments must be {"taskId": <string>}'}


@pytest.mark.anyio
async def test_arguments_that_are_not_an_object_fail_the_params_model(served):
    server, _, _ = served
    error = await error_of(server, poll(name=EVENT_TYPE, arguments=["t"], cursor="0"))
    assert error == {
        "code": -32602,
        "message": "Invalid params for events/poll",
        "data": {"errors": [{"path": "arguments", "message": "Input should be a valid dictionary"}]},
    }


@pytest.mark.anyio
async def test_an_unknown_task_and_a_task_without_a_source_are_invalid_params(served):
    server, _, without = served
    error = await error_of(server, poll(name=EVENT_TYPE, arguments={"taskId": "gone"}, cursor="0"))
    assert error == {
        "code": -32602,
        "message": "Failed to retrieve task: Task not found",  # facts 2.12's example message
        "data": {"taskId": "gone"},
    }
    error = await error_of(server, poll(name=EVENT_TYPE, arguments={"taskId": without.task_id}, cursor="0"))
    assert error == {"code": -32602, "message": f"Task {without.task_id} has no event source"}


@pytest.mark.anyio
async def test_max_events_pages_with_has_more(served):
    server, record, _ = served
    arguments = {"taskId": record.task_id}
    first = (await server.dispatch(poll(name=EVENT_TYPE, arguments=arguments, cursor="0", maxEvents=2)))["result"]
    assert [e["data"] for e in first["events"]] == [{"index": 0}, {"index": 1}]
    assert (first["cursor"], first["hasMore"], first["truncated"]) == ("2", True, False)
    assert first["nextPollMs"] == 25 and first["resultType"] == "complete"
    rest = (await server.dispatch(poll(name=EVENT_TYPE, arguments=arguments, cursor=first["cursor"])))["result"]
    assert [e["data"] for e in rest["events"]] == [{"index": 2}]
    assert (rest["cursor"], rest["hasMore"], rest["truncated"]) == ("3", False, False)
    assert [e["eventId"] for e in first["events"] + rest["events"]] == [e["eventId"] for e in record.events]
    # null: "start from now" (facts 6.2), so nothing of the past
    now = (await server.dispatch(poll(name=EVENT_TYPE, arguments=arguments, cursor=None)))["result"]
    assert (now["events"], now["cursor"], now["hasMore"]) == ([], "3", False)


@pytest.mark.anyio
@pytest.mark.parametrize("cursor", ["zzz", "99", "-1"])
async def test_a_cursor_the_server_cannot_place_replays_everything_flagged_truncated(served, cursor):
    """Facts 6.2: gaps are reported with `truncated`, not as an error."""
    server, record, _ = served
    page = (await server.dispatch(poll(name=EVENT_TYPE, arguments={"taskId": record.task_id}, cursor=cursor)))["result"]
    assert [e["data"] for e in page["events"]] == [{"index": 0}, {"index": 1}, {"index": 2}]
    assert (page["truncated"], page["cursor"], page["hasMore"]) == (True, "3", False)


@pytest.mark.anyio
async def test_events_list_has_one_page_and_refuses_a_cursor(served):
    server, _, _ = served
    message = {"jsonrpc": "2.0", "id": 4, "method": "events/list", "params": {"cursor": "c", "_meta": META}}
    error = await error_of(server, message)
    assert error == {"code": -32602, "message": "Unknown cursor: events/list has a single page"}


@pytest.mark.anyio
async def test_push_delivery_without_a_way_to_push_is_unsupported(served):
    server, record, _ = served
    message = poll(name=EVENT_TYPE, arguments={"taskId": record.task_id}, cursor="0")
    message["method"] = "events/stream"
    error = await error_of(server, message)
    assert error == {
        "code": -32014,
        "message": "This transport cannot push events; use events/poll",
        "data": {"feature": "deliveryMode", "value": "push"},
    }


@pytest.mark.anyio
async def test_polling_an_expired_task_is_invalid_params():
    clock = type("Clock", (), {"now": 1000.0, "__call__": lambda self: self.now})()
    runtime = TaskRuntime(ttl_ms=1000, store=TaskStore(clock=clock))
    async with runtime.running():
        server = RuntimeTaskServer(runtime)
        record = runtime.start(three_events, event_source=True)
        await asyncio.sleep(0.01)
        clock.now += 2  # past the TTL
        error = await error_of(server, poll(name=EVENT_TYPE, arguments={"taskId": record.task_id}, cursor="0"))
    assert error == {
        "code": -32602,
        "message": "Failed to retrieve task: Task has expired",  # facts 2.12's example message
        "data": {"taskId": record.task_id},
    }


@pytest.mark.anyio
async def test_an_idle_stream_sends_heartbeats_with_its_cursor(served, monkeypatch):
    """Facts 6.2: `notifications/events/heartbeat {cursor}` (SHOULD at least every 30 s), every
    notification of the stream carrying the subscription id (the events/stream request's id)."""
    assert runtime_server.HEARTBEAT_SECONDS <= 30
    monkeypatch.setattr(runtime_server, "HEARTBEAT_SECONDS", 0.02)
    server, record, _ = served
    sent: list[tuple[str, dict]] = []

    async def notify(method: str, params: dict) -> None:
        sent.append((method, params))

    params = mcp_tasks.models.StreamEventsRequestParams.from_wire(
        {"name": EVENT_TYPE, "arguments": {"taskId": record.task_id}, "cursor": "1"}
    )
    stream = asyncio.create_task(server.stream_events(params, RequestContext("events/stream", 11, notify=notify)))
    async with asyncio.timeout(5):
        while sum(method == "notifications/events/heartbeat" for method, _ in sent) < 2:
            await asyncio.sleep(0.005)
    stream.cancel()
    meta = {"io.modelcontextprotocol/subscriptionId": 11}
    assert sent[0] == ("notifications/events/active", {"_meta": meta, "cursor": "1", "truncated": False})
    assert [(m, p["data"], p["cursor"]) for m, p in sent[1:3]] == [
        ("notifications/events/event", {"index": 1}, "2"),
        ("notifications/events/event", {"index": 2}, "3"),
    ]
    assert sent[3:5] == [("notifications/events/heartbeat", {"_meta": meta, "cursor": "3"})] * 2
