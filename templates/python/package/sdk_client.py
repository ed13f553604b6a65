"""The client side on the official MCP Python SDK (`mcp` >= 2.3). Importing it imports `mcp`.

    async with mcp.Client(server, extensions=[TasksClientExtension()], elicitation_callback=f) as c:
        result = await c.call_tool("slow_compute", {"seconds": 1})  # a task, resolved transparently
        tasks = tasks_client(c)                                      # the typed TasksClient
        created = await tasks.call_tool("slow_compute", arguments={"seconds": 30})
        await tasks.cancel_task(created.task_id)

`TasksClientExtension` claims `resultType: "task"` on `tools/call`: `Client.call_tool` then polls
the task to its end, answering its input requests through the client's own sampling, elicitation
and roots callbacks. A task that fails raises `MCPError` with the task's error, as the call would
have without a task. It also declares the extension: the SDK stamps the client capabilities into
`_meta` itself (at 2026-07-28 and later only), replacing the stub's declaration; without the
extension on the `mcp.Client`, no task is ever created, so `tasks_client` refuses such a client.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from typing import Any

import anyio
import mcp_types
from anyio.streams.memory import MemoryObjectSendStream
from mcp import Client
from mcp.client.extension import (
    ClaimContext,
    ClientExtension,
    NotificationBinding,
    ResultClaim,
)
from mcp.client.session import ClientRequestContext, ClientSession
from mcp.shared.exceptions import MCPError
from pydantic import ConfigDict, TypeAdapter

from . import _spec
from .client import (
    CLIENT_CAPABILITIES,
    PROTOCOL_VERSION,
    InputRequest,
    NotificationHandler,
    OnInput,
    PollPolicy,
    Send,
    TasksClient,
)
from .errors import JsonRpcError, TaskFailedError
from .listening import Listen
from .methods import METHODS, type_adapter
from .tracking import DEFAULT_RETRY, RetryPolicy

EXTENSION_ID = _spec.EXTENSION_ID

_RESULT_JSON: TypeAdapter[dict[str, Any]] = TypeAdapter(dict[str, Any])
_SDK_INPUT_REQUEST: TypeAdapter[Any] = TypeAdapter(mcp_types.InputRequest)


class _RawRequest(mcp_types.Request[dict[str, Any], str]):
    """Any request, its params already wire JSON. A dict keeps its `null`s through the SDK's
    `exclude_none` dump, where a model's fields would lose them."""

    method: str
    params: dict[str, Any]


@functools.cache
def _request_type(routing_field: str | None) -> type[_RawRequest]:
    # `name_param` makes the SDK mirror that params field into the Mcp-Name header (SEP-2243).
    if routing_field is None:
        return _RawRequest
    return type(f"_RawRequest_{routing_field}", (_RawRequest,), {"name_param": routing_field})


def session_transport(session: ClientSession, *, timeout: float | None = None) -> Send:
    """A TasksClient transport over an SDK session: its stream, its headers, its `_meta` stamp."""

    async def send(request: dict[str, Any]) -> dict[str, Any]:
        info = METHODS.get(request["method"])
        model = _request_type(info.routing_field if info else None)
        envelope = {"jsonrpc": "2.0", "id": request["id"]}
        try:
            outgoing = model(method=request["method"], params=request.get("params") or {})
            # The SDK types results as models, but takes any TypeAdapter; a plain dict keeps the
            # result's `null`s, which a model dumped with exclude_none would lose.
            result = await session.send_request(
                outgoing,
                _RESULT_JSON,  # type: ignore[type-var]
                request_read_timeout_seconds=timeout,
            )
        except MCPError as exc:
            return {
                **envelope,
                "error": exc.error.model_dump(mode="json", by_alias=True, exclude_none=True),
            }
        return {**envelope, "result": result}

    return send


def tasks_client(
    target: Client | ClientSession,
    *,
    poll: PollPolicy | None = None,
    timeout: float | None = None,
    retry: RetryPolicy = DEFAULT_RETRY,
) -> TasksClient:
    """The typed TasksClient over an entered `mcp.Client` (or its session), on the SDK's event
    loop. The client must have been built with `TasksClientExtension()`: ValueError otherwise.

    `retry` applies to failures the session's transport raises; a session whose connection broke
    stays broken, so retrying across an outage needs a `send` that reconnects."""
    if isinstance(target, Client):
        if not any(isinstance(e, TasksClientExtension) for e in target.extensions or ()):
            raise ValueError(_NO_EXTENSION)
        session = target.session
    else:
        session = target
        # mcp 2.3 has no public accessor for a session's extensions; a session without the
        # attribute (another SDK version) is taken as it is.
        declared = getattr(session, "_extensions", ...)
        if declared is not ... and EXTENSION_ID not in (declared or {}):
            raise ValueError(_NO_EXTENSION)
    return TasksClient(
        session_transport(session, timeout=timeout),
        protocol_version=session.protocol_version or PROTOCOL_VERSION,
        poll=poll if poll is not None else PollPolicy(),
        sleep=anyio.sleep,
        retry=retry,
        listen=session_listener(session),
    )


# Push: listen streams over an SDK session ------------------------------------------------------

# Status notifications on the way to the listen stream they belong to, by subscription id (the
# listen request's id, unique in the process). TasksClientExtension's binding fills them.
_STREAMS: dict[Any, MemoryObjectSendStream[dict[str, Any]]] = {}
# What the SDK's own listen driver (mcp.client.subscriptions, mcp 2.3) uses of the session: its
# demultiplexer acknowledges a listen stream and notices its end. These are not public API; on a
# session without them the client polls instead of listening.
# How long a listen stream may take to be acknowledged before the client polls instead.
LISTEN_ACK_SECONDS = 10.0
_SESSION_LISTEN_API = (
    "_register_listen_route",
    "_unregister_listen_route",
    "_stamp",
    "_dispatcher",
)


def session_listener(session: ClientSession) -> Listen | None:
    """A `Listen` over the session (listening.py), or None when it cannot carry listen streams
    (a build without push, a session older than the 2026-07-28 listen request, another SDK)."""
    if _spec.LISTEN is None or not all(hasattr(session, name) for name in _SESSION_LISTEN_API):
        return None

    async def listen(request: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        request_id = request["id"]
        data = {"method": request["method"], "params": dict(request.get("params") or {})}
        options: dict[str, Any] = {"request_id": request_id}
        session._stamp(data, options)  # type: ignore[arg-type]  # the SDK's _meta and headers
        send, receive = anyio.create_memory_object_stream[dict[str, Any]](1024)
        route = session._register_listen_route(request_id)  # before sending: the ack lands there
        _STREAMS[request_id] = send
        ended: list[BaseException | None] = []

        async def drive() -> None:
            try:
                # No timeout: the response comes when the server ends the stream.
                await session._dispatcher.send_raw_request(data["method"], data["params"], options)  # type: ignore[arg-type]
                ended.append(None)
            except Exception as failure:  # the stream broke: the listener raises it
                ended.append(failure)
            route.settle("graceful" if ended[-1] is None else "lost")
            await anyio.sleep(0.05)  # let the status notifications queued before the end arrive
            send.close()

        scope = anyio.CancelScope()

        async def driven() -> None:
            with scope:
                await drive()

        task_group = session._task_group
        if task_group is None:
            raise RuntimeError("the session is not entered")
        try:
            task_group.start_soon(driven)
            with anyio.move_on_after(LISTEN_ACK_SECONDS):
                await route.acked.wait()
            if not route.acked.is_set():  # a server that holds the request without a word
                raise ConnectionError(f"no acknowledgement within {LISTEN_ACK_SECONDS:g} s")
            if route.honored is None:
                raise route.error or ConnectionError("the listen stream ended unacknowledged")
            honored = route.honored.model_dump(by_alias=True, mode="json", exclude_none=True)
            meta = {_spec.SUBSCRIPTION_ID_KEY: request_id}
            yield {
                "method": _spec.LISTEN_ACKNOWLEDGED,
                "params": {_spec.LISTEN_FILTER_FIELD: honored, "_meta": meta},
            }
            async for frame in receive:
                yield frame
            if ended and ended[-1] is not None:
                raise ended[-1]
        finally:
            _STREAMS.pop(request_id, None)
            route.settle("local")
            scope.cancel()
            session._unregister_listen_route(request_id)
            receive.close()

    return listen


def _route_status_notification(params: Any) -> None:
    """Hand a status notification to the listen stream whose id it carries, if one is open here."""
    wire = params.to_wire() if hasattr(params, "to_wire") else dict(params)
    meta = wire.get("_meta")
    stream = _STREAMS.get(meta.get(_spec.SUBSCRIPTION_ID_KEY)) if isinstance(meta, dict) else None
    if stream is not None:
        try:
            stream.send_nowait({"method": _spec.STATUS_NOTIFICATION, "params": wire})
        except (anyio.WouldBlock, anyio.ClosedResourceError, anyio.BrokenResourceError):
            pass  # a reader that stopped reading, or a stream already over: it polls instead


_NO_EXTENSION = (
    "tasks_client() needs an mcp.Client that declares the tasks extension, or the server never "
    "creates a task: build it as mcp.Client(..., extensions=[TasksClientExtension()])"
)


def input_responder(session: ClientSession) -> OnInput:
    """An `on_input` that answers through the session's sampling / elicitation / roots callbacks."""

    async def on_input(key: str, request: InputRequest, task: Any) -> dict[str, Any]:
        sdk_request = _SDK_INPUT_REQUEST.validate_python(request.to_wire(), by_name=False)
        context = ClientRequestContext(session=session, request_id=key)
        response = await session.dispatch_input_request(context, sdk_request)
        if isinstance(response, mcp_types.ErrorData):  # the callback declined
            raise JsonRpcError.from_error(
                response.model_dump(mode="json", by_alias=True, exclude_none=True)
            )
        # exclude_unset, not exclude_none: a `null` the callback set is part of its answer
        return response.model_dump(mode="json", by_alias=True, exclude_unset=True)

    return on_input


class _UnionParams:
    """The SDK validates a notification's params with `params_type.model_validate`; for params
    that are a union (a type alias of models), this gives it that method, returning the variant."""

    def __init__(self, type_form: Any):
        self._adapter = type_adapter(type_form)

    def model_validate(self, obj: Any) -> Any:
        return self._adapter.validate_python(obj, by_alias=True, by_name=False)


def _validator(type_form: Any) -> Any:
    """What NotificationBinding.params_type needs: a model class as is, a union wrapped."""
    return type_form if isinstance(type_form, type) else _UnionParams(type_form)


class CreateTaskClaim(mcp_types.Result):
    """`CreateTaskResult` as the SDK parses a claimed result; `to_model()` gives the generated
    one.

    Every member but `resultType` is kept as an extra: a typed `inputRequests` or `requestState`
    would collide with the SDK's own result fields, and extras keep `ttlMs: null` as sent.
    """

    model_config = ConfigDict(extra="allow")
    result_type: _spec.TaskResultType = _spec.TASK_RESULT_TYPE

    def to_model(self) -> _spec.CreatedTask:
        wire = self.model_dump(mode="json", by_alias=True, exclude_unset=True)
        return _spec.CreatedTask.from_wire(wire | {"resultType": _spec.TASK_RESULT_TYPE})


class TasksClientExtension(ClientExtension):
    """The tasks extension (`_spec.EXTENSION_ID`) for `mcp.Client(extensions=[...])`.

    `notifications`: a NotificationHandler that receives this extension's notifications.
    `timeout`: seconds `call_tool` waits for a task before TaskTimeoutError (None: no limit).
    """

    identifier = EXTENSION_ID

    def __init__(
        self,
        *,
        notifications: NotificationHandler | None = None,
        poll: PollPolicy | None = None,
        timeout: float | None = None,
    ):
        self._handler = notifications
        self._poll = poll if poll is not None else PollPolicy()
        self._timeout = timeout

    def settings(self) -> dict[str, Any]:
        # What this build opts in to (SEP-2669's `steer`, `pause`); `{}` (plain support) without.
        return dict(CLIENT_CAPABILITIES.get("extensions", {}).get(EXTENSION_ID, {}))

    def claims(self) -> list[ResultClaim[Any]]:
        return [
            ResultClaim(
                result_type=_spec.TASK_RESULT_TYPE, model=CreateTaskClaim, resolve=self._resolve
            )
        ]

    def notifications(self) -> list[NotificationBinding[Any]]:
        # Status notifications always: they feed listen streams (session_listener), and then the
        # handler, if any; the others only for a handler.
        return [
            NotificationBinding(
                method=method, params_type=_validator(params), handler=self._bound(method)
            )
            for method, params in _spec.EXTENSION_NOTIFICATIONS.items()
            if self._handler is not None or method == _spec.STATUS_NOTIFICATION
        ]

    def _bound(self, method: str) -> Any:
        async def deliver(params: Any) -> None:
            if method == _spec.STATUS_NOTIFICATION:
                _route_status_notification(params)
            if self._handler is not None:
                await self._handler.dispatch(method, params)

        return deliver

    async def _resolve(
        self, claimed: CreateTaskClaim, ctx: ClaimContext
    ) -> mcp_types.CallToolResult:
        client = tasks_client(ctx.session, poll=self._poll, timeout=ctx.read_timeout_seconds)
        task = claimed.to_model()
        try:
            result = await client.wait_for_result(
                task.task_id,
                on_input=input_responder(ctx.session),
                timeout=self._timeout,
            )
        except TaskFailedError as failed:
            # What the call would have raised without a task: the request's JSON-RPC error.
            error = failed.error
            raise MCPError(code=error.code, message=error.message, data=error.data) from failed
        wire = result.model_dump(mode="json", by_alias=True, exclude_unset=True)
        return mcp_types.CallToolResult.model_validate(wire, by_name=False)
