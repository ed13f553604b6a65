"""The task store interface: what every store keeps, and the task record it keeps it in.

Two stores implement it: `store.TaskStore` (one process, in memory; the default) and
`redis_store.RedisTaskStore` (replicas share tasks through Redis). Every operation is synchronous
and atomic: the lifecycle check and the change it allows happen together, so two requests (or two
replicas) can never both move a task out of one status. A store changes a record only through
`_commit` (a compare-and-set in Redis), so the lifecycle rules are written once, here.

The runtime (runtime.py) runs task bodies on the replica that started them and reaches a body that
runs elsewhere through `forward`; `open`/`close` bracket the time a runtime uses the store.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from . import _spec, lifecycle
from .guard import TransitionRefused, check_request, check_transition, task_not_found
from .limits import DEFAULT_LIMITS, TaskLimits

# Task ids may act as bearer tokens (SEP-2663: they must be unguessable), so they come from
# `secrets`: 24 bytes are 192 bits, printed as 32 URL-safe characters.
TASK_ID_BYTES = 24


def call_on_loop(
    loop: asyncio.AbstractEventLoop | None, callback: Callable[..., Any], *args: Any
) -> None:
    """Call `callback` on `loop`: now when already there (or there is no loop to go to), else as
    soon as the loop can. Store operations may run on a worker thread (see `store.run`), while
    records' signals, tasks and futures belong to the loop."""
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if loop is None or running is loop or loop.is_closed():
        callback(*args)
    else:
        loop.call_soon_threadsafe(callback, *args)


def new_task_id() -> str:
    return secrets.token_urlsafe(TASK_ID_BYTES)


def timestamp(seconds: float) -> str:
    """ISO 8601 in UTC with milliseconds, e.g. `2026-07-28T10:30:00.123Z`."""
    moment = datetime.fromtimestamp(seconds, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


# The members of a record that a store persists (everything but the wake-up event).
STATE_FIELDS = (
    "task_id",
    "created_at",
    "deadline",
    "ttl_ms",
    "poll_interval_ms",
    "status",
    "status_message",
    "last_updated_at",
    "result",
    "error",
    "input_requests",
    "used_keys",
    "parent_task_id",
    "child_task_ids",
    "events",
    "event_source",
    "owner",
    "principal",
    "version",
)


@dataclass(eq=False)
class TaskRecord:
    """One task as the server holds it. Change it through a store, which checks the lifecycle.

    The subtask and event members stay empty in a build without those features (`_spec`).
    """

    task_id: str
    created_at: str
    deadline: float | None  # the store clock's reading at which the task expires; None: never
    ttl_ms: int | None
    poll_interval_ms: int | None
    status: str = _spec.WORKING
    status_message: str | None = None
    last_updated_at: str = ""
    result: dict[str, Any] | None = None  # set when completed
    error: dict[str, Any] | None = None  # the JSON-RPC error object, set when failed
    input_requests: dict[str, dict[str, Any]] = field(default_factory=dict)  # outstanding, by key
    used_keys: set[str] = field(default_factory=set)  # every key ever issued: never reused
    parent_task_id: str | None = None
    child_task_ids: list[str] = field(default_factory=list)  # append-only
    events: list[dict[str, Any]] = field(default_factory=list)  # EventOccurrence objects, in order
    event_source: dict[str, Any] | None = None  # the TaskEventSource announced on creation
    owner: str | None = None  # the replica whose runtime runs the body (shared stores)
    # The authenticated principal that created the task (None: created without auth). Kept in the
    # record, never in a connection: tasks outlive connections and move between replicas.
    principal: str | None = None
    version: int = 0  # bumped by every committed change: the compare-and-set token
    _changed: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    @property
    def terminal(self) -> bool:
        return lifecycle.is_terminal(self.status)

    async def wait_changed(self, timeout: float | None = None) -> bool:
        """Wait for the next change to this record; False when `timeout` (seconds) ran out first."""
        changed = self._changed
        try:
            await asyncio.wait_for(changed.wait(), timeout)
        except TimeoutError:
            return False
        return True

    def _signal(self) -> None:
        """Wake everyone waiting now; later waiters wait for the next change."""
        self._changed.set()
        self._changed = asyncio.Event()

    # Persistence ---------------------------------------------------------------------------------

    def to_state(self) -> dict[str, Any]:
        """Every persisted member, JSON-ready."""
        state = {name: getattr(self, name) for name in STATE_FIELDS}
        state["used_keys"] = sorted(self.used_keys)
        return state

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> TaskRecord:
        record = cls(state["task_id"], state["created_at"], state["deadline"], None, None)
        record.load_state(state)
        return record

    def load_state(self, state: Mapping[str, Any]) -> None:
        """Take over `state` (a `to_state()` of this task), in place: waiters keep their record.

        In one step (one update of the instance dict, which holds the GIL throughout): a store
        that works on its own thread never shows the event loop half a state."""
        values: dict[str, Any] = {}
        for name in STATE_FIELDS:
            value = state.get(name)
            if name == "used_keys":
                value = set(value or ())
            elif name in ("input_requests",):
                value = dict(value or {})
            elif name in ("child_task_ids", "events"):
                value = list(value or [])
            elif name == "version":
                value = int(value or 0)
            values[name] = value
        vars(self).update(values)

    # Wire forms ---------------------------------------------------------------------------------

    def to_task(self) -> dict[str, Any]:
        """The `Task` object. `ttlMs` is required and nullable: it is always present."""
        task: dict[str, Any] = {
            "taskId": self.task_id,
            "status": self.status,
            "createdAt": self.created_at,
            "lastUpdatedAt": self.last_updated_at,
            "ttlMs": self.ttl_ms,
        }
        if self.status_message is not None:
            task["statusMessage"] = self.status_message
        if self.poll_interval_ms is not None:
            task["pollIntervalMs"] = self.poll_interval_ms
        if _spec.PARENT_TASK_FIELD is not None and self.parent_task_id is not None:
            task[_spec.PARENT_TASK_FIELD] = self.parent_task_id
        if _spec.CHILD_TASKS_FIELD is not None and self.child_task_ids:
            task[_spec.CHILD_TASKS_FIELD] = list(self.child_task_ids)  # absent until the first
        return task

    def to_create_result(self) -> dict[str, Any]:
        """The flat `CreateTaskResult` that answers the request which started the task."""
        created = {**self.to_task(), "resultType": _spec.TASK_RESULT_TYPE}
        if _spec.EVENT_SOURCE_FIELD is not None and self.event_source is not None:
            created[_spec.EVENT_SOURCE_FIELD] = dict(self.event_source)
        return created

    def to_detailed(self) -> dict[str, Any]:
        """The `DetailedTask`: what `tasks/get` returns (and `notifications/tasks` carries),
        without `resultType`."""
        detailed = self.to_task()
        if self.status == _spec.INPUT_REQUIRED:
            detailed["inputRequests"] = dict(self.input_requests)
        elif self.status == _spec.COMPLETED:
            detailed["result"] = self.result if self.result is not None else {}
        elif self.status == _spec.FAILED:
            detailed["error"] = (
                self.error
                if self.error is not None
                else _spec.INTERNAL_ERROR("Task failed").to_error()
            )
        return detailed

    def to_get_result(self) -> dict[str, Any]:
        return {**self.to_detailed(), "resultType": _spec.COMPLETE_RESULT_TYPE}


_T = TypeVar("_T")
Mutation = Callable[[TaskRecord], None]


class _Unchanged(Exception):
    """Raised inside a change to store nothing (a request that changes no status)."""


@dataclass(frozen=True)
class EventPage:
    """A slice of a task's event log: `events` (EventOccurrence objects, each with its resuming
    `cursor`), the `cursor` after them, whether events were skipped (`truncated`: the cursor
    was older than what the log retains, or could not be placed), and whether more follow."""

    events: list[dict[str, Any]]
    cursor: str
    truncated: bool
    has_more: bool


Listener = Callable[[TaskRecord], None]
# kind ("cancel" or "answer") and payload of a request forwarded to the replica running a task.
Forwarded = Callable[[str, str, dict[str, Any]], None]


class BaseTaskStore(abc.ABC):
    """What every task store offers the runtime. Subclasses implement the storage primitives
    (abstract below); the lifecycle rules are written once, in the operations built on them."""

    def __init__(self) -> None:
        self.on_expired: Callable[[TaskRecord], None] | None = None  # the runtime stops their work
        self.on_forwarded: Forwarded | None = None  # the runtime applies requests for its bodies
        self._listeners: list[Listener] = []
        self.limits: TaskLimits = DEFAULT_LIMITS  # the runtime sets its own (steer queue caps)

    # Storage primitives ---------------------------------------------------------------------------

    @abc.abstractmethod
    def create(
        self,
        *,
        ttl_ms: int | None,
        poll_interval_ms: int | None,
        parent: TaskRecord | None = None,
        event_source: Mapping[str, Any] | None = None,
        principal: str | None = None,
    ) -> TaskRecord:
        """A new `working` task, stored before this returns: a `tasks/get` on its id resolves at
        once, on every replica. `parent` makes it a subtask (builds with subtasks only);
        `event_source` (name, initialCursor) is announced subscribed with the new task's id;
        `principal` is recorded as the task's creator (authorization)."""

    @abc.abstractmethod
    def find(self, task_id: str) -> TaskRecord | None:
        """The task as stored now, or None when it is unknown or expired. A store hands out one
        record object per task while anything holds it, so `find(id) is record` holds."""

    @abc.abstractmethod
    def _commit(self, record: TaskRecord, change: Mutation, *, touch: bool = True) -> None:
        """Apply `change` to the task's current state and store the result atomically: nothing
        else changes the task in between. `change` raises to refuse; then nothing changes.
        `touch` stamps `lastUpdatedAt`. Waiters on the record wake and listeners hear of it."""

    @abc.abstractmethod
    def children(self, record: TaskRecord) -> list[TaskRecord]:
        """The task's subtasks still in the store, in `childTaskIds` order."""

    @abc.abstractmethod
    def push_steer(self, task_id: str, message: str) -> None:
        """Queue a steer message for the task's body (FIFO). Atomically refused with -32602
        (`limits.steer_refused`) when the queue would exceed `self.limits`' steer caps."""

    @abc.abstractmethod
    def take_steers(self, task_id: str) -> list[str]:
        """Remove and return every queued steer message, oldest first; each is returned once."""

    def forward(self, record: TaskRecord, kind: str, payload: Mapping[str, Any]) -> bool:
        """Hand a request for a body that runs on another replica to that replica. False when no
        live replica runs it (the caller then applies what it can itself)."""
        return False

    def purge_expired(self) -> set[str]:
        """Delete every task whose TTL has elapsed; returns their ids (stores that expire by
        themselves return an empty set)."""
        return set()

    async def run(self, operation: Callable[..., _T], /, *args: Any, **kwargs: Any) -> _T:
        """`operation(*args, **kwargs)` (a store operation, or a runtime step made of them) without
        blocking the event loop on the store's I/O. In memory there is none: it runs at once, on
        the loop, atomic as ever. A store that talks to a server runs it on its own thread."""
        return operation(*args, **kwargs)

    def submit(self, operation: Callable[..., Any], /, *args: Any) -> None:
        """`operation(*args)` without waiting for it (what `run` would await): at once in memory;
        a store with its own thread queues it there, in order with everything `run` hands it."""
        operation(*args)

    async def open(self) -> None:
        """Called when a runtime starts using the store (connections, leases, subscriptions)."""
        return  # the in-memory store has nothing to open

    async def close(self) -> None:
        """Called when the runtime stops; undoes `open`."""
        return  # nor anything to close

    # Listeners (push notifications) ---------------------------------------------------------------

    def add_listener(self, listener: Listener) -> Callable[[], None]:
        """Call `listener(record)` after every committed change of any task, in commit order (on
        every replica, for changes made through any replica); returns the function that removes
        it. Listeners run on the event loop and must not block."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _changed(self, record: TaskRecord) -> None:
        record._signal()
        for listener in list(self._listeners):
            listener(record)

    # Operations -----------------------------------------------------------------------------------

    def get(self, task_id: str) -> TaskRecord:
        """The task, or the spec's -32602 error when it is unknown or expired."""
        expired = self.purge_expired()
        record = self.find(task_id)
        if record is None:
            raise task_not_found(task_id, expired=task_id in expired)
        return record

    def set_status(
        self,
        record: TaskRecord,
        target: str,
        *,
        trigger: str = "server",
        message: str | None = None,
    ) -> None:
        self._commit(record, lambda r: self._transition(r, target, trigger, message))

    def apply_request(
        self, record: TaskRecord, method: str, target: Callable[[TaskRecord], str | None]
    ) -> None:
        """The status change a client asked for with `method`: `target(task)` is the status to
        move to (None: none), and the lifecycle's request check and the transition are both made
        on the task as it is at the moment of the change, since another request (or replica) may
        have changed it after it was read. A refusal is the lifecycle's refusal error."""

        def change(current: TaskRecord) -> None:
            chosen = target(current)
            if chosen is None:
                raise _Unchanged
            check_request(current.status, method)
            try:
                self._transition(current, chosen, method, None)
            except TransitionRefused as refused:
                raise _spec.LIFECYCLE_REFUSAL(str(refused)) from None

        with contextlib.suppress(_Unchanged):
            self._commit(record, change)

    def complete(
        self, record: TaskRecord, result: Mapping[str, Any], *, message: str | None = None
    ) -> None:
        def change(current: TaskRecord) -> None:
            self._transition(current, _spec.COMPLETED, "server", message)
            current.result = dict(result)

        self._commit(record, change)

    def fail(
        self, record: TaskRecord, error: Mapping[str, Any], *, message: str | None = None
    ) -> None:
        reason = message if message is not None else error.get("message")

        def change(current: TaskRecord) -> None:
            self._transition(current, _spec.FAILED, "server", reason)
            current.error = dict(error)

        self._commit(record, change)

    def add_input_request(
        self, record: TaskRecord, request: Mapping[str, Any], key: str | None = None
    ) -> str:
        """Record one more outstanding request; its key is unique over the task's whole life."""
        issued: list[str] = []

        def change(current: TaskRecord) -> None:
            if current.terminal:
                raise ValueError("a terminal task asks for nothing")
            chosen = key
            if chosen is None:
                chosen = f"input-{len(current.used_keys) + 1}"
                while chosen in current.used_keys:
                    chosen = f"input-{secrets.token_hex(4)}"
            elif chosen in current.used_keys:
                raise ValueError(f"input request key {chosen!r} was already used by this task")
            current.used_keys.add(chosen)
            current.input_requests[chosen] = dict(request)
            issued[:] = [chosen]

        self._commit(record, change)
        return issued[0]

    def answer(self, record: TaskRecord, key: str) -> bool:
        """Mark one outstanding request answered; its key is never issued again. False when it was
        not outstanding (already answered, possibly through another replica)."""
        answered: list[bool] = []

        def change(current: TaskRecord) -> None:
            answered[:] = [current.input_requests.pop(key, None) is not None]

        self._commit(record, change)
        return answered[0]

    def withdraw(self, record: TaskRecord, key: str, *, back_to_work: bool) -> None:
        """Withdraw an outstanding request its body no longer waits for. With `back_to_work` and
        nothing else outstanding, an input_required task is working again in the same change
        (input_required -> working, by the server): never input_required with nothing to answer."""

        def change(current: TaskRecord) -> None:
            current.input_requests.pop(key, None)
            waiting = current.status == _spec.INPUT_REQUIRED
            if back_to_work and waiting and not current.input_requests:
                self._transition(current, _spec.WORKING, "server", None)

        self._commit(record, change)

    def set_message(self, record: TaskRecord, message: str | None) -> None:
        def change(current: TaskRecord) -> None:
            current.status_message = message

        self._commit(record, change)

    def add_event(self, record: TaskRecord, name: str, data: Mapping[str, Any]) -> dict[str, Any]:
        """Append one `EventOccurrence` to the task's event log; its position is its cursor."""
        if not _spec.EVENTS:
            raise ValueError("this build has no task event sources")
        added: list[dict[str, Any]] = []

        def change(current: TaskRecord) -> None:
            event = {
                "eventId": f"{current.task_id}:{len(current.events) + 1}",
                "name": name,
                "timestamp": timestamp(self._now()),
                "data": dict(data),
            }
            current.events.append(event)
            added[:] = [event]

        self._commit(record, change, touch=False)
        return added[0]

    def read_events(
        self, record: TaskRecord, cursor: str | None, limit: int | None = None
    ) -> EventPage:
        """The task's events after `cursor` (at most `limit`), each with the cursor that resumes
        after it. `cursor` None starts from now. This log is the record's own: a cursor is a
        position in it. A cursor this store cannot place (malformed, or past the end, e.g. minted
        by another server) restarts from the oldest event it holds, flagged `truncated`."""
        count = len(record.events)
        if cursor is None:
            start, truncated = count, False
        elif not cursor.isdigit() or int(cursor) > count:
            start, truncated = 0, True
        else:
            start, truncated = int(cursor), False
        end = count if limit is None else min(count, start + max(limit, 0))
        events = [
            {**event, "cursor": str(position)}
            for position, event in enumerate(record.events[start:end], start + 1)
        ]
        return EventPage(events, str(end), truncated, end < count)

    @staticmethod
    def _event_source(task_id: str, template: Mapping[str, Any]) -> dict[str, Any]:
        """The TaskEventSource announced for a new task: `template` subscribed with its id."""
        return {"name": template["name"], "input": {"taskId": task_id}, **dict(template)}

    def _now(self) -> float:
        """Epoch seconds, for `createdAt`, `lastUpdatedAt` and event timestamps."""
        return time.time()

    def _transition(
        self, record: TaskRecord, target: str, trigger: str, message: str | None
    ) -> None:
        check_transition(record.status, target, trigger)
        if _spec.CHILDREN_TERMINAL_FIRST and lifecycle.is_terminal(target):
            busy = [c for c in self.children(record) if not c.terminal]
            if busy:  # invariant: a parent becomes terminal only after all its children
                ids = ", ".join(c.task_id for c in busy)
                raise TransitionRefused(
                    f"task {record.task_id} cannot become {target!r} before its subtasks ({ids})"
                )
        record.status = target
        if message is not None:
            record.status_message = message
        if lifecycle.is_terminal(target):
            record.input_requests.clear()  # nothing is outstanding on a finished task
