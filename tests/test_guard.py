"""The lifecycle guard (mcp_tasks.guard, over the generated mcp_tasks.lifecycle) against the SEPs' own
words, not against the generated tables: the transitions with their triggers and the refusals.

Expected answers come from SEP-2663 (core lifecycle) and SEP-2669 (paused, pause/resume/steer), as
summarised in the spec facts; they were written down here by hand. These tests were added for the
mutants that survived tools/mutation.py's `guard` run (docs/mutation.md).
"""

from __future__ import annotations

import pytest
from mcp_tasks import errors, guard, lifecycle

# (source, target, trigger) the SEPs forbid although both statuses exist. Each is refused whatever
# else the table holds: the trigger matters, not only the two statuses.
REFUSED = [
    ("paused", "cancelled", "server"),  # SEP-2669: paused -> cancelled only via tasks/cancel
    ("paused", "completed", "server"),  # SEP-2669: paused never completes directly
    ("paused", "working", "tasks/cancel"),  # resume's target, by the wrong method
    ("working", "completed", "tasks/update"),  # completion is the server's, never a client request's
    ("working", "working", "server"),  # no status moves to itself
    ("input_required", "paused", "tasks/resume"),
]

# Allowed by the SEPs, with the trigger the SEP names.
ALLOWED = [
    ("working", "input_required", "server"),
    ("working", "completed", "server"),
    ("working", "failed", "server"),
    ("working", "cancelled", "tasks/cancel"),
    ("input_required", "working", "tasks/update"),
    ("working", "paused", "tasks/pause"),
    ("input_required", "paused", "tasks/pause"),
    ("paused", "working", "tasks/resume"),
    ("paused", "cancelled", "tasks/cancel"),
    ("paused", "failed", "server"),
]

TERMINAL = ["completed", "failed", "cancelled"]


@pytest.mark.parametrize("source, target, trigger", ALLOWED)
def test_a_transition_the_sep_allows_passes_with_its_trigger_and_without_one(source, target, trigger):
    guard.check_transition(source, target, trigger)  # raises if refused
    assert lifecycle.can_transition(source, target, trigger) is True
    assert lifecycle.can_transition(source, target) is True


@pytest.mark.parametrize("source, target, trigger", REFUSED)
def test_a_transition_the_sep_forbids_is_refused_naming_it(source, target, trigger):
    """Planted bug this catches: a transition check that ignores its trigger, or that matches the
    source or the target alone."""
    with pytest.raises(guard.TransitionRefused) as refused:
        guard.check_transition(source, target, trigger)
    assert str(refused.value) == f"{source!r} -> {target!r} by {trigger!r} is not a transition of the lifecycle"
    assert lifecycle.can_transition(source, target, trigger) is False


def test_without_a_trigger_only_the_two_statuses_count():
    assert lifecycle.can_transition("paused", "completed") is False  # no trigger leads there
    assert lifecycle.can_transition("working", "working") is False


@pytest.mark.parametrize("source", TERMINAL)
@pytest.mark.parametrize("target", ["working", "input_required", "paused", "completed"])
def test_a_terminal_status_never_changes_and_the_refusal_says_so(source, target):
    with pytest.raises(guard.TransitionRefused) as refused:
        guard.check_transition(source, target, "server")
    assert str(refused.value) == f"a task in terminal status {source!r} never changes (to {target!r})"


@pytest.mark.parametrize(
    "status, method",
    [
        ("paused", "tasks/update"),  # SEP-2669: resume first
        ("paused", "tasks/pause"),  # already paused
        ("working", "tasks/resume"),  # only from paused
        ("completed", "tasks/steer"),  # steer MUST be rejected on a terminal task
        ("failed", "tasks/pause"),
    ],
)
def test_a_refused_method_is_invalid_params_naming_method_and_status(status, method):
    with pytest.raises(errors.JsonRpcError) as refused:
        guard.check_request(status, method)
    assert refused.value.code == -32602
    assert refused.value.message == f"{method} is not accepted on a task in status {status!r}"


@pytest.mark.parametrize("method", ["tasks/get", "tasks/cancel", "tasks/steer", "tasks/resume", "tasks/update"])
def test_a_status_the_lifecycle_does_not_know_accepts_no_governed_method(method):
    with pytest.raises(errors.JsonRpcError) as refused:
        guard.check_request("archived", method)
    assert refused.value.code == -32602
    assert lifecycle.accepts("archived", method) is False
    assert lifecycle.accepts("archived", "tools/call") is True  # not governed by the lifecycle


@pytest.mark.parametrize("status, method", [("paused", "tasks/steer"), ("working", "tasks/pause"), ("paused", "tasks/resume")])
def test_an_accepted_method_passes(status, method):
    guard.check_request(status, method)


@pytest.mark.parametrize(
    "expired, message",
    [
        (False, "Failed to retrieve task: Task not found"),  # SEP-2663's example messages
        (True, "Failed to retrieve task: Task has expired"),
    ],
)
def test_an_unknown_task_is_invalid_params_with_the_seps_message_and_the_task_id(expired, message):
    error = guard.task_not_found("t-42", expired=expired)
    assert isinstance(error, errors.JsonRpcError)
    assert (error.code, error.message, error.data) == (-32602, message, {"taskId": "t-42"})
    assert guard.task_not_found("t-42").message == "Failed to retrieve task: Task not found"
