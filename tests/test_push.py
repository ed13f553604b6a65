"""Push: `notifications/tasks` on a `subscriptions/listen` stream, over real streamable HTTP.

Expected behaviour comes from SEP-2663 (Task Status Notifications: the listen filter's `taskIds`,
the acknowledgement naming the tasks the server agreed to report on, a full DetailedTask per
notification, `_meta["io.modelcontextprotocol/subscriptionId"]` = the listen request's JSON-RPC id,
-32021 for a client that did not declare the extension) and the core draft schema (the
acknowledgement is the stream's first frame). A listener on one replica hears the changes made
through another (issue 15); with the in-memory store, the same in one process.
"""

from __future__ import annotations

import json
from contextlib import asynccontextmanager, contextmanager

import anyio
import httpx
import pytest
from mcp import Client

from conftest import running_reference_server
from mcp_tasks import parse_message
from mcp_tasks.client import CLIENT_CAPABILITIES, PROTOCOL_VERSION, PollPolicy, TasksClient
from mcp_tasks.sdk_client import TasksClientExtension, session_transport

pytestmark = [pytest.mark.anyio]
FAST = PollPolicy(floor=0.01, ceiling=0.1)
LIMIT = 60
SUBSCRIPTION_ID = "io.modelcontextprotocol/subscriptionId"
TASKS = "io.modelcontextprotocol/tasks"


@pytest.fixture
def anyio_backend():
    return "asyncio"


@contextmanager
def two_replicas(redis_url: str, database: int, *, lease_ms: int):
    """Two reference servers sharing one Redis database (a test of its own each, so that tests do
    not see each other's tasks): the URLs of replicas A and B."""
    store = redis_url.rsplit("/", 1)[0] + f"/{database}"
    args = ("--store", store, "--lease-ms", str(lease_ms), "--poll-interval-ms", "50")
    with running_reference_server(*args) as a, running_reference_server(*args) as b:
        yield a, b


@asynccontextmanager
async def tasks_at(url: str):
    async with Client(url, extensions=[TasksClientExtension()]) as client:
        yield TasksClient(session_transport(client.session), poll=FAST)


def _meta(capabilities=CLIENT_CAPABILITIES) -> dict:
    return {
        "io.modelcontextprotocol/protocolVersion": PROTOCOL_VERSION,
        "io.modelcontextprotocol/clientCapabilities": capabilities,
    }


@asynccontextmanager
async def raw_listen(url: str, task_ids: list[str], request_id="listen-1", capabilities=None):
    """POST one listen request and iterate the SSE frames of its response: the wire, unparsed."""
    body = {
        "jsonrpc": "2.0",
        "id": request_id,
        "method": "subscriptions/listen",
        "params": {
            "notifications": {"taskIds": task_ids},
            "_meta": _meta(CLIENT_CAPABILITIES if capabilities is None else capabilities),
        },
    }
    headers = {
        "accept": "application/json, text/event-stream",
        "content-type": "application/json",
        "mcp-protocol-version": PROTOCOL_VERSION,
        "mcp-method": "subscriptions/listen",
    }
    async with httpx.AsyncClient(timeout=LIMIT) as http:
        async with http.stream("POST", url, json=body, headers=headers) as response:
            yield response, _frames(response)


async def _frames(response: httpx.Response):
    if not response.headers.get("content-type", "").startswith("text/event-stream"):
        yield json.loads(await response.aread())
        return
    async for line in response.aiter_lines():
        if line.startswith("data:"):
            yield json.loads(line[5:])


def status(task) -> str:
    return getattr(task.status, "root", task.status)


async def _collect_until_terminal(frames, request_id) -> list[dict]:
    """Every frame of the stream up to its last (the listen result, sent once all is terminal)."""
    seen = []
    async for frame in frames:
        seen.append(frame)
        if "result" in frame or "error" in frame:
            break
    return seen


def _check_stream(frames: list[dict], request_id, task_id: str) -> list[str]:
    """The stream's shape, per the spec; returns the statuses notified, in order."""
    ack, *notifications, end = frames
    assert ack["method"] == "notifications/subscriptions/acknowledged"
    assert ack["params"]["_meta"][SUBSCRIPTION_ID] == request_id
    assert ack["params"]["notifications"] == {"taskIds": [task_id]}
    statuses = []
    for frame in notifications:
        assert frame["method"] == "notifications/tasks"
        parsed = parse_message(frame)  # a valid TaskStatusNotification of the generated models
        assert parsed.params.task_id == task_id
        assert frame["params"]["_meta"] == {SUBSCRIPTION_ID: request_id}
        assert "resultType" not in frame["params"]  # a notification, not a tasks/get result
        statuses.append(frame["params"]["status"])
    assert end["id"] == request_id and end["result"]["_meta"][SUBSCRIPTION_ID] == request_id
    return statuses


async def _lifecycle_through(url_change: str, url_listen: str):
    """Create a steerable task through `url_change`, listen on `url_listen`, pause, resume and let
    it finish through `url_change`; returns (frames heard, the statuses the changes produced)."""
    async with tasks_at(url_change) as tasks:
        created = await tasks.call_tool("steerable_job", arguments={"steps": 30, "step_seconds": 0.05})
        task_id = created.task_id
        async with raw_listen(url_listen, [task_id], request_id="sub-7") as (response, frames):
            assert response.status_code == 200
            heard: list[dict] = []

            async def listen():
                heard.extend(await _collect_until_terminal(frames, "sub-7"))

            async with anyio.create_task_group() as group:
                group.start_soon(listen)
                await _until(lambda: len(heard) >= 0 and True)
                await anyio.sleep(0.3)  # the ack and the current state are on their way
                assert status(await tasks.pause_task(task_id)) == "paused"
                await anyio.sleep(0.2)
                assert status(await tasks.resume_task(task_id)) == "working"
                final = await tasks.wait_until_terminal(task_id)
                assert status(final) == "completed"
        return task_id, heard


async def _until(predicate, timeout: float = 10.0):
    with anyio.fail_after(timeout):
        while not predicate():
            await anyio.sleep(0.01)


async def test_a_listener_hears_every_status_change_in_one_process():
    with anyio.fail_after(LIMIT), running_reference_server("--poll-interval-ms", "50") as url:
        task_id, frames = await _lifecycle_through(url, url)
        statuses = _check_stream(frames, "sub-7", task_id)
        assert statuses == ["working", "paused", "working", "completed"]


@pytest.mark.slow
async def test_a_listener_on_replica_a_hears_changes_made_through_replica_b(redis_url):
    with anyio.fail_after(LIMIT), two_replicas(redis_url, 14, lease_ms=2000) as (a, b):
        task_id, frames = await _lifecycle_through(b, a)
        statuses = _check_stream(frames, "sub-7", task_id)
        assert statuses == ["working", "paused", "working", "completed"]


async def test_listening_for_tasks_without_declaring_the_extension_is_32021():
    with anyio.fail_after(LIMIT), running_reference_server() as url:
        async with raw_listen(url, ["whatever"], capabilities={}) as (response, frames):
            (answer,) = [frame async for frame in frames]
    assert answer["error"]["code"] == -32021
    assert answer["error"]["data"]["requiredCapabilities"] == {"extensions": {TASKS: {}}}


async def test_unknown_task_ids_are_left_out_of_the_acknowledgement():
    with anyio.fail_after(LIMIT), running_reference_server() as url:
        async with raw_listen(url, ["no-such-task"], request_id=3) as (_, frames):
            ack, end = [frame async for frame in frames]
    assert ack["params"] == {"notifications": {"taskIds": []}, "_meta": {SUBSCRIPTION_ID: 3}}
    assert end["id"] == 3 and end["result"]["_meta"] == {SUBSCRIPTION_ID: 3}


# The generated client: push when offered, polling otherwise -----------------------------------------


class CountingSend:
    """The session transport, counting the tasks/get it sends."""

    def __init__(self, send):
        self.send, self.gets = send, 0

    async def __call__(self, message):
        if message["method"] == "tasks/get":
            self.gets += 1
        return await self.send(message)


async def test_the_client_follows_a_task_by_push_without_polling():
    with anyio.fail_after(LIMIT), running_reference_server("--poll-interval-ms", "50") as url:
        async with Client(url, extensions=[TasksClientExtension()]) as client:
            from mcp_tasks.sdk_client import session_listener

            counting = CountingSend(session_transport(client.session))
            tasks = TasksClient(counting, poll=FAST, listen=session_listener(client.session))
            created = await tasks.call_tool("slow_compute", arguments={"seconds": 0.5})
            seen = [status(t) async for t in tasks.watch(created.task_id)]
            assert seen == ["working", "completed"]
            final = await tasks.wait_until_terminal(created.task_id)
            assert status(final) == "completed"
            assert counting.gets == 0  # every state came from notifications/tasks


async def test_the_client_polls_when_the_server_does_not_push():
    """A listen that the server does not acknowledge for the task (here: the SDK's own handler,
    reached because the task ids are filtered out of the request) leaves the client polling."""
    with anyio.fail_after(LIMIT), running_reference_server("--poll-interval-ms", "50") as url:
        async with Client(url, extensions=[TasksClientExtension()]) as client:
            from mcp_tasks.sdk_client import session_listener

            listener = session_listener(client.session)

            def without_push(request):
                stripped = json.loads(json.dumps(request))
                stripped["params"]["notifications"] = {"toolsListChanged": True}
                return listener(stripped)

            counting = CountingSend(session_transport(client.session))
            tasks = TasksClient(counting, poll=FAST, listen=without_push)
            created = await tasks.call_tool("slow_compute", arguments={"seconds": 0.3})
            final = await tasks.wait_until_terminal(created.task_id)
            assert status(final) == "completed"
            assert counting.gets >= 2  # polled, at the server's pollIntervalMs


async def test_the_client_polls_when_the_stream_breaks():
    with anyio.fail_after(LIMIT), running_reference_server("--poll-interval-ms", "50") as url:
        async with Client(url, extensions=[TasksClientExtension()]) as client:

            async def broken(request):
                raise ConnectionError("the listen stream broke")
                yield  # an async generator

            counting = CountingSend(session_transport(client.session))
            tasks = TasksClient(counting, poll=FAST, listen=broken)
            created = await tasks.call_tool("slow_compute", arguments={"seconds": 0.2})
            seen = [status(t) async for t in tasks.watch(created.task_id)]
            assert seen[-1] == "completed" and counting.gets >= 2


@pytest.mark.slow
async def test_events_published_on_one_replica_are_read_through_the_other(redis_url):
    """The event log is a Redis stream: events/poll through replica B reads what the body on
    replica A published, in order, with cursors that resume on either replica."""
    with anyio.fail_after(LIMIT), two_replicas(redis_url, 12, lease_ms=2000) as (a, b):
        async with tasks_at(a) as on_a, tasks_at(b) as on_b:
            created = await on_a.call_tool("event_job", arguments={"count": 4, "interval": 0.05})
            source = created.event_source
            events = [e async for e in on_b.follow_events(created.task_id, source, min_interval=0.05)]
            assert [e.data["index"] for e in events] == [0, 1, 2, 3]
            assert len({e.event_id for e in events}) == 4


async def test_settling_by_push_still_times_out_and_leaves_the_task_running():
    from mcp_tasks.sdk_client import session_listener
    from mcp_tasks.tracking import SettleTimeout

    with anyio.fail_after(LIMIT), running_reference_server("--poll-interval-ms", "50") as url:
        async with Client(url, extensions=[TasksClientExtension()]) as client:
            counting = CountingSend(session_transport(client.session))
            tasks = TasksClient(counting, poll=FAST, listen=session_listener(client.session))
            created = await tasks.call_tool("slow_compute", arguments={"seconds": 30})
            with pytest.raises(SettleTimeout) as timed_out:
                await tasks.settle(created.task_id, timeout=0.5)
            assert status(timed_out.value.task) == "working" and counting.gets == 0
            assert status(await tasks.get_task(created.task_id)) == "working"
            await tasks.cancel_task(created.task_id)
