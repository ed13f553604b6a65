"""`RuntimeTaskServer`: every handler of `TaskServer`, carried out by the in-memory `TaskRuntime`.

The handlers of features a build lacks (`_spec`) are never reached: the dispatcher answers their
methods -32601, because `HANDLERS` does not list them.
"""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeVar

from . import _spec, push
from .dispatcher import RequestContext, declared_settings, validate_params
from .limits import check_input_responses
from .methods import METHODS
from .runtime import TaskRuntime
from .server import TaskServer
from .store import TaskRecord
from .store_base import EventPage

_T = TypeVar("_T")
# The outstanding input request keys of the tasks/update being handled, read by `handle`.
_outstanding: contextvars.ContextVar[frozenset[str] | None] = contextvars.ContextVar(
    "mcp_tasks_outstanding", default=None
)

# How long an idle push stream waits before a heartbeat, and the longest long poll (seconds).
HEARTBEAT_SECONDS = 15.0
MAX_POLL_SECONDS = 30.0


class _TaskParams(Protocol):
    """The params of a request that acts on one task (only what the handlers below read)."""

    @property
    def task_id(self) -> str: ...


class _MessageParams(_TaskParams, Protocol):
    @property
    def message(self) -> str: ...


class _ResponsesParams(_TaskParams, Protocol):
    @property
    def input_responses(self) -> Mapping[str, _WireParams]: ...


class _WireParams(Protocol):
    def to_wire(self) -> dict[str, Any]: ...


class RuntimeTaskServer(TaskServer):
    """Serves the extension's requests from a `TaskRuntime` (a new one by default)."""

    def __init__(self, runtime: TaskRuntime | None = None):
        self.runtime = runtime if runtime is not None else TaskRuntime()
        self.enabled_settings = self.runtime.enabled_settings

    async def task_status(self, task_id: str) -> str | None:
        store = self.runtime.store
        record = await store.run(store.find, task_id)
        return record.status if record is not None else None

    async def call(self, operation: Callable[..., _T], /, *args: Any) -> _T:
        """A runtime operation, carried out where the store does its work (`store.run`): on the
        loop in memory, on the store's own thread for Redis, so the loop never waits on I/O."""
        return await self.runtime.store.run(operation, *args)

    async def task_status_for(self, task_id: str, context: RequestContext) -> str | None:
        status = await self.task_status(task_id)  # a subclass may answer for tasks of its own
        record = await self.call(self.runtime.store.find, task_id) if status is not None else None
        if record is not None and not self.runtime.visible(record, context):
            return None  # another principal's task is answered as an unknown one
        return status

    def check_limits(self, method: str, params: dict[str, Any]) -> None:
        if method == _spec.UPDATE:
            check_input_responses(self.runtime.limits, params.get("inputResponses"))

    def drop_ignored(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        responses = params.get("inputResponses")
        task_id = params.get("taskId")
        if (
            method != _spec.UPDATE
            or not isinstance(responses, dict)
            or not isinstance(task_id, str)
        ):
            return params
        # Only responses to outstanding keys are used, so only they have to be well formed.
        outstanding = _outstanding.get()
        if outstanding is None:
            outstanding = self.runtime.outstanding_keys(task_id)
        kept = {k: v for k, v in responses.items() if k in outstanding}
        return {**params, "inputResponses": kept}

    async def get_task(self, params: _TaskParams, context: RequestContext) -> dict[str, Any]:
        record = await self.call(self.runtime.get, params.task_id, context)
        return self.shown(record.to_get_result(), context)

    @staticmethod
    def shown(task: dict[str, Any], context: RequestContext) -> dict[str, Any]:
        """A task as this request's client may see it.

        SEP-2669 is opt-in: a client that did not declare the `pause` setting on the request "will
        see no behavioral changes", so a task the server paused is shown to it as `working` (a base
        client just keeps polling), never with a status its schema does not have.
        """
        paused, pause = _spec.PAUSED, _spec.PAUSE
        if paused is None or pause is None or task.get("status") != paused:
            return task
        if METHODS[pause].setting in context.settings:
            return task
        return {**task, "status": _spec.WORKING}

    async def update_task(
        self, params: _ResponsesParams, context: RequestContext
    ) -> dict[str, Any]:
        responses = {key: response.to_wire() for key, response in params.input_responses.items()}
        await self.call(self.runtime.update, params.task_id, responses, context)
        return _ack()

    async def cancel_task(self, params: _TaskParams, context: RequestContext) -> dict[str, Any]:
        await self.call(self.runtime.cancel, params.task_id, context)
        return _ack()

    async def steer_task(self, params: _MessageParams, context: RequestContext) -> dict[str, Any]:
        await self.call(self.runtime.steer, params.task_id, params.message, context)
        return _ack()

    async def pause_task(self, params: _TaskParams, context: RequestContext) -> dict[str, Any]:
        return (await self.call(self.runtime.pause, params.task_id, context)).to_get_result()

    async def resume_task(self, params: _TaskParams, context: RequestContext) -> dict[str, Any]:
        return (await self.call(self.runtime.resume, params.task_id, context)).to_get_result()

    # Event sources: one event type (runtime.event_type), subscribed to with {"taskId": ...}. A
    # cursor is a position in the task's event log, as a decimal string.

    def event_types(self) -> list[dict[str, Any]]:
        """The event types this server offers: the one every task event source names."""
        delivery = ["poll", "push"] if _spec.EVENT_STREAM else ["poll"]
        return [
            {
                "name": self.runtime.event_type,
                "description": "Intermediate results of one task, published by its body.",
                "delivery": delivery,
                "inputSchema": {
                    "type": "object",
                    "properties": {"taskId": {"type": "string"}},
                    "required": ["taskId"],
                    "additionalProperties": False,
                },
                "payloadSchema": {"type": "object"},
            }
        ]

    async def list_events(self, params: _WireParams, context: RequestContext) -> dict[str, Any]:
        """events/list: every event type on one page (there is one)."""
        if params.to_wire().get("cursor") is not None:
            raise _spec.INVALID_PARAMS("Unknown cursor: events/list has a single page")
        return {"events": self.event_types(), "resultType": _spec.COMPLETE_RESULT_TYPE}

    async def _subscription(self, name: str, arguments: Any, context: RequestContext) -> TaskRecord:
        not_found = _spec.EVENTS_NOT_FOUND
        if not_found is None:  # unreachable: HANDLERS lists no events method in such a build
            raise _spec.METHOD_NOT_FOUND("This build has no task event sources")
        if name != self.runtime.event_type:
            raise not_found(f"Unknown event type {name!r}", {"kind": "event"})
        task_id = arguments.get("taskId") if isinstance(arguments, dict) else None
        if not isinstance(task_id, str) or set(arguments) != {"taskId"}:
            raise _spec.INVALID_PARAMS('arguments must be {"taskId": <string>}')
        record = await self.call(self.runtime.task_for, task_id, context)  # as tasks/get authorizes
        if record.event_source is None:
            raise _spec.INVALID_PARAMS(f"Task {task_id} has no event source")
        return record

    async def poll_events(self, params: _WireParams, context: RequestContext) -> dict[str, Any]:
        wire = params.to_wire()  # optional members read from the wire form: absent is None here
        record = await self._subscription(wire["name"], wire["arguments"], context)
        store, limit = self.runtime.store, wire.get("maxEvents")
        signal = record._changed  # taken before reading: an event added meanwhile wakes it
        page = await self.call(store.read_events, record, wire.get("cursor"), limit)
        loop = asyncio.get_running_loop()
        wait = min(max(wire.get("timeoutMs") or 0, 0) / 1000, MAX_POLL_SECONDS)
        deadline = loop.time() + wait
        while not page.events and not record.terminal:  # long poll: wait for an event
            remaining = deadline - loop.time()
            if remaining <= 0 or not await _wait(signal, remaining):
                break
            signal = record._changed
            found = await self.call(store.read_events, record, page.cursor, limit)
            page = EventPage(found.events, found.cursor, page.truncated, found.has_more)
        return {
            "events": [{k: v for k, v in e.items() if k != "cursor"} for e in page.events],
            "cursor": page.cursor,
            "truncated": page.truncated,
            "hasMore": page.has_more,
            "nextPollMs": record.poll_interval_ms or self.runtime.poll_interval_ms or 1000,
            "resultType": _spec.COMPLETE_RESULT_TYPE,
        }

    async def stream_events(self, params: _WireParams, context: RequestContext) -> dict[str, Any]:
        """Push delivery: events as notifications, heartbeats while idle; the final (empty) result
        ends the stream once the task is terminal and every event was sent."""
        if context.notify is None:
            unsupported = _spec.EVENTS_UNSUPPORTED or _spec.METHOD_NOT_FOUND
            raise unsupported(
                "This transport cannot push events; use events/poll",
                {"feature": "deliveryMode", "value": "push"},
            )
        notify = context.notify
        wire = params.to_wire()
        record = await self._subscription(wire["name"], wire["arguments"], context)
        store = self.runtime.store
        page = await self.call(store.read_events, record, wire.get("cursor"), 0)
        cursor = page.cursor
        meta = {"io.modelcontextprotocol/subscriptionId": context.request_id}
        active = {"_meta": meta, "cursor": cursor, "truncated": page.truncated}
        await notify("notifications/events/active", active)
        while True:
            ended = record.terminal  # read before the events: the last ones are not missed
            signal = record._changed  # likewise: an event added during the read wakes the wait
            page = await self.call(store.read_events, record, cursor, None)
            for event in page.events:
                await notify("notifications/events/event", {**event, "_meta": meta})
            cursor = page.cursor
            if page.events:
                continue  # more may have come while these were sent
            if ended:
                return _ack()
            if await self.call(store.find, record.task_id) is not record:  # expired
                # The draft ends a subscription abnormally with -32011/-32012/-32014; a task that
                # expired no longer exists, which is NotFound.
                gone = _spec.EVENTS_NOT_FOUND or _spec.INVALID_PARAMS
                error = gone(f"Task {record.task_id} has expired").to_error()
                await notify("notifications/events/terminated", {"_meta": meta, "error": error})
                return _ack()
            if record.terminal:
                continue  # ended while this stream awaited: one more read, then the end
            if not await _wait(signal, HEARTBEAT_SECONDS):
                heartbeat = {"_meta": meta, "cursor": cursor}
                await notify("notifications/events/heartbeat", heartbeat)

    # Push: task status notifications on a listen stream (push.py) --------------------------------

    async def handle(
        self, method: str, params: dict[str, Any], context: RequestContext
    ) -> dict[str, Any]:
        # The listen request is core MCP, not one of HANDLERS: a stream that names task ids is
        # served here; any other is the host's (this dispatcher has no other notifications).
        if _spec.LISTEN is not None and method == _spec.LISTEN:
            return await self.listen_tasks(params, context)
        task_id = params.get("taskId")
        if method != _spec.UPDATE or not isinstance(task_id, str):
            return await super().handle(method, params, context)
        # drop_ignored needs the outstanding keys before validation: read them off the loop here.
        token = _outstanding.set(await self.call(self.runtime.outstanding_keys, task_id))
        try:
            return await super().handle(method, params, context)
        finally:
            _outstanding.reset(token)

    async def listen_tasks(self, params: dict[str, Any], context: RequestContext) -> dict[str, Any]:
        """The listen request of a client following tasks: acknowledge, then push each named
        task's state now and after every change, until they are all terminal (push.py)."""
        if _spec.LISTEN is None:
            raise _spec.METHOD_NOT_FOUND("This build has no task status notifications")
        task_ids = push.requested_task_ids(params)
        if task_ids is None:
            raise _spec.INVALID_PARAMS("The listen filter names no task ids")
        if _spec.EXTENSION_ID not in context.declared:  # SEP-2663: MUST
            raise _spec.MISSING_CAPABILITY(
                f"Task notifications need the {_spec.EXTENSION_ID!r} extension declared on the "
                "listen request",
                {"requiredCapabilities": _spec.REQUIRED_CAPABILITIES[_spec.EXTENSION_ID]},
            )
        validate_params(_spec.LISTEN, METHODS[_spec.LISTEN].params_type, params)
        # What this client may see: a paused task is `working` to one that did not opt in.
        context = dataclasses.replace(
            context, settings=declared_settings(params, _spec.EXTENSION_ID)
        )
        return await push.serve_listen(
            self.runtime.store,
            task_ids,
            context,
            lambda task: self.shown(task, context),
            lambda record: self.runtime.visible(record, context),
        )


async def _wait(signal: asyncio.Event, timeout: float) -> bool:
    """Wait for `signal` (a record's change event, taken earlier); False when `timeout` ran out."""
    try:
        await asyncio.wait_for(signal.wait(), timeout)
    except TimeoutError:
        return False
    return True


def _ack() -> dict[str, Any]:
    return {"resultType": _spec.COMPLETE_RESULT_TYPE}


def _bind_role_handlers(server: type[RuntimeTaskServer]) -> None:
    """The methods above are named by role; the dispatcher calls handlers by the spec's Python
    names. Where the spec names a method differently (`jobs/get` -> `get_job`), bind the role's
    implementation under that name too, so the runtime serves any spec that declares the roles."""
    for role, function in _spec.ROLE_FUNCTIONS.items():
        implementation = server.__dict__.get(role)
        if function != role and implementation is not None:
            setattr(server, function, implementation)


_bind_role_handlers(RuntimeTaskServer)
