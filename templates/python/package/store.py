"""The in-memory task store: every task of one server process, with TTL expiry, lifecycle-checked
status changes and the steer queues.

Nothing here awaits except `TaskRecord.wait_changed`, so every store operation is atomic on an
event loop. The interface every store implements, and the task record itself, are in
store_base.py; the Redis store that replicas share is redis_store.py.
"""

from __future__ import annotations

import heapq
import itertools
import secrets
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

from . import _spec
from .limits import check_steer, utf8_size
from .store_base import (
    TASK_ID_BYTES,
    BaseTaskStore,
    Mutation,
    TaskRecord,
    new_task_id,
    timestamp,
)

__all__ = ["TASK_ID_BYTES", "TaskRecord", "TaskStore", "new_task_id", "secrets", "timestamp"]


class TaskStore(BaseTaskStore):
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
        super().__init__()
        self._tasks: dict[str, TaskRecord] = {}
        self._expiries: list[tuple[float, int, str]] = []  # heap of (deadline, tiebreak, task id)
        self._tiebreak = itertools.count()
        self._steers: dict[str, deque[str]] = {}
        self._steer_bytes: dict[str, int] = {}  # UTF-8 size of each queue, for the byte cap
        self._clock = clock
        self._wall_clock = wall_clock

    def _now(self) -> float:
        return self._wall_clock()

    def create(
        self,
        *,
        ttl_ms: int | None,
        poll_interval_ms: int | None,
        parent: TaskRecord | None = None,
        event_source: Mapping[str, Any] | None = None,
        principal: str | None = None,
    ) -> TaskRecord:
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
        if event_source is not None:
            record.event_source = self._event_source(task_id, event_source)
        record.principal = principal
        self._tasks[task_id] = record
        if deadline is not None:
            heapq.heappush(self._expiries, (deadline, next(self._tiebreak), task_id))
        if parent is not None:
            record.parent_task_id = parent.task_id
            self._commit(parent, lambda p: p.child_task_ids.append(task_id))
        self._changed(record)
        return record

    def find(self, task_id: str) -> TaskRecord | None:
        self.purge_expired()
        return self._tasks.get(task_id)

    def purge_expired(self) -> set[str]:
        now, gone = self._clock(), set()
        while self._expiries and self._expiries[0][0] <= now:
            _, _, task_id = heapq.heappop(self._expiries)
            record = self._tasks.pop(task_id, None)
            self._drop_steers(task_id)
            if record is not None:
                gone.add(task_id)
                record._signal()
                if self.on_expired is not None:
                    self.on_expired(record)
        return gone

    def _commit(self, record: TaskRecord, change: Mutation, *, touch: bool = True) -> None:
        # One step of the event loop: the check inside `change` and the change are atomic.
        change(record)
        record.version += 1
        if record.terminal:
            self._drop_steers(record.task_id)  # nobody will take them now
        if touch:
            record.last_updated_at = timestamp(self._wall_clock())
        self._changed(record)

    def children(self, record: TaskRecord) -> list[TaskRecord]:
        return [self._tasks[c] for c in record.child_task_ids if c in self._tasks]

    def push_steer(self, task_id: str, message: str) -> None:
        if task_id not in self._tasks:
            return
        queue = self._steers.get(task_id)
        queued, queued_bytes = len(queue or ()), self._steer_bytes.get(task_id, 0)
        check_steer(self.limits, queued, queued_bytes, message)  # raises before anything changes
        self._steers.setdefault(task_id, deque()).append(message)
        self._steer_bytes[task_id] = queued_bytes + utf8_size(message)

    def take_steers(self, task_id: str) -> list[str]:
        queue = self._drop_steers(task_id)
        return list(queue) if queue else []

    def _drop_steers(self, task_id: str) -> deque[str] | None:
        self._steer_bytes.pop(task_id, None)
        return self._steers.pop(task_id, None)
