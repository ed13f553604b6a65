"""The task runtime: runs task bodies in the background and applies the client's requests to them.

    runtime = TaskRuntime(ttl_ms=60_000, poll_interval_ms=500)
    async with runtime.running():              # bodies live as long as this block
        record = runtime.start(body)           # durable before it returns
        created = record.to_create_result()    # answer the request with it

A body is `async def body(task: TaskContext) -> dict` returning the result of the original request
(for `tools/call`, a CallToolResult). It ends the task `completed` by returning, `failed` by
raising `TaskFailed` (any other exception fails it with an internal error), and it cooperates with
the client's requests (cancel, and pause and steer where the build has them) at
`await task.checkpoint()`.

The features a build lacks (`_spec`: pause, steer, subtasks, events) are refused here with an
error, never ignored. asyncio only (anyio's asyncio backend included); no dependency beyond
pydantic.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from types import EllipsisType
from typing import Any

from pydantic import BaseModel

from . import _spec, errors
from .dispatcher import RequestContext
from .guard import TransitionRefused, check_request, task_not_found
from .limits import DEFAULT_LIMITS, TaskLimits, check_input_responses, check_text
from .store import TaskStore
from .store_base import BaseTaskStore, TaskRecord, call_on_loop

logger = logging.getLogger(__name__)

Body = Callable[["TaskContext"], Awaitable[Mapping[str, Any] | BaseModel | None]]
# Whether the caller of a request (its context) may see and act on a task recorded as created by
# `owner` (the principal that created it; None: created without auth).
Authorize = Callable[[RequestContext, str | None], bool]


def bind_to_creator(context: RequestContext, owner: str | None) -> bool:
    """The default `Authorize` (SEP-2663: a server with an auth context binds tasks to it).

    A task created by an authenticated principal is that principal's alone: any other caller,
    authenticated or not, is told the task does not exist. A task created without auth is
    reachable by its id, the unguessable bearer credential SEP-2663 allows.
    """
    return owner is None or context.principal == owner


class TaskFailed(Exception):
    """Raise from a task body to end the task `failed` with this JSON-RPC error."""

    def __init__(self, code: int, message: str, data: Any = None):
        super().__init__(message)
        self.error: dict[str, Any] = {"code": code, "message": message}
        if data is not None:
            self.error["data"] = data

    @classmethod
    def from_error(cls, error: errors.JsonRpcError) -> TaskFailed:
        return cls(error.code, error.message, error.data)


_current: contextvars.ContextVar[TaskContext | None] = contextvars.ContextVar(
    "mcp_task", default=None
)


def current_task() -> TaskContext | None:
    """The task the calling code runs as, or None outside a task body."""
    return _current.get()


def _not_in_build(feature: str) -> errors.JsonRpcError:
    return _spec.METHOD_NOT_FOUND(f"{feature} is not part of this build")


class TaskContext:
    """What a running body sees of its task."""

    def __init__(self, runtime: TaskRuntime, record: TaskRecord):
        self._runtime = runtime
        self.record = record
        self.cancel_requested = False
        self._answers: dict[str, asyncio.Future[Any]] = {}
        self._early: dict[str, Any] = {}  # answers that came before their future existed
        self._worker: asyncio.Task[None] | None = None
        self._body_started = False  # cancelling a worker that has not started would skip _run
        self._body_done = False

    @property
    def task_id(self) -> str:
        return self.record.task_id

    @property
    def status(self) -> str:
        return self.record.status

    def set_status_message(self, message: str | None) -> None:
        store = self._runtime.store
        store.submit(store.set_message, self.record, message)  # in order, without waiting on I/O

    async def request_input(self, request: Mapping[str, Any], *, key: str | None = None) -> Any:
        """Ask the client for input and wait for its answer (the raw InputResponse object).

        `request` is an InputRequest: `{"method": "elicitation/create", "params": {...}}`. The task
        shows it in `inputRequests` under `key` (generated when omitted; unique over the task's
        life) and is `input_required` until every outstanding request is answered by `tasks/update`.
        """
        store = self._runtime.store
        await self._until_not_paused()  # paused -> input_required is not a transition
        key = await store.run(self._ask, request, key)
        answer: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        if key in self._early:  # answered while the store step was returning
            answer.set_result(self._early.pop(key))
        self._answers[key] = answer
        try:
            return await answer
        finally:
            self._answers.pop(key, None)
            if key in self.record.input_requests:  # abandoned (cancelled, timed out): withdrawn
                # A body that goes on is working again; a cancelled one is about to end.
                back_to_work = not self.cancel_requested
                await store.run(store.withdraw, self.record, key, back_to_work=back_to_work)

    def _deliver(self, key: str, response: Any) -> None:
        """Hand the body the answer to its input request `key` (on the loop)."""
        answer = self._answers.get(key)
        if answer is None:
            self._early[key] = response
        elif not answer.done():
            answer.set_result(response)

    def _ask(self, request: Mapping[str, Any], key: str | None) -> str:
        """Record the request and move the task to `input_required`: one store step, so that two
        requests made at once both see what the other did."""
        store = self._runtime.store
        key = store.add_input_request(self.record, request, key)
        if self.record.status == _spec.WORKING:
            store.set_status(self.record, _spec.INPUT_REQUIRED)
        return key

    async def elicit(
        self, message: str, requested_schema: Mapping[str, Any], *, key: str | None = None
    ) -> Any:
        """Ask the user through a form elicitation; returns the ElicitResult object."""
        params = {"mode": "form", "message": message, "requestedSchema": dict(requested_schema)}
        return await self.request_input({"method": "elicitation/create", "params": params}, key=key)

    async def checkpoint(self) -> list[str]:
        """A safe point: cancellation lands here, a paused task waits here until resumed, and the
        steer messages queued since the last checkpoint are returned, oldest first (always empty
        in a build without steering)."""
        await asyncio.sleep(0)
        await self._until_not_paused()
        store = self._runtime.store
        return await store.run(store.take_steers, self.task_id)  # the store's queue: FIFO, once

    def spawn_subtask(self, body: Body, *, poll_interval_ms: int | None = None) -> str:
        """Start a subtask: listed in this task's `childTaskIds`, its `parentTaskId` names this
        task."""
        if not _spec.SUBTASKS:
            raise _not_in_build("subtasks")
        child = self._runtime.start(body, parent=self.record, poll_interval_ms=poll_interval_ms)
        return child.task_id

    async def wait_subtasks(self) -> list[dict[str, Any]]:
        """Wait until every subtask is terminal; their DetailedTask objects in `childTaskIds`
        order."""
        store = self._runtime.store
        for child in await store.run(store.children, self.record):
            while not child.terminal and await store.run(store.find, child.task_id) is child:
                if not child.terminal:  # checked again after the await: no change is missed
                    await child.wait_changed()
        return [child.to_detailed() for child in await store.run(store.children, self.record)]

    def emit_event(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Publish one event on this task's event source; returns the EventOccurrence."""
        if not _spec.EVENTS:
            raise _not_in_build("task events")
        return self._runtime.store.add_event(self.record, self._runtime.event_type, data)

    async def _until_not_paused(self) -> None:
        while self.record.status == _spec.PAUSED and not self.cancel_requested:
            await self.record.wait_changed()


class TaskRuntime:
    """Starts tasks, runs their bodies, and carries out what clients ask of them.

    A keyword argument named after a capability setting of the build (`_spec.SETTINGS`, e.g.
    `pause=False`) switches that setting, and the methods it gates, off; any other name is a
    TypeError.
    """

    def __init__(
        self,
        *,
        ttl_ms: int | None | EllipsisType = ...,
        poll_interval_ms: int | None = 1000,
        store: BaseTaskStore | None = None,
        event_type: str = "task.events",
        limits: TaskLimits = DEFAULT_LIMITS,
        authorize: Authorize = bind_to_creator,
        **settings: bool,
    ) -> None:
        """`ttl_ms`: the TTL of new tasks (None: unlimited; `...`: `limits.default_ttl_ms`, one
        hour by default). `limits`: what is kept per task (limits.py). `authorize`: who may see a
        task (default `bind_to_creator`); it is asked on every client request that names one."""
        unknown = sorted(set(settings) - set(_spec.SETTINGS))
        if unknown:
            known = ", ".join(_spec.SETTINGS) or "none"
            raise TypeError(
                f"TaskRuntime() got unknown setting(s) {', '.join(unknown)}; "
                f"this build's settings: {known}"
            )
        self.limits = limits
        self.authorize = authorize
        # The default TTL of new tasks; None: unlimited.
        self.ttl_ms = limits.default_ttl_ms if isinstance(ttl_ms, EllipsisType) else ttl_ms
        self.poll_interval_ms = poll_interval_ms
        self.store: BaseTaskStore = store if store is not None else TaskStore()
        self.store.limits = limits
        self.store.on_expired = self._forget
        self.store.on_forwarded = self._forwarded
        self.enabled_settings = frozenset(
            name for name in _spec.SETTINGS if settings.get(name, True)
        )
        self.event_type = event_type  # the event type name every task event source uses
        self._contexts: dict[str, TaskContext] = {}
        self._users = 0
        self._loop: asyncio.AbstractEventLoop | None = None  # where bodies run (set by running())

    # Lifetime ------------------------------------------------------------------------------------

    @asynccontextmanager
    async def running(self) -> AsyncIterator[TaskRuntime]:
        """Keep bodies running while at least one `running()` block is open (it nests: an SDK may
        enter it once per connection). When the last one closes, unfinished tasks end `failed`."""
        if self._users == 0:
            self._loop = asyncio.get_running_loop()
            await self.store.open()
        self._users += 1
        try:
            yield self
        finally:
            self._users -= 1
            if self._users == 0:
                try:
                    await self.shutdown()
                finally:
                    await self.store.close()

    async def shutdown(self) -> None:
        """Fail every unfinished task (subtasks before their parents) and stop its body."""
        contexts = list(self._contexts.values())
        for context in reversed(contexts):  # subtasks are created after their parents
            if not context.record.terminal:
                stopped = _spec.INTERNAL_ERROR("The server stopped").to_error()
                # It ended or expired meanwhile (a shared store expires by itself): nothing to fail.
                with contextlib.suppress(TransitionRefused, _spec.INVALID_PARAMS):
                    await self.store.run(self.store.fail, context.record, stopped)
        workers = [c._worker for c in contexts if c._worker is not None and not c._worker.done()]
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)

    # Starting tasks ------------------------------------------------------------------------------

    def start(
        self,
        body: Body,
        *,
        ttl_ms: int | None | EllipsisType = ...,
        poll_interval_ms: int | None = None,
        parent: TaskRecord | None = None,
        event_source: bool = False,
        principal: str | None = None,
    ) -> TaskRecord:
        """Create a task and run `body` for it in the background. The record is in the store before
        this returns, so the CreateTaskResult may be sent at once. `ttl_ms=...`: the runtime's.
        `parent` (subtasks) and `event_source` (task events) need a build with those features.
        `principal`: the authenticated caller that asked for it (a subtask: its parent's)."""
        if event_source and not _spec.EVENTS:
            raise _not_in_build("task events")
        if parent is not None and not _spec.SUBTASKS:
            raise _not_in_build("subtasks")
        # Cursors are positions in the task's event log; "0" replays from the first event.
        source = {"name": self.event_type, "initialCursor": "0"} if event_source else None
        record = self.store.create(
            ttl_ms=self.ttl_ms if isinstance(ttl_ms, EllipsisType) else ttl_ms,
            poll_interval_ms=(
                poll_interval_ms if poll_interval_ms is not None else self.poll_interval_ms
            ),
            parent=parent,
            event_source=source,
            principal=parent.principal if parent is not None else principal,
        )
        context = TaskContext(self, record)
        self._contexts[record.task_id] = context
        # A fresh context per task: the body sees itself as current_task(), not its creator. On
        # the loop (always, in memory) the body starts now; from the store's thread (`store.run`),
        # as soon as the loop can, and before the caller awaiting `run` resumes.
        self._on_loop(self._spawn, context, body, contextvars.copy_context())
        return context.record

    def _spawn(self, context: TaskContext, body: Body, scope: contextvars.Context) -> None:
        loop = asyncio.get_running_loop()
        name = f"mcp-task-{context.task_id[:8]}"
        context._worker = loop.create_task(self._run(context, body), name=name, context=scope)

    def context(self, task_id: str) -> TaskContext | None:
        return self._contexts.get(task_id)

    async def _run(self, context: TaskContext, body: Body) -> None:
        _current.set(context)
        try:
            outcome = await self._outcome(context, body)
            if outcome is not None:
                await self._settle(context, *outcome)
        finally:
            self._contexts.pop(context.task_id, None)

    async def _outcome(self, context: TaskContext, body: Body) -> tuple[str, Any] | None:
        """Run the body: ("completed", result), ("failed", error), ("cancelled", None), or None when
        the task is gone (expired, or failed by shutdown) meanwhile."""
        record = context.record
        context._body_started = True
        outcome: tuple[str, Any]
        try:
            if context.cancel_requested:  # cancelled before the body got to run
                raise asyncio.CancelledError
            value = await body(context)
            if isinstance(value, BaseModel):
                value = value.model_dump(mode="json", by_alias=True, exclude_unset=True)
            outcome = (_spec.COMPLETED, dict(value or {}))
        except TaskFailed as failure:
            outcome = (_spec.FAILED, failure.error)
        except errors.JsonRpcError as failure:
            outcome = (_spec.FAILED, failure.to_error())
        except asyncio.CancelledError:
            if not context.cancel_requested:
                raise  # the runtime is shutting down, or the task expired
            outcome = (_spec.CANCELLED, None)
        except Exception as exc:  # a crashing body fails its task, not the server
            logger.exception("task %s crashed", record.task_id)
            crashed = _spec.INTERNAL_ERROR(f"Task crashed: {type(exc).__name__}")
            outcome = (_spec.FAILED, crashed.to_error())
        finally:
            context._body_done = True
        if record.terminal or await self.store.run(self.store.find, record.task_id) is not record:
            return None
        return outcome

    async def _settle(self, context: TaskContext, kind: str, value: Any) -> None:
        """Make the body's outcome the task's status, once the lifecycle allows it."""
        record, store = context.record, self.store
        if _spec.SUBTASKS:
            if kind == _spec.FAILED:
                await store.run(self._cancel_children, record)  # nobody will use their results
            await context.wait_subtasks()  # a parent ends only after its children
        while True:
            if kind == _spec.COMPLETED:
                await context._until_not_paused()  # paused -> completed is not a transition
            if record.terminal:
                return
            try:
                if context.cancel_requested:
                    await store.run(
                        store.set_status,
                        record,
                        _spec.CANCELLED,
                        trigger=_spec.CANCEL,
                        message=f"Cancelled by {_spec.CANCEL}",
                    )
                elif kind == _spec.COMPLETED:
                    await store.run(store.complete, record, value)
                else:
                    await store.run(store.fail, record, value)
                return
            except TransitionRefused:
                # Paused meanwhile through another replica: wait for the resume, then try again.
                if kind == _spec.COMPLETED and record.status == _spec.PAUSED:
                    continue
                if record.terminal:
                    return  # ended meanwhile (cancelled or failed through another request)
                logger.exception("task %s could not record its outcome %r", record.task_id, kind)
                return

    def _forget(self, record: TaskRecord) -> None:
        """The store dropped an expired task: stop its body."""
        context = self._contexts.pop(record.task_id, None)
        if context is not None and context._worker is not None:
            context._worker.cancel()

    def _forwarded(self, task_id: str, kind: str, payload: dict[str, Any]) -> None:
        """Another replica forwarded a request for a body that runs here (shared stores)."""
        context = self._contexts.get(task_id)
        if context is None:
            return
        if kind == "cancel":
            self._cancel_running(context)
        elif kind == "answer":
            context._deliver(str(payload.get("key")), payload.get("response"))

    # What clients ask for ------------------------------------------------------------------------
    # Each operation re-checks the lifecycle guard: they are public, not only reached through the
    # dispatcher, and the check and the change happen in one step of the event loop.

    def visible(self, record: TaskRecord, caller: RequestContext | None) -> bool:
        """Whether a request's caller may see the task; in-process calls (no context) may."""
        return caller is None or self.authorize(caller, record.principal)

    def task_for(self, task_id: str, caller: RequestContext | None = None) -> TaskRecord:
        """The task as the request `caller` may see it: the spec's unknown-task error (-32602) when
        it is unknown, expired, or not the caller's, word for word the same in each case except
        expiry, so that a task's existence is not revealed to another principal."""
        record = self.store.get(task_id)
        if not self.visible(record, caller):
            raise task_not_found(task_id)
        return record

    def get(self, task_id: str, caller: RequestContext | None = None) -> TaskRecord:
        record = self.task_for(task_id, caller)
        check_request(record.status, _spec.GET)
        return record

    def update(
        self,
        task_id: str,
        responses: Mapping[str, Any],
        caller: RequestContext | None = None,
    ) -> None:
        """Deliver input responses. Keys that are not outstanding are ignored, as the spec says.
        More responses than `limits` allows are refused (-32602) before any is used."""
        check_input_responses(self.limits, responses)
        record = self.task_for(task_id, caller)
        check_request(record.status, _spec.UPDATE)
        context = self._contexts.get(task_id)
        for key, response in responses.items():
            if key not in record.input_requests or not self.store.answer(record, key):
                continue  # unknown, already answered or superseded
            if context is not None:
                self._on_loop(context._deliver, key, response)
            else:  # the body runs on another replica
                self.store.forward(record, "answer", {"key": key, "response": response})
        if record.status == _spec.INPUT_REQUIRED and not record.input_requests:
            self.store.apply_request(record, _spec.UPDATE, _back_to_work)

    def outstanding_keys(self, task_id: str) -> frozenset[str]:
        record = self.store.find(task_id)
        return frozenset(record.input_requests) if record else frozenset()

    def cancel(self, task_id: str, caller: RequestContext | None = None) -> None:
        """Cooperative: the body is cancelled at its next await; the task ends `cancelled` once it
        (and every subtask) has stopped. On a terminal task nothing happens; the ack is the same."""
        record = self.task_for(task_id, caller)
        check_request(record.status, _spec.CANCEL)
        if record.terminal:
            return
        context = self._contexts.get(task_id)
        if _spec.CANCEL_PROPAGATES:
            self._cancel_children(record)  # invariant: an accepted cancel reaches every child
        if context is not None:
            self._on_loop(self._cancel_running, context)
        elif not self.store.forward(record, "cancel", {}):  # no live replica runs its body
            self.store.apply_request(record, _spec.CANCEL, _cancelled_unless_ended)

    def _on_loop(self, callback: Callable[..., Any], *args: Any) -> None:
        """Call `callback` on the loop the bodies run on (see store_base.call_on_loop)."""
        call_on_loop(self._loop, callback, *args)

    def _cancel_running(self, context: TaskContext) -> None:
        context.cancel_requested = True
        if context._body_started and not context._body_done and context._worker is not None:
            context._worker.cancel()
        context.record._signal()  # wake the task's waiters: it may be settling already

    def _cancel_children(self, record: TaskRecord) -> None:
        for child in self.store.children(record):
            if not child.terminal:
                self.cancel(child.task_id)

    def steer(self, task_id: str, message: str, caller: RequestContext | None = None) -> None:
        """Queue a steer message; the body receives it at its next checkpoint, in submission
        order. Refused (-32602) while the task's queue is at a cap of `limits`."""
        method = _spec.STEER
        if method is None:
            raise _not_in_build("steering")
        record = self.task_for(task_id, caller)
        check_request(record.status, method)
        check_text(message, "message")  # the same on every store: Redis takes only UTF-8
        self.store.push_steer(task_id, message)  # taken at a checkpoint, on whichever replica

    def pause(self, task_id: str, caller: RequestContext | None = None) -> TaskRecord:
        """Paused at once; the body halts at its next checkpoint (or input request, or its end)."""
        method, paused = _spec.PAUSE, _spec.PAUSED
        if method is None or paused is None:
            raise _not_in_build("pausing")
        record = self.task_for(task_id, caller)
        check_request(record.status, method)
        self.store.apply_request(record, method, lambda task: paused)
        return record

    def resume(self, task_id: str, caller: RequestContext | None = None) -> TaskRecord:
        """Back to `input_required` when requests are still outstanding (same keys), else
        `working`."""
        method = _spec.RESUME
        if method is None:
            raise _not_in_build("resuming")
        record = self.task_for(task_id, caller)
        check_request(record.status, method)
        self.store.apply_request(record, method, _resumed)
        return record


# Targets of client-requested changes (store.apply_request), decided on the task as it is then.


def _back_to_work(task: TaskRecord) -> str | None:
    """After tasks/update: working once nothing is outstanding (still input_required: no change)."""
    if task.status == _spec.INPUT_REQUIRED and not task.input_requests:
        return _spec.WORKING
    return None


def _cancelled_unless_ended(task: TaskRecord) -> str | None:
    return None if task.terminal else _spec.CANCELLED


def _resumed(task: TaskRecord) -> str:
    """Back to input_required when requests are still outstanding (same keys), else working."""
    return _spec.INPUT_REQUIRED if task.input_requests else _spec.WORKING
