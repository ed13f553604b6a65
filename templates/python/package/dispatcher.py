"""The dispatcher: turns a raw JSON-RPC message into its response, with the spec's error codes.

`Dispatcher` is the machinery under the generated `TaskServer` (server.py), which adds one
handler per request of the spec. Before a handler runs, the dispatcher has checked the envelope,
the routing header, the client's capability declaration, the params (parsed into the spec's
model) and, for methods the lifecycle governs, that the task exists and its status accepts the
method.
"""

from __future__ import annotations

import abc
import base64
import binascii
import dataclasses
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pydantic

from . import _spec, errors, lifecycle
from .guard import check_request, task_not_found
from .methods import METHODS, REMOVED_METHODS, type_adapter

logger = logging.getLogger(__name__)

Notify = Callable[[str, dict[str, Any]], Awaitable[None]]
Result = Mapping[str, Any] | pydantic.BaseModel

NAME_HEADER = "mcp-name"  # the routing header that mirrors a request's routing field (SEP-2243)


@dataclass(frozen=True)
class RequestContext:
    """What a handler knows about the request besides its params."""

    method: str
    request_id: str | int | None = None
    declared: frozenset[str] = frozenset()  # capabilities the client declared on this request
    headers: Mapping[str, str] | None = None  # HTTP headers, lower-case names; None off HTTP
    notify: Notify | None = None  # sends a notification that belongs to this request
    extra: Mapping[str, Any] = field(default_factory=dict)  # whatever the transport adds
    # The settings of the method's capability that the client declared true on this request
    # (SEP-2669's opt-in: `{"steer": true, "pause": true}`); filled in by `Dispatcher.handle`.
    settings: frozenset[str] = frozenset()
    # The authenticated principal making the request (e.g. the OAuth client and subject of its
    # bearer token), or None without auth. The runtime binds a task to the principal that created
    # it (runtime.TaskRuntime's `authorize`).
    principal: str | None = None


def declared_capabilities(params: Mapping[str, Any] | None) -> frozenset[str]:
    """The capabilities a request declares in `params._meta`: top-level names and extension ids."""
    meta = params.get("_meta") if isinstance(params, Mapping) else None
    capabilities = meta.get(_spec.CAPABILITY_META_KEY) if isinstance(meta, Mapping) else None
    if not isinstance(capabilities, Mapping):
        return frozenset()
    extensions = capabilities.get("extensions")
    names = {name for name in capabilities if name != "extensions"}
    if isinstance(extensions, Mapping):
        names.update(extensions)
    return frozenset(names)


def declared_settings(params: Mapping[str, Any] | None, capability: str) -> frozenset[str]:
    """The settings of `capability` that a request declares `true` in `params._meta`.

    An extension's settings sit in `extensions[<id>]`, a top-level capability's in `[<name>]`.
    """
    meta = params.get("_meta") if isinstance(params, Mapping) else None
    capabilities = meta.get(_spec.CAPABILITY_META_KEY) if isinstance(meta, Mapping) else None
    if not isinstance(capabilities, Mapping):
        return frozenset()
    extensions = capabilities.get("extensions")
    if isinstance(extensions, Mapping) and capability in extensions:
        settings = extensions[capability]
    else:
        settings = capabilities.get(capability)
    if not isinstance(settings, Mapping):
        return frozenset()
    return frozenset(name for name, value in settings.items() if value is True)


def decode_header(value: str | None) -> str | None:
    """A routing header's value: verbatim, or UTF-8 inside the `=?base64?...?=` sentinel."""
    if value is None or not (value.startswith("=?base64?") and value.endswith("?=")):
        return value
    try:
        return base64.b64decode(value[9:-2], validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None


class Dispatcher(abc.ABC):
    """Answers one raw JSON-RPC request by calling the handler `_spec.HANDLERS` names for it.

    A handler returns the result (a dict in wire form, or a model) or raises an
    `errors.JsonRpcError`; any other exception is answered with -32603 and the server keeps
    serving.
    """

    #: Capability settings this server turns on (`_spec.SETTINGS` lists this build's); the methods
    #: a setting gates answer -32601 while it is off, and for a client that did not declare it.
    enabled_settings: frozenset[str] = frozenset()

    #: Accept a request whose `Mcp-Name` header is missing (a wrong one is still -32020). Off by
    #: default, as SEP-2243 requires; on for peers that never send it (the fastmcp 4.1 client on
    #: tasks/*: see the spec's `decision` on the header-mismatch error).
    accept_missing_name_header: bool = False

    def settings(self, declared: frozenset[str] | None = None) -> dict[str, Any]:
        """The settings object advertised for the extension in `server/discover`: every enabled
        setting, or (given what the client declared on that request) only those it declared too.
        """
        enabled = self.enabled_settings if declared is None else self.enabled_settings & declared
        return {name: True for name in sorted(enabled)}

    def serves(self, method: str) -> bool:
        """Whether this server answers `method`: it has a handler and the method's setting is on."""
        if method not in _spec.HANDLERS:
            return False
        setting = METHODS[method].setting
        return setting is None or setting in self.enabled_settings

    @abc.abstractmethod
    async def task_status(self, task_id: str) -> str | None:
        """The task's current status, or None when the task is unknown or expired."""

    def check_limits(self, method: str, params: dict[str, Any]) -> None:
        """Refuse (raise -32602) a request larger than this server keeps, before anything else
        reads its params. Default: no limits; the runtime server applies its `TaskLimits`."""
        return

    async def task_status_for(self, task_id: str, context: RequestContext) -> str | None:
        """`task_status` as this request's caller may see it: None (answered exactly as an unknown
        task) when the caller may not see the task. Default: every caller sees every task."""
        return await self.task_status(task_id)

    def drop_ignored(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """Remove what the spec tells a server to ignore before the params are validated.

        Default: nothing. The runtime server drops `tasks/update` responses to keys that are not
        outstanding, which the spec says to ignore even when they are malformed.
        """
        return params

    async def dispatch(
        self,
        message: bytes | str | Mapping[str, Any],
        *,
        headers: Mapping[str, str] | None = None,
        notify: Notify | None = None,
        principal: str | None = None,
    ) -> dict[str, Any] | None:
        """The response to one raw JSON-RPC message; None for a notification or a response.
        `principal`: who the transport authenticated the sender as (None: no auth)."""
        if isinstance(message, bytes | bytearray | str):
            try:
                message = json.loads(message)
            except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested absurdly deep
                return error_response(
                    None, _spec.PARSE_ERROR("Parse error: the message is not JSON")
                )
        if not isinstance(message, Mapping):  # batches (arrays) are not part of MCP
            return error_response(
                None, _spec.INVALID_REQUEST("A JSON-RPC request is a JSON object")
            )
        request_id = message.get("id")
        valid_id = isinstance(request_id, str | int) and not isinstance(request_id, bool)
        if "method" not in message and valid_id and ("result" in message or "error" in message):
            return None  # a response to a request this server sent: nothing to answer
        method, params = message.get("method"), message.get("params", {})
        problem = None
        if message.get("jsonrpc") != "2.0":
            problem = 'jsonrpc must be "2.0"'
        elif not isinstance(method, str):
            problem = "method must be a string"
        elif "id" in message and not valid_id:
            problem = "id must be a string or an integer"
        elif not isinstance(params, Mapping):
            problem = "params must be an object"
        if problem is not None or not isinstance(method, str):
            invalid = _spec.INVALID_REQUEST(f"Invalid Request: {problem}")
            return error_response(request_id if valid_id else None, invalid)
        if "id" not in message:
            return None  # a notification: never answered
        if headers is not None:
            headers = {k.lower(): v for k, v in headers.items()}
        context = RequestContext(
            method,
            request_id,
            declared_capabilities(params),
            headers,
            notify,
            principal=principal,
        )
        try:
            result = await self.handle(method, dict(params), context)
        except errors.JsonRpcError as error:
            return error_response(request_id, error)
        except Exception:  # a failing handler never takes the server down
            logger.exception("handler for %s failed", method)
            return error_response(request_id, _spec.INTERNAL_ERROR("Internal error"))
        return {"jsonrpc": "2.0", "id": request_id, "result": result}

    async def handle(
        self, method: str, params: dict[str, Any], context: RequestContext
    ) -> dict[str, Any]:
        """Everything after the envelope, for one request: the checks, then the handler.

        Returns the result object; raises `errors.JsonRpcError`. SDK adapters call this directly.
        """
        if method in REMOVED_METHODS:
            raise errors.JsonRpcError(
                REMOVED_METHODS[method], f"{method} was removed from the protocol"
            )
        handler_name = _spec.HANDLERS.get(method)
        if handler_name is None:
            raise _spec.METHOD_NOT_FOUND(f"Method not found: {method}")
        info = METHODS[method]
        if not self.serves(method):
            raise _spec.METHOD_NOT_FOUND(
                f"{method} is not enabled on this server (setting {info.setting!r})"
            )
        if context.headers is not None and info.routing_field is not None:
            self.check_name_header(params.get(info.routing_field), info.routing_field, context)
        if info.capability is not None and info.capability not in context.declared:
            raise _spec.MISSING_CAPABILITY(
                f"The request does not declare the {info.capability!r} capability",
                {"requiredCapabilities": _spec.REQUIRED_CAPABILITIES[info.capability]},
            )
        if info.capability is not None:
            context = dataclasses.replace(
                context, settings=declared_settings(params, info.capability)
            )
        if info.setting is not None and info.setting not in context.settings:
            # SEP-2669 is opt-in on both sides: to a client that did not declare the setting on
            # this request, the server behaves as one without it.
            raise _spec.METHOD_NOT_FOUND(
                f"{method} needs the {info.setting!r} setting of {info.capability!r}, "
                "which this request's client capabilities do not declare"
            )
        self.check_limits(method, params)
        governed = method in lifecycle.GOVERNED_METHODS and info.routing_field is not None
        # The routing field of a lifecycle-governed method is the id of the task it acts on. A task
        # the caller may not see is unknown before its params are read: a validation error about
        # its outstanding inputs must not reveal that it exists.
        task_id = params.get(info.routing_field) if governed and info.routing_field else None
        status = None
        if isinstance(task_id, str):
            status = await self.task_status_for(task_id, context)
            if status is None:
                raise task_not_found(task_id)
        parsed = validate_params(method, info.params_type, self.drop_ignored(method, params))
        if governed and status is not None:
            check_request(status, method)
        handler: Callable[[Any, RequestContext], Awaitable[Result]] = getattr(self, handler_name)
        return checked_result(method, info.result_type, await handler(parsed, context))


    def check_name_header(self, expected: Any, routing_field: str, context: RequestContext) -> None:
        """-32020 when the `Mcp-Name` header is missing or differs from the body's routing field."""
        if not isinstance(expected, str) or context.headers is None:
            return  # a body without the field is refused by params validation (-32602)
        raw = context.headers.get(NAME_HEADER)
        if raw is None:
            if self.accept_missing_name_header:
                return
            raise _spec.HEADER_MISMATCH(
                f"Mcp-Name header is missing: it must carry the request body's {routing_field!r} "
                "parameter"
            )
        if decode_header(raw) != expected:
            raise _spec.HEADER_MISMATCH(
                f"Mcp-Name header does not match the request body's {routing_field!r} parameter"
            )


def validate_params(method: str, model: Any, params: dict[str, Any]) -> Any:
    """`params` parsed into the spec's type (a model class or a union's type alias; None:
    unchecked); -32602 with every problem when it does not match."""
    if model is None:
        return params
    try:
        return type_adapter(model).validate_python(params, by_alias=True, by_name=False)
    except pydantic.ValidationError as exc:
        problems = [
            {"path": "/".join(str(step) for step in error["loc"]), "message": error["msg"]}
            for error in exc.errors(include_url=False, include_input=False)
        ]
        raise _spec.INVALID_PARAMS(f"Invalid params for {method}", {"errors": problems}) from None


def checked_result(method: str, model: Any, result: Result) -> dict[str, Any]:
    """The wire form of a handler's result, validated: a malformed result is the server's bug
    (-32603)."""
    if isinstance(result, pydantic.BaseModel):
        result = result.model_dump(mode="json", by_alias=True, exclude_unset=True)
    wire = dict(result)
    if model is not None:
        try:
            type_adapter(model).validate_python(wire, by_alias=True, by_name=False)
        except pydantic.ValidationError:
            logger.exception("handler for %s returned an invalid result", method)
            raise _spec.INTERNAL_ERROR("The handler returned an invalid result") from None
    return wire


def error_response(request_id: str | int | None, error: errors.JsonRpcError) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "error": error.to_error()}
