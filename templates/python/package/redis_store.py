"""A task store in Redis, so that replicas behind a load balancer answer for each other's tasks.

    store = RedisTaskStore.from_url("redis://127.0.0.1:6379/0")
    runtime = TaskRuntime(store=store)

Needs the `redis` package (`pip install 'mcp-tasks[redis]'`), imported only here. Redis 6.2 or
later, or Valkey.

What lives where (every key starts with `prefix`):

    task:<id>        hash {v: version, data: the record as JSON}; Redis expiry is the task's TTL
    steer:<id>       list: the steer queue (RPUSH by any replica, drained atomically by the body)
    lease:<replica>  a key that lives `lease_ms`, renewed by the replica while it runs
    running:<rep>    set: the unfinished tasks whose bodies run on that replica
    replicas         set: every replica that ran tasks
    events:<id>      stream: the task's event log (cursor = stream id), the newest `max_events`
    trimmed:<id>     the id of the newest event trimmed from it (older cursors are `truncated`)
    changes          pub/sub channel: every committed change, as the new record (commit order)
    added            pub/sub channel: the id of a task whose event log grew
    forward          pub/sub channel: cancel and input answers for a body on another replica

Every change is a compare-and-set on the version, in one Lua script that also publishes it, so
two replicas never both move a task out of one status and listeners see changes in commit order.
Store operations use redis-py's synchronous client (one round trip each, like the in-memory
store's operations); the runtime calls them through `run`, which carries them out on this store's
one worker thread, so the event loop never waits on Redis (see spec/README.md, "Replicas share
tasks through Redis"). The subscription runs on redis-py's asyncio client.

A task's body runs on the replica that created it (`owner`). When that replica stops renewing its
lease (it died), the next replica that reads the task, or scans for dead replicas, ends it `failed`
with an internal error saying so: a task is never silently stuck in `working`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import secrets
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from . import _spec
from .guard import TransitionRefused, task_not_found
from .limits import steer_refused
from .store_base import (
    BaseTaskStore,
    EventPage,
    Mutation,
    TaskRecord,
    call_on_loop,
    new_task_id,
    timestamp,
)

logger = logging.getLogger(__name__)

_CREATE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'v', '1', 'data', ARGV[1])
if ARGV[2] ~= '' then redis.call('PEXPIREAT', KEYS[1], ARGV[2]) end
redis.call('SADD', KEYS[2], ARGV[5])
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1
"""

_COMMIT = """
local v = redis.call('HGET', KEYS[1], 'v')
if not v then return -1 end
if v ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'data', ARGV[3])
if ARGV[6] == '1' then
  redis.call('SREM', KEYS[2], ARGV[7])
  redis.call('DEL', KEYS[3])
end
redis.call('PUBLISH', ARGV[4], ARGV[3])
return 1
"""

# The caps (ARGV[2]: messages, ARGV[3]: UTF-8 bytes) are checked in the same script as the push:
# two replicas can never both take the last place. -1 / -2: the count / byte cap refuses it.
_PUSH_STEER = """
local ttl = redis.call('PTTL', KEYS[1])
if ttl == -2 then return 0 end
if redis.call('LLEN', KEYS[2]) + 1 > tonumber(ARGV[2]) then return -1 end
local size = string.len(ARGV[1])
for _, queued in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do
  size = size + string.len(queued)
end
if size > tonumber(ARGV[3]) then return -2 end
redis.call('RPUSH', KEYS[2], ARGV[1])
if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
return 1
"""

_ADD_EVENT = """
local ttl = redis.call('PTTL', KEYS[1])
if ttl == -2 then return false end
local id = redis.call('XADD', KEYS[2], '*', 'e', ARGV[1])
local over = redis.call('XLEN', KEYS[2]) - tonumber(ARGV[2])
if tonumber(ARGV[2]) > 0 and over > 0 then
  local gone = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', over)
  for _, entry in ipairs(gone) do redis.call('XDEL', KEYS[2], entry[1]) end
  redis.call('SET', KEYS[3], gone[#gone][1])
end
if ttl > 0 then
  redis.call('PEXPIRE', KEYS[2], ttl)
  if redis.call('EXISTS', KEYS[3]) == 1 then redis.call('PEXPIRE', KEYS[3], ttl) end
end
redis.call('PUBLISH', ARGV[3], ARGV[4])
return id
"""

_TAKE_STEERS = """
local items = redis.call('LRANGE', KEYS[1], 0, -1)
redis.call('DEL', KEYS[1])
return items
"""

MAX_COMMIT_ATTEMPTS = 100

_T = TypeVar("_T")


def _is_utf8(text: str) -> bool:
    """Whether Redis can be sent `text` (JSON strings may carry lone surrogates; UTF-8 cannot)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class RedisTaskStore(BaseTaskStore):
    """Tasks in Redis, shared by every replica that uses the same Redis and `prefix`."""

    def __init__(
        self,
        url: str = "redis://127.0.0.1:6379/0",
        *,
        prefix: str = "mcp_tasks:",
        lease_ms: int = 10_000,
        replica_id: str | None = None,
        max_events: int = 10_000,
    ) -> None:
        super().__init__()
        try:
            import redis
        except ImportError:  # pragma: no cover - depends on the installation
            raise ImportError(
                "RedisTaskStore needs the redis package: pip install 'mcp-tasks[redis]'"
            ) from None
        if lease_ms <= 0:
            raise ValueError("lease_ms must be > 0")
        self.url = url
        self.prefix = prefix
        self.lease_ms = lease_ms
        self.replica_id = replica_id or secrets.token_hex(8)
        self.max_events = max_events  # events kept per task; 0: all
        self._redis = redis.Redis.from_url(url, decode_responses=True)
        self._create = self._redis.register_script(_CREATE)
        self._cas = self._redis.register_script(_COMMIT)
        self._push = self._redis.register_script(_PUSH_STEER)
        self._take = self._redis.register_script(_TAKE_STEERS)
        self._add_event = self._redis.register_script(_ADD_EVENT)
        # One record object per task while anything (a body, a waiter) holds it.
        self._records: weakref.WeakValueDictionary[str, TaskRecord] = weakref.WeakValueDictionary()
        self._background: list[asyncio.Task[None]] = []
        self._async: Any = None
        self._opened = 0
        # Store work runs here, one operation at a time (as on the loop with the in-memory store),
        # so the event loop never waits on Redis; what it changes that the loop waits on (record
        # signals, expiry callbacks) is handed back to the loop.
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="mcp-tasks-redis")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._adopting = threading.Lock()  # version check and state swap of a record, together

    @classmethod
    def from_url(cls, url: str, **options: Any) -> RedisTaskStore:
        return cls(url, **options)

    # Keys ----------------------------------------------------------------------------------------

    def _task_key(self, task_id: str) -> str:
        return f"{self.prefix}task:{task_id}"

    def _steer_key(self, task_id: str) -> str:
        return f"{self.prefix}steer:{task_id}"

    def _lease_key(self, replica: str) -> str:
        return f"{self.prefix}lease:{replica}"

    def _running_key(self, replica: str | None) -> str:
        return f"{self.prefix}running:{replica or '-'}"

    @property
    def _changes(self) -> str:
        return f"{self.prefix}changes"

    @property
    def _forwards(self) -> str:
        return f"{self.prefix}forward"

    @property
    def _added(self) -> str:
        return f"{self.prefix}added"

    # Records -------------------------------------------------------------------------------------

    def _load(self, task_id: str) -> dict[str, Any] | None:
        data = self._redis.hget(self._task_key(task_id), "data")
        return json.loads(data) if data is not None else None

    def _cached(self, state: Mapping[str, Any]) -> TaskRecord:
        """The one record object of the task, brought up to `state` (waiters wake on news)."""
        with self._adopting:
            record = self._records.get(state["task_id"])
            if record is None:
                record = TaskRecord.from_state(state)
                self._records[record.task_id] = record
                return record
        self._adopt(record, state)
        return record

    def _adopt(self, record: TaskRecord, state: Mapping[str, Any]) -> None:
        """Bring `record` up to `state` when it is newer, and wake its waiters."""
        with self._adopting:
            if int(state.get("version") or 0) <= record.version:
                return
            record.load_state(state)
        self._on_loop(record._signal)

    # The worker thread and the loop --------------------------------------------------------------

    async def run(self, operation: Callable[..., _T], /, *args: Any, **kwargs: Any) -> _T:
        loop = asyncio.get_running_loop()
        self._loop = loop
        call = functools.partial(operation, *args, **kwargs)
        return await loop.run_in_executor(self._worker, call)

    def submit(self, operation: Callable[..., Any], /, *args: Any) -> None:
        def logged() -> None:
            try:
                operation(*args)
            except Exception:  # nobody waits for it: say so in the log
                logger.exception("store operation %s failed", getattr(operation, "__name__", "?"))

        self._worker.submit(logged)

    def _on_loop(self, callback: Callable[..., Any], *args: Any) -> None:
        """Call `callback` on the event loop (see store_base.call_on_loop)."""
        call_on_loop(self._loop, callback, *args)

    def create(
        self,
        *,
        ttl_ms: int | None,
        poll_interval_ms: int | None,
        parent: TaskRecord | None = None,
        event_source: Mapping[str, Any] | None = None,
        principal: str | None = None,
    ) -> TaskRecord:
        if ttl_ms is not None and ttl_ms < 0:
            raise ValueError("ttl_ms must be >= 0 or None (unlimited)")
        if parent is not None and not _spec.SUBTASKS:
            raise ValueError("this build has no subtasks: parent must be None")
        now = time.time()
        task_id = new_task_id()
        deadline = None if ttl_ms is None else now + ttl_ms / 1000
        if parent is not None:

            def adopt(current: TaskRecord) -> None:
                if current.terminal:
                    raise ValueError("a terminal task gains no subtasks")
                current.child_task_ids.append(task_id)

            self._commit(parent, adopt)  # first, so a terminal parent refuses before anything
            # A subtask expires exactly when its parent does, whatever TTL was asked for.
            deadline = parent.deadline
            ttl_ms = None if deadline is None else max(0, int((deadline - now) * 1000))
        created_at = timestamp(now)
        record = TaskRecord(
            task_id, created_at, deadline, ttl_ms, poll_interval_ms, last_updated_at=created_at
        )
        record.owner = self.replica_id
        record.principal = principal
        record.version = 1
        if parent is not None:
            record.parent_task_id = parent.task_id
        if event_source is not None:
            record.event_source = self._event_source(task_id, event_source)
        data = json.dumps(record.to_state())
        expires = "" if deadline is None else str(int(deadline * 1000))
        keys = [self._task_key(task_id), self._running_key(self.replica_id)]
        if not self._create(keys=keys, args=[data, expires, self._changes, data, task_id]):
            raise RuntimeError("task id collision")  # 192 random bits: never, in practice
        self._records[task_id] = record
        return record

    def find(self, task_id: str) -> TaskRecord | None:
        if not _is_utf8(task_id):  # a lone surrogate from the wire: no key has it, none can
            return None
        state = self._load(task_id)
        if state is None:
            self._records.pop(task_id, None)
            return None
        record = self._cached(state)
        if self._orphaned(record):
            self._reap(record)
        return record

    def _orphaned(self, record: TaskRecord) -> bool:
        """Unfinished, run by another replica whose lease has expired."""
        return (
            not record.terminal
            and record.owner is not None
            and record.owner != self.replica_id
            and not self._redis.exists(self._lease_key(record.owner))
        )

    def _reap(self, record: TaskRecord) -> None:
        """End a task whose replica died `failed` (its subtasks first: they ran there too)."""
        for child in self.children(record):
            if not child.terminal:
                self._reap(child)
        error = _spec.INTERNAL_ERROR(
            f"The server replica running this task stopped (its lease of {self.lease_ms} ms "
            "expired); the task cannot finish"
        ).to_error()
        with contextlib.suppress(TransitionRefused, ValueError):
            self.fail(record, error)

    def _commit(self, record: TaskRecord, change: Mutation, *, touch: bool = True) -> None:
        for _ in range(MAX_COMMIT_ATTEMPTS):
            state = self._load(record.task_id)
            if state is None:
                raise task_not_found(record.task_id)
            # Decide on the current state, not on what we saw before, and on a copy: the record
            # the loop reads changes only once the change is stored (in one step, `_adopt`).
            draft = TaskRecord.from_state(state)
            change(draft)  # raises to refuse: nothing changes
            expected = draft.version
            draft.version = expected + 1
            if touch:
                draft.last_updated_at = timestamp(time.time())
            data = json.dumps(draft.to_state())
            keys = [
                self._task_key(draft.task_id),
                self._running_key(draft.owner),
                self._steer_key(draft.task_id),
            ]
            args = [
                str(expected),
                str(expected + 1),
                data,
                self._changes,
                "",
                "1" if draft.terminal else "0",
                draft.task_id,
            ]
            outcome = self._cas(keys=keys, args=args)
            if outcome == 1:
                self._adopt(record, draft.to_state())
                return
            if outcome == -1:
                raise task_not_found(record.task_id)
        raise RuntimeError(f"task {record.task_id}: too many concurrent changes")

    def children(self, record: TaskRecord) -> list[TaskRecord]:
        found = (self.find(child) for child in record.child_task_ids)
        return [child for child in found if child is not None]

    # Event log: a Redis stream per task -------------------------------------------------------

    def add_event(self, record: TaskRecord, name: str, data: Mapping[str, Any]) -> dict[str, Any]:
        if not _spec.EVENTS:
            raise ValueError("this build has no task event sources")
        event = {"name": name, "timestamp": timestamp(time.time()), "data": dict(data)}
        task_id = record.task_id
        keys = [self._task_key(task_id), self._events_key(task_id), self._trimmed_key(task_id)]
        args = [json.dumps(event), str(self.max_events), self._added, json.dumps(task_id)]
        added = self._add_event(keys=keys, args=args)
        if added is None:
            raise task_not_found(task_id)
        return {"eventId": f"{task_id}:{added}", **event}

    def read_events(
        self, record: TaskRecord, cursor: str | None, limit: int | None = None
    ) -> EventPage:
        """The stream's entries after `cursor` (a stream id; "0" is before the first). A cursor
        older than the oldest entry kept (events were trimmed after it), or one this store cannot
        place, resumes from the oldest entry kept, flagged `truncated`."""
        task_id = record.task_id
        stream = self._events_key(task_id)
        # decode_responses: ids and fields are str (redis-py types them bytes | str)
        newest: Any = self._redis.xrevrange(stream, count=1)
        last: str = newest[0][0] if newest else "0"
        trimmed: str = self._redis.get(self._trimmed_key(task_id)) or "0"  # type: ignore[assignment]
        if cursor is None:
            return EventPage([], last, False, False)
        place = _stream_id(cursor)
        truncated = place is None or place > _id_tuple(last) or place < _id_tuple(trimmed)
        start = trimmed if truncated else cursor
        if limit is not None and limit <= 0:
            return EventPage([], start, truncated, bool(newest) and start != last)
        count = None if limit is None else limit + 1
        entries: Any = self._redis.xrange(stream, min=f"({start}", count=count)
        more = limit is not None and len(entries) > limit
        entries = entries[:limit] if limit is not None else entries
        events = [
            {"eventId": f"{task_id}:{entry_id}", **json.loads(fields["e"]), "cursor": entry_id}
            for entry_id, fields in entries
        ]
        return EventPage(events, events[-1]["cursor"] if events else start, truncated, more)

    def _events_key(self, task_id: str) -> str:
        return f"{self.prefix}events:{task_id}"

    def _trimmed_key(self, task_id: str) -> str:
        return f"{self.prefix}trimmed:{task_id}"

    # Steer queue and forwarding ------------------------------------------------------------------

    def push_steer(self, task_id: str, message: str) -> None:
        limits = self.limits
        caps = [limits.max_steer_messages, limits.max_steer_bytes]
        keys = [self._task_key(task_id), self._steer_key(task_id)]
        outcome = self._push(keys=keys, args=[message, *caps])
        if outcome == -1:
            raise steer_refused("max_steer_messages", limits.max_steer_messages)
        if outcome == -2:
            raise steer_refused("max_steer_bytes", limits.max_steer_bytes)

    def take_steers(self, task_id: str) -> list[str]:
        return list(self._take(keys=[self._steer_key(task_id)]))

    def forward(self, record: TaskRecord, kind: str, payload: Mapping[str, Any]) -> bool:
        owner = record.owner
        if owner is None or owner == self.replica_id:
            return False
        if not self._redis.exists(self._lease_key(owner)):
            return False
        message = {"id": record.task_id, "to": owner, "kind": kind, "payload": dict(payload)}
        self._redis.publish(self._forwards, json.dumps(message))
        return True

    # Lifetime: the lease and the subscription ----------------------------------------------------

    async def open(self) -> None:
        self._opened += 1
        if self._opened > 1:
            return
        import redis.asyncio

        self._loop = asyncio.get_running_loop()
        await self.run(self._renew_lease)
        self._async = redis.asyncio.Redis.from_url(self.url, decode_responses=True)
        pubsub = self._async.pubsub()
        await pubsub.subscribe(self._changes, self._forwards, self._added)
        confirmed = 0
        while confirmed < 3:  # subscribed before open() returns: no change is missed after it
            message = await pubsub.get_message(timeout=5.0)
            if message is not None and message["type"] == "subscribe":
                confirmed += 1
        loop = asyncio.get_running_loop()
        self._background = [
            loop.create_task(self._listen(pubsub), name="mcp-tasks-redis-listen"),
            loop.create_task(self._keep_lease(), name="mcp-tasks-redis-lease"),
        ]

    async def close(self) -> None:
        self._opened -= 1
        if self._opened > 0:
            return
        for task in self._background:
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        self._background = []
        with contextlib.suppress(Exception):
            await self.run(self._redis.delete, self._lease_key(self.replica_id))
        if self._async is not None:
            await self._async.aclose()
            self._async = None

    def _renew_lease(self) -> None:
        self._redis.set(self._lease_key(self.replica_id), "1", px=self.lease_ms)
        self._redis.sadd(f"{self.prefix}replicas", self.replica_id)

    async def _keep_lease(self) -> None:
        while True:
            await asyncio.sleep(self.lease_ms / 3000)
            try:
                await self.run(self._renew_lease)
                await self.run(self._sweep)
            except Exception:  # Redis unreachable for a moment: try again next round
                logger.exception("could not renew the lease of replica %s", self.replica_id)

    def _sweep(self) -> None:
        """Fail the tasks of dead replicas; stop the bodies here whose tasks expired."""
        replicas_key = f"{self.prefix}replicas"
        for replica in map(str, self._redis.smembers(replicas_key)):
            if replica == self.replica_id or self._redis.exists(self._lease_key(replica)):
                continue
            for task_id in map(str, self._redis.smembers(self._running_key(replica))):
                self.find(task_id)  # reaps it
                self._redis.srem(self._running_key(replica), task_id)
            self._redis.srem(replicas_key, replica)
        mine = self._running_key(self.replica_id)
        for task_id in map(str, self._redis.smembers(mine)):
            if not self._redis.exists(self._task_key(task_id)):
                self._redis.srem(mine, task_id)
                record = self._records.pop(task_id, None)
                if record is not None:
                    self._on_loop(record._signal)
                    if self.on_expired is not None:
                        self._on_loop(self.on_expired, record)

    async def _listen(self, pubsub: Any) -> None:
        try:
            while True:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                if message is None:
                    continue
                try:
                    self._received(message["channel"], json.loads(message["data"]))
                except Exception:
                    logger.exception("could not apply a message from %s", message["channel"])
        finally:
            with contextlib.suppress(Exception):
                await pubsub.aclose()

    def _received(self, channel: str, body: dict[str, Any]) -> None:
        if channel == self._changes:
            self._cached_if_held(body)
            snapshot = TaskRecord.from_state(body)  # the task as of this change, in order
            for listener in list(self._listeners):
                listener(snapshot)
        elif channel == self._added:
            record = self._records.get(str(body))
            if record is not None:
                record._signal()  # its event log grew: wake the readers waiting on it
        elif (
            channel == self._forwards
            and body.get("to") == self.replica_id
            and self.on_forwarded is not None
        ):
            self.on_forwarded(str(body["id"]), str(body["kind"]), dict(body["payload"]))

    def _cached_if_held(self, state: Mapping[str, Any]) -> None:
        record = self._records.get(state["task_id"])
        if record is not None:
            self._adopt(record, state)


def _id_tuple(stream_id: str) -> tuple[int, int]:
    milliseconds, _, sequence = stream_id.partition("-")
    return int(milliseconds), int(sequence or 0)


def _stream_id(cursor: str) -> tuple[int, int] | None:
    """A cursor as a comparable stream id, or None when it is not one."""
    milliseconds, _, sequence = cursor.partition("-")
    if not milliseconds.isdigit() or not (sequence == "" or sequence.isdigit()):
        return None
    return int(milliseconds), int(sequence or 0)
