"""Names and facts the Python templates print, computed once from the IR.

Templates never derive names themselves: a Python parameter name or a client method name is
decided here, in one tested place.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass

from .. import ir

_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|[^A-Za-z0-9]+")


def snake_name(wire: str) -> str:
    """`taskId` -> `task_id`, `_meta` -> `meta`, `io.modelcontextprotocol/x` -> `io_modelcontextprotocol_x`."""
    name = "_".join(part.lower() for part in _BOUNDARY.split(wire) if part)
    name = name or "value"
    if name[0].isdigit():
        name = f"f_{name}"
    return f"{name}_" if keyword.iskeyword(name) else name


def function_name(method: str) -> str:
    """`tasks/get` -> `get_task`, `events/poll` -> `poll_event`, `tools/call` -> `call_tool`.

    The verb is the method's last segment, the noun its namespace in the singular; notifications
    (`notifications/tasks`) become `on_<rest>` (`on_tasks`).
    """
    segments = method.split("/")
    if segments[0] == "notifications":
        return "on_" + snake_name("_".join(segments[1:]))
    noun = segments[0][:-1] if segments[0].endswith("s") else segments[0]
    return snake_name(f"{segments[-1]}_{noun}")


@dataclass(frozen=True)
class ParamView:
    wire_name: str
    python_name: str
    required: bool
    nullable: bool
    description: str


@dataclass(frozen=True)
class MethodView:
    method: ir.Method
    function: str
    params: tuple[ParamView, ...]  # the params object's fields, `_meta` excluded


def method_views(spec: ir.Spec) -> tuple[MethodView, ...]:
    views = []
    for method in spec.methods:
        params: tuple[ParamView, ...] = ()
        if method.params and isinstance(spec.type(method.params), ir.ObjectType):
            params = tuple(
                ParamView(f.wire_name, snake_name(f.wire_name), f.required, f.nullable, f.description)
                for f in spec.type(method.params).fields
                if f.wire_name != "_meta"
            )
        views.append(MethodView(method, function_name(method.name), params))
    return tuple(views)


def build(spec: ir.Spec) -> dict[str, object]:
    """The `py` variable every Python template sees."""
    from . import python_client_view, python_server_view  # here: both import this module

    return {
        "methods": method_views(spec),
        "client": python_client_view.build(spec),
        "server": python_server_view.build(spec),
    }
