"""The client side of push: following a task through the server's status notifications.

A `Listen` function carries one listen request (`_spec.LISTEN`, built here) and yields the
notifications of its stream, in order: the acknowledgement first, then the task's states. The
client uses it when it has one: if the server acknowledges the task (its id is in the ack's task
ids), every state comes from the stream and nothing is polled. It falls back to polling
`tasks/get` at the server's `pollIntervalMs` when the server does not acknowledge the task (it
offers no push, or not for this task), refuses the listen request, or when the stream breaks or
ends before the task did.

Nothing here depends on one spec: method, field and `_meta` names come from `_spec` (roles).
"""

from __future__ import annotations

import functools
import itertools
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

import pydantic

from . import _spec
from .methods import METHODS

logger = logging.getLogger(__name__)

Listen = Callable[[dict[str, Any]], AsyncIterator[dict[str, Any]]]
"""`listen(request)`: send one listen request (a whole JSON-RPC request) and yield each
notification of its stream (`{"method": ..., "params": ...}`), in order, the acknowledgement first.
It returns when the server ends the stream, raises when the stream breaks, and ends the
subscription when the caller closes it (`aclose`)."""

# Listen request ids are strings of their own, so they never collide with request ids (integers).
_listen_ids = itertools.count(1)


class PushUnavailable(Exception):
    """The server did not take this task's notifications: poll instead."""


def listen_request(task_ids: list[str], meta: Mapping[str, Any]) -> dict[str, Any] | None:
    """The listen request for `task_ids`, `meta` its `_meta`; None in a build without push."""
    if _spec.LISTEN is None or _spec.LISTEN_FILTER_FIELD is None or _spec.TASK_IDS_FIELD is None:
        return None
    return {
        "jsonrpc": "2.0",
        "id": f"tasks-listen-{next(_listen_ids)}",
        "method": _spec.LISTEN,
        "params": {
            _spec.LISTEN_FILTER_FIELD: {_spec.TASK_IDS_FIELD: list(task_ids)},
            "_meta": dict(meta),
        },
    }


@functools.cache
def _task_adapter() -> pydantic.TypeAdapter[Any]:
    result_type = METHODS[_spec.GET].result_type
    return pydantic.TypeAdapter(result_type)


def as_task_state(params: Mapping[str, Any]) -> Any:
    """A status notification's DetailedTask as the model `tasks/get` returns, so that pushed and
    polled states are the same type (the notification is what `tasks/get` would have returned
    then, without `resultType`)."""
    detailed = {key: value for key, value in params.items() if key != "_meta"}
    wire = {**detailed, "resultType": _spec.COMPLETE_RESULT_TYPE}
    return _task_adapter().validate_python(wire, by_alias=True, by_name=False)


async def pushed_states(
    listen: Listen, task_id: str, meta: Mapping[str, Any]
) -> AsyncIterator[Any]:
    """The task's states from a listen stream, in order, up to the stream's end.

    PushUnavailable before the first state when the server does not acknowledge the task; the
    stream's exception when it breaks. Close it (`aclose`) to end the subscription.
    """
    request = listen_request([task_id], meta)
    if request is None:
        raise PushUnavailable("this build has no task status notifications")
    subscription = request["id"]
    frames = listen(request)
    try:
        acknowledged = False
        async for frame in frames:
            params = frame.get("params")
            if not isinstance(params, Mapping):
                continue
            stamped = (params.get("_meta") or {}).get(_spec.SUBSCRIPTION_ID_KEY)
            if stamped != subscription:
                continue  # a frame of another stream
            method = frame.get("method")
            if method == _spec.LISTEN_ACKNOWLEDGED:
                honored = (params.get(_spec.LISTEN_FILTER_FIELD) or {}).get(_spec.TASK_IDS_FIELD)
                if not isinstance(honored, list) or task_id not in honored:
                    raise PushUnavailable(f"the server does not push task {task_id}")
                acknowledged = True
            elif method == _spec.STATUS_NOTIFICATION and acknowledged:
                if params.get("taskId") == task_id:
                    yield as_task_state(params)
        if not acknowledged:
            raise PushUnavailable("the listen stream ended before its acknowledgement")
    finally:
        await frames.aclose()  # type: ignore[attr-defined]
