"""What a server keeps for a client, bounded: `TaskLimits`, and the checks that refuse past them.

    runtime = TaskRuntime(limits=TaskLimits(max_steer_messages=10))

A request past a limit is refused with -32602 (invalid params) whose message names the limit and
its value, and nothing is kept. The defaults suit a server that holds tasks for people: each can be
raised or lowered, never switched off (a server that keeps whatever it is sent can be filled up by
one client).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import _spec

KIB = 1024
MIB = 1024 * KIB


@dataclass(frozen=True)
class TaskLimits:
    """The bounds of what the runtime keeps per task, and for how long by default."""

    # Steer messages queued for one task and not yet taken by its body (SEP-2669 queues them until
    # the body's next checkpoint): how many, and their total size in UTF-8 bytes.
    max_steer_messages: int = 100
    max_steer_bytes: int = 1 * MIB
    # One tasks/update: how many `inputResponses` entries, and their size as compact JSON (UTF-8
    # bytes). A task asks for a few inputs at a time; a response is a form's content or a sampling
    # result.
    max_input_responses: int = 64
    max_input_response_bytes: int = 1 * MIB
    # The TTL of a task started without one (`ttlMs`): the server picks it (SEP-2663). One hour, so
    # that tasks nobody asks about again are purged; None keeps them until the server stops.
    default_ttl_ms: int | None = 3_600_000

    def __post_init__(self) -> None:
        for name in (
            "max_steer_messages",
            "max_steer_bytes",
            "max_input_responses",
            "max_input_response_bytes",
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"TaskLimits.{name} must be a positive integer, not {value!r}")
        ttl = self.default_ttl_ms
        if ttl is not None and (isinstance(ttl, bool) or not isinstance(ttl, int) or ttl < 0):
            raise ValueError(f"TaskLimits.default_ttl_ms must be >= 0 or None, not {ttl!r}")


DEFAULT_LIMITS = TaskLimits()


def utf8_size(text: str) -> int:
    """The size of `text` in UTF-8 bytes (a lone surrogate, which JSON can carry, counts 3)."""
    return len(text.encode("utf-8", "surrogatepass"))


def json_size(value: Any) -> int:
    """The size of `value` as compact JSON, in UTF-8 bytes."""
    return utf8_size(json.dumps(value, separators=(",", ":"), ensure_ascii=False))


def steer_refused(limit: str, value: int) -> Exception:
    """The -32602 for a steer message that would take the task's queue past `limit`."""
    what = "messages" if limit == "max_steer_messages" else "bytes"
    return _spec.INVALID_PARAMS(
        f"Steer queue full: this task already holds the most queued steer {what} the server "
        f"keeps ({limit} = {value}); retry after the task has taken them",
        {"limit": limit, "value": value},
    )


def check_steer(limits: TaskLimits, queued: int, queued_bytes: int, message: str) -> None:
    """Refuse `message` when the queue holds `queued` messages of `queued_bytes` already."""
    if queued + 1 > limits.max_steer_messages:
        raise steer_refused("max_steer_messages", limits.max_steer_messages)
    if queued_bytes + utf8_size(message) > limits.max_steer_bytes:
        raise steer_refused("max_steer_bytes", limits.max_steer_bytes)


def check_text(text: str, name: str) -> None:
    """Refuse (-32602) a string that is not Unicode text: JSON can carry a lone surrogate
    (`"\\ud800"`), which no UTF-8 store or peer can take."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise _spec.INVALID_PARAMS(
            f"{name} is not valid Unicode text: it contains a lone surrogate"
        ) from None


def check_input_responses(limits: TaskLimits, responses: Any) -> None:
    """Refuse a tasks/update whose `inputResponses` has too many entries or is too large.

    Checked on the raw params, before anything is parsed or dropped: responses the spec says to
    ignore (keys that are not outstanding) still count, since they still reach the server.
    """
    if not isinstance(responses, Mapping):
        return  # not an object: params validation refuses it
    if len(responses) > limits.max_input_responses:
        raise _spec.INVALID_PARAMS(
            f"Too many inputResponses: {len(responses)} entries, the server accepts at most "
            f"max_input_responses = {limits.max_input_responses} per request",
            {"limit": "max_input_responses", "value": limits.max_input_responses},
        )
    try:
        size = json_size(dict(responses))
    except (TypeError, ValueError, RecursionError):
        return  # not JSON-shaped: params validation refuses it
    if size > limits.max_input_response_bytes:
        raise _spec.INVALID_PARAMS(
            f"inputResponses too large: {size} bytes as JSON, the server accepts at most "
            f"max_input_response_bytes = {limits.max_input_response_bytes} per request",
            {"limit": "max_input_response_bytes", "value": limits.max_input_response_bytes},
        )
