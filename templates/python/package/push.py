"""Push: task status notifications on a listen stream (SEP-2663, Task Status Notifications).

A client opens the stream with the listen request (`_spec.LISTEN`), naming the tasks it follows in
the filter's task ids; the server acknowledges first (`_spec.LISTEN_ACKNOWLEDGED`, with the ids it
agreed to report on), then sends each of those tasks' `DetailedTask` (`_spec.STATUS_NOTIFICATION`)
as it stands now and again after every change, every frame stamped with the listen request's id
under `_meta[_spec.SUBSCRIPTION_ID_KEY]`. The stream ends with the listen result once every task
it reports on is terminal (nothing more will happen to them) or gone.

Changes come from the store's listeners, which hear of every committed change in commit order: in
process for the in-memory store, from every replica through Redis for the Redis store. The
record's `version` orders them: the stream never sends a version twice, nor an older one after a
newer one, so the current state read at subscription and the changes heard meanwhile merge
without a gap or a step back.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from typing import Any

from . import _spec, lifecycle
from .dispatcher import Notify, RequestContext
from .store_base import BaseTaskStore, TaskRecord

logger = logging.getLogger(__name__)

# A stream whose client stopped reading is ended (it re-listens) rather than buffering forever.
MAX_BUFFERED = 1024
# How often an idle stream checks that its tasks still exist (an expired task sends nothing).
IDLE_CHECK_SECONDS = 15.0

Shown = Callable[[dict[str, Any]], dict[str, Any]]


def requested_task_ids(params: Mapping[str, Any]) -> list[str] | None:
    """The task ids a listen request's filter names, or None when it asks for no task
    notifications (the stream is then the host SDK's business)."""
    if _spec.LISTEN_FILTER_FIELD is None or _spec.TASK_IDS_FIELD is None:
        return None
    notifications = params.get(_spec.LISTEN_FILTER_FIELD)
    if not isinstance(notifications, Mapping) or _spec.TASK_IDS_FIELD not in notifications:
        return None
    ids = notifications[_spec.TASK_IDS_FIELD]
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise _spec.INVALID_PARAMS(
            f"{_spec.LISTEN_FILTER_FIELD}.{_spec.TASK_IDS_FIELD} must be a list of task ids"
        )
    return list(dict.fromkeys(ids))


async def serve_listen(
    store: BaseTaskStore,
    task_ids: list[str],
    context: RequestContext,
    shown: Shown,
    may_see: Callable[[TaskRecord], bool] = lambda record: True,
) -> dict[str, Any]:
    """Serve one listen stream for `task_ids` until they are all terminal (or gone, or the client
    goes away, which cancels this). Returns the listen result that closes the stream.

    `may_see` is the runtime's authorization: a task the caller may not get is left out of the
    acknowledgement exactly as an unknown id is, so a listener learns nothing of others' tasks."""
    if (
        context.notify is None
        or _spec.STATUS_NOTIFICATION is None
        or _spec.LISTEN_ACKNOWLEDGED is None
        or _spec.SUBSCRIPTION_ID_KEY is None
        or _spec.TASK_IDS_FIELD is None
        or _spec.LISTEN_FILTER_FIELD is None
    ):
        raise _spec.METHOD_NOT_FOUND("This server cannot push task notifications on this transport")
    notify: Notify = context.notify
    meta = {_spec.SUBSCRIPTION_ID_KEY: context.request_id}
    wanted = set(task_ids)
    queue: asyncio.Queue[TaskRecord | None] = asyncio.Queue()

    def heard(record: TaskRecord) -> None:
        if record.task_id not in wanted:
            return
        if queue.qsize() >= MAX_BUFFERED:
            logger.warning("listen stream %r backlog full; ending it", context.request_id)
            queue.put_nowait(None)
            return
        # A snapshot: an in-memory record changes in place after this returns.
        queue.put_nowait(TaskRecord.from_state(record.to_state()))

    remove = store.add_listener(heard)  # before reading the current state: nothing falls between
    try:
        current = {}
        for task_id in task_ids:
            record = await store.run(store.find, task_id)
            if record is not None and may_see(record):
                current[task_id] = TaskRecord.from_state(record.to_state())
        honored = [task_id for task_id in task_ids if task_id in current]
        wanted = set(honored)
        ack = {_spec.LISTEN_FILTER_FIELD: {_spec.TASK_IDS_FIELD: honored}, "_meta": meta}
        await notify(_spec.LISTEN_ACKNOWLEDGED, ack)  # the first frame of the stream
        versions: dict[str, int] = {}
        shown_last: dict[str, dict[str, Any]] = {}
        open_ids = set(honored)

        async def send(record: TaskRecord) -> None:
            if record.version <= versions.get(record.task_id, -1):
                return  # already sent, or older than what was sent
            versions[record.task_id] = record.version
            detailed = shown(record.to_detailed())
            # Only what a client can see: a change that moved nothing but `lastUpdatedAt` (a step
            # inside the store, such as recording an input request before the status moves)
            # sends nothing.
            seen = shown(
                TaskRecord.from_state({**record.to_state(), "last_updated_at": ""}).to_detailed()
            )
            if shown_last.get(record.task_id) == seen:
                return
            shown_last[record.task_id] = seen
            params = {**detailed, "_meta": meta}
            await notify(_spec.STATUS_NOTIFICATION, params)  # type: ignore[arg-type]
            if lifecycle.is_terminal(record.status):
                open_ids.discard(record.task_id)

        for task_id in honored:
            await send(current[task_id])
        while open_ids:
            try:
                record = await asyncio.wait_for(queue.get(), IDLE_CHECK_SECONDS)
            except TimeoutError:
                open_ids = {i for i in open_ids if await store.run(store.find, i) is not None}
                continue
            if record is None:
                break  # backlog overflow: the client re-listens
            await send(record)
    finally:
        remove()
    return {"_meta": meta, "resultType": _spec.COMPLETE_RESULT_TYPE}
