"""The runtime's and the store's less travelled paths, in process: what a body sees of its input
requests (an answer that comes early, a request it abandons), the requests of another replica
(forwarded cancel and answer), builds without a feature, requests made straight to the runtime by
another principal, and the store operations whose details (status messages, refusals, event ids,
state snapshots) the wire shows.

Every test runs on the in-memory store (the Redis store shares store_base.py and runtime.py; its
own cases are in tests/test_runtime.py). Two test doubles stand in for a store on another thread
or shared between replicas; both are the in-memory store with one step changed, described where
they are defined.
"""

from __future__ import annotations

import asyncio
import json
import re

import pytest

from mcp_tasks import _spec, errors
from mcp_tasks.dispatcher import RequestContext
from mcp_tasks.runtime import (
    TaskContext,
    TaskFailed,
    TaskRuntime,
    _back_to_work,
    _cancelled_unless_ended,
)
from mcp_tasks.store import TaskStore
from mcp_tasks.store_base import TaskRecord

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend():
    return "asyncio"  # the runtime is asyncio only


async def until(predicate, timeout: float = 5.0) -> None:
    """Wait until `predicate()` is true, failing the test after `timeout` seconds."""
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.002)


class FakeClock:
    def __init__(self, now: float = 1000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


SCHEMA = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}
# An ElicitRequest (facts 2.9: an InputRequest is {method, params}, no jsonrpc or id).
ASK_NAME = {
    "method": "elicitation/create",
    "params": {"mode": "form", "message": "Your name?", "requestedSchema": SCHEMA},
}
ACCEPTED = {"action": "accept", "content": {"name": "Ada"}}  # an ElicitResult
DECLINED = {"action": "decline"}
NOTHING: dict = {"content": []}  # a CallToolResult with no content


def asker(received: list, key: str | None = "k"):
    """A body that asks once, keeps the answer and completes."""

    async def body(task: TaskContext):
        received.append(await task.request_input(ASK_NAME, key=key))
        return NOTHING

    return body


async def forever(task: TaskContext):
    await asyncio.Event().wait()


def stranger(method: str) -> RequestContext:
    return RequestContext(method, principal="mallory")


# TaskFailed -------------------------------------------------------------------------------------


def test_task_failed_carries_its_json_rpc_error_and_reads_as_its_message():
    """str() of the exception is the error's message (not the whole error, not None)."""
    failure = TaskFailed(-32000, "Quota exceeded", {"retryAfterMs": 500})
    assert str(failure) == "Quota exceeded"
    assert failure.error == {"code": -32000, "message": "Quota exceeded", "data": {"retryAfterMs": 500}}
    assert TaskFailed(-32000, "Quota exceeded").error == {"code": -32000, "message": "Quota exceeded"}


async def test_a_body_fails_its_task_with_a_copy_of_a_spec_error():
    """TaskFailed.from_error copies code, message and data; the task is `failed` with that error
    and the message as its statusMessage (facts 2.12: `error`, and `statusMessage` SHOULD)."""
    error = errors.InvalidParamsError("n must be positive", {"field": "n"})
    copied = TaskFailed.from_error(error)
    assert copied.error == {"code": -32602, "message": "n must be positive", "data": {"field": "n"}}

    async def body(task: TaskContext):
        raise TaskFailed.from_error(error)

    runtime = TaskRuntime(poll_interval_ms=10)
    async with runtime.running():
        record = runtime.start(body)
        await until(lambda: record.terminal)
        detailed = record.to_detailed()
        assert detailed["status"] == "failed"
        assert detailed["error"] == {"code": -32602, "message": "n must be positive", "data": {"field": "n"}}
        assert detailed["statusMessage"] == "n must be positive"


# A build without a feature refuses it (-32601), by name --------------------------------------------


async def test_a_build_without_subtasks_fails_the_body_that_spawns_one(monkeypatch):
    """In a core-only build (`_spec.SUBTASKS` False) spawn_subtask raises -32601 naming the
    feature, which fails the body's task with that error."""
    monkeypatch.setattr(_spec, "SUBTASKS", False)
    runtime = TaskRuntime(poll_interval_ms=10)

    async def body(task: TaskContext):
        task.spawn_subtask(forever)
        return NOTHING

    async with runtime.running():
        record = runtime.start(body)
        await until(lambda: record.terminal)
        assert record.status == "failed"
        assert record.error == {"code": -32601, "message": "subtasks is not part of this build"}
        with pytest.raises(errors.MethodNotFoundError) as raised:
            runtime.start(forever, parent=record)
        assert raised.value.to_error() == {"code": -32601, "message": "subtasks is not part of this build"}


async def test_a_build_without_task_events_refuses_them(monkeypatch):
    """`_spec.EVENTS` False: emit_event and an event source on start are -32601 naming "task
    events"; the store refuses an event with a ValueError that says why."""
    monkeypatch.setattr(_spec, "EVENTS", False)
    runtime = TaskRuntime(poll_interval_ms=10)

    async def body(task: TaskContext):
        task.emit_event({"progress": 1})
        return NOTHING

    async with runtime.running():
        record = runtime.start(body)
        await until(lambda: record.terminal)
        assert record.status == "failed"
        assert record.error == {"code": -32601, "message": "task events is not part of this build"}
        assert record.events == []
        with pytest.raises(errors.MethodNotFoundError) as raised:
            runtime.start(forever, event_source=True)
        assert raised.value.message == "task events is not part of this build"
        with pytest.raises(ValueError) as refused:
            runtime.store.add_event(record, "task.events", {"progress": 1})
        assert str(refused.value) == "this build has no task event sources"


@pytest.mark.parametrize(
    ("missing", "call", "feature"),
    [
        (("PAUSE", "PAUSED", "RESUME"), lambda runtime, task_id: runtime.pause(task_id), "pausing"),
        (("PAUSE", "PAUSED", "RESUME"), lambda runtime, task_id: runtime.resume(task_id), "resuming"),
        (("STEER",), lambda runtime, task_id: runtime.steer(task_id, "left"), "steering"),
    ],
    ids=["pause", "resume", "steer"],
)
async def test_a_build_without_interaction_refuses_it_by_name(monkeypatch, missing, call, feature):
    """SEP-2669's methods in a build without them: -32601 "<feature> is not part of this build",
    and the task is untouched."""
    for name in missing:  # a build without pausing has none of the three
        monkeypatch.setattr(_spec, name, None)
    runtime = TaskRuntime(poll_interval_ms=10)
    async with runtime.running():
        record = runtime.start(forever)
        version = record.version
        with pytest.raises(errors.MethodNotFoundError) as raised:
            call(runtime, record.task_id)
        assert raised.value.to_error() == {"code": -32601, "message": f"{feature} is not part of this build"}
        assert (record.status, record.version) == ("working", version)


# Input requests -------------------------------------------------------------------------------------


async def test_elicit_shows_a_form_elicitation_under_the_callers_key_and_returns_the_answer():
    """elicit() is an ElicitRequest in form mode (facts 2.9) listed under the key the body chose;
    the ElicitResult sent with tasks/update is what elicit() returns."""
    received: list = []

    async def body(task: TaskContext):
        received.append(await task.elicit("Your name?", SCHEMA, key="name"))
        return NOTHING

    runtime = TaskRuntime(poll_interval_ms=10)
    async with runtime.running():
        record = runtime.start(body)
        await until(lambda: record.status == "input_required")
        assert runtime.get(record.task_id).to_detailed()["inputRequests"] == {"name": ASK_NAME}
        runtime.update(record.task_id, {"name": ACCEPTED})
        await until(lambda: record.terminal)
        assert received == [ACCEPTED] and record.status == "completed"


def test_generated_keys_count_up_and_never_reuse_a_key_the_task_used():
    """Keys the store makes up are input-1, input-2, ...; when the next such name was already
    taken (a body chose it), a random `input-<8 hex digits>` instead."""
    store = TaskStore()
    record = store.create(ttl_ms=None, poll_interval_ms=None)
    assert store.add_input_request(record, ASK_NAME) == "input-1"
    assert store.add_input_request(record, ASK_NAME) == "input-2"
    assert store.add_input_request(record, ASK_NAME, "input-4") == "input-4"
    drawn = store.add_input_request(record, ASK_NAME)  # the fourth key: input-4 is taken
    assert re.fullmatch(r"input-[0-9a-f]{8}", drawn), drawn
    assert set(record.input_requests) == {"input-1", "input-2", "input-4", drawn}


def test_a_terminal_task_asks_for_nothing_and_an_unknown_answer_is_refused_quietly():
    """add_input_request on a finished task is a ValueError that says so; answering a key that is
    not outstanding returns False and changes nothing."""
    store = TaskStore()
    record = store.create(ttl_ms=None, poll_interval_ms=None)
    key = store.add_input_request(record, ASK_NAME)
    assert store.answer(record, "never-issued") is False
    assert store.answer(record, key) is True
    assert store.answer(record, key) is False  # already answered
    store.complete(record, NOTHING)
    with pytest.raises(ValueError) as refused:
        store.add_input_request(record, ASK_NAME)
    assert str(refused.value) == "a terminal task asks for nothing"


class SteppedStore(TaskStore):
    """The in-memory store, except that `run` lets the event loop go on after the body's own
    input request step (`TaskContext._ask`) and before handing back its key, until released: what
    a store that works on its own thread (Redis) does. A tasks/update can come in meanwhile."""

    def __init__(self):
        super().__init__()
        self.asked = asyncio.Event()  # the step is done, its result not yet back
        self.release = asyncio.Event()

    async def run(self, operation, /, *args, **kwargs):
        result = operation(*args, **kwargs)
        if getattr(operation, "__name__", None) == "_ask":
            self.asked.set()
            await self.release.wait()
        return result


async def test_an_answer_that_arrives_before_the_body_waits_for_it_is_kept_for_it():
    """The client answers while the body's input request step is still returning: the body gets
    exactly that answer once it waits (not None, not a lost answer)."""
    store = SteppedStore()
    received: list = []
    runtime = TaskRuntime(poll_interval_ms=10, store=store)
    async with runtime.running():
        record = runtime.start(asker(received))
        await asyncio.wait_for(store.asked.wait(), 5)
        assert record.input_requests == {"k": ASK_NAME}
        runtime.update(record.task_id, {"k": ACCEPTED})
        store.release.set()
        await until(lambda: record.terminal)
        assert received == [ACCEPTED]
        assert record.status == "completed"


async def test_an_abandoned_input_request_is_no_longer_outstanding():
    """A body cancelled while it waits for an answer withdraws its request before the task ends:
    the store's changes, in order, show the key leaving inputRequests, then `cancelled`."""
    runtime = TaskRuntime(poll_interval_ms=10)
    seen: list[tuple[str, list[str]]] = []
    runtime.store.add_listener(lambda r: seen.append((r.status, sorted(r.input_requests))))
    async with runtime.running():
        record = runtime.start(asker([]))
        await until(lambda: record.status == "input_required")
        runtime.cancel(record.task_id)
        await until(lambda: record.terminal)
    assert seen == [
        ("working", []),  # created
        ("working", ["k"]),  # the request recorded ...
        ("input_required", ["k"]),  # ... and the task waits for it
        ("input_required", []),  # withdrawn by the cancelled body
        ("cancelled", []),
    ]
    assert record.status_message == "Cancelled by tasks/cancel"


async def test_an_answered_request_leaves_no_waiter_behind():
    """Once request_input returns, the body's context holds no waiter for that key any more."""
    received: list = []
    waiting: list[dict] = []
    runtime = TaskRuntime(poll_interval_ms=10)

    async def body(task: TaskContext):
        received.append(await task.request_input(ASK_NAME, key="k"))
        waiting.append(dict(task._answers))
        return NOTHING

    async with runtime.running():
        record = runtime.start(body)
        await until(lambda: record.status == "input_required")
        runtime.update(record.task_id, {"k": ACCEPTED})
        await until(lambda: record.terminal)
    assert received == [ACCEPTED] and waiting == [{}]


# tasks/update ---------------------------------------------------------------------------------------


async def test_a_partial_update_keeps_input_required_even_when_asked_to_move_back():
    """facts 2.3/2.7: after a partial tasks/update the task stays input_required. The target the
    runtime gives the store (`_back_to_work`) decides on the task as it is at the change, so a
    request still outstanding then keeps it there: no change, not even a version bump."""
    received: list = []

    async def body(task: TaskContext):
        received.extend(
            await asyncio.gather(
                task.request_input(ASK_NAME, key="a"), task.request_input(ASK_NAME, key="b")
            )
        )
        return NOTHING

    runtime = TaskRuntime(poll_interval_ms=10)
    async with runtime.running():
        record = runtime.start(body)
        await until(lambda: set(record.input_requests) == {"a", "b"})
        runtime.update(record.task_id, {"a": ACCEPTED})
        assert (record.status, set(record.input_requests)) == ("input_required", {"b"})
        version = record.version
        runtime.store.apply_request(record, _spec.UPDATE, _back_to_work)
        assert (record.status, record.version) == ("input_required", version)
        runtime.update(record.task_id, {"b": DECLINED})
        await until(lambda: record.terminal)
    assert received == [ACCEPTED, DECLINED]
    working = TaskStore().create(ttl_ms=None, poll_interval_ms=None)
    assert _back_to_work(working) is None  # working, nothing outstanding: nothing to do


async def test_an_unknown_key_does_not_stop_the_responses_after_it():
    """facts 2.7: keys that are not outstanding are ignored, each on its own: the known key after
    an unknown one in the same tasks/update is still delivered."""
    received: list = []
    runtime = TaskRuntime(poll_interval_ms=10)
    async with runtime.running():
        record = runtime.start(asker(received))
        await until(lambda: record.status == "input_required")
        runtime.update(record.task_id, {"stale": DECLINED, "k": ACCEPTED})
        await until(lambda: record.terminal)
    assert received == [ACCEPTED] and record.status == "completed"


# tasks/cancel ---------------------------------------------------------------------------------------


async def test_cancel_stops_the_running_body_before_the_task_is_cancelled():
    """Cooperative cancel (facts 2.8): the body is stopped first, then the task ends `cancelled`
    with the status message that names the request."""
    stopped = asyncio.Event()

    async def body(task: TaskContext):
        try:
            await asyncio.Event().wait()
        finally:
            stopped.set()

    runtime = TaskRuntime(poll_interval_ms=10)
    async with runtime.running():
        record = runtime.start(body)
        await asyncio.sleep(0)
        runtime.cancel(record.task_id)
        await until(lambda: record.terminal)
        assert stopped.is_set()
        assert (record.status, record.status_message) == ("cancelled", "Cancelled by tasks/cancel")


async def test_cancel_of_a_task_without_a_body_here_cancels_it_at_once():
    """A task no body runs for (in memory: made in the store directly) has nobody to stop: the
    accepted cancel moves it to `cancelled` itself."""
    runtime = TaskRuntime(poll_interval_ms=10)
    async with runtime.running():
        record = runtime.store.create(ttl_ms=None, poll_interval_ms=None)
        runtime.cancel(record.task_id)
        assert record.status == "cancelled"


def test_a_cancel_that_finds_the_task_ended_changes_nothing():
    """The cancel target decides on the task as it is at the change: a task that ended meanwhile
    stays as it ended, without an error (facts 2.8: the ack is the same)."""
    store = TaskStore()
    record = store.create(ttl_ms=None, poll_interval_ms=None)
    assert _cancelled_unless_ended(record) == "cancelled"
    store.complete(record, NOTHING)
    version = record.version
    assert _cancelled_unless_ended(record) is None
    store.apply_request(record, _spec.CANCEL, _cancelled_unless_ended)
    assert (record.status, record.version, record.result) == ("completed", version, NOTHING)


# Requests forwarded by another replica ----------------------------------------------------------------


class ForwardingStore(TaskStore):
    """The in-memory store shared by two runtimes, as replicas share a store: `forward` hands a
    request for a body to the store's `on_forwarded` hook (the runtime that runs the body), later,
    on the loop, as a shared store's message arrives. Each forwarded request is logged."""

    def __init__(self):
        super().__init__()
        self.forwarded: list[tuple[str, str, dict]] = []

    def forward(self, record, kind, payload):
        self.forwarded.append((record.task_id, kind, dict(payload)))
        asyncio.get_running_loop().call_soon(self.on_forwarded, record.task_id, kind, dict(payload))
        return True


def two_replicas() -> tuple[TaskRuntime, TaskRuntime, ForwardingStore]:
    """`here` runs the bodies; `there` takes client requests for them, on the same store."""
    store = ForwardingStore()
    here = TaskRuntime(poll_interval_ms=10, store=store)
    there = TaskRuntime(poll_interval_ms=10, store=store)
    # The store's hooks belong to the runtime that runs the bodies (each replica has its own).
    store.on_forwarded, store.on_expired = here._forwarded, here._forget
    return here, there, store


async def test_a_cancel_taken_by_another_replica_reaches_the_body():
    stopped = asyncio.Event()

    async def body(task: TaskContext):
        try:
            await asyncio.Event().wait()
        finally:
            stopped.set()

    here, there, store = two_replicas()
    async with here.running():
        record = here.start(body)
        await asyncio.sleep(0)
        there.cancel(record.task_id)
        assert store.forwarded == [(record.task_id, "cancel", {})]
        assert record.status == "working"  # the body's replica ends it, once the body stopped
        await until(lambda: record.terminal)
        assert stopped.is_set()
        assert (record.status, record.status_message) == ("cancelled", "Cancelled by tasks/cancel")


async def test_an_answer_taken_by_another_replica_reaches_the_body():
    received: list = []
    here, there, store = two_replicas()
    async with here.running():
        record = here.start(asker(received))
        await until(lambda: record.status == "input_required")
        there.update(record.task_id, {"k": ACCEPTED})
        assert store.forwarded == [(record.task_id, "answer", {"key": "k", "response": ACCEPTED})]
        await until(lambda: record.terminal)
    assert received == [ACCEPTED] and record.status == "completed"


async def test_a_forwarded_request_for_a_task_not_running_here_is_ignored():
    """A message for a task whose body is not here (ended, or another replica's) does nothing,
    and a kind the runtime does not know does nothing either."""
    here, _, store = two_replicas()
    async with here.running():
        record = here.start(forever)
        await asyncio.sleep(0)
        version = record.version
        store.on_forwarded("no-such-task", "cancel", {})
        store.on_forwarded("no-such-task", "answer", {"key": "k", "response": ACCEPTED})
        store.on_forwarded(record.task_id, "steer", {"message": "left"})
        await asyncio.sleep(0.02)
        assert (record.status, record.version) == ("working", version)
        assert here.context(record.task_id).cancel_requested is False


# Requests made straight to the runtime by another principal --------------------------------------------


async def test_the_runtime_hides_a_task_from_another_principal_on_every_request():
    """SEP-2663 binding, checked by the runtime itself (its operations are public, not only
    reached through the dispatcher): each one answers the unknown-task error (facts 2.12) and
    leaves the task alone."""
    runtime = TaskRuntime(poll_interval_ms=10)
    async with runtime.running():
        record = runtime.start(asker([]), principal="alice")
        await until(lambda: record.status == "input_required")
        calls = {
            "tasks/get": lambda c: runtime.get(record.task_id, c),
            "tasks/update": lambda c: runtime.update(record.task_id, {"k": ACCEPTED}, c),
            "tasks/cancel": lambda c: runtime.cancel(record.task_id, c),
            "tasks/pause": lambda c: runtime.pause(record.task_id, c),
            "tasks/resume": lambda c: runtime.resume(record.task_id, c),
        }
        not_found = {
            "code": -32602,
            "message": "Failed to retrieve task: Task not found",
            "data": {"taskId": record.task_id},
        }
        version = record.version
        for method, call in calls.items():
            with pytest.raises(errors.InvalidParamsError) as raised:
                call(stranger(method))
            assert raised.value.to_error() == not_found, method
        assert (record.status, record.version, list(record.input_requests)) == (
            "input_required",
            version,
            ["k"],
        )
        owner = RequestContext("tasks/get", principal="alice")
        assert runtime.get(record.task_id, owner) is record


# Subtasks ---------------------------------------------------------------------------------------------


async def test_a_subtask_gets_the_poll_interval_its_parent_asks_for():
    children: list[str] = []

    async def parent(task: TaskContext):
        children.append(task.spawn_subtask(forever, poll_interval_ms=250))
        children.append(task.spawn_subtask(forever))
        await asyncio.Event().wait()

    runtime = TaskRuntime(poll_interval_ms=10)
    async with runtime.running():
        record = runtime.start(parent)
        await until(lambda: len(children) == 2)
        asked, default = (runtime.get(c).to_task() for c in children)
        assert (asked["pollIntervalMs"], asked["parentTaskId"]) == (250, record.task_id)
        assert default["pollIntervalMs"] == 10  # the runtime's


# Expiry ----------------------------------------------------------------------------------------------


async def test_tasks_without_a_running_body_expire_quietly():
    """A task whose body already ended, and one that never had a body here, leave the store when
    their TTL runs out without disturbing the lookup that purged them."""
    clock = FakeClock()
    runtime = TaskRuntime(poll_interval_ms=10, ttl_ms=1000, store=TaskStore(clock=clock))

    async def body(task: TaskContext):
        return NOTHING

    async with runtime.running():
        ended = runtime.start(body)
        await until(lambda: ended.terminal)
        bodiless = runtime.store.create(ttl_ms=1000, poll_interval_ms=None)
        clock.now += 1
        assert runtime.store.find(ended.task_id) is None
        assert runtime.store.find(bodiless.task_id) is None


# Store operations: status messages, refusals, failures ----------------------------------------------------


def test_status_messages_go_with_the_status_change_that_sets_them():
    """A message given with a status change becomes the task's statusMessage; failing without one
    uses the error's message (facts 2.12: failed SHOULD carry a statusMessage)."""
    store = TaskStore()
    moved = store.create(ttl_ms=None, poll_interval_ms=None)
    store.set_status(moved, "input_required", message="Waiting for the user")
    assert moved.to_task()["statusMessage"] == "Waiting for the user"
    completed = store.create(ttl_ms=None, poll_interval_ms=None)
    store.complete(completed, NOTHING, message="Done in 3 steps")
    assert (completed.status_message, completed.to_detailed()["result"]) == ("Done in 3 steps", NOTHING)
    error = {"code": -32603, "message": "Disk full"}
    plain = store.create(ttl_ms=None, poll_interval_ms=None)
    store.fail(plain, error)
    assert (plain.status_message, plain.error) == ("Disk full", error)
    explained = store.create(ttl_ms=None, poll_interval_ms=None)
    store.fail(explained, error, message="Could not write the report")
    assert (explained.status_message, explained.error) == ("Could not write the report", error)


def test_a_failed_task_without_an_error_object_shows_an_internal_error():
    """FailedTask requires `error` (facts 2.4): a task failed by a bare status change shows
    -32603 "Task failed"."""
    store = TaskStore()
    record = store.create(ttl_ms=None, poll_interval_ms=None)
    store.set_status(record, "failed")
    assert record.to_detailed()["error"] == {"code": -32603, "message": "Task failed"}


def test_a_client_request_is_checked_against_its_own_trigger_and_status():
    """apply_request refuses (-32602, the lifecycle's refusal) a status the request's method may
    not cause, even when the server itself could, and a method the status does not accept, each
    with the message that says which; nothing changes."""
    store = TaskStore()
    record = store.create(ttl_ms=None, poll_interval_ms=None)
    with pytest.raises(errors.InvalidParamsError) as raised:  # working -> input_required: server only
        store.apply_request(record, "tasks/update", lambda task: "input_required")
    assert raised.value.to_error() == {
        "code": -32602,
        "message": "'working' -> 'input_required' by 'tasks/update' is not a transition of the lifecycle",
    }
    store.set_status(record, "paused")
    version = record.version
    with pytest.raises(errors.InvalidParamsError) as raised:
        store.apply_request(record, "tasks/pause", lambda task: "paused")
    assert raised.value.message == "tasks/pause is not accepted on a task in status 'paused'"
    assert (record.status, record.version) == ("paused", version)


# Listeners and waiting for a change ---------------------------------------------------------------------


def test_a_removed_listener_hears_nothing_more_and_removing_twice_is_harmless():
    store = TaskStore()
    heard: list[str] = []
    remove = store.add_listener(lambda record: heard.append(record.status))
    record = store.create(ttl_ms=None, poll_interval_ms=None)
    remove()
    remove()
    store.set_status(record, "input_required")
    assert heard == ["working"]


async def test_wait_changed_tells_a_change_from_a_timeout():
    store = TaskStore()
    record = store.create(ttl_ms=None, poll_interval_ms=None)
    async with asyncio.timeout(5):
        assert await record.wait_changed(0.01) is False
        asyncio.get_running_loop().call_soon(store.set_message, record, "halfway")
        assert await record.wait_changed(5) is True
    assert record.status_message == "halfway"


# Events -----------------------------------------------------------------------------------------------


async def test_events_are_numbered_in_order_and_do_not_touch_the_task():
    """Each event gets `<taskId>:<position>` as its id and the store's time as its timestamp. An
    event changes the task's log, not the Task object, so lastUpdatedAt stays; polling from now
    (no cursor) is not a truncation."""
    wall = FakeClock(1_800_000_000.0)  # 2027-01-15T08:00:00Z
    runtime = TaskRuntime(poll_interval_ms=10, store=TaskStore(wall_clock=wall))
    go = asyncio.Event()

    async def body(task: TaskContext):
        await go.wait()
        task.emit_event({"step": 1})
        task.emit_event({"step": 2})
        await asyncio.Event().wait()

    async with runtime.running():
        record = runtime.start(body, event_source=True)
        assert record.to_create_result()["eventSource"] == {
            "name": "task.events",
            "input": {"taskId": record.task_id},
            "initialCursor": "0",
        }
        assert record.last_updated_at == "2027-01-15T08:00:00.000Z"
        wall.now += 5.25
        go.set()
        await until(lambda: len(record.events) == 2)
        at = "2027-01-15T08:00:05.250Z"
        assert record.events == [
            {"eventId": f"{record.task_id}:1", "name": "task.events", "timestamp": at, "data": {"step": 1}},
            {"eventId": f"{record.task_id}:2", "name": "task.events", "timestamp": at, "data": {"step": 2}},
        ]
        assert record.last_updated_at == "2027-01-15T08:00:00.000Z"
        page = runtime.store.read_events(record, None)
        assert (page.events, page.cursor, page.truncated, page.has_more) == ([], "2", False, False)


# Persisted state ----------------------------------------------------------------------------------------


def test_a_state_snapshot_is_whole_and_independent_of_the_task():
    """from_state(to_state()) is how push takes a snapshot of an in-memory task: it holds every
    member (the used keys as a set, children, events, version), survives JSON, and does not change
    when the task does afterwards."""
    store = TaskStore()
    record = store.create(ttl_ms=None, poll_interval_ms=None, event_source={"name": "task.events"})
    store.add_input_request(record, ASK_NAME, "a")
    store.add_input_request(record, ASK_NAME, "b")
    store.answer(record, "a")
    child = store.create(ttl_ms=None, poll_interval_ms=None, parent=record)
    store.add_event(record, "task.events", {"step": 1})
    snapshot = TaskRecord.from_state(record.to_state())
    thawed = TaskRecord.from_state(json.loads(json.dumps(record.to_state())))
    for copy in (snapshot, thawed):
        assert copy.to_state() == record.to_state()
        assert copy.used_keys == {"a", "b"} and copy.input_requests == {"b": ASK_NAME}
        assert copy.child_task_ids == [child.task_id] and len(copy.events) == 1
        assert copy.version == record.version > 0
    store.add_input_request(record, ASK_NAME, "c")
    store.create(ttl_ms=None, poll_interval_ms=None, parent=record)
    store.add_event(record, "task.events", {"step": 2})
    assert snapshot.input_requests == {"b": ASK_NAME}
    assert snapshot.child_task_ids == [child.task_id]
    assert len(snapshot.events) == 1
    assert snapshot.used_keys == {"a", "b"}
