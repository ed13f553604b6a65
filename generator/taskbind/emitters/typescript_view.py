"""Names and code fragments the TypeScript templates print, computed once from the IR.

Each named type of the spec becomes a TypeScript declaration (`interface X extends Base` for
objects, a literal union for enums, a type alias for unions and aliases) and a zod 4 schema that
accepts exactly what the JSON Schema target's `$def` accepts: objects are flat (bases' fields
included, as in the JSON Schema), open objects keep unknown members (`z.looseObject`), closed ones
refuse them (`z.strictObject`), `extra:` types them (`.catchall`), discriminated unions use
`z.discriminatedUnion` on the discriminator. Schemas are ordered so that each one is defined before
it is used; a reference into a cycle goes through `z.lazy`.

Like the Python views, this reads roles from `spec.roles`, never spec names.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from .. import ir
from ..naming import function_name
from .negotiation import client_capabilities, events_capability

# What every TypeScript build implements; without these roles there is no task to bind.
REQUIRED_ROLES = (
    "task", "detailed_task", "create_task_result", "create_task", "get_task", "update_task",
    "cancel_task", "request_meta", "client_capabilities", "internal_error", "invalid_params",
    "parse_error", "invalid_request", "method_not_found", "working_status",
    "input_required_status", "completed_status", "failed_status", "cancelled_status",
)  # fmt: skip

_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
SAFE = 9007199254740991


def unsupported(spec: ir.Spec) -> str | None:
    """Why this selection of modules cannot be a TypeScript package, or None when it can."""
    missing = [role for role in REQUIRED_ROLES if getattr(spec.roles, role) is None]
    if spec.lifecycle is None:
        missing.append("a task lifecycle")
    if missing:
        return f"it needs the roles {', '.join(missing)}, which no selected module declares"
    return None


def js(value: object) -> str:
    """A JavaScript literal for JSON data (strings escaped as JSON strings, which JS accepts)."""
    return json.dumps(value, ensure_ascii=False)


def prop(name: str) -> str:
    """A property name as written in an object type or literal: bare when it is an identifier."""
    return name if _IDENTIFIER.fullmatch(name) else js(name)


def doc(text: str, indent: str = "") -> str:
    """A JSDoc comment for spec text (`*/` cannot end it early), or nothing for no text."""
    text = text.strip().replace("*/", "*\\/")
    if not text:
        return ""
    lines = text.splitlines()
    if len(lines) == 1:
        return f"{indent}/** {lines[0]} */\n"
    body = "".join(f"{indent} *{' ' + line if line.strip() else ''}\n" for line in lines)
    return f"{indent}/**\n{body}{indent} */\n"


def camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def ts_name(method: ir.Method) -> str:
    """A method's TypeScript name: the camelCase of its Python name (`tasks/get` -> getTask)."""
    return camel(function_name(method.name, method.python_name))


def schema_name(type_name: str) -> str:
    return f"{type_name}Schema"


# TypeScript types ----------------------------------------------------------------------------------

_TS_PRIMITIVES = {
    "string": "string", "timestamp": "string", "integer": "number", "safe-integer": "number",
    "number": "number", "boolean": "boolean", "any": "unknown",
    "object": "{ [key: string]: unknown }",
}  # fmt: skip


def ts_type(expr: ir.TypeExpr) -> str:
    if isinstance(expr, ir.Primitive):
        return _TS_PRIMITIVES[expr.name]
    if isinstance(expr, ir.Ref):
        return expr.name
    if isinstance(expr, ir.ListOf):
        inner = ts_type(expr.item)
        return f"({inner})[]" if " " in inner else f"{inner}[]"
    if isinstance(expr, ir.MapOf):
        return f"{{ [key: string]: {ts_type(expr.value)} }}"
    return " | ".join(ts_type(option) for option in expr.options)


def field_ts(f: ir.Field) -> str:
    if f.is_const:
        text = js(f.const)
    elif f.enum:
        text = " | ".join(js(v) for v in f.enum)
    else:
        assert f.type is not None
        text = ts_type(f.type)
    return f"{text} | null" if f.nullable else text


def _inherited(spec: ir.Spec, t: ir.ObjectType, f: ir.Field) -> ir.Field | None:
    for base in t.bases:
        named = spec.type(base)
        if isinstance(named, ir.ObjectType) and (found := named.field(f.wire_name)) is not None:
            return found
    return None


@dataclass(frozen=True)
class Member:
    name: str  # as written: bare or quoted (a JSON string)
    type: str
    optional: bool
    doc: str  # the spec's description: templates print it with `jsdoc`


@dataclass(frozen=True)
class Declaration:
    """One named type as TypeScript: `kind` is interface (members, bases) or alias (`type`)."""

    name: str
    kind: str
    doc: str  # the spec's description: templates print it with `jsdoc`
    module: str
    bases: tuple[str, ...] = ()
    members: tuple[Member, ...] = ()
    open: bool = False  # an index signature keeps unknown members
    type: str = ""


def declaration(spec: ir.Spec, t: ir.NamedType) -> Declaration:
    module = t.provenance.module
    if isinstance(t, ir.ObjectType):
        own = [f for f in t.fields if _inherited(spec, t, f) != f]
        members = tuple(
            Member(prop(f.wire_name), field_ts(f), not f.required, f.description)
            for f in own
        )
        base_open = any(
            isinstance(b := spec.type(name), ir.ObjectType) and b.open for name in t.bases
        )
        return Declaration(
            t.name, "interface", t.description, module, t.bases, members,
            open=t.open and not base_open,
        )  # fmt: skip
    if isinstance(t, ir.EnumType):
        text = " | ".join(js(v.value) for v in t.values)
    elif isinstance(t, ir.AliasType):
        text = ts_type(t.type)
    else:
        text = " | ".join(v.type_name for v in t.variants)
    return Declaration(t.name, "alias", t.description, module, type=text)


# zod schemas ---------------------------------------------------------------------------------------


def _refs(t: ir.NamedType) -> list[str]:
    if isinstance(t, ir.ObjectType):
        names = [n for f in t.fields if f.type is not None for n in ir.referenced_names(f.type)]
        return names + (ir.referenced_names(t.extra) if t.extra is not None else [])
    if isinstance(t, ir.AliasType):
        return ir.referenced_names(t.type)
    if isinstance(t, ir.UnionType):
        return [v.type_name for v in t.variants]
    return []


def schema_order(spec: ir.Spec) -> tuple[list[ir.NamedType], set[tuple[str, str]]]:
    """Types in an order where each schema follows the schemas it uses (spec order otherwise), and
    the (user, used) references that close a cycle, which must be lazy."""
    order: list[ir.NamedType] = []
    state: dict[str, int] = {}
    lazy: set[tuple[str, str]] = set()

    def visit(name: str) -> None:
        state[name] = 1
        for used in _refs(spec.type(name)):
            if state.get(used) == 1:
                lazy.add((name, used))
            elif used not in state:
                visit(used)
        state[name] = 2
        order.append(spec.type(name))

    for t in spec.types:
        if t.name not in state:
            visit(t.name)
    return order, lazy


class _Zod:
    def __init__(self, spec: ir.Spec, owner: str, lazy: set[tuple[str, str]]):
        self.spec, self.owner, self.lazy = spec, owner, lazy

    def expr(self, expr: ir.TypeExpr) -> str:
        if isinstance(expr, ir.Primitive):
            return {
                "string": "z.string()", "timestamp": "z.string()", "integer": "integer()",
                "safe-integer": "z.int()", "number": "z.number()", "boolean": "z.boolean()",
                "any": "json()", "object": "z.record(z.string(), z.unknown())",
            }[expr.name]  # fmt: skip
        if isinstance(expr, ir.Ref):
            if (self.owner, expr.name) in self.lazy:
                return f"z.lazy(() => {schema_name(expr.name)})"
            return schema_name(expr.name)
        if isinstance(expr, ir.ListOf):
            return f"z.array({self.expr(expr.item)})"
        if isinstance(expr, ir.MapOf):
            return f"z.record(z.string(), {self.expr(expr.value)})"
        return f"z.union([{', '.join(self.expr(option) for option in expr.options)}])"

    def field(self, f: ir.Field) -> str:
        if f.is_const:
            text = f"z.literal({js(f.const)})"
        elif f.enum:
            text = f"z.enum([{', '.join(js(v) for v in f.enum)}])"
        else:
            assert f.type is not None
            text = self.expr(f.type) + self.constraints(f)
        if f.nullable:
            text += ".nullable()"
        if not f.required:
            text += ".optional()"
        return text

    def constraints(self, f: ir.Field) -> str:
        c = f.constraints
        out = ""
        if c.minimum is not None:
            out += f".gte({js(c.minimum)})"
        if c.maximum is not None:
            out += f".lte({js(c.maximum)})"
        if c.pattern is not None:
            out += f".regex(new RegExp({js(c.pattern)}, \"u\"))"
        # Lengths count code points, as JSON Schema does (zod's .min/.max count UTF-16 units).
        if c.min_length is not None:
            out += f".refine((s) => [...s].length >= {c.min_length})"
        if c.max_length is not None:
            out += f".refine((s) => [...s].length <= {c.max_length})"
        if c.min_items is not None:
            out += f".min({c.min_items})"
        if c.max_items is not None:
            out += f".max({c.max_items})"
        return out


def _discriminable(spec: ir.Spec, t: ir.UnionType) -> bool:
    """Whether every variant is an object whose discriminator is a required literal."""
    for v in t.variants:
        named = spec.type(v.type_name)
        if not isinstance(named, ir.ObjectType):
            return False
        found = named.field(t.discriminator or "")
        if found is None or not found.required or not found.is_const or found.nullable:
            return False
    return True


def zod_schema(spec: ir.Spec, t: ir.NamedType, lazy: set[tuple[str, str]]) -> str:
    z = _Zod(spec, t.name, lazy)
    if isinstance(t, ir.ObjectType):
        body = "".join(f"\n  {prop(f.wire_name)}: {z.field(f)}," for f in t.fields)
        shape = f"{{{body}\n}}" if body else "{}"
        if not t.open:
            return f"z.strictObject({shape})"
        if t.extra is not None:
            return f"z.object({shape}).catchall({z.expr(t.extra)})"
        return f"z.looseObject({shape})"
    if isinstance(t, ir.EnumType):
        return f"z.enum([{', '.join(js(v.value) for v in t.values)}])"
    if isinstance(t, ir.AliasType):
        return z.expr(t.type)
    options = ", ".join(z.expr(ir.Ref(v.type_name)) for v in t.variants)
    if t.discriminator is not None and _discriminable(spec, t):
        return f"z.discriminatedUnion({js(t.discriminator)}, [{options}])"
    # A plain union is JSON Schema's anyOf; a discriminated one whose variants cannot be told by a
    # required literal falls back to trying each (oneOf agrees: the literals never overlap).
    return f"z.union([{options}])"


@dataclass(frozen=True)
class SchemaView:
    name: str  # the spec type
    schema: str  # the const's name
    code: str
    module: str


# Methods, errors, lifecycle ------------------------------------------------------------------------


@dataclass(frozen=True)
class MethodView:
    method: ir.Method
    function: str  # camelCase: getTask
    params: str | None  # the params type name
    result: str | None
    handled: bool  # the generated server has a handler for it (an extension request to the server)


def _extension_modules(spec: ir.Spec) -> frozenset[str]:
    """The module that defines the extension's capability and every module built on it: their
    client-to-server requests are the task server's; the vendored core belongs to the host SDK."""
    root = next((c.provenance.module for c in spec.capabilities if c.id == spec.extension_id), None)
    members = {root} if root else set()
    changed = True
    while changed:
        changed = False
        for m in spec.modules:
            if m.name not in members and set(m.requires) & members:
                members.add(m.name)
                changed = True
    return frozenset(members)


def _missing_capability_error(spec: ir.Spec) -> str | None:
    capabilities = ir.Ref(spec.roles.client_capabilities or "")
    for error in spec.errors:
        data = spec.type(error.data) if error.data else None
        if isinstance(data, ir.ObjectType) and any(f.type == capabilities for f in data.fields):
            return error.name
    return None


def _capability_meta_key(spec: ir.Spec) -> str:
    meta = spec.type(spec.roles.request_meta or "")
    assert isinstance(meta, ir.ObjectType)
    target = ir.Ref(spec.roles.client_capabilities or "")
    return next(f.wire_name for f in meta.fields if f.type == target)


def _const(spec: ir.Spec, type_name: str | None, field: str) -> str | None:
    named = spec.type(type_name) if type_name else None
    found = named.field(field) if isinstance(named, ir.ObjectType) else None
    return found.const if found is not None and isinstance(found.const, str) else None


def _required_capabilities(capability: ir.Capability) -> dict[str, object]:
    if "/" in capability.id:
        return {"extensions": {capability.id: {}}}
    return {capability.id: {}}


def build(spec: ir.Spec) -> dict[str, object]:
    """The `ts` variable every TypeScript template sees."""
    roles = spec.roles
    order, lazy = schema_order(spec)
    members = _extension_modules(spec)
    methods = tuple(
        MethodView(
            m, ts_name(m), m.params, m.result,
            handled=m.kind == "request"
            and m.direction in ("client-to-server", "both")
            and m.provenance.module in members,
        )
        for m in spec.methods
    )  # fmt: skip
    statuses = {s.name for s in spec.lifecycle.statuses} if spec.lifecycle else set()
    pausable = (
        roles.paused_status in statuses
        and roles.pause_task is not None
        and roles.resume_task is not None
    )
    method_roles = {
        role: getattr(roles, role)
        for role, kind in ir.ROLE_KINDS.items()
        if kind in ("request", "notification")
    }
    status_roles = {
        role: getattr(roles, role) for role, kind in ir.ROLE_KINDS.items() if kind == "status"
    }
    error_roles = {
        role: getattr(roles, role) for role, kind in ir.ROLE_KINDS.items() if kind == "error"
    }
    update = spec.method(roles.update_task).result if roles.update_task else None
    refusal = (spec.lifecycle and spec.lifecycle.refusal_error) or roles.invalid_params
    return {
        "roles": roles,
        "declarations": tuple(declaration(spec, t) for t in spec.types),
        "schemas": tuple(
            SchemaView(t.name, schema_name(t.name), zod_schema(spec, t, lazy), t.provenance.module)
            for t in order
        ),
        "methods": methods,
        "handlers": tuple(m for m in methods if m.handled),
        # The handler the server's docstring shows: the get-task role's.
        "example_handler": next(
            (m.function for m in methods if m.method.name == spec.roles.get_task), "getTask"
        ),
        "settings": tuple(
            dict.fromkeys(m.method.setting for m in methods if m.handled and m.method.setting)
        ),
        "method_roles": method_roles,
        "status_roles": status_roles,
        "error_roles": error_roles,
        "pausable": pausable,
        "capability_meta_key": _capability_meta_key(spec),
        "required_capabilities": {c.id: _required_capabilities(c) for c in spec.capabilities},
        # What the client declares on every request, settings included (SEP-2669 is opt-in):
        # the same declaration as the Python client's.
        "client_capabilities": client_capabilities(spec),
        # What a server of this build advertises, besides the extension, to serve task events.
        "events_capability": events_capability(spec),
        "missing_capability": _missing_capability_error(spec),
        "refusal": refusal,
        "task_result_type": _const(spec, roles.create_task_result, "resultType"),
        "complete_result_type": _const(spec, update, "resultType"),
        "error_response": "JSONRPCErrorResponse",
    }
