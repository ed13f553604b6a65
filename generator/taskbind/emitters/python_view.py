"""Names and facts the Python templates print, computed once from the IR.

Templates never derive names themselves: a Python parameter name or a client method name comes
from taskbind.naming through here. Views read which element plays which part from `spec.roles`,
never from spec names, so a user's own spec and every module subset generate.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import ir
from ..naming import function_name, snake_name
from . import python_client_view, python_server_view
from .python_client_view import exception_name

# What every Python build implements: the Tasks extension's core. Without these roles (e.g. a
# selection of the vendored core alone) there is no task to bind, and the target refuses.
REQUIRED_ROLES = (
    "task", "detailed_task", "create_task_result", "create_task", "get_task", "update_task",
    "cancel_task",
    "request_meta", "client_capabilities", "internal_error", "invalid_params", "parse_error",
    "invalid_request", "method_not_found", "header_mismatch", "working_status",
    "input_required_status", "completed_status", "failed_status", "cancelled_status",
)  # fmt: skip


def unsupported(spec: ir.Spec) -> str | None:
    """Why this selection of modules cannot be a Python package, or None when it can."""
    missing = [role for role in REQUIRED_ROLES if getattr(spec.roles, role) is None]
    if spec.lifecycle is None:
        missing.append("a task lifecycle")
    if missing:
        return f"it needs the roles {', '.join(missing)}, which no selected module declares"
    return None


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
        views.append(MethodView(method, function_name(method.name, method.python_name), params))
    return tuple(views)


def role_functions(spec: ir.Spec) -> dict[str, str]:
    """The Python name of each method role the selection has: `get_task` -> `get_task`,
    `poll_events` -> `poll_events` (whatever the spec calls the methods)."""
    names: dict[str, str] = {}
    for role, kind in ir.ROLE_KINDS.items():
        method = getattr(spec.roles, role)
        if kind in ("request", "notification") and method is not None:
            names[role] = function_name(method, spec.method(method).python_name)
    return names


def role_results(spec: ir.Spec) -> dict[str, str]:
    """The result type of each request role the selection has: `cancel_task` -> `CancelTaskResult`."""
    results: dict[str, str] = {}
    for role, kind in ir.ROLE_KINDS.items():
        method = getattr(spec.roles, role)
        if kind == "request" and method is not None and spec.method(method).result:
            results[role] = spec.method(method).result
    return results


def role_errors(spec: ir.Spec) -> dict[str, str | None]:
    """The exception class (in errors.py) of each error role; None when no selected module has it."""
    return {
        role: exception_name(name) if (name := getattr(spec.roles, role)) is not None else None
        for role, kind in ir.ROLE_KINDS.items()
        if kind == "error"
    }


def build(spec: ir.Spec) -> dict[str, object]:
    """The `py` variable every Python template sees."""
    return {
        "roles": spec.roles,
        "functions": role_functions(spec),
        "errors": role_errors(spec),
        "results": role_results(spec),
        "methods": method_views(spec),
        "client": python_client_view.build(spec),
        "server": python_server_view.build(spec),
    }
