"""End to end: the generated client against examples/reference_server.py through the official SDK.

Every scenario runs over the three transports of `mcp.Client`: in memory (the server object in
this process), a stdio subprocess (one per client, stopped with it), and streamable HTTP on
127.0.0.1 (conftest's session server). Subprocesses import the generated package this process
imported.

Fixture tools the reference server provides (besides the conformance suite's): `steerable_job`,
whose result text lists the steer messages delivered to it, in order; `subtask_job`, a parent that
completes only after its subtasks; `event_job`, a task with an event source whose stream ends when
the task completes.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import sys
import time
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import mcp_types
import pytest
from mcp import Client, StdioServerParameters
from mcp.shared.exceptions import MCPError

import mcp_tasks
from mcp_tasks import errors, models
from mcp_tasks.client import NotificationHandler, PollPolicy, TasksClient
from mcp_tasks.sdk_client import TasksClientExtension, session_transport, tasks_client

from lifecycle_oracle import TERMINAL  # the SEPs' terminal statuses, not the generated set

REPO = Path(__file__).resolve().parent.parent
SERVER = REPO / "examples" / "reference_server.py"
# The in-memory transport runs in the default tier; stdio and HTTP start server processes (peers).
TRANSPORTS = ("memory", pytest.param("stdio", marks=pytest.mark.peers), pytest.param("http", marks=pytest.mark.peers))
# Poll at least every 100 ms whatever the server suggests: a client policy, to keep the suite fast.
FAST = PollPolicy(floor=0.01, ceiling=0.1)
LIMIT = 60  # seconds any one scenario may take

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend():
    return "asyncio"  # the in-memory server runs the asyncio-only generated runtime in this process


def _server_env() -> dict[str, str]:
    """The environment of a server subprocess: it imports the mcp_tasks this process imported."""
    package_root = str(Path(mcp_tasks.__file__).resolve().parent.parent)
    paths = [package_root, *filter(None, [os.environ.get("PYTHONPATH")])]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


@functools.cache
def _reference_module():
    spec = importlib.util.spec_from_file_location("reference_server", SERVER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(params=TRANSPORTS)
def target(request):
    """What `mcp.Client` connects to, per transport."""
    if request.param == "memory":
        return lambda: _reference_module().build_server(ttl_ms=None, poll_interval_ms=50)
    if request.param == "stdio":
        params = StdioServerParameters(
            command=sys.executable,
            args=[str(SERVER), "--stdio", "--ttl-ms", "unlimited"],
            env=_server_env(),
        )
        return lambda: params
    url = request.getfixturevalue("reference_server_url")  # conftest: one server per session
    return lambda: url


async def answer_elicitation(context, params) -> mcp_types.ElicitResult:
    """The user: confirms what is asked to be confirmed, and gives a name when asked for one."""
    schema = getattr(params, "requested_schema", None) or {}
    content = {"confirm": True} if "confirm" in schema.get("properties", {}) else {"name": "Alice"}
    return mcp_types.ElicitResult(action="accept", content=content)


@asynccontextmanager
async def connect(target, *, extension: bool = True):
    """An entered mcp.Client (with the tasks extension) and the typed TasksClient over it."""
    extensions = [TasksClientExtension(poll=FAST, timeout=LIMIT)] if extension else []
    with anyio.fail_after(LIMIT):
        async with Client(
            target(), extensions=extensions, elicitation_callback=answer_elicitation
        ) as client:
            if extension:
                yield client, tasks_client(client, poll=FAST)
            else:  # tasks_client() refuses such a client: the typed client over its bare session
                yield client, TasksClient(session_transport(client.session), poll=FAST)


def text_of(result: dict) -> str:
    return " ".join(block.get("text", "") for block in result.get("content", []))


# Scenarios -----------------------------------------------------------------------------------------


async def test_input_required_then_update_then_completed(target):
    async with connect(target) as (client, tasks):
        created = await tasks.call_tool("confirm_delete", arguments={"filename": "a.txt"})
        assert isinstance(created, models.CreateTaskResult) and created.status == "working"
        # Required and nullable: null (an unlimited TTL, in memory and over stdio) reaches the wire
        # as null; the session's HTTP server keeps the reference server's default of an hour.
        assert "ttl_ms" in created.model_fields_set and created.ttl_ms in (None, 3_600_000)

        with pytest.raises(errors.TaskInputRequiredError) as needs:
            await tasks.wait_until_terminal(created.task_id, timeout=LIMIT)
        pending = needs.value.task
        assert isinstance(pending, models.InputRequiredTaskResult)
        [(key, request)] = pending.input_requests.items()
        assert request.method == "elicitation/create"

        ack = await tasks.update_task(
            created.task_id, {key: {"action": "accept", "content": {"confirm": True}}}
        )
        assert ack.result_type == "complete"
        done = await tasks.wait_until_terminal(created.task_id, timeout=LIMIT)
        assert done.status == "completed" and "Deleted a.txt" in text_of(done.result)

        # The same through the SDK: the claim resolver answers with the elicitation callback.
        result = await client.call_tool("multi_input", {})
        assert result.content[0].text == "Got Alice and Alice"


async def test_tool_error_ends_completed(target):
    async with connect(target) as (client, tasks):
        created = await tasks.call_tool("failing_job")
        done = await tasks.wait_until_terminal(created.task_id, timeout=LIMIT)
        assert isinstance(done, models.CompletedTaskResult)
        assert done.result["isError"] is True
        assert (await client.call_tool("failing_job", {})).is_error is True


async def test_jsonrpc_error_ends_failed_with_error(target):
    async with connect(target) as (client, tasks):
        created = await tasks.call_tool("protocol_error_job")
        done = await tasks.wait_until_terminal(created.task_id, timeout=LIMIT)
        assert isinstance(done, models.FailedTaskResult)
        assert "result" not in done.model_dump(by_alias=True, exclude_unset=True)
        with pytest.raises(errors.TaskFailedError) as failed:
            await tasks.wait_for_result(created.task_id)
        assert failed.value.error.code == done.error.code
        assert isinstance(
            failed.value.error, errors.ERROR_TYPES.get(done.error.code, errors.JsonRpcError)
        )
        with pytest.raises(MCPError) as raised:  # as the call would have raised without a task
            await client.call_tool("protocol_error_job", {})
        assert raised.value.code == done.error.code


async def test_cancel(target):
    async with connect(target) as (client, tasks):
        created = await tasks.call_tool("slow_compute", arguments={"seconds": 30})
        ack = await tasks.cancel_task(created.task_id)
        assert ack.result_type == "complete"
        done = await tasks.wait_until_terminal(created.task_id, timeout=LIMIT)
        assert done.status == "cancelled"
        assert (
            await tasks.cancel_task(created.task_id)
        ).result_type == "complete"  # terminal: same ack
        with pytest.raises(errors.TaskCancelledError):
            await tasks.wait_for_result(created.task_id)


async def test_pause_steer_twice_resume_delivers_steers_in_order(target):
    async with connect(target) as (client, tasks):
        created = await tasks.call_tool("steerable_job")
        paused = await tasks.pause_task(created.task_id)
        assert paused.status == "paused", paused
        for message in ("first", "second"):
            assert (await tasks.steer_task(created.task_id, message)).result_type == "complete"
        assert (
            await tasks.get_task(created.task_id)
        ).status == "paused"  # steers queue while paused
        with pytest.raises(errors.InvalidParamsError) as refused:
            await tasks.pause_task(created.task_id)  # only working or input_required may pause
        assert (refused.value.code, refused.value.message) == (
            -32602, "tasks/pause is not accepted on a task in status 'paused'"
        )

        resumed = await tasks.resume_task(created.task_id)
        assert resumed.status in ("working", "input_required")
        done = await tasks.wait_until_terminal(created.task_id, timeout=LIMIT)
        assert done.status == "completed"
        text = text_of(done.result)
        assert 0 <= text.index("first") < text.index("second"), text
        with pytest.raises(errors.InvalidParamsError) as refused:
            await tasks.steer_task(created.task_id, "too late")  # terminal tasks refuse steering
        assert (refused.value.code, refused.value.message) == (
            -32602, "tasks/steer is not accepted on a task in status 'completed'"
        )


async def test_subtask_tree_parent_completes_after_children(target):
    async with connect(target) as (client, tasks):
        created = await tasks.call_tool("subtask_job")
        while (parent := await tasks.get_task(created.task_id)).status not in TERMINAL:
            await anyio.sleep(0.02)
        assert parent.status == "completed"
        tree = await tasks.task_tree(created.task_id)
        children = [task for depth, task in tree.walk() if depth > 0]
        assert children and [c.task.task_id for c in tree.children] == list(parent.child_task_ids)
        for child in children:
            # Terminal before the parent: a terminal status never changes, so it is still
            # terminal now, and its last change is no later than the parent's.
            assert child.status in TERMINAL and child.last_updated_at <= parent.last_updated_at
        for node in tree.children:
            assert node.task.parent_task_id == created.task_id

        # Through the SDK: the resolver waits for the whole tree.
        result = await client.call_tool("subtask_job", {})
        assert result.is_error is not True


async def test_event_source_stream_ends_when_the_task_completes(target):
    """event_job (examples/reference_server.py) publishes {"index": 0}, {"index": 1}, {"index": 2}:
    following the source yields exactly those, in that order, each named after the source, with
    distinct ids; once the task is completed, a poll from the initial cursor answers at once with
    the same events (ids included, a second route to them) and nothing more."""
    async with connect(target) as (client, tasks):
        created = await tasks.call_tool("event_job")
        source = created.event_source
        assert isinstance(source, models.TaskEventSource)
        assert source.input == {"taskId": created.task_id}  # TES: subscribed with the task's id
        events = [
            event
            async for event in tasks.follow_events(
                created.task_id, source, timeout_ms=1000, min_interval=0.02
            )
        ]
        assert [e.data for e in events] == [{"index": 0}, {"index": 1}, {"index": 2}]
        assert [e.name for e in events] == [source.name] * 3
        assert len({e.event_id for e in events}) == 3
        assert (await tasks.get_task(created.task_id)).status == "completed"

        # The stream has ended: a long poll on it answers at once, with nothing after its last event.
        started = time.monotonic()
        page = await tasks.poll_events(
            source.name, source.input, cursor=source.initial_cursor, timeout_ms=5000
        )
        assert time.monotonic() - started < 2.5
        assert page.has_more is False and page.truncated is False
        assert [e.model_dump(by_alias=True) for e in page.events] == [
            e.model_dump(by_alias=True) for e in events
        ]


async def test_event_source_push_stream_delivers_typed_notifications(target):
    class Events(NotificationHandler):
        def __init__(self):
            self.indexes: list[int] = []

        async def on_event(self, params):
            assert isinstance(params, models.EventNotificationParams)
            self.indexes.append(params.data["index"])

    handler = Events()
    with anyio.fail_after(LIMIT):
        async with Client(
            target(), extensions=[TasksClientExtension(poll=FAST, notifications=handler)]
        ) as client:
            tasks = tasks_client(client, poll=FAST)
            created = await tasks.call_tool("event_job", arguments={"count": 3})
            source = created.event_source
            # The request stays open while the task runs; the final result ends the stream.
            final = await tasks.stream_events(
                source.name, source.input, cursor=source.initial_cursor
            )
            assert final.result_type == "complete"
            assert (await tasks.get_task(created.task_id)).status in TERMINAL
            while len(handler.indexes) < 3:  # bindings deliver through a queue of their own
                await anyio.sleep(0.01)
    assert handler.indexes == [0, 1, 2]


async def test_typed_errors(target):
    async with connect(target) as (client, tasks):
        with pytest.raises(errors.InvalidParamsError) as unknown:
            await tasks.get_task("no-such-task")
        # facts 2.12: -32602, with the SEP's example message
        assert (unknown.value.code, unknown.value.message) == (
            -32602, "Failed to retrieve task: Task not found"
        )
        with pytest.raises(errors.MethodNotFoundError) as removed:
            await tasks.request("tasks/result", {"taskId": "no-such-task"})
        assert (removed.value.code, removed.value.message) == (-32601, "Method not found")  # facts 2.12
    async with connect(target, extension=False) as (plain, tasks):
        # The SDK stamps the session's own capabilities, which lack the extension here.
        with pytest.raises(errors.MissingRequiredClientCapabilityError) as missing:
            await tasks.get_task("no-such-task")
        assert (missing.value.code, missing.value.message) == (  # facts 2.12 (b)
            -32021, "The request does not declare the 'io.modelcontextprotocol/tasks' capability"
        )
        assert missing.value.data == {  # facts 2.12: data.requiredCapabilities
            "requiredCapabilities": {"extensions": {"io.modelcontextprotocol/tasks": {}}}
        }


async def test_notification_bindings_deliver_the_status_variant():
    class Recorder(NotificationHandler):
        def __init__(self):
            self.seen = []

        async def on_tasks(self, params):
            self.seen.append(params)

    recorder = Recorder()
    bindings = {b.method: b for b in TasksClientExtension(notifications=recorder).notifications()}
    assert "notifications/tasks" in bindings
    assert "notifications/subscriptions/acknowledged" not in bindings  # the SDK handles core ones
    binding = bindings["notifications/tasks"]
    wire = {
        "taskId": "t-1",
        "status": "completed",
        "createdAt": "2026-07-28T10:00:00Z",
        "lastUpdatedAt": "2026-07-28T10:00:01Z",
        "ttlMs": None,
        "result": {"content": []},
    }
    await binding.handler(binding.params_type.model_validate(wire))  # what the SDK does on receipt
    assert isinstance(recorder.seen[0], models.CompletedTaskNotificationParams)
