"""The lifecycle guard: the spec's status table applied to requests and to status changes.

Two questions, both answered from lifecycle.py (data generated from the spec's lifecycle):
may a task in this status accept this method, and may it move from this status to that one?
"""

from __future__ import annotations

from . import _spec, errors, lifecycle


class TransitionRefused(ValueError):
    """A status change the lifecycle does not allow, e.g. out of a terminal status.

    Raised on the server's own mistakes, never sent to a client as is: a client-triggered change
    is refused earlier, by `check_request`, with the lifecycle's refusal error.
    """


def check_request(status: str, method: str) -> None:
    """Refuse `method` on a task in `status` when the lifecycle's table does not accept it there."""
    if not lifecycle.accepts(status, method):
        raise _spec.LIFECYCLE_REFUSAL(f"{method} is not accepted on a task in status {status!r}")


def check_transition(source: str, target: str, trigger: str) -> None:
    """Refuse `source -> target` caused by `trigger` ("server" or a method) unless the lifecycle
    lists it."""
    if lifecycle.is_terminal(source):
        raise TransitionRefused(
            f"a task in terminal status {source!r} never changes (to {target!r})"
        )
    if not lifecycle.can_transition(source, target, trigger):
        raise TransitionRefused(
            f"{source!r} -> {target!r} by {trigger!r} is not a transition of the lifecycle"
        )


def task_not_found(task_id: str, *, expired: bool = False) -> errors.JsonRpcError:
    """The error for a taskId the server does not know (or no longer knows): -32602, as the spec
    requires."""
    reason = "Task has expired" if expired else "Task not found"
    return _spec.INVALID_PARAMS(f"Failed to retrieve task: {reason}", {"taskId": task_id})
