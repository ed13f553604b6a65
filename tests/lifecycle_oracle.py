"""The task lifecycle, written by hand from the SEPs: the oracle the generated tables and the runtime
are held against.

Source of every row: /work/shared/reference/mcp-tasks-spec-facts.md (the spec facts catalogue),
cited by section, e.g. "facts 2.3" = its section 2.3 (SEP-2663 / EXT-TASKS, the `Task` object and
its state diagram), "facts 4.2" = SEP-2669's methods. Where the SEPs are silent and the project
decided, the row says "decision" and names the YAML key that records it (spec/modules/*.yaml);
those rows are still written here by hand, so a generator that drops or alters them is caught.

Nothing here is read from the generated package or from the spec's YAML: a bug the model and the
emitters share cannot make the oracle agree with them.
"""

from __future__ import annotations

from typing import NamedTuple

SERVER = "server"  # a transition the server makes on its own, not caused by a request

GET, UPDATE, CANCEL = "tasks/get", "tasks/update", "tasks/cancel"  # facts 2.6, 2.7, 2.8
STEER, PAUSE, RESUME = "tasks/steer", "tasks/pause", "tasks/resume"  # facts 4.2

# Every method whose acceptance depends on the task's status (facts 2.6-2.8 and 4.2), by SEP.
METHODS_2663 = (GET, UPDATE, CANCEL)
METHODS_2669 = (STEER, PAUSE, RESUME)
METHODS = METHODS_2663 + METHODS_2669
TRIGGERS = (SERVER, *METHODS)

REFUSAL_CODE = -32602  # facts 4.4: pause/resume/steer in a status that does not take them
NOT_SUPPORTED_CODE = -32601  # facts 4.1 / 10.3: a method the server does not support


class Status(NamedTuple):
    name: str
    sep: str
    terminal: bool
    initial: bool  # may be the status of a CreateTaskResult
    source: str


# facts 2.3 "TaskStatus = working | input_required | completed | failed | cancelled" (schema.ts order)
# and "Terminal: completed, failed, cancelled"; facts 4.3 adds `paused`, "Terminal: No".
# Initial: facts 2.3 "CreateTaskResult is the seed state, typically (though not necessarily)
# `working`" -> any SEP-2663 status; `paused` is only "reachable from working, input_required" (4.3).
STATUSES: tuple[Status, ...] = (
    Status("working", "SEP-2663", False, True, "facts 2.3 status meanings"),
    Status("input_required", "SEP-2663", False, True, "facts 2.3 status meanings"),
    Status("completed", "SEP-2663", True, True, "facts 2.3 'Terminal: completed, failed, cancelled'"),
    Status("failed", "SEP-2663", True, True, "facts 2.3 'Terminal: completed, failed, cancelled'"),
    Status("cancelled", "SEP-2663", True, True, "facts 2.3 'Terminal: completed, failed, cancelled'"),
    Status("paused", "SEP-2669", False, False, "facts 4.3 PausedTask table, 'Terminal: No'"),
)


class Row(NamedTuple):
    source: str
    target: str
    trigger: str  # SERVER or the method that causes the change
    sep: str
    why: str


TRANSITIONS: tuple[Row, ...] = (
    # SEP-2663's diagram (facts 2.3): working -> input_required | completed | failed | cancelled.
    Row("working", "input_required", SERVER, "SEP-2663", "facts 2.3: the server needs input"),
    Row("working", "completed", SERVER, "SEP-2663", "facts 2.3: execution succeeded"),
    Row("working", "failed", SERVER, "SEP-2663", "facts 2.3/2.12: JSON-RPC error during execution"),
    Row("working", "cancelled", CANCEL, "SEP-2663", "facts 2.8: tasks/cancel"),
    Row("working", "cancelled", SERVER, "SEP-2663",
        "decision (core.yaml decision_transitions): a server may end a task cancelled itself, e.g. "
        "facts 5 'a cancelled child MAY implicitly terminate its parent'"),
    # input_required -> working | completed | failed | cancelled.
    Row("input_required", "working", UPDATE, "SEP-2663",
        "facts 2.3: 'remains input_required until remaining responses arrive' via tasks/update"),
    Row("input_required", "working", SERVER, "SEP-2663",
        "decision (core.yaml decision_transitions): a server may stop needing the input"),
    Row("input_required", "completed", SERVER, "SEP-2663", "facts 2.3 diagram"),
    Row("input_required", "failed", SERVER, "SEP-2663", "facts 2.3 diagram; TTL: 'MAY mark failed'"),
    Row("input_required", "cancelled", CANCEL, "SEP-2663", "facts 2.8: tasks/cancel"),
    Row("input_required", "cancelled", SERVER, "SEP-2663",
        "decision (core.yaml decision_transitions), as working -> cancelled by the server"),
    # SEP-2669 (facts 4.3): paused is "reachable from working, input_required (via tasks/pause or
    # server-initiated)" and "transitions to working (via tasks/resume), cancelled (via
    # tasks/cancel), failed (server error while paused)".
    Row("working", "paused", PAUSE, "SEP-2669", "facts 4.3 'via tasks/pause'"),
    Row("working", "paused", SERVER, "SEP-2669", "facts 4.2 'Server MAY pause on its own'"),
    Row("input_required", "paused", PAUSE, "SEP-2669", "facts 4.3 'via tasks/pause'"),
    Row("input_required", "paused", SERVER, "SEP-2669", "facts 4.2 'Server MAY pause on its own'"),
    Row("paused", "working", RESUME, "SEP-2669", "facts 4.3 'working (via tasks/resume)'"),
    Row("paused", "input_required", RESUME, "SEP-2669",
        "facts 4.2 tasks/resume: 'typically working or input_required if input was pending'"),
    Row("paused", "working", SERVER, "SEP-2669",
        "decision (interaction.yaml, paused -> working by server): a server that paused on its "
        "own resumes on its own"),
    Row("paused", "input_required", SERVER, "SEP-2669",
        "decision (interaction.yaml): the server-initiated resume, with input pending"),
    Row("paused", "cancelled", CANCEL, "SEP-2669", "facts 4.3 'cancelled (via tasks/cancel)'"),
    Row("paused", "failed", SERVER, "SEP-2669", "facts 4.3 'failed (server error while paused)'"),
)

# status -> the methods a task in it accepts; every other method of METHODS is refused with
# REFUSAL_CODE. Each entry: (methods, why).
ACCEPTS: dict[str, tuple[frozenset[str], str]] = {
    "working": (
        frozenset({GET, UPDATE, CANCEL, STEER, PAUSE}),
        "facts 2.6-2.8 (get/update/cancel on any task); facts 4.2 steer 'accepted in working', "
        "pause 'valid only from working or input_required'; resume 'only from paused'",
    ),
    "input_required": (
        frozenset({GET, UPDATE, CANCEL, STEER, PAUSE}),
        "facts 2.3/2.7 (update answers inputRequests); facts 4.2 pause from input_required; "
        "steer here: facts 4.2 'not stated' -> decision (interaction.yaml decision_accepts)",
    ),
    "completed": (
        frozenset({GET, UPDATE, CANCEL}),
        "facts 2.6 get is a pure read; facts 2.8 CONF 'tasks/cancel on an already-terminal task "
        "returns the same empty ack'; update on a terminal task: decision (core.yaml "
        "decision_accepts, writes are ack-only, facts 2.13); facts 4.4 steer on terminal -32602, "
        "pause/resume not from here",
    ),
    "failed": (frozenset({GET, UPDATE, CANCEL}), "as completed"),
    "cancelled": (frozenset({GET, UPDATE, CANCEL}), "as completed"),
    "paused": (
        frozenset({GET, CANCEL, STEER, RESUME}),
        "facts 4.2 'A paused task accepts: tasks/steer, tasks/cancel, tasks/resume, tasks/get. "
        "Does NOT accept tasks/update (resume first) or tasks/pause (-32602)'",
    ),
}

STATUS_NAMES = tuple(s.name for s in STATUSES)
TERMINAL = frozenset(s.name for s in STATUSES if s.terminal)


def statuses(seps: tuple[str, ...] = ("SEP-2663", "SEP-2669")) -> tuple[str, ...]:
    return tuple(s.name for s in STATUSES if s.sep in seps)


def allowed(source: str, target: str, trigger: str) -> bool:
    """Whether the oracle lists `source -> target` caused by `trigger`."""
    return any(r[:3] == (source, target, trigger) for r in TRANSITIONS)


def successors(source: str) -> frozenset[str]:
    """Every status `source` may become, whatever the trigger (what a client observing only
    statuses, as the race and concurrency tests do, can hold a change against)."""
    return frozenset(r.target for r in TRANSITIONS if r.source == source)


def accepts(status: str, method: str) -> bool:
    return method in ACCEPTS[status][0]
