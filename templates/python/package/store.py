"""In-memory task records: unguessable ids, TTL expiry, lifecycle-checked status changes, and the
wire forms of a task.

Nothing here awaits except `TaskRecord.wait_changed`, so every store operation is atomic on an
event loop. The runtime (runtime.py) drives the records; `tasks/get` reads them.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from . import _spec, lifecycle
from .guard import TransitionRefused, check_transition, task_not_found

# Task ids may act as bearer tokens (SEP-2663: they must be unguessable), so they come from
# `secrets`: 24 bytes are 192 bits, printed as 32 URL-safe characters.
TASK_ID_BYTES = 24


def new_task_id() -> str:
    return secrets.token_urlsafe(TASK_ID_BYTES)


def timestamp(seconds: float) -> str:
    """ISO 8601 in UTC with milliseconds, e.g. `2026-07-28T10:30:00.123Z`."""
    moment = datetime.fromtimestamp(seconds, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(eq=False)
class TaskRecord:
    """One task as the server holds it. Change it through `TaskStore`, which checks the lifecycle.

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
        """The `DetailedTask`: what `tasks/get` returns, without `resultType`."""
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


class TaskStore:
    """Every task of one server, in memory.

    `clock` (monotonic seconds) measures TTLs and `wall_clock` (epoch seconds) stamps
    `createdAt`/`lastUpdatedAt`; tests pass fakes to move time.
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._tasks: dict[str, TaskRecord] = {}
        self._expiries: list[tuple[float, int, str]] = []  # heap of (deadline, tiebreak, task id)
        self._tiebreak = itertools.count()
        self._clock = clock
        self._wall_clock = wall_clock
        self.on_expired: Callable[[TaskRecord], None] | None = None  # the runtime stops their work

    def create(
        self,
        *,
        ttl_ms: int | None,
        poll_interval_ms: int | None,
        parent: TaskRecord | None = None,
    ) -> TaskRecord:
        """A new `working` task, stored before this returns: a `tasks/get` on its id resolves at
        once. `parent` makes it a subtask (builds with subtasks only)."""
        self.purge_expired()
        if ttl_ms is not None and ttl_ms < 0:
            raise ValueError("ttl_ms must be >= 0 or None (unlimited)")
        if parent is not None and not _spec.SUBTASKS:
            raise ValueError("this build has no subtasks: parent must be None")
        now, created_at = self._clock(), timestamp(self._wall_clock())
        task_id = new_task_id()
        while task_id in self._tasks:  # 192 random bits do not collide; the loop only proves it
            task_id = new_task_id()
        deadline = None if ttl_ms is None else now + ttl_ms / 1000
        if parent is not None:
            if parent.terminal:
                raise ValueError("a terminal task gains no subtasks")
            # A subtask must stay retrievable while its parent is, and must not outlive it: it
            # expires exactly when its parent does, whatever TTL was asked for.
            deadline = parent.deadline
            ttl_ms = None if deadline is None else max(0, int((deadline - now) * 1000))
        record = TaskRecord(
            task_id, created_at, deadline, ttl_ms, poll_interval_ms, last_updated_at=created_at
        )
        self._tasks[task_id] = record
        if deadline is not None:
            heapq.heappush(self._expiries, (deadline, next(self._tiebreak), task_id))
        if parent is not None:
            record.parent_task_id = parent.task_id
            parent.child_task_ids.append(task_id)
            self._touch(parent)
        return record

    def get(self, task_id: str) -> TaskRecord:
        """The task, or the spec's -32602 error when it is unknown or expired."""
        expired = self.purge_expired()
        record = self._tasks.get(task_id)
        if record is None:
            raise task_not_found(task_id, expired=task_id in expired)
        return record

    def find(self, task_id: str) -> TaskRecord | None:
        self.purge_expired()
        return self._tasks.get(task_id)

    def purge_expired(self) -> set[str]:
        """Delete every task whose TTL has elapsed; returns their ids."""
        now, gone = self._clock(), set()
        while self._expiries and self._expiries[0][0] <= now:
            _, _, task_id = heapq.heappop(self._expiries)
            record = self._tasks.pop(task_id, None)
            if record is not None:
                gone.add(task_id)
                record._signal()
                if self.on_expired is not None:
                    self.on_expired(record)
        return gone

    # Changes: each one is checked against the lifecycle, stamps lastUpdatedAt and wakes waiters.

    def set_status(
        self,
        record: TaskRecord,
        target: str,
        *,
        trigger: str = "server",
        message: str | None = None,
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
        self._touch(record)

    def complete(
        self, record: TaskRecord, result: Mapping[str, Any], *, message: str | None = None
    ) -> None:
        self.set_status(record, _spec.COMPLETED, message=message)
        record.result = dict(result)

    def fail(
        self, record: TaskRecord, error: Mapping[str, Any], *, message: str | None = None
    ) -> None:
        reason = message if message is not None else error.get("message")
        self.set_status(record, _spec.FAILED, message=reason)
        record.error = dict(error)

    def add_input_request(
        self, record: TaskRecord, request: Mapping[str, Any], key: str | None = None
    ) -> str:
        """Record one more outstanding request; its key is unique over the task's whole life."""
        if record.terminal:
            raise ValueError("a terminal task asks for nothing")
        if key is None:
            key = f"input-{len(record.used_keys) + 1}"
            while key in record.used_keys:
                key = f"input-{secrets.token_hex(4)}"
        elif key in record.used_keys:
            raise ValueError(f"input request key {key!r} was already used by this task")
        record.used_keys.add(key)
        record.input_requests[key] = dict(request)
        self._touch(record)
        return key

    def answer(self, record: TaskRecord, key: str) -> None:
        """Mark one outstanding request answered; its key is never issued again."""
        del record.input_requests[key]
        self._touch(record)

    def set_message(self, record: TaskRecord, message: str | None) -> None:
        record.status_message = message
        self._touch(record)

    def children(self, record: TaskRecord) -> list[TaskRecord]:
        """The task's subtasks still in the store, in `childTaskIds` order."""
        return [self._tasks[c] for c in record.child_task_ids if c in self._tasks]

    def add_event(self, record: TaskRecord, name: str, data: Mapping[str, Any]) -> dict[str, Any]:
        """Append one `EventOccurrence` to the task's event log; its position is its cursor."""
        if not _spec.EVENTS:
            raise ValueError("this build has no task event sources")
        event = {
            "eventId": f"{record.task_id}:{len(record.events) + 1}",
            "name": name,
            "timestamp": timestamp(self._wall_clock()),
            "data": dict(data),
        }
        record.events.append(event)
        record._signal()
        return event

    def _touch(self, record: TaskRecord) -> None:
        record.last_updated_at = timestamp(self._wall_clock())
        record._signal()
