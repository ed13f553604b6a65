"""The runtime's and the store's less travelled paths, in process: what a body sees of its input
requests (an answer that comes early, a request it abandons), the requests of another replica
(forwarded cancel and answer), builds without a feature, requests made straight to the runtime by
another principal, and the store operations whose details (status messages, refusals, event ids,
state snapshots) the wire shows.

Also: settling a body's outcome (paused meanwhile, refused, expired meanwhile), closing the
runtime, requests handled on a worker thread, steering refusals, and the store's rules for new
tasks, TTLs, subtasks and lastUpdatedAt. Written against the survivors of the `store` mutation run
(tools/mutation.py); each docstring says what is pinned.

Every test runs on the in-memory store (the Redis store shares store_base.py and runtime.py; its
own cases are in tests/test_runtime.py). Two test doubles stand in for a store on another thread
or shared between replicas; both are the in-memory store with one step changed, described where
they are defined.
"""

from __future__ import annotations

import asyncio
import gc
import json
import re
from datetime import UTC, datetime

import pytest
from mcp_tasks import _spec, errors
from mcp_tasks.dispatcher import RequestContext
from mcp_tasks.guard import TransitionRefused
from mcp_tasks.limits import TaskLimits
from mcp_tasks.runtime import (
    TaskContext,
    TaskFailed,
    TaskRuntime,
    _back_to_work,
    _cancelled_unless_ended,
)
from mcp_tasks.store import TaskStore
from mcp_tasks.store_base import TaskRecord
from pydantic import BaseModel, Field

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


def waits_forever(stopped: asyncio.Event):
    """A body that waits until it is stopped, and records that it was (`stopped` is set)."""

    async def body(task: TaskContext):
        try:
            await asyncio.Event().wait()
        finally:
            stopped.set()

    return body


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
    assert failure.error == {
        "code": -32000,
        "message": "Quota exceeded",
        "data": {"retryAfterMs": 500},
    }
    assert TaskFailed(-32000, "Quota exceeded").error == {
        "code": -32000,
        "message": "Quota exceeded",
    }


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
        assert detailed["error"] == {
            "code": -32602,
            "message": "n must be positive",
            "data": {"field": "n"},
        }
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
        assert raised.value.to_error() == {
            "code": -32601,
            "message": "subtasks is not part of this build",
        }


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
        (
            ("PAUSE", "PAUSED", "RESUME"),
            lambda runtime, task_id: runtime.resume(task_id),
            "resuming",
        ),
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
        assert raised.value.to_error() == {
            "code": -32601,
            "message": f"{feature} is not part of this build",
        }
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
    """The in-memory store, except that `run` lets the event loop go on around the first call of
    one operation (before or after it runs), until released: what a store that works on its own
    thread (Redis) does, where other requests are handled meanwhile."""

    def __init__(self, operation: str, *, before: bool):
        super().__init__()
        self.operation, self.before = operation, before
        self.held = asyncio.Event()  # the loop goes on while the operation is held
        self.release = asyncio.Event()
        self.refusals: list[Exception] = []  # what the held operation raised, once released

    async def hold(self) -> None:
        self.held.set()
        await self.release.wait()

    async def run(self, operation, /, *args, **kwargs):
        held = getattr(operation, "__name__", None) == self.operation and not self.held.is_set()
        if held and self.before:
            await self.hold()
        try:
            result = operation(*args, **kwargs)
        except Exception as refused:
            if held:
                self.refusals.append(refused)
            raise  # the caller handles it, as it would any store's
        if held and not self.before:
            await self.hold()
        return result


async def test_an_answer_that_arrives_before_the_body_waits_for_it_is_kept_for_it():
    """The client answers while the body's input request step is still returning: the body gets
    exactly that answer once it waits (not None, not a lost answer)."""
    store = SteppedStore("_ask", before=False)  # the body's request is stored, its key not back
    received: list = []
    runtime = TaskRuntime(poll_interval_ms=10, store=store)
    async with runtime.running():
        record = runtime.start(asker(received))
        await asyncio.wait_for(store.held.wait(), 5)
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

    body = waits_forever(stopped)

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
    """`here` runs the bodies; `there` takes client requests for them, on the same store. The
    store's hooks are those of the runtime made last, `here`, the one that runs the bodies."""
    store = ForwardingStore()
    there = TaskRuntime(poll_interval_ms=10, store=store)
    here = TaskRuntime(poll_interval_ms=10, store=store)
    return here, there, store


async def test_a_cancel_taken_by_another_replica_reaches_the_body():
    """A tasks/cancel taken by a replica that does not run the body is forwarded to the one that
    does (and only forwarded: that replica ends the task once its body stopped). Catches a
    runtime that never hooks itself to the store, or forwards the wrong kind or task."""
    stopped = asyncio.Event()

    body = waits_forever(stopped)

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
    """A tasks/update taken by a replica that does not run the body forwards each answer, with its
    key and response, to the body's replica, where request_input returns it. Catches an answer
    forwarded without its key or response, or never delivered."""
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
            "tasks/steer": lambda c: runtime.steer(record.task_id, "left", c),
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
        assert runtime.store.take_steers(record.task_id) == []
        owner = RequestContext("tasks/get", principal="alice")
        assert runtime.get(record.task_id, owner) is record


# Subtasks ---------------------------------------------------------------------------------------------


async def test_a_subtask_gets_the_poll_interval_its_parent_asks_for():
    """spawn_subtask(poll_interval_ms=...) reaches the child's pollIntervalMs; without it the child
    takes the runtime's."""
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


async def test_a_body_stopped_by_its_tasks_expiry_ends_without_an_unhandled_error():
    """Expiry cancels the body; its asyncio task ends cancelled, not with an error nobody
    retrieves (which asyncio reports to the loop's exception handler once it is collected)."""
    clock = FakeClock()
    runtime = TaskRuntime(poll_interval_ms=10, ttl_ms=50, store=TaskStore(clock=clock))
    loop = asyncio.get_running_loop()
    reported: list[str | None] = []
    loop.set_exception_handler(lambda loop, context: reported.append(context.get("message")))
    stopped = asyncio.Event()

    body = waits_forever(stopped)

    try:
        async with runtime.running():
            record = runtime.start(body)
            await asyncio.sleep(0)
            clock.now += 0.05
            assert runtime.store.find(record.task_id) is None
            await asyncio.wait_for(stopped.wait(), 5)
            await asyncio.sleep(0)  # the body's asyncio task finishes
            gc.collect()
    finally:
        loop.set_exception_handler(None)
    assert reported == []


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
    assert (completed.status_message, completed.to_detailed()["result"]) == (
        "Done in 3 steps",
        NOTHING,
    )
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
    # working -> input_required is the server's move, never tasks/update's
    with pytest.raises(errors.InvalidParamsError) as raised:
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
    """add_listener returns the function that removes the listener; calling it again does
    nothing (a push stream may be closed twice)."""
    store = TaskStore()
    heard: list[str] = []
    remove = store.add_listener(lambda record: heard.append(record.status))
    record = store.create(ttl_ms=None, poll_interval_ms=None)
    remove()
    remove()
    store.set_status(record, "input_required")
    assert heard == ["working"]


async def test_wait_changed_tells_a_change_from_a_timeout():
    """wait_changed(timeout) is False when the time ran out with no change, True on a change."""
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
            {
                "eventId": f"{record.task_id}:1",
                "name": "task.events",
                "timestamp": at,
                "data": {"step": 1},
            },
            {
                "eventId": f"{record.task_id}:2",
                "name": "task.events",
                "timestamp": at,
                "data": {"step": 2},
            },
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


# The runtime's settings and defaults ------------------------------------------------------------------


def test_unknown_runtime_settings_are_each_named(monkeypatch):
    """Every unknown setting is named, and a build without settings says it has "none"."""
    with pytest.raises(TypeError) as raised:
        TaskRuntime(paus=False, stear=True)
    assert str(raised.value) == (
        "TaskRuntime() got unknown setting(s) paus, stear; this build's settings: steer, pause"
    )
    monkeypatch.setattr(_spec, "SETTINGS", ())  # a build without SEP-2669's settings
    with pytest.raises(TypeError) as raised:
        TaskRuntime(pause=False)
    assert (
        str(raised.value)
        == "TaskRuntime() got unknown setting(s) pause; this build's settings: none"
    )


async def test_a_task_takes_the_runtimes_poll_interval_and_ttl_unless_it_asks_for_its_own():
    """TaskRuntime() polls every 1000 ms (its signature) and keeps tasks for limits.py's default
    TTL, one hour; start() may ask for its own, None being unlimited (facts 2.3: ttlMs null)."""
    runtime = TaskRuntime()
    async with runtime.running():
        default = runtime.start(forever).to_task()
        own = runtime.start(forever, ttl_ms=5000, poll_interval_ms=250).to_task()
        unlimited = runtime.start(forever, ttl_ms=None).to_task()
    assert (default["ttlMs"], default["pollIntervalMs"]) == (3_600_000, 1000)
    assert (own["ttlMs"], own["pollIntervalMs"]) == (5000, 250)
    assert unlimited["ttlMs"] is None


async def test_a_task_started_before_the_runtime_runs_starts_at_once_on_the_callers_loop():
    """Before the first running() block no loop is recorded: start() spawns the body on the
    caller's loop at once (store_base.call_on_loop: "no loop to go to"), and the block's end stops
    it like any other."""
    runtime = TaskRuntime(poll_interval_ms=10)
    started = asyncio.Event()

    async def body(task: TaskContext):
        started.set()
        await asyncio.Event().wait()

    record = runtime.start(body)
    await asyncio.wait_for(started.wait(), 5)
    async with runtime.running():
        assert record.status == "working"
    assert record.status == "failed"


# Body outcomes ----------------------------------------------------------------------------------------


class Report(BaseModel):
    """A body's own result model, with wire names as aliases and a value that is not JSON."""

    content: list[dict]
    is_error: bool | None = Field(None, alias="isError")
    finished_at: datetime | None = Field(None, alias="finishedAt")


async def test_a_pydantic_result_is_kept_in_its_wire_form():
    """A model a body returns becomes the task's `result` as JSON (facts 2.4: the original
    request's result): wire names, JSON values, and only the fields the body set (no nulls)."""

    async def body(task: TaskContext):
        return Report(
            content=[{"type": "text", "text": "3 rows"}],
            finishedAt=datetime(2027, 1, 15, 8, tzinfo=UTC),
        )

    runtime = TaskRuntime(poll_interval_ms=10)
    async with runtime.running():
        record = runtime.start(body)
        await until(lambda: record.terminal)
    assert record.status == "completed"
    assert record.result == {
        "content": [{"type": "text", "text": "3 rows"}],
        "finishedAt": "2027-01-15T08:00:00Z",
    }


async def test_a_crashing_body_fails_its_task_with_an_internal_error_and_logs_why(caplog):
    """Any other exception fails the task with -32603 naming the exception's type, and the
    traceback is logged with the task's id."""

    async def body(task: TaskContext):
        raise LookupError("no such row")

    runtime = TaskRuntime(poll_interval_ms=10)
    async with runtime.running():
        record = runtime.start(body)
        await until(lambda: record.terminal)
    assert (record.status, record.error) == (
        "failed",
        {"code": -32603, "message": "Task crashed: LookupError"},
    )
    logged = [r for r in caplog.records if r.name == "mcp_tasks.runtime"]
    assert [r.getMessage() for r in logged] == [f"task {record.task_id} crashed"]
    assert logged[0].exc_info[0] is LookupError


async def test_the_runtime_forgets_a_body_once_it_has_ended():
    """The runtime holds a body's context while it runs and drops it when it ends (a long-lived
    server does not keep every finished task's context)."""
    runtime = TaskRuntime(poll_interval_ms=10)
    async with runtime.running():
        record = runtime.start(asker([]))
        assert runtime.context(record.task_id).record is record
        await until(lambda: record.status == "input_required")
        runtime.update(record.task_id, {"k": ACCEPTED})
        await until(lambda: record.terminal)
        assert runtime.context(record.task_id) is None


async def test_a_body_runs_in_an_asyncio_task_named_after_its_task():
    """Dumps of the loop's tasks tell bodies apart: `mcp-task-<first 8 characters of the id>`."""
    names: list[str] = []

    async def body(task: TaskContext):
        names.append(asyncio.current_task().get_name())
        return NOTHING

    runtime = TaskRuntime(poll_interval_ms=10)
    async with runtime.running():
        record = runtime.start(body)
        await until(lambda: record.terminal)
    assert names == [f"mcp-task-{record.task_id[:8]}"]


async def test_a_task_that_expired_while_its_body_finished_is_not_completed_afterwards():
    """TTL over when the body returns: the task is gone (facts 2.12: expired), so its result is
    dropped; nobody hears of a completion for a task tasks/get no longer finds."""
    clock = FakeClock()
    runtime = TaskRuntime(poll_interval_ms=10, ttl_ms=1000, store=TaskStore(clock=clock))
    heard: list[str] = []
    runtime.store.add_listener(lambda r: heard.append(r.status))
    go = asyncio.Event()

    async def body(task: TaskContext):
        await go.wait()
        return NOTHING

    async with runtime.running():
        record = runtime.start(body)
        await asyncio.sleep(0)
        clock.now += 1  # the TTL ran out; nothing has looked at the task since
        go.set()
        await until(lambda: runtime.context(record.task_id) is None)
        assert runtime.store.find(record.task_id) is None
    assert (heard, record.status) == (["working"], "working")


async def test_a_cancel_after_the_body_returned_while_paused_cancels_the_task():
    """The body is done and its completion waits for the resume (paused -> completed is not a
    transition); a cancel then ends the task `cancelled`, and stops nothing that still matters."""
    returned = asyncio.Event()
    go = asyncio.Event()

    async def body(task: TaskContext):
        await go.wait()
        returned.set()
        return NOTHING

    runtime = TaskRuntime(poll_interval_ms=10)
    async with runtime.running():
        record = runtime.start(body)
        runtime.pause(record.task_id)
        go.set()
        await asyncio.wait_for(returned.wait(), 5)
        assert record.status == "paused"
        runtime.cancel(record.task_id)
        await until(lambda: record.terminal, 2)
    assert (record.status, record.status_message) == ("cancelled", "Cancelled by tasks/cancel")


async def test_a_completion_refused_because_the_task_was_paused_meanwhile_waits_for_the_resume():
    """With a store on its own thread, a pause can land between the body's end and the store step
    that completes the task: that step is refused (paused -> completed is not a transition) and
    the runtime completes the task once it is resumed."""
    store = SteppedStore("complete", before=True)
    runtime = TaskRuntime(poll_interval_ms=10, store=store)
    seen: list[str] = []
    store.add_listener(lambda r: seen.append(r.status))

    async def body(task: TaskContext):
        return NOTHING

    async with runtime.running():
        record = runtime.start(body)
        await asyncio.wait_for(store.held.wait(), 5)
        runtime.pause(record.task_id)
        store.release.set()
        await until(lambda: store.refusals)
        assert (
            str(store.refusals[0])
            == "'paused' -> 'completed' by 'server' is not a transition of the lifecycle"
        )
        runtime.resume(record.task_id)
        await until(lambda: record.terminal, 2)
    assert (record.status, record.result) == ("completed", NOTHING)
    assert seen == ["working", "paused", "working", "completed"]


async def test_an_outcome_the_lifecycle_refuses_for_another_reason_is_logged(caplog):
    """Subtasks started after the parent's body ended keep it from failing (a parent ends only
    after its children): the runtime logs that it could not record the outcome, with the refusal
    naming those subtasks, instead of losing it silently."""
    store = SteppedStore("fail", before=True)
    runtime = TaskRuntime(poll_interval_ms=10, store=store)

    async def body(task: TaskContext):
        raise TaskFailed(-32000, "Quota exceeded")

    async with runtime.running():
        record = runtime.start(body)
        await asyncio.wait_for(store.held.wait(), 5)
        late = [runtime.start(forever, parent=record).task_id for _ in range(2)]
        store.release.set()
        await until(lambda: runtime.context(record.task_id) is None)
        logged = [r for r in caplog.records if r.name == "mcp_tasks.runtime"]
        assert [r.getMessage() for r in logged] == [
            f"task {record.task_id} could not record its outcome 'failed'"
        ]
        refusal = logged[0].exc_info[1]
        assert isinstance(refusal, TransitionRefused)
        assert str(refusal) == (
            f"task {record.task_id} cannot become 'failed' before its subtasks ({late[0]}, {late[1]})"
        )


# Closing the runtime -----------------------------------------------------------------------------------


async def test_closing_the_runtime_fails_each_unfinished_task_and_stops_its_body_before_returning():
    """When the last running() block ends, an unfinished task fails with -32603 "The server
    stopped" and its body has been stopped (not just asked to stop) by the time the block exits."""
    stopped = asyncio.Event()

    body = waits_forever(stopped)

    runtime = TaskRuntime(poll_interval_ms=10)
    async with runtime.running():
        record = runtime.start(body)
        await asyncio.sleep(0)
    assert stopped.is_set()
    assert record.to_detailed()["error"] == {"code": -32603, "message": "The server stopped"}
    assert (record.status, record.status_message) == ("failed", "The server stopped")


async def test_closing_the_runtime_stops_every_body_even_where_a_task_may_not_fail_yet():
    """A parent whose subtask runs elsewhere (no body here) cannot fail before it: closing leaves
    that task as it is, raises nothing, and still stops the parent's body."""
    stopped = asyncio.Event()

    body = waits_forever(stopped)

    runtime = TaskRuntime(poll_interval_ms=10)
    async with runtime.running():
        record = runtime.start(body)
        elsewhere = runtime.store.create(ttl_ms=None, poll_interval_ms=None, parent=record)
        await asyncio.sleep(0)
    assert stopped.is_set()
    assert (record.status, elsewhere.status) == ("working", "working")


# Requests handled on another thread --------------------------------------------------------------------


async def test_requests_handled_on_a_worker_thread_reach_the_body_on_its_loop():
    """A store that works on its own thread runs the runtime's operations there (store.run, as
    RuntimeTaskServer.call does): the answer and the cancel they carry must be handed to the
    body's loop, never touch it from that thread. The loop runs in debug mode, where asyncio
    refuses any loop call made from another thread."""
    loop = asyncio.get_running_loop()
    loop.set_debug(True)
    received: list = []
    stopped = asyncio.Event()

    async def stoppable(task: TaskContext):
        try:
            await asyncio.Event().wait()
        finally:
            stopped.set()

    runtime = TaskRuntime(poll_interval_ms=10)
    try:
        async with runtime.running():
            asking = runtime.start(asker(received))
            working = runtime.start(stoppable)
            await until(lambda: asking.status == "input_required")
            await asyncio.to_thread(runtime.update, asking.task_id, {"k": ACCEPTED})
            await asyncio.to_thread(runtime.cancel, working.task_id)
            await until(lambda: asking.terminal and working.terminal)
    finally:
        loop.set_debug(False)
    assert received == [ACCEPTED] and asking.status == "completed"
    assert stopped.is_set() and working.status == "cancelled"


# Steering ---------------------------------------------------------------------------------------------


async def test_steer_is_refused_on_an_ended_task_and_for_text_that_is_not_unicode():
    """SEP-2669's lifecycle does not accept tasks/steer on a finished task; a lone surrogate (JSON
    can carry one) is refused naming the `message` param. Nothing is queued either way."""
    runtime = TaskRuntime(poll_interval_ms=10)
    async with runtime.running():
        record = runtime.start(forever)
        with pytest.raises(errors.InvalidParamsError) as raised:
            runtime.steer(record.task_id, "left\ud800")
        assert (
            raised.value.message
            == "message is not valid Unicode text: it contains a lone surrogate"
        )
        ended = runtime.store.create(ttl_ms=None, poll_interval_ms=None)
        runtime.store.complete(ended, NOTHING)
        with pytest.raises(errors.InvalidParamsError) as raised:
            runtime.steer(ended.task_id, "left")
        assert raised.value.to_error() == {
            "code": -32602,
            "message": "tasks/steer is not accepted on a task in status 'completed'",
        }
        assert (
            runtime.store.take_steers(record.task_id)
            == runtime.store.take_steers(ended.task_id)
            == []
        )


def test_steers_of_an_ended_task_are_dropped_and_taken_ones_free_their_bytes():
    """The steer queue a body will never take is dropped when its task ends; taking the queue
    frees its bytes for the byte cap (limits.py)."""
    store = TaskStore()  # the default limits, before any runtime sets its own
    record = store.create(ttl_ms=None, poll_interval_ms=None)
    store.push_steer(record.task_id, "left")
    store.complete(record, NOTHING)
    assert store.take_steers(record.task_id) == []
    store.limits = TaskLimits(max_steer_bytes=8)
    other = store.create(ttl_ms=None, poll_interval_ms=None)
    for _ in range(3):  # 5 bytes, taken, again: never 10 queued
        store.push_steer(other.task_id, "right")
        assert store.take_steers(other.task_id) == ["right"]


# Store: creating tasks ----------------------------------------------------------------------------------


def test_a_ttl_may_be_zero_but_not_negative():
    """ttlMs is a time to live (facts 2.3): 0 is a task that expires at once, below 0 is refused."""
    store = TaskStore(clock=FakeClock())
    record = store.create(ttl_ms=0, poll_interval_ms=None)
    assert record.to_task()["ttlMs"] == 0
    assert store.find(record.task_id) is None
    with pytest.raises(ValueError) as refused:
        store.create(ttl_ms=-1, poll_interval_ms=None)
    assert str(refused.value) == "ttl_ms must be >= 0 or None (unlimited)"


def test_a_subtasks_ttl_is_what_remains_of_its_parents_in_whole_milliseconds():
    """A subtask expires with its parent: its ttlMs is the time the parent has left, rounded down
    to whole milliseconds (0 when less than one is left), whatever TTL was asked for."""
    clock = FakeClock()
    store = TaskStore(clock=clock)
    parent = store.create(ttl_ms=1000, poll_interval_ms=None)
    at_once = store.create(ttl_ms=5000, poll_interval_ms=None, parent=parent)
    assert at_once.to_task()["ttlMs"] == 1000
    clock.now += 1 - 2**-12  # a quarter of a millisecond left
    last = store.create(ttl_ms=None, poll_interval_ms=None, parent=parent)
    assert last.to_task()["ttlMs"] == 0
    assert store.find(parent.task_id) is parent


def test_subtasks_need_a_live_parent_and_a_build_that_has_them(monkeypatch):
    """The store refuses a subtask of a finished task, and any subtask in a build without them,
    with a ValueError that says which; the would-be parent lists no child."""
    store = TaskStore()
    ended = store.create(ttl_ms=None, poll_interval_ms=None)
    store.complete(ended, NOTHING)
    with pytest.raises(ValueError) as refused:
        store.create(ttl_ms=None, poll_interval_ms=None, parent=ended)
    assert str(refused.value) == "a terminal task gains no subtasks"
    monkeypatch.setattr(_spec, "SUBTASKS", False)
    live = store.create(ttl_ms=None, poll_interval_ms=None)
    with pytest.raises(ValueError) as refused:
        store.create(ttl_ms=None, poll_interval_ms=None, parent=live)
    assert str(refused.value) == "this build has no subtasks: parent must be None"
    assert ended.child_task_ids == live.child_task_ids == []


def test_a_task_id_is_never_handed_out_twice(monkeypatch):
    """Ids are random (192 bits); should the generator ever repeat one, the store draws again."""
    import mcp_tasks.store as store_module

    drawn = iter(["same-id", "same-id", "other-id"])
    monkeypatch.setattr(store_module, "new_task_id", lambda: next(drawn))
    store = TaskStore()
    first = store.create(ttl_ms=None, poll_interval_ms=None)
    second = store.create(ttl_ms=None, poll_interval_ms=None)
    assert (first.task_id, second.task_id) == ("same-id", "other-id")
    assert store.find("same-id") is first


# Store: changes ---------------------------------------------------------------------------------------


def test_every_change_stamps_last_updated_at_with_the_store_clock():
    """lastUpdatedAt (facts 2.3) is the time of the last change, createdAt stays the creation
    time; both are ISO 8601 UTC with milliseconds."""
    wall = FakeClock(1_800_000_000.0)  # 2027-01-15T08:00:00Z
    store = TaskStore(wall_clock=wall)
    record = store.create(ttl_ms=None, poll_interval_ms=None)
    assert (record.to_task()["createdAt"], record.to_task()["lastUpdatedAt"]) == (
        "2027-01-15T08:00:00.000Z",
        "2027-01-15T08:00:00.000Z",
    )
    wall.now += 1.5
    store.set_status(record, "input_required")
    assert (record.to_task()["createdAt"], record.to_task()["lastUpdatedAt"]) == (
        "2027-01-15T08:00:00.000Z",
        "2027-01-15T08:00:01.500Z",
    )


def test_a_parent_with_running_subtasks_may_change_but_not_end():
    """Children-terminal-first (SEP-2268 invariant of this spec) holds for terminal statuses only;
    the refusal names every subtask still running. childTaskIds appears with the first child."""
    store = TaskStore()
    parent = store.create(ttl_ms=None, poll_interval_ms=None)
    assert "childTaskIds" not in parent.to_task()
    first = store.create(ttl_ms=None, poll_interval_ms=None, parent=parent)
    second = store.create(ttl_ms=None, poll_interval_ms=None, parent=parent)
    store.set_status(parent, "input_required")
    assert parent.status == "input_required"
    with pytest.raises(TransitionRefused) as refused:
        store.complete(parent, NOTHING)
    assert str(refused.value) == (
        f"task {parent.task_id} cannot become 'completed' before its subtasks "
        f"({first.task_id}, {second.task_id})"
    )
    assert parent.to_task()["childTaskIds"] == [first.task_id, second.task_id]
    assert (
        first.to_task()["parentTaskId"] == parent.task_id and "childTaskIds" not in first.to_task()
    )


def test_an_ended_task_has_nothing_outstanding():
    """A task that ends while it waits for input drops its requests: a late answer finds none."""
    store = TaskStore()
    record = store.create(ttl_ms=None, poll_interval_ms=None)
    store.add_input_request(record, ASK_NAME, "k")
    store.set_status(record, "input_required")
    store.fail(record, {"code": -32603, "message": "Disk full"})
    assert record.input_requests == {}
    assert store.answer(record, "k") is False
