"""Following a task to its end: retries, status updates, settling, and references that outlive
the process.

    client = TasksClient(send, retry=RetryPolicy(attempts=5))
    created = await client.call_tool("slow_compute", arguments={"seconds": 5})
    handle = client.track(created, server="https://example.com/mcp")
    saved = handle.ref.to_json()                      # store it anywhere
    ...
    handle = client.resume(TaskRef.from_json(saved))  # in this process or another one
    async for task in handle.watch():
        print(task.status)
    result = await handle.settle(timeout=60)          # a CallToolResult for a tools/call task

Nothing here depends on one spec: what the spec decides (methods, result types, terminal
statuses, error codes) is read from the generated modules beside this one.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import random as _random
import typing
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, Literal

import pydantic

from . import _spec, errors, lifecycle, listening
from .messages import MessageValidationError
from .methods import METHODS

if TYPE_CHECKING:
    from .client import OnInput, TasksClient

logger = logging.getLogger(__name__)

Send = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
Sleep = Callable[[float], Awaitable[Any]]
TaskUpdates = AsyncIterator
"""What `watch` returns: `TaskUpdates[TaskState]`, the task's states as they change."""

# The `resultType` of every result that is not a task or an input round (core MCP, 2026-07-28).
# A server from before `resultType` was required leaves it out: such a result counts as complete.
COMPLETE = "complete"
# HTTP statuses a gateway answers while the server behind it is away: worth another try.
TRANSIENT_HTTP_STATUSES = frozenset({502, 503, 504})
# Exceptions of HTTP clients (httpx and its forks; aiohttp) that mean "the exchange did not
# happen or did not finish", recognised by class name: this package depends on pydantic only.
_TRANSIENT_CLASS_NAMES = frozenset(
    {
        "ConnectError",
        "ConnectTimeout",
        "ReadTimeout",
        "WriteTimeout",
        "PoolTimeout",
        "ReadError",
        "WriteError",
        "RemoteProtocolError",
        "ClientConnectionError",
        "ServerDisconnectedError",
    }
)


# Errors ---------------------------------------------------------------------------------------


class TransientError(Exception):
    """What a `send` function raises for a failed exchange that may succeed if tried again (the
    default `RetryPolicy.retry_on` retries it). `status` is the HTTP status, when there was one."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class TaskExpiredError(errors.TaskError):
    """`tasks/get` no longer knows the task (`-32602`: unknown, expired or deleted after its TTL).

    `error` is the server's JSON-RPC error; `task` is the last state seen, or None.
    """

    def __init__(self, task_id: str, error: errors.JsonRpcError, task: Any = None):
        super().__init__(f"task {task_id} is unknown to the server or expired: {error}", task)
        self.task_id, self.error = task_id, error


class SettleTimeout(errors.TaskTimeoutError):
    """`settle` reached its deadline before the task ended. The task keeps running on the server:
    settle it again later, or cancel it."""


# Retries ----------------------------------------------------------------------------------------


def is_transient(exc: BaseException) -> bool:
    """Whether a `send` failure is worth another try: a connection refused, reset or timed out, a
    TransientError, an HTTP 502/503/504, or a group made only of such failures. A JSON-RPC error
    is the server's answer, never transient."""
    if isinstance(exc, errors.JsonRpcError | errors.TaskError):
        return False
    if isinstance(exc, BaseExceptionGroup):
        return bool(exc.exceptions) and all(is_transient(e) for e in exc.exceptions)
    if isinstance(exc, TransientError | ConnectionError | TimeoutError):
        return True
    response = getattr(exc, "response", None)
    status = getattr(exc, "status_code", getattr(response, "status_code", None))
    if status in TRANSIENT_HTTP_STATUSES:
        return True
    return any(cls.__name__ in _TRANSIENT_CLASS_NAMES for cls in type(exc).__mro__)


def _retried_by_default() -> frozenset[str]:
    # The spec marks the requests whose repetition changes nothing (`idempotent:`, each with its
    # reason). Others never retry unless the caller opts in: a lost answer does not mean the
    # request was not applied, and a second steer or pause would act twice.
    return frozenset(name for name, info in METHODS.items() if info.idempotent)


@dataclass(frozen=True)
class RetryPolicy:
    """Retries of a request whose exchange failed in transit, with exponential backoff.

    `attempts` counts the first try. Before retry n (1, 2, ...) the client sleeps
    `min(max_delay, base_delay * 2 ** (n - 1))`, times a uniform random factor in [0, 1) when
    `jitter` is on ("full jitter": clients that failed together do not retry together).
    `retry_on(exc)` decides which failures are transient (default: `is_transient`); a JSON-RPC
    error response is never retried. `methods` retry by default; any other method retries only
    when the call asks for it (`retry=True` or a policy). `random` is injectable for tests.
    """

    attempts: int = 3
    base_delay: float = 0.25
    max_delay: float = 8.0
    jitter: bool = True
    retry_on: Callable[[BaseException], bool] = is_transient
    methods: frozenset[str] = field(default_factory=_retried_by_default)
    random: Callable[[], float] = _random.random

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts counts the first try: at least 1")
        if self.base_delay < 0 or self.max_delay < 0:
            raise ValueError("delays cannot be negative")

    def delay(self, retry: int) -> float:
        """Seconds to wait before retry number `retry` (1 for the first retry)."""
        capped = min(self.max_delay, self.base_delay * 2.0 ** (retry - 1))
        return capped * self.random() if self.jitter else capped

    def for_call(self, method: str, override: RetryPolicy | bool | None) -> RetryPolicy | None:
        """The policy one call runs under, or None for a single attempt.

        `override`: None follows `methods`; True retries with this policy; False never retries;
        a RetryPolicy retries with that one."""
        if override is None:
            return self if method in self.methods else None
        if isinstance(override, RetryPolicy):
            return override
        return self if override else None


DEFAULT_RETRY = RetryPolicy()
NO_RETRY = RetryPolicy(attempts=1, methods=frozenset())


async def send_with_retry(
    send: Send, message: dict[str, Any], policy: RetryPolicy | None, sleep: Sleep
) -> dict[str, Any]:
    """`send(message)`, tried again under `policy` while it raises a transient failure.

    The same message (same id) is sent each time. When every attempt fails, the last failure is
    raised, with a note saying how many attempts were made."""
    attempts = 1 if policy is None else policy.attempts
    for attempt in range(1, attempts + 1):
        try:
            return await send(message)
        except Exception as exc:
            if (
                policy is None
                or isinstance(exc, errors.JsonRpcError)
                or attempt == attempts
                or not policy.retry_on(exc)
            ):
                if attempt > 1:
                    exc.add_note(f"{message.get('method')}: gave up after {attempt} attempts")
                raise
            await sleep(policy.delay(attempt))
    raise AssertionError("unreachable: the last attempt returns or raises")


# What the spec decides, read from the generated modules ----------------------------------------


def _status_of(task: Any) -> str:
    """A task's status as its wire string (the one place that knows how models hold it)."""
    status = task.status
    return str(getattr(status, "root", status))


def default_task_method() -> str:
    """The request that created a task, when the caller does not say: the create-task role."""
    return _spec.CREATE


@functools.cache
def _result_adapter(method: str) -> pydantic.TypeAdapter[Any]:
    info = METHODS.get(method)
    if info is None or info.result_type is None:
        raise ValueError(f"{method!r} is not a request of this build")
    return pydantic.TypeAdapter(info.result_type)


def typed_result(method: str, result: Mapping[str, Any]) -> pydantic.BaseModel:
    """A completed task's `result` as the model of `method`'s own (complete) result: a
    `CallToolResult` for a task that `tools/call` created. MessageValidationError when it is not
    one."""
    wire = {"resultType": COMPLETE, **result}
    try:
        value = _result_adapter(method).validate_python(wire, by_alias=True, by_name=False)
    except pydantic.ValidationError as invalid:
        raise MessageValidationError(f"the result of a {method} task: {invalid}") from invalid
    if not isinstance(value, pydantic.BaseModel) or getattr(value, "result_type", None) != COMPLETE:
        raise MessageValidationError(
            f"the result of a {method} task is not a complete {method} result"
        )
    return value


def outcome(task: Any, method: str) -> pydantic.BaseModel:
    """The typed result of a terminal task; TaskFailedError or TaskCancelledError otherwise."""
    status = _status_of(task)
    if status == "completed":
        return typed_result(method, task.result)
    if status == "failed":
        raise errors.TaskFailedError(task)
    raise errors.TaskCancelledError(task)


# Task references -------------------------------------------------------------------------------


_REF_FORMAT = "mcp-tasks/task-ref@1"


class _SavedRef(pydantic.BaseModel):
    """The JSON form of a TaskRef (its own versioned format, not a protocol message)."""

    model_config = pydantic.ConfigDict(extra="ignore", strict=True)
    format: Literal["mcp-tasks/task-ref@1"]
    task_id: Annotated[str, pydantic.Field(alias="taskId")]
    method: str
    server: str = ""
    poll_interval_ms: Annotated[int | None, pydantic.Field(alias="pollIntervalMs")] = None


@dataclass(frozen=True)
class TaskRef:
    """What another process needs to pick a task up: its id, the request that created it (which
    decides the type of its result), the poll interval the server last suggested, and `server`,
    an opaque string of the caller's (a URL, a name in a config) saying where to reconnect.

    `to_json()` / `TaskRef.from_json(text)` round-trip it. The task id is a bearer token (the
    spec makes it unguessable for that reason): store references like credentials.
    """

    task_id: str
    method: str
    server: str = ""
    poll_interval_ms: int | None = None

    FORMAT: typing.ClassVar[str] = _REF_FORMAT

    def to_json(self) -> str:
        data: dict[str, Any] = {
            "format": self.FORMAT,
            "taskId": self.task_id,
            "method": self.method,
            "server": self.server,
        }
        if self.poll_interval_ms is not None:
            data["pollIntervalMs"] = self.poll_interval_ms
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> TaskRef:
        """The reference `to_json` wrote; ValueError (a pydantic ValidationError) otherwise."""
        saved = _SavedRef.model_validate_json(text, by_alias=True, by_name=False)
        return cls(saved.task_id, saved.method, saved.server, saved.poll_interval_ms)


# Watching and settling --------------------------------------------------------------------------


class TaskHandle:
    """One task, followed through a client: `watch`, `settle`, `cancel`, and `ref` to save."""

    def __init__(self, client: TasksClient, ref: TaskRef):
        self.client, self.ref = client, ref

    @property
    def task_id(self) -> str:
        return self.ref.task_id

    async def get(self) -> Any:
        """The task now (`tasks/get`, retried per the client's policy); TaskExpiredError when the
        server no longer knows it."""
        try:
            task = await self.client.get_task(self.ref.task_id)
        except errors.InvalidParamsError as unknown:
            raise TaskExpiredError(self.ref.task_id, unknown) from unknown
        interval = getattr(task, "poll_interval_ms", None)
        if isinstance(interval, int):
            self.ref = TaskRef(self.ref.task_id, self.ref.method, self.ref.server, interval)
        return task

    async def cancel(self) -> _spec.CancelResult:
        """`tasks/cancel`: an acknowledgement only; the task may still end another way."""
        return await self.client.cancel_task(self.ref.task_id)

    async def watch(self, *, timeout: float | None = None) -> TaskUpdates[Any]:
        """Each distinct state of the task (status or statusMessage changed), by polling
        `tasks/get` at the server's `pollIntervalMs` (within the client's PollPolicy), ending
        after the first terminal state. An `input_required` state is yielded for the caller to
        answer (`tasks/update`). TaskExpiredError when the server forgets the task; SettleTimeout
        after `timeout` seconds (the task keeps running)."""
        seen: tuple[str, Any] | None = None
        async for task in self._states(timeout, False, None):
            current = (_status_of(task), getattr(task, "status_message", None))
            if current != seen:
                seen = current
                yield task

    async def settle(
        self, *, timeout: float | None = None, on_input: OnInput | None = None
    ) -> pydantic.BaseModel:
        """Wait for the task to end and return its typed result (the model of the creating
        request's result: a CallToolResult for `tools/call`; a tool error is still a completed
        task, with `is_error` set).

        Raises TaskFailedError (its `error` is the task's JSON-RPC error), TaskCancelledError,
        TaskExpiredError (the server no longer knows the task), or SettleTimeout (a TimeoutError)
        once `timeout` seconds have passed: the task keeps running on the server; settle again
        or cancel it. Input requests go to `on_input` as in `wait_until_terminal`; without it a
        task that needs input raises TaskInputRequiredError.
        """
        last: Any = None
        async for task in self._states(timeout, True, on_input):
            last = task
        return outcome(last, self.ref.method)

    async def _states(
        self, timeout: float | None, answer: bool, on_input: OnInput | None
    ) -> AsyncIterator[Any]:
        """Every polled state up to and including the first terminal one. With `answer`, input
        requests are answered through `on_input` (TaskInputRequiredError without it)."""
        client = self.client
        deadline = None if timeout is None else client._clock() + timeout
        if client.listen is not None:  # pushed states first; polling takes over if push ends
            async for task in self.pushed(deadline, timeout, answer, on_input):
                yield task
                if lifecycle.is_terminal(_status_of(task)):
                    return
        while True:
            task = await self.get()
            if lifecycle.is_terminal(_status_of(task)):
                client._answered.pop(self.ref.task_id, None)  # a terminal task asks nothing more
                yield task
                return
            if answer and getattr(task, "input_requests", None) is not None:
                await client._answer(task, on_input)
            yield task
            suggested = getattr(task, "poll_interval_ms", None)
            delay = client.poll.interval(
                suggested if isinstance(suggested, int) else self.ref.poll_interval_ms
            )
            if deadline is not None:
                remaining = deadline - client._clock()
                if remaining <= 0:
                    raise SettleTimeout(task, timeout or 0.0)
                delay = min(delay, remaining)
            await client._sleep(delay)

    async def pushed(
        self,
        deadline: float | None,
        timeout: float | None,
        answer: bool,
        on_input: OnInput | None,
    ) -> AsyncIterator[Any]:
        """The task's states from the server's status notifications (client.listen), up to the
        first terminal one, answering input requests as `_states` does. It ends early, without a
        terminal state, when push is not on offer for the task or the stream breaks or ends: the
        caller then polls. SettleTimeout once `deadline` (client clock) has passed."""
        client = self.client
        assert client.listen is not None
        states = listening.pushed_states(client.listen, self.ref.task_id, client._meta)
        last: Any = None
        try:
            while True:
                try:
                    if deadline is None:
                        task = await anext(states)
                    else:
                        remaining = max(deadline - client._clock(), 0.0)
                        task = await asyncio.wait_for(anext(states), remaining)
                except StopAsyncIteration:
                    return
                except TimeoutError as failure:
                    if deadline is None or client._clock() < deadline:
                        logger.debug("task %s: polling (%s)", self.ref.task_id, failure)
                        return  # the stream's own timeout, not the caller's: poll
                    seen = last if last is not None else await self.get()
                    raise SettleTimeout(seen, timeout or 0.0) from None
                except Exception as failure:  # no push for this task, or the stream broke
                    logger.debug("task %s: polling (%s)", self.ref.task_id, failure)
                    return
                last = task
                interval = getattr(task, "poll_interval_ms", None)
                if isinstance(interval, int):
                    self.ref = TaskRef(self.ref.task_id, self.ref.method, self.ref.server, interval)
                if lifecycle.is_terminal(_status_of(task)):
                    client._answered.pop(self.ref.task_id, None)
                    yield task
                    return
                if answer and getattr(task, "input_requests", None) is not None:
                    await client._answer(task, on_input)
                yield task
        finally:
            await states.aclose()  # type: ignore[attr-defined]
