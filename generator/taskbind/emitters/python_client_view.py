"""Facts the Python client templates (client.py, errors.py, sdk_client.py) print.

Computed once from the IR: Python annotations for request parameters and results (a union is
returned as its variant), the client's per-request capability declaration, exception class
names, and which optional helpers the selected modules support.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import ir
from ..naming import function_name, snake_name
from .negotiation import client_capabilities

_PRIMITIVE_ANNOTATIONS = {
    "string": "str",
    "timestamp": "str",
    "integer": "int",
    "safe-integer": "int",
    "number": "float",
    "boolean": "bool",
    "any": "Any",
    "object": "Mapping[str, Any]",
}
# Names every generated client method already uses for itself.
_RESERVED = frozenset({"self", "meta"})


def annotation(spec: ir.Spec, expr: ir.TypeExpr) -> str:
    """What a caller may pass for a value of `expr`: plain JSON-like values or the generated models."""
    if isinstance(expr, ir.Primitive):
        return _PRIMITIVE_ANNOTATIONS[expr.name]
    if isinstance(expr, ir.ListOf):
        return f"Sequence[{annotation(spec, expr.item)}]"
    if isinstance(expr, ir.MapOf):
        return f"Mapping[str, {annotation(spec, expr.value)}]"
    if isinstance(expr, ir.UnionOf):
        return " | ".join(dict.fromkeys(annotation(spec, option) for option in expr.options))
    named = spec.type(expr.name)
    if isinstance(named, ir.EnumType):
        return "str"
    if isinstance(named, ir.AliasType):
        return annotation(spec, named.type)
    if isinstance(named, ir.UnionType):
        variants = [f"models.{v.type_name}" for v in named.variants]
        return " | ".join([*variants, "Mapping[str, Any]"])
    return f"models.{named.name} | Mapping[str, Any]"


def exception_name(error: str) -> str:
    """`InvalidParams` -> `InvalidParamsError`; `ParseError` and `InternalError` stay as they are."""
    return error if error.endswith("Error") else f"{error}Error"


@dataclass(frozen=True)
class ClientParam:
    wire_name: str
    python_name: str
    annotation: str  # without the `| None` an optional parameter adds
    required: bool
    nullable: bool


@dataclass(frozen=True)
class ClientRequest:
    name: str
    function: str
    summary: str
    required: tuple[ClientParam, ...]  # positional, in spec order
    optional: tuple[ClientParam, ...]  # keyword-only, default None (omitted from the wire)
    returns: str  # what the method returns: the result model, or for a union its variants


@dataclass(frozen=True)
class ClientNotification:
    name: str
    handler: str  # on_<name>
    params_model: str
    params_annotation: str  # what the handler receives: the model, or for a union its variants
    core: bool  # defined by the base protocol (an SDK handles it itself)


@dataclass(frozen=True)
class ErrorView:
    name: str
    exception: str
    code: int
    message: str
    description: str
    data_model: str | None


def _summary(text: str) -> str:
    """The first sentence, on one line (templates wrap it)."""
    first = " ".join(text.split()).split(". ")[0].rstrip(".")
    return (first + ".").replace('"""', "'''") if first else ""


def _variants(spec: ir.Spec, name: str) -> str:
    """The annotation of a parsed `name`: a union's RootModel is unwrapped to its variant."""
    named = spec.type(name)
    if isinstance(named, ir.UnionType):
        return " | ".join(f"models.{v.type_name}" for v in named.variants)
    return f"models.{name}"


def _param(spec: ir.Spec, field: ir.Field) -> ClientParam:
    python = snake_name(field.wire_name)
    python = f"{python}_" if python in _RESERVED else python
    if field.is_const:
        note = repr(field.const)
        return ClientParam(
            field.wire_name, python, f"Literal[{note}]", field.required, field.nullable
        )
    return ClientParam(
        field.wire_name, python, annotation(spec, field.type), field.required, field.nullable
    )


def client_requests(spec: ir.Spec) -> tuple[ClientRequest, ...]:
    views = []
    for method in spec.requests:
        if method.direction == "server-to-client":
            continue
        params: list[ClientParam] = []
        if method.params and isinstance(spec.type(method.params), ir.ObjectType):
            params = [
                _param(spec, f) for f in spec.type(method.params).fields if f.wire_name != "_meta"
            ]
        views.append(
            ClientRequest(
                name=method.name,
                function=function_name(method.name, method.python_name),
                summary=_summary(method.description) or f"Send `{method.name}`.",
                required=tuple(p for p in params if p.required),
                optional=tuple(p for p in params if not p.required),
                returns=_variants(spec, method.result),
            )
        )
    return tuple(views)


def client_notifications(spec: ir.Spec) -> tuple[ClientNotification, ...]:
    views = []
    for method in spec.notifications:
        if method.direction == "client-to-server" or not method.params:
            continue
        views.append(
            ClientNotification(
                name=method.name,
                handler=function_name(method.name, method.python_name),
                params_model=f"models.{method.params}",
                params_annotation=_variants(spec, method.params),
                core=method.provenance.module == spec.roles.base_protocol,
            )
        )
    return tuple(views)


def task_state_type(spec: ir.Spec) -> str | None:
    """The result of the get-task request: a task as its current status shows it."""
    get = spec.roles.get_task
    return spec.method(get).result if get is not None else None


def _input_task(spec: ir.Spec) -> str:
    """The get-task result variant a task in the input-required status comes back as."""
    union_name, status = task_state_type(spec), spec.roles.input_required_status
    union = spec.type(union_name) if union_name else None
    if isinstance(union, ir.UnionType) and status is not None:
        for variant in union.variants:
            if variant.discriminator_value == status:
                return f"models.{variant.type_name}"
    return "Any"


def _imports(
    requests: tuple[ClientRequest, ...], subtasks: bool, event_sources: bool
) -> dict[str, list[str]]:
    """What client.py imports from collections.abc and typing: exactly what it uses."""
    annotations = " ".join(p.annotation for r in requests for p in (*r.required, *r.optional))
    abc = {"Awaitable", "Callable", "Mapping"}
    abc |= {"AsyncIterator", "Iterator"} if subtasks else set()
    abc |= {"AsyncIterator"} if event_sources else set()
    abc |= {"Sequence"} if "Sequence[" in annotations else set()
    typing = {"Any"} | ({"Literal"} if "Literal[" in annotations else set())
    return {"abc_imports": sorted(abc), "typing_imports": sorted(typing)}


def task_result(spec: ir.Spec) -> str:
    """What a finished task created by the create-task role's request yields: the variants of that
    request's result other than the created task and an input round (for tools/call, the
    CallToolResult). `Any` when the selection has no such request."""
    method = spec.roles.create_task
    result = spec.method(method).result if method else None
    named = spec.type(result) if result else None
    if isinstance(named, ir.ObjectType):
        return f"models.{named.name}"
    if not isinstance(named, ir.UnionType):
        return "Any"
    created = spec.roles.create_task_result
    finished = [v.type_name for v in named.variants if v.type_name != created and not _asks_input(spec, v)]
    return " | ".join(f"models.{name}" for name in finished) or "Any"


def _asks_input(spec: ir.Spec, variant: ir.Variant) -> bool:
    """An input round (MRTR): a variant whose own resultType is neither complete nor a task."""
    named = spec.type(variant.type_name)
    return isinstance(named, ir.ObjectType) and variant.discriminator_value not in (None, _complete(spec))


def _complete(spec: ir.Spec) -> object:
    update = spec.method(spec.roles.update_task).result if spec.roles.update_task else None
    named = spec.type(update) if update else None
    found = named.field("resultType") if isinstance(named, ir.ObjectType) else None
    return found.const if found is not None else None


def build(spec: ir.Spec) -> dict[str, object]:
    """`py.client`: everything the client-side templates print."""
    roles = spec.roles
    requests = client_requests(spec)
    subtasks = roles.child_tasks_field is not None
    event_sources = roles.event_source_field is not None and roles.poll_events is not None
    task_state = task_state_type(spec)
    return {
        **_imports(requests, subtasks, event_sources),
        "requests": requests,
        "notifications": client_notifications(spec),
        "capabilities": client_capabilities(spec),
        "errors": tuple(
            ErrorView(
                e.name,
                exception_name(e.name),
                e.code,
                e.message,
                _summary(e.description),
                f"models.{e.data}" if e.data else None,
            )
            for e in spec.errors
        ),
        "input_request": _variants(spec, roles.input_request) if roles.input_request else "Any",
        "input_task": _input_task(spec),
        "task_state": _variants(spec, task_state) if task_state else "Any",
        "task_result": task_result(spec),
        # Optional helpers, present only when the modules that define their fields are selected.
        "subtasks": subtasks,
        "event_sources": event_sources,
    }
