"""Whole JSON-RPC messages: parse any message of the spec into its typed model, and back."""

from __future__ import annotations

from typing import Any

import pydantic

from . import _spec
from ._wire import dump_wire, validate_wire
from .methods import METHODS


class MessageValidationError(ValueError):
    """A message that does not match the spec. `errors` lists each problem with its JSON path.

    Not pydantic's ValidationError: this one is about a whole message, and is a ValueError.
    """

    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.errors = errors or []


def _validate(
    model: type[pydantic.BaseModel], obj: dict[str, Any], what: str
) -> pydantic.BaseModel:
    try:
        return validate_wire(model, obj)
    except pydantic.ValidationError as exc:
        problems = [
            {"path": "/".join(str(step) for step in error["loc"]), "message": error["msg"]}
            for error in exc.errors(include_url=False, include_input=False)
        ]
        summary = "; ".join(f"{p['path'] or '(message)'}: {p['message']}" for p in problems[:5])
        raise MessageValidationError(f"invalid {what}: {summary}", problems) from None


def parse_message(obj: Any, request_method: str | None = None) -> pydantic.BaseModel:
    """The typed model of one whole JSON-RPC message.

    Requests and notifications are recognised by their `method`. A result or an error response
    does not name its method: pass `request_method`, the method of the request it answers (an
    error response parses without it).
    """
    if not isinstance(obj, dict):
        raise MessageValidationError(f"a JSON-RPC message is an object, not {type(obj).__name__}")
    if "method" in obj:
        method = obj["method"]
        info = METHODS.get(method) if isinstance(method, str) else None
        if info is None:
            raise MessageValidationError(f"unknown method {method!r}")
        expected = "request" if "id" in obj else "notification"
        if info.kind != expected:
            raise MessageValidationError(
                f"{method} is a {info.kind}, but the message is a {expected}"
            )
        return _validate(info.message_type, obj, f"{method} {info.kind}")
    if "error" in obj:
        return _validate(_spec.ERROR_RESPONSE, obj, "error response")
    if "result" in obj:
        if request_method is None:
            raise MessageValidationError("a result does not name its method: pass request_method")
        info = METHODS.get(request_method)
        if info is None or info.response_type is None:
            raise MessageValidationError(f"{request_method!r} is not a request of this spec")
        return _validate(info.response_type, obj, f"{request_method} result")
    raise MessageValidationError("not a JSON-RPC message: no method, result or error")


def dump_message(model: pydantic.BaseModel) -> dict[str, Any]:
    """The wire JSON of a model: wire names, unset members absent, `null` kept where it was set."""
    return dump_wire(model)
