"""The server side on the official MCP Python SDK (mcp >= 2.3): an `Extension` for `MCPServer`.

    tasks = TasksExtension({"deploy": TaskTool(support="required"), "report": "optional"})
    server = MCPServer(
        "demo", extensions=[tasks], lifespan=tasks.lifespan, middleware=tasks.middleware()
    )

A listed tool, called by a client that declared the extension on that request, is answered with a
CreateTaskResult and runs in the background; inside it, `current_task()` (runtime.py) is its task.
Other clients get the tool's plain result, or -32021 for a tool that requires a task.
The extension is `_spec.EXTENSION_ID`. A listed tool the server does not have fails the server's
start (in `lifespan`), naming it.

The only module of this package that imports `mcp`; nothing else imports it.
"""

from __future__ import annotations

import contextvars
import difflib
import functools
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from types import EllipsisType
from typing import Any, Literal

from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.provider import principal_components
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.extension import Extension, MethodBinding
from mcp.shared.exceptions import MCPError
from mcp_types import CallToolRequestParams, RequestParams
from pydantic import BaseModel, ConfigDict

from . import _spec, errors
from .dispatcher import RequestContext, declared_capabilities, declared_settings
from .push import requested_task_ids
from .runtime import TaskContext, TaskFailed, TaskRuntime
from .runtime_server import RuntimeTaskServer
from .store_base import TaskRecord

EXTENSION_ID = _spec.EXTENSION_ID

Preflight = Callable[
    [CallToolRequestParams, ServerRequestContext[Any, Any]], Awaitable[HandlerResult | None]
]


@dataclass(frozen=True)
class TaskTool:
    """How one tool runs as a task."""

    # "required": a client that did not declare the extension gets -32021, not a plain result.
    support: Literal["optional", "required"] = "optional"
    # Runs in the tools/call request, before any task exists: return an InputRequiredResult to ask
    # for input first (MRTR rounds resolve before the task is created), or None to create the task.
    preflight: Preflight | None = None
    ttl_ms: int | None | EllipsisType = ...  # ...: the runtime's default
    poll_interval_ms: int | None = None
    # Announce an eventSource; the tool publishes with emit_event() (builds with task events).
    event_source: bool = False


class _AnyParams(RequestParams):
    # The SDK validates params with this before our handler runs; it accepts anything so that the
    # spec's own models (server.validate_params) give the -32602 details.
    model_config = ConfigDict(extra="allow")


class _Notification(BaseModel):
    # The SDK dumps notifications with exclude_none; `params` is a plain dict, whose nulls survive.
    method: str
    params: dict[str, Any] | None = None


class TasksExtension(Extension):
    identifier = EXTENSION_ID

    def __init__(
        self,
        tools: Mapping[str, TaskTool | Literal["optional", "required"]],
        *,
        runtime: TaskRuntime | None = None,
        server: RuntimeTaskServer | None = None,
        lenient_headers: bool = False,
    ) -> None:
        """`lenient_headers`: accept tasks/* requests that carry no `Mcp-Name` header (a wrong one
        is still -32020), for peers that never send it, such as the fastmcp 4.1 client. Off by
        default: SEP-2243 requires the server to reject them."""
        self.task_tools = {
            name: TaskTool(tool) if isinstance(tool, str) else tool for name, tool in tools.items()
        }
        if not _spec.EVENTS:
            announcing = sorted(name for name, tool in self.task_tools.items() if tool.event_source)
            if announcing:
                raise ValueError(
                    f"TaskTool(event_source=True) for {', '.join(announcing)}: "
                    "this build has no task event sources"
                )
        self.server = server or RuntimeTaskServer(runtime)
        self.server.accept_missing_name_header = lenient_headers
        self.runtime = self.server.runtime

    @asynccontextmanager
    async def lifespan(self, server: Any) -> AsyncIterator[dict[str, Any]]:
        """Pass as `MCPServer(lifespan=...)`: task bodies run while the server does.

        First checks that the server has every tool listed here: a misspelt name would otherwise
        never run as a task, silently.
        """
        await self.check_tools(server)
        async with self.runtime.running():
            yield {}

    async def check_tools(self, server: Any) -> None:
        """ValueError naming each listed tool that `server` (an MCPServer) does not have."""
        list_tools = getattr(server, "list_tools", None)
        if list_tools is None:  # not an MCPServer: its tools cannot be listed before a request
            return
        known = sorted(tool.name for tool in await list_tools())
        unknown = sorted(set(self.task_tools) - set(known))
        if not unknown:
            return
        problems = []
        for name in unknown:
            close = difflib.get_close_matches(name, known, n=1)
            problems.append(f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise ValueError(
            f"TasksExtension lists tools this server does not have: {', '.join(problems)}; "
            f"its tools: {', '.join(known) or 'none'}"
        )

    def middleware(self) -> list[Any]:
        """Pass as `MCPServer(middleware=...)`: what an Extension cannot contribute by itself.

        The extension's settings in `server/discover` as this request's client may see them (see
        `negotiate_settings`); in a build with task events, the top-level `events` capability (see
        `advertise_events`).
        """
        middleware: list[Any] = [self.negotiate_settings]
        if _spec.PUSH:
            middleware.append(self.listen_for_tasks)
        if _spec.EVENTS:
            middleware.append(advertise_events)
        return middleware

    async def negotiate_settings(
        self, ctx: ServerRequestContext[Any, Any], call_next: CallNext
    ) -> HandlerResult:
        """Server middleware: in `server/discover`, advertise a setting (SEP-2669's `steer`,
        `pause`) only to a client that declared it on that request.

        SEP-2669 is opt-in on both sides, and SEP-2663 types the extension's settings as an empty
        object: a client of the final extension alone must see `{}` (the official TypeScript client
        refuses anything else and falls back to no tasks at all).
        """
        result = await call_next(ctx)
        if ctx.method != "server/discover" or not isinstance(result, dict):
            return result
        extensions = (result.get("capabilities") or {}).get("extensions")
        if isinstance(extensions, dict) and EXTENSION_ID in extensions:
            declared = declared_settings(ctx.params, EXTENSION_ID)
            extensions[EXTENSION_ID] = self.server.settings(declared)
        return result

    async def listen_for_tasks(
        self, ctx: ServerRequestContext[Any, Any], call_next: CallNext
    ) -> HandlerResult:
        """Server middleware: serve a listen request whose filter names task ids (push.py).

        The listen method is core MCP, so an Extension cannot bind it; the SDK's own handler
        acknowledges only the core filter members. A stream that follows tasks is therefore served
        here, on the SDK's transport (its response stream; SSE on streamable HTTP), and reports on
        tasks only: ask for the core notifications on a listen stream of their own.
        """
        if ctx.method != _spec.LISTEN:
            return await call_next(ctx)
        params = dict(ctx.params or {})
        try:
            if requested_task_ids(params) is None:
                return await call_next(ctx)
            context = RequestContext(
                ctx.method,
                ctx.request_id,
                declared=self._declared(ctx),
                headers=_headers(ctx),
                notify=_notifier(ctx),
                extra={"sdk_context": ctx},
                principal=authenticated_principal(),  # a listener sees only tasks it may get
            )
            return await self.server.listen_tasks(params, context)
        except errors.JsonRpcError as error:
            raise _sdk_error(error) from None

    # The SEP-2133 surface -------------------------------------------------------------------------

    def settings(self) -> dict[str, Any]:
        return self.server.settings()

    def methods(self) -> list[MethodBinding]:
        # A method switched off by its setting is not bound, so the SDK answers it -32601; removed
        # methods (tasks/result, tasks/list) are never bound either.
        return [
            MethodBinding(method, _AnyParams, self._handler(method))
            for method in _spec.HANDLERS
            if self.server.serves(method)
        ]

    def _handler(
        self, method: str
    ) -> Callable[[ServerRequestContext[Any, Any], Any], Awaitable[dict[str, Any]]]:
        async def handle(ctx: ServerRequestContext[Any, Any], _params: Any) -> dict[str, Any]:
            context = RequestContext(
                method,
                ctx.request_id,
                declared=self._declared(ctx),
                headers=_headers(ctx),
                notify=_notifier(ctx),
                extra={"sdk_context": ctx},
                principal=authenticated_principal(),
            )
            try:
                # A plain dict, never a model: the SDK dumps models with exclude_none, which would
                # drop the required-nullable `ttlMs: null`.
                return await self.server.handle(method, dict(ctx.params or {}), context)
            except errors.JsonRpcError as error:
                raise _sdk_error(error) from None

        return handle

    async def intercept_tool_call(
        self,
        params: CallToolRequestParams,
        ctx: ServerRequestContext[Any, Any],
        call_next: CallNext,
    ) -> HandlerResult:
        tool = self.task_tools.get(params.name)
        if tool is None:
            return await call_next(ctx)  # not a task tool; a legacy `task` param is ignored
        if EXTENSION_ID not in self._declared(ctx):
            if tool.support == "required":
                raise _sdk_error(
                    _spec.MISSING_CAPABILITY(
                        f"Tool {params.name!r} runs only as a task: "
                        f"declare the {EXTENSION_ID!r} extension",
                        {"requiredCapabilities": _spec.REQUIRED_CAPABILITIES[EXTENSION_ID]},
                    )
                )
            # Never a CreateTaskResult for a client that did not declare the extension on this
            # request.
            return await call_next(ctx)
        if tool.preflight is not None:
            interim = await tool.preflight(params, ctx)
            if interim is not None:
                return interim

        async def body(task: TaskContext) -> dict[str, Any]:
            return await _run_tool(call_next, ctx)

        # TES wants the client's Events capability before an eventSource; the official SDK client
        # cannot declare a top-level capability, so none is required (the spec's decision on the
        # `events` capability): a client without Events ignores the optional member.
        # Created where the store works (its own thread for Redis), in this request's context;
        # the task is bound to its creator (runtime.py), read here, where the request's auth is.
        principal = authenticated_principal()
        record: TaskRecord = await self.runtime.store.run(
            contextvars.copy_context().run,
            functools.partial(
                self.runtime.start,
                body,
                ttl_ms=tool.ttl_ms,
                poll_interval_ms=tool.poll_interval_ms,
                event_source=tool.event_source,
                principal=principal,
            ),
        )
        return record.to_create_result()  # the record is stored: tasks/get resolves at once

    @staticmethod
    def _declared(ctx: ServerRequestContext[Any, Any]) -> frozenset[str]:
        """What this request declares. On 2026-07-28 that is the request's own `_meta`; the SDK's
        connection capabilities cover transports that lift the envelope out of the params."""
        meta = (ctx.params or {}).get("_meta")
        if isinstance(meta, Mapping) and _spec.CAPABILITY_META_KEY in meta:
            return declared_capabilities(ctx.params)
        capabilities = ctx.session.client_capabilities
        if capabilities is None:
            return frozenset()
        wire = capabilities.model_dump(by_alias=True, exclude_none=True)
        extensions = set(wire.get("extensions") or {})
        return frozenset({name for name in wire if name != "extensions"} | extensions)


async def _run_tool(call_next: CallNext, ctx: ServerRequestContext[Any, Any]) -> dict[str, Any]:
    """The tool's own handler, run as a task body: its result, or TaskFailed for a JSON-RPC
    error."""
    try:
        outcome = await call_next(ctx)
    except MCPError as exc:  # a protocol error ends the task `failed`, carrying the error
        raise TaskFailed(**exc.error.model_dump(mode="json", exclude_none=True)) from None
    if isinstance(outcome, BaseModel):
        # A CallToolResult (isError true included: that is `completed`); it has no required nulls.
        outcome = outcome.model_dump(mode="json", by_alias=True, exclude_none=True)
    outcome = dict(outcome or {"content": []})
    if outcome.get("resultType") == "input_required":
        raise TaskFailed.from_error(
            _spec.INTERNAL_ERROR(
                "A task cannot answer with an InputRequiredResult: use TaskContext.request_input"
            )
        )
    return outcome


async def advertise_events(
    ctx: ServerRequestContext[Any, Any], call_next: CallNext
) -> HandlerResult:
    """Server middleware: declare the Events capability (`capabilities.events`) in
    `server/discover`.

    Task event sources are served by the Events methods (events/poll, events/stream), and the
    capability is top-level, outside `capabilities.extensions`, where an Extension's settings go.
    """
    result = await call_next(ctx)
    if (
        ctx.method == "server/discover"
        and isinstance(result, dict)
        and isinstance(result.get("capabilities"), dict)
    ):
        result["capabilities"].setdefault("events", {})
    return result


def authenticated_principal() -> str | None:
    """The principal the SDK's auth middleware authenticated this request as: the (client id,
    issuer, subject) of its bearer token as compact JSON, the identity the SDK itself binds request
    state to; None on a transport without auth (stdio, HTTP without `auth=`)."""
    token = get_access_token()
    if token is None:
        return None
    return json.dumps(principal_components(token), separators=(",", ":"))


def _sdk_error(error: errors.JsonRpcError) -> MCPError:
    return MCPError(code=error.code, message=error.message, data=error.data)


def _headers(ctx: ServerRequestContext[Any, Any]) -> dict[str, str] | None:
    headers = getattr(ctx.request, "headers", None)  # a Starlette request on HTTP; None elsewhere
    return {k.lower(): v for k, v in headers.items()} if headers is not None else None


def _notifier(
    ctx: ServerRequestContext[Any, Any],
) -> Callable[[str, dict[str, Any]], Awaitable[None]]:
    async def notify(method: str, params: dict[str, Any]) -> None:
        # related_request_id routes it onto this request's own stream (its SSE response on HTTP).
        await ctx.session.send_notification(
            _Notification(method=method, params=params),  # type: ignore[arg-type]
            related_request_id=ctx.request_id,
        )

    return notify
