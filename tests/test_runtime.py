"""The generated runtime (mcp_tasks.store, mcp_tasks.runtime, mcp_tasks.runtime_server), for real:
real asyncio tasks, real waiting, a fake clock only where TTLs would make a test slow."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mcp_tasks import errors
from mcp_tasks.guard import TransitionRefused
from mcp_tasks.runtime import TaskContext, TaskFailed, TaskRuntime, current_task
from mcp_tasks.runtime_server import RuntimeTaskServer
from mcp_tasks.server import RequestContext
from mcp_tasks.store import TaskStore

import lifecycle_oracle as oracle
from redis_server import make_store

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend():
    return "asyncio"  # the runtime is asyncio only


@pytest.fixture(params=["memory", "redis"])
async def runtime(request):
    """A running runtime on each store: in memory, and in Redis (a real redis-server)."""
    runtime = TaskRuntime(poll_interval_ms=10, store=make_store(request))
    async with runtime.running():
        yield runtime


async def until(predicate, timeout: float = 5.0) -> None:
    """Wait until `predicate()` is true, failing the test after `timeout` seconds."""
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.005)


async def forever(task: TaskContext):
    await asyncio.Event().wait()


def done(result: str = "ok"):
    async def body(task: TaskContext):
        return {"content": [{"type": "text", "text": result}]}

    return body


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# TTL ----------------------------------------------------------------------------------------------


def test_a_task_is_retrievable_for_its_whole_ttl_then_expires():
    clock = FakeClock()
    store = TaskStore(clock=clock)
    record = store.create(ttl_ms=1000, poll_interval_ms=None)
    clock.now += 0.999
    assert store.get(record.task_id) is record
    clock.now += 0.001
    with pytest.raises(errors.InvalidParamsError) as raised:
        store.get(record.task_id)
    # facts 2.12: -32602, with the SEP's example messages
    assert (raised.value.code, raised.value.message) == (-32602, "Failed to retrieve task: Task has expired")
    with pytest.raises(errors.InvalidParamsError) as raised:
        store.get("never-existed")
    assert (raised.value.code, raised.value.message) == (-32602, "Failed to retrieve task: Task not found")


def test_ttl_null_is_unlimited_and_reaches_the_wire_as_null():
    clock = FakeClock()
    store = TaskStore(clock=clock)
    record = store.create(ttl_ms=None, poll_interval_ms=None)
    clock.now += 10 * 365 * 24 * 3600
    assert store.get(record.task_id).to_get_result()["ttlMs"] is None
    assert "ttlMs" in record.to_create_result() and record.to_create_result()["ttlMs"] is None


async def test_an_expired_task_stops_running():
    clock = FakeClock()
    runtime = TaskRuntime(ttl_ms=50, store=TaskStore(clock=clock))
    stopped = asyncio.Event()

    async def body(task: TaskContext):
        try:
            await asyncio.Event().wait()
        finally:
            stopped.set()

    async with runtime.running():
        record = runtime.start(body)
        await asyncio.sleep(0)
        clock.now += 0.05
        assert runtime.store.find(record.task_id) is None
        await asyncio.wait_for(stopped.wait(), 5)


# Ids ----------------------------------------------------------------------------------------------


def test_task_ids_are_unguessable_urlsafe_and_unique(monkeypatch):
    import mcp_tasks.store as store_module

    asked: list[int] = []
    real = store_module.secrets.token_urlsafe
    monkeypatch.setattr(store_module.secrets, "token_urlsafe", lambda n: asked.append(n) or real(n))
    store = TaskStore()
    ids = {store.create(ttl_ms=None, poll_interval_ms=None).task_id for _ in range(2000)}
    assert len(ids) == 2000
    assert asked and min(asked) * 8 >= 128  # bytes from `secrets`, at least 128 bits
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{22,}", task_id) for task_id in ids)


# inputRequests keys -------------------------------------------------------------------------------


async def test_input_request_keys_are_unique_over_the_tasks_life(runtime: TaskRuntime):
    keys_seen: list[str] = []

    async def body(task: TaskContext):
        for _ in range(3):
            await task.elicit("again?", {"type": "object"})
        return {}

    record = runtime.start(body)
    for _ in range(3):
        await until(lambda: record.input_requests)
        (key,) = record.input_requests
        keys_seen.append(key)
        runtime.update(record.task_id, {key: {"action": "accept"}})
    await until(lambda: record.terminal)
    assert record.status == "completed"
    assert len(set(keys_seen)) == 3 and record.used_keys == set(keys_seen)


def test_an_explicit_key_is_refused_once_used():
    store = TaskStore()
    record = store.create(ttl_ms=None, poll_interval_ms=None)
    store.add_input_request(record, {"method": "roots/list"}, "roots")
    store.answer(record, "roots")
    with pytest.raises(ValueError, match="already used"):
        store.add_input_request(record, {"method": "roots/list"}, "roots")
    generated = {store.add_input_request(record, {"method": "roots/list"}) for _ in range(50)}
    assert len(generated) == 50 and "roots" not in generated


async def test_partial_update_keeps_the_task_input_required_and_ignores_unknown_keys(
    runtime: TaskRuntime,
):
    async def body(task: TaskContext):
        first, second = await asyncio.gather(task.elicit("a?", {}), task.elicit("b?", {}))
        return {"content": [{"type": "text", "text": f"{first['action']} {second['action']}"}]}

    record = runtime.start(body)
    await until(lambda: len(record.input_requests) == 2)
    first, second = record.input_requests
    runtime.update(record.task_id, {first: {"action": "accept"}, "unknown": {"ignored": True}})
    assert record.status == "input_required" and list(record.input_requests) == [second]
    runtime.update(record.task_id, {first: {"action": "cancel"}})  # already answered: ignored
    runtime.update(record.task_id, {second: {"action": "decline"}})
    await until(lambda: record.terminal)
    assert record.result["content"][0]["text"] == "accept decline"


# Outcomes -----------------------------------------------------------------------------------------


async def test_body_outcomes_become_the_tasks_terminal_status(runtime: TaskRuntime):
    async def fails(task):
        raise TaskFailed(-32603, "boom", {"why": "test"})

    async def crashes(task):
        raise RuntimeError("bug")

    completed, failed, crashed = runtime.start(done()), runtime.start(fails), runtime.start(crashes)
    await until(lambda: completed.terminal and failed.terminal and crashed.terminal)
    assert completed.to_get_result()["result"] == {"content": [{"type": "text", "text": "ok"}]}
    assert failed.to_get_result()["error"] == {
        "code": -32603,
        "message": "boom",
        "data": {"why": "test"},
    }
    assert "result" not in failed.to_get_result()
    assert crashed.status == "failed" and crashed.error["code"] == -32603


async def test_a_body_sees_itself_as_the_current_task(runtime: TaskRuntime):
    seen = []

    async def body(task: TaskContext):
        seen.append(current_task() is task)
        return {}

    runtime.start(body)
    await until(lambda: seen)
    assert seen == [True] and current_task() is None


async def test_cancel_is_cooperative_and_acknowledged_again_on_a_terminal_task(
    runtime: TaskRuntime,
):
    record = runtime.start(forever)
    await asyncio.sleep(0)
    runtime.cancel(record.task_id)
    await until(lambda: record.terminal)
    assert record.status == "cancelled"
    runtime.cancel(record.task_id)  # the same ack, nothing changes
    assert record.status == "cancelled"


async def test_closing_the_runtime_fails_unfinished_tasks():
    runtime = TaskRuntime()
    async with runtime.running():
        async with runtime.running():  # nested (one per connection): the inner exit stops nothing
            record = runtime.start(forever)
        await asyncio.sleep(0.01)
        assert record.status == "working"
    assert record.status == "failed" and "stopped" in record.error["message"]


# The lifecycle, enforced by the store -------------------------------------------------------------


@pytest.mark.parametrize("source", oracle.STATUS_NAMES)
@pytest.mark.parametrize("target", oracle.STATUS_NAMES)
def test_the_store_allows_exactly_the_lifecycles_transitions(source: str, target: str):
    """Expected answers from the hand-written oracle (tests/lifecycle_oracle.py), every trigger:
    a store that ignored the trigger (a server-only change accepted via a client method) fails."""
    store = TaskStore()
    for trigger in oracle.TRIGGERS:
        record = store.create(ttl_ms=None, poll_interval_ms=None)
        record.status = source  # put it there directly: this test is about the next step
        if oracle.allowed(source, target, trigger):
            store.set_status(record, target, trigger=trigger)
            assert record.status == target
        else:
            with pytest.raises(TransitionRefused):
                store.set_status(record, target, trigger=trigger)
            assert record.status == source  # refused: nothing changed


# Steering and pausing -----------------------------------------------------------------------------


def steerable(received: list[str], steps: int = 400):
    async def body(task: TaskContext):
        for _ in range(steps):
            await asyncio.sleep(0.005)
            received.extend(await task.checkpoint())
        return {"content": [{"type": "text", "text": " | ".join(received)}]}

    return body


async def test_steers_queue_while_paused_and_arrive_in_order_after_resume(runtime: TaskRuntime):
    received: list[str] = []
    record = runtime.start(steerable(received, steps=30))
    runtime.steer(record.task_id, "zero")
    await until(lambda: received == ["zero"])  # delivered at the next checkpoint
    assert runtime.pause(record.task_id).status == "paused"
    runtime.steer(record.task_id, "one")
    runtime.steer(record.task_id, "two")
    await asyncio.sleep(0.1)  # the body is held at its checkpoint: nothing delivered while paused
    assert received == ["zero"] and record.status == "paused"
    assert runtime.resume(record.task_id).status == "working"
    await until(lambda: record.terminal)
    assert received == ["zero", "one", "two"]
    assert record.result["content"][0]["text"] == "zero | one | two"


async def test_a_body_that_finishes_while_paused_completes_only_after_resume(runtime: TaskRuntime):
    finished = asyncio.Event()

    async def body(task: TaskContext):
        await asyncio.sleep(0.02)
        finished.set()
        return {"content": []}

    record = runtime.start(body)
    runtime.pause(record.task_id)
    await finished.wait()
    await asyncio.sleep(0.05)
    assert record.status == "paused"  # paused -> completed is not a transition
    runtime.resume(record.task_id)
    await until(lambda: record.terminal)
    assert record.status == "completed"


async def test_pause_keeps_input_requests_and_resume_returns_to_input_required(
    runtime: TaskRuntime,
):
    async def body(task: TaskContext):
        return {"content": [{"type": "text", "text": (await task.elicit("go?", {}))["action"]}]}

    record = runtime.start(body)
    await until(lambda: record.status == "input_required")
    keys = set(record.input_requests)
    runtime.pause(record.task_id)
    assert "inputRequests" not in record.to_get_result()
    with pytest.raises(errors.InvalidParamsError) as refused:
        runtime.update(record.task_id, {k: {"action": "accept"} for k in keys})  # paused: refused
    assert (refused.value.code, refused.value.message) == (
        -32602, "tasks/update is not accepted on a task in status 'paused'"
    )
    assert runtime.resume(record.task_id).status == "input_required"
    assert set(record.input_requests) == keys  # the same keys survive pause and resume
    runtime.update(record.task_id, {k: {"action": "accept"} for k in keys})
    await until(lambda: record.terminal)
    assert record.result["content"][0]["text"] == "accept"


async def test_a_request_the_body_stops_waiting_for_leaves_the_task_working(runtime: TaskRuntime):
    """SEP-2663: input_required means the server needs input, and tasks/get lists ALL outstanding
    requests in inputRequests. A body that gives up on its request (a timeout) and goes on must not
    leave the task input_required with nothing to answer: the request is withdrawn and the task is
    working again in the same change (input_required -> working is a transition of the lifecycle).
    The bug this pins left it input_required with an empty inputRequests until the body ended."""
    seen: list[tuple[str, list[str]]] = []
    runtime.store.add_listener(lambda r: seen.append((r.status, sorted(r.input_requests))))
    gone_on = asyncio.Event()
    finish = asyncio.Event()

    async def body(task: TaskContext):
        ask = {"method": "elicitation/create", "params": {"mode": "form", "message": "Name?", "requestedSchema": {"type": "object"}}}
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(task.request_input(ask, key="k"), 0.05)
        gone_on.set()
        await finish.wait()
        return {"content": []}

    record = runtime.start(body)
    await asyncio.wait_for(gone_on.wait(), 5)
    await until(lambda: record.status == "working")
    detailed = record.to_detailed()
    assert detailed["status"] == "working" and "inputRequests" not in detailed
    assert ("input_required", []) not in seen
    assert oracle.allowed("input_required", "working", oracle.SERVER)
    finish.set()
    await until(lambda: record.terminal)
    assert record.status == "completed"


async def test_cancel_reaches_a_paused_task(runtime: TaskRuntime):
    record = runtime.start(steerable([]))
    runtime.pause(record.task_id)
    runtime.cancel(record.task_id)
    await until(lambda: record.terminal)
    assert record.status == "cancelled"


# Subtasks -----------------------------------------------------------------------------------------


def record_terminal_order(runtime: TaskRuntime) -> list[str]:
    """Task ids in the order they became terminal, as the store's listeners hear of it."""
    order: list[str] = []

    def heard(record):
        if record.status in oracle.TERMINAL and record.task_id not in order:
            order.append(record.task_id)

    runtime.store.add_listener(heard)
    return order


async def test_a_parent_completes_only_after_its_children(runtime: TaskRuntime):
    order = record_terminal_order(runtime)
    snapshots: list[list[str]] = []
    children: list[str] = []
    release = asyncio.Event()

    async def child(task: TaskContext):
        await release.wait()
        return {"content": [{"type": "text", "text": task.task_id}]}

    async def parent(task: TaskContext):
        for _ in range(3):
            children.append(task.spawn_subtask(child))
            snapshots.append(list(task.record.child_task_ids))
        return {"content": [{"type": "text", "text": "parent"}]}  # returns before its children end

    record = runtime.start(parent)
    await until(lambda: len(children) == 3)
    await asyncio.sleep(0.05)
    assert record.status == "working"  # the body is done, its children are not
    release.set()
    await until(lambda: record.terminal and record.task_id in order)
    assert record.status == "completed"
    assert order[-1] == record.task_id and set(order[:-1]) == set(children)
    assert record.child_task_ids == children  # in creation order
    assert all(snapshots[i] == snapshots[-1][: i + 1] for i in range(3))  # only ever appended to
    for child_id in children:
        child_record = runtime.store.get(child_id)
        assert child_record.parent_task_id == record.task_id and child_record.status == "completed"


async def test_an_accepted_cancel_propagates_to_every_descendant(runtime: TaskRuntime):
    order = record_terminal_order(runtime)
    ids: dict[str, str] = {}

    async def grandchild(task: TaskContext):
        ids["grandchild"] = task.task_id
        await asyncio.Event().wait()

    async def child(task: TaskContext):
        ids["child"] = task.task_id
        task.spawn_subtask(grandchild)
        await asyncio.Event().wait()

    async def parent(task: TaskContext):
        task.spawn_subtask(child)
        await asyncio.Event().wait()

    record = runtime.start(parent)
    await until(lambda: len(ids) == 2)
    runtime.cancel(record.task_id)
    await until(lambda: record.terminal and record.task_id in order)
    statuses = {name: runtime.store.get(task_id).status for name, task_id in ids.items()}
    assert record.status == "cancelled" and statuses == {
        "child": "cancelled",
        "grandchild": "cancelled",
    }
    assert order == [ids["grandchild"], ids["child"], record.task_id]  # leaves first


def test_the_store_refuses_a_terminal_parent_with_running_children():
    store = TaskStore()
    parent = store.create(ttl_ms=None, poll_interval_ms=None)
    child = store.create(ttl_ms=None, poll_interval_ms=None, parent=parent)
    with pytest.raises(TransitionRefused, match="subtasks"):
        store.complete(parent, {})
    store.complete(child, {})
    store.complete(parent, {})
    assert parent.status == "completed"
    with pytest.raises(ValueError):
        store.create(ttl_ms=None, poll_interval_ms=None, parent=parent)  # terminal: no new subtasks


def test_a_subtask_expires_with_its_parent_whatever_its_own_ttl():
    clock = FakeClock()
    store = TaskStore(clock=clock)
    parent = store.create(ttl_ms=1000, poll_interval_ms=None)
    clock.now += 0.4
    child = store.create(ttl_ms=None, poll_interval_ms=None, parent=parent)
    assert child.ttl_ms == 600  # no longer than its parent stays retrievable
    clock.now += 0.6
    assert store.find(parent.task_id) is None and store.find(child.task_id) is None


# Event sources ------------------------------------------------------------------------------------


def params(model, **values):
    return model.from_wire(values)


async def test_the_event_stream_ends_when_the_task_becomes_terminal(runtime: TaskRuntime):
    from mcp_tasks import models

    server = RuntimeTaskServer(runtime)
    release = asyncio.Event()

    async def body(task: TaskContext):
        for index in range(3):
            task.emit_event({"index": index})
            await asyncio.sleep(0.01)
        await release.wait()
        task.emit_event({"index": 3})
        return {"content": []}

    record = runtime.start(body, event_source=True)
    source = record.to_create_result()["eventSource"]
    sent: list[tuple[str, dict]] = []

    async def notify(method: str, params: dict) -> None:
        sent.append((method, params))

    request = params(
        models.StreamEventsRequestParams,
        name=source["name"],
        arguments=source["input"],
        cursor=source["initialCursor"],
    )
    stream = asyncio.create_task(
        server.stream_events(request, RequestContext("events/stream", 7, notify=notify))
    )
    await until(lambda: len(sent) == 4)
    assert not stream.done()  # the task still runs: the stream stays open
    release.set()
    final = await asyncio.wait_for(stream, 5)
    assert record.status == "completed" and final == {"resultType": "complete"}
    methods = [method for method, _ in sent]
    assert methods == ["notifications/events/active"] + ["notifications/events/event"] * 4
    assert [p["data"]["index"] for _, p in sent[1:]] == [0, 1, 2, 3]
    cursors = [p["cursor"] for _, p in sent[1:]]  # opaque: positions in memory, ids in Redis
    assert len(set(cursors)) == 4 and all(isinstance(c, str) and c for c in cursors)
    assert all(p["_meta"] == {"io.modelcontextprotocol/subscriptionId": 7} for _, p in sent)


async def test_polling_resumes_from_a_cursor_and_long_polls(runtime: TaskRuntime):
    from mcp_tasks import models

    server = RuntimeTaskServer(runtime)
    gate = asyncio.Event()

    async def body(task: TaskContext):
        task.emit_event({"n": 1})
        await gate.wait()
        task.emit_event({"n": 2})
        return {}

    record = runtime.start(body, event_source=True)
    context = RequestContext("events/poll")
    poll = lambda **v: server.poll_events(
        params(
            models.PollEventsRequestParams,
            name="task.events",
            arguments={"taskId": record.task_id},
            **v,
        ),
        context,
    )  # noqa: E731
    first = await poll(cursor="0", timeoutMs=5000)  # waits for the first event
    assert [e["data"] for e in first["events"]] == [{"n": 1}] and not first["truncated"]
    waiting = asyncio.create_task(poll(cursor=first["cursor"], timeoutMs=5000))
    await asyncio.sleep(0.05)
    assert not waiting.done()  # held open until an event arrives
    gate.set()
    second = await asyncio.wait_for(waiting, 5)
    assert [e["data"] for e in second["events"]] == [{"n": 2}]
    assert second["cursor"] != first["cursor"] and not second["truncated"]
    again = await poll(cursor=first["cursor"])  # a cursor resumes after its event, every time
    assert [e["data"] for e in again["events"]] == [{"n": 2}]
    lost = await poll(cursor="not-a-cursor")  # one the server cannot place: from the oldest kept
    assert lost["truncated"] and [e["data"] for e in lost["events"]] == [{"n": 1}, {"n": 2}]
    with pytest.raises(errors.EventsNotFoundError):
        await server.poll_events(
            params(
                models.PollEventsRequestParams, name="other", arguments={"taskId": record.task_id}
            ),
            context,
        )


# Dependencies -------------------------------------------------------------------------------------


def test_the_runtime_and_the_dispatcher_need_pydantic_only():
    """Only sdk_server imports `mcp`; everything else of the server side runs on pydantic alone."""
    import mcp_tasks

    code = (
        "import sys; import mcp_tasks.runtime_server, mcp_tasks.server, mcp_tasks.store, mcp_tasks.guard; "
        "assert not {'mcp', 'mcp_types', 'anyio'} & set(sys.modules), sorted(m for m in sys.modules if 'mcp' in m)"
    )
    path = str(Path(mcp_tasks.__file__).parent.parent)
    subprocess.run([sys.executable, "-c", code], check=True, env={"PYTHONPATH": path})


# Push: status notifications on a listen stream, on both stores ------------------------------------


def listen_request(request_id, task_ids: list[str], capabilities=None) -> dict:
    from mcp_tasks.client import CLIENT_CAPABILITIES, PROTOCOL_VERSION

    meta = {
        "io.modelcontextprotocol/protocolVersion": PROTOCOL_VERSION,
        "io.modelcontextprotocol/clientCapabilities": (
            CLIENT_CAPABILITIES if capabilities is None else capabilities
        ),
    }
    return {
        "jsonrpc": "2.0",
        "id": request_id,
        "method": "subscriptions/listen",
        "params": {"notifications": {"taskIds": task_ids}, "_meta": meta},
    }


async def test_a_listen_stream_pushes_each_change_of_its_tasks_in_order(runtime: TaskRuntime):
    """SEP-2663: the acknowledgement first (the tasks the server agreed to report on), then the
    complete DetailedTask as it changes, each stamped with the listen request's id; the stream
    ends with the listen result once its tasks are terminal."""
    from mcp_tasks import parse_message

    server = RuntimeTaskServer(runtime)
    gate = asyncio.Event()

    async def body(task: TaskContext):
        await gate.wait()
        answer = await task.elicit("go on?", {"type": "object", "properties": {}})
        return {"content": [{"type": "text", "text": str(answer["action"])}]}

    record = runtime.start(body)
    sent: list[dict] = []

    async def notify(method: str, params: dict) -> None:
        sent.append({"jsonrpc": "2.0", "method": method, "params": params})

    listening = asyncio.create_task(
        server.dispatch(listen_request("l-1", [record.task_id, "unknown"]), notify=notify)
    )
    await until(lambda: len(sent) == 2)  # the ack, then the task as it is now
    gate.set()
    await until(lambda: record.input_requests)
    runtime.update(record.task_id, {next(iter(record.input_requests)): {"action": "accept"}})
    response = await asyncio.wait_for(listening, 5)
    ack, *notifications = sent
    meta = {"io.modelcontextprotocol/subscriptionId": "l-1"}
    assert ack["method"] == "notifications/subscriptions/acknowledged"
    assert ack["params"] == {"notifications": {"taskIds": [record.task_id]}, "_meta": meta}
    statuses = [n["params"]["status"] for n in notifications]
    changes = [s for i, s in enumerate(statuses) if i == 0 or statuses[i - 1] != s]
    assert changes == ["working", "input_required", "working", "completed"]  # every one, in order
    for notification in notifications:
        assert notification["method"] == "notifications/tasks"
        assert notification["params"]["_meta"] == meta
        parse_message(notification)  # a valid notification of the generated models
    assert notifications[1]["params"]["inputRequests"]  # the full DetailedTask
    assert notifications[-1]["params"]["result"]["content"][0]["text"] == "accept"
    assert response == {"jsonrpc": "2.0", "id": "l-1", "result": {"_meta": meta, "resultType": "complete"}}


async def test_listening_for_tasks_needs_the_extension_declared(runtime: TaskRuntime):
    server = RuntimeTaskServer(runtime)
    record = runtime.start(done())

    async def notify(method: str, params: dict) -> None:
        raise AssertionError("nothing is sent before the refusal")

    response = await server.dispatch(
        listen_request(2, [record.task_id], capabilities={}), notify=notify
    )
    assert response["error"]["code"] == -32021
    assert response["error"]["data"] == {
        "requiredCapabilities": {"extensions": {"io.modelcontextprotocol/tasks": {}}}
    }


def test_without_redis_the_in_memory_store_and_push_work_and_never_import_it():
    """Nothing changes for an in-memory user without the redis package: it is imported only by
    redis_store, which nothing else imports."""
    import mcp_tasks

    code = """
import asyncio, sys
sys.modules["redis"] = None  # as if not installed: importing it raises ImportError
from mcp_tasks.runtime import TaskRuntime
from mcp_tasks.runtime_server import RuntimeTaskServer
from mcp_tasks.client import CLIENT_CAPABILITIES, PROTOCOL_VERSION

async def main():
    runtime = TaskRuntime()
    async with runtime.running():
        async def body(task):
            await asyncio.sleep(0.01)
            return {"content": []}
        record = runtime.start(body)
        sent = []
        async def notify(method, params):
            sent.append(params["status"] if "status" in params else method)
        meta = {"io.modelcontextprotocol/protocolVersion": PROTOCOL_VERSION,
                "io.modelcontextprotocol/clientCapabilities": CLIENT_CAPABILITIES}
        request = {"jsonrpc": "2.0", "id": 1, "method": "subscriptions/listen",
                   "params": {"notifications": {"taskIds": [record.task_id]}, "_meta": meta}}
        response = await asyncio.wait_for(RuntimeTaskServer(runtime).dispatch(request, notify=notify), 5)
        assert "result" in response and sent[1:] == ["working", "completed"], (response, sent)
    try:
        import mcp_tasks.redis_store  # the only module that needs it says so
    except ImportError as missing:
        assert "redis" in str(missing)
    else:
        from mcp_tasks.redis_store import RedisTaskStore
        try:
            RedisTaskStore()
        except ImportError as missing:
            assert "pip install" in str(missing)
        else:
            raise AssertionError("RedisTaskStore without redis")

asyncio.run(main())
"""
    path = str(Path(mcp_tasks.__file__).parent.parent)
    subprocess.run([sys.executable, "-c", code], check=True, env={"PYTHONPATH": path})


async def test_a_slow_redis_never_stalls_the_event_loop(redis_url):
    """Every request the runtime server answers reaches Redis from the store's own thread: while
    Redis holds its clients (CLIENT PAUSE), the loop keeps running other work."""
    import redis as redis_py

    from mcp_tasks.redis_store import RedisTaskStore
    from redis_server import fresh_prefix

    runtime = TaskRuntime(store=RedisTaskStore(redis_url, prefix=fresh_prefix()))
    async with runtime.running():
        server = RuntimeTaskServer(runtime)
        record = runtime.start(forever)
        ticks = 0

        async def tick():
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        ticker = asyncio.create_task(tick())
        await asyncio.sleep(0.05)
        redis_py.Redis.from_url(redis_url).execute_command("CLIENT", "PAUSE", "600", "ALL")
        before = ticks
        status = await server.task_status(record.task_id)  # answered once Redis serves again
        during = ticks - before
        ticker.cancel()
        assert status == "working"
        assert during >= 20, f"the loop ran only {during} ticks while Redis was paused 600 ms"



async def test_a_cursor_older_than_the_kept_events_is_reported_truncated(redis_url):
    """The Redis store keeps the newest `max_events` of a task's log (a Redis stream); a cursor
    from before them resumes at the oldest kept, with `truncated` (the Events sketch's gap flag)."""
    from mcp_tasks import models
    from mcp_tasks.redis_store import RedisTaskStore
    from redis_server import fresh_prefix

    store = RedisTaskStore(redis_url, prefix=fresh_prefix(), max_events=3)
    runtime = TaskRuntime(store=store)
    async with runtime.running():
        server = RuntimeTaskServer(runtime)
        gate = asyncio.Event()

        async def body(task: TaskContext):
            for n in range(5):
                task.emit_event({"n": n})
            await gate.wait()
            return {}

        record = runtime.start(body, event_source=True)

        async def poll(cursor):
            request = params(
                models.PollEventsRequestParams,
                name="task.events",
                arguments={"taskId": record.task_id},
                cursor=cursor,
            )
            return await server.poll_events(request, RequestContext("events/poll"))

        await asyncio.sleep(0.05)  # the body has emitted its five events by now
        start = record.to_create_result()["eventSource"]["initialCursor"]
        page = await poll(start)
        assert page["truncated"] and [e["data"]["n"] for e in page["events"]] == [2, 3, 4]
        kept = await poll(page["events"][0]["eventId"].split(":", 1)[1])  # the oldest kept
        assert not kept["truncated"] and [e["data"]["n"] for e in kept["events"]] == [3, 4]
        now = await poll(None)  # null: from now on, nothing skipped
        assert not now["truncated"] and now["events"] == []
        gate.set()


async def test_a_status_message_is_stored_in_order_with_the_bodys_other_steps(runtime: TaskRuntime):
    reached = asyncio.Event()

    async def body(task: TaskContext):
        task.set_status_message("half way")  # does not wait on the store's I/O
        await task.checkpoint()  # ... but the store has it before this returns
        reached.set()
        await asyncio.Event().wait()

    record = runtime.start(body)
    await asyncio.wait_for(reached.wait(), 5)
    assert runtime.get(record.task_id).to_get_result()["statusMessage"] == "half way"
