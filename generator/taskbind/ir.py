"""The intermediate representation: a typed, frozen model of a spec, after every module is merged.

Emitters read only this. Everything a template needs is computed here (flattened fields, derived
union variants, JSON-RPC envelopes, terminal statuses, accepted methods), so that templates print.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal, Union

from .diagnostics import Location

Maturity = Literal["final", "proposed", "draft"]
JsonScalar = Union[str, int, bool]


@dataclass(frozen=True)
class Provenance:
    """Where an element comes from: the module that added it, its maturity and its source."""

    module: str
    maturity: Maturity
    source: str
    location: Location
    decision: str | None = None
    note: str | None = None


# Type expressions ---------------------------------------------------------------------------------

PRIMITIVES = ("string", "timestamp", "integer", "safe-integer", "number", "boolean", "any", "object")


@dataclass(frozen=True)
class Primitive:
    name: str  # one of PRIMITIVES

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Ref:
    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class ListOf:
    item: "TypeExpr"

    def __str__(self) -> str:
        return f"list<{self.item}>"


@dataclass(frozen=True)
class MapOf:
    value: "TypeExpr"

    def __str__(self) -> str:
        return f"map<{self.value}>"


@dataclass(frozen=True)
class UnionOf:
    options: tuple["TypeExpr", ...]

    def __str__(self) -> str:
        return " | ".join(str(option) for option in self.options)


TypeExpr = Union[Primitive, Ref, ListOf, MapOf, UnionOf]


def referenced_names(expr: TypeExpr) -> list[str]:
    """Every named type an expression mentions, in order of appearance."""
    if isinstance(expr, Ref):
        return [expr.name]
    if isinstance(expr, ListOf):
        return referenced_names(expr.item)
    if isinstance(expr, MapOf):
        return referenced_names(expr.value)
    if isinstance(expr, UnionOf):
        return [name for option in expr.options for name in referenced_names(option)]
    return []


# Types --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Constraints:
    minimum: int | float | None = None
    maximum: int | float | None = None
    pattern: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    min_items: int | None = None
    max_items: int | None = None


@dataclass(frozen=True)
class Field:
    """One member of an object, by its wire name."""

    wire_name: str
    type: TypeExpr | None  # None when the field is a literal (const)
    const: JsonScalar | None
    required: bool
    nullable: bool
    description: str
    provenance: Provenance
    enum: tuple[str, ...] = ()
    constraints: Constraints = Constraints()
    format: str | None = None
    default: object = None
    deprecated: bool = False
    declared_in: str = ""  # the object type whose spec text declared this field

    @property
    def is_const(self) -> bool:
        return self.type is None


@dataclass(frozen=True)
class ObjectType:
    name: str
    description: str
    provenance: Provenance
    fields: tuple[Field, ...]  # flattened: bases first, then own fields; overrides keep position
    open: bool = True
    extra: TypeExpr | None = None
    bases: tuple[str, ...] = ()
    role: Literal["type", "envelope"] = "type"  # envelopes are derived from methods

    kind = "object"

    def field(self, wire_name: str) -> Field | None:
        return next((f for f in self.fields if f.wire_name == wire_name), None)


@dataclass(frozen=True)
class EnumValue:
    value: str
    description: str
    provenance: Provenance


@dataclass(frozen=True)
class EnumType:
    name: str
    description: str
    provenance: Provenance
    values: tuple[EnumValue, ...]

    kind = "enum"


@dataclass(frozen=True)
class AliasType:
    name: str
    description: str
    provenance: Provenance
    type: TypeExpr

    kind = "alias"


@dataclass(frozen=True)
class Variant:
    """One member of a union: the object type, and the discriminator value that selects it."""

    type_name: str
    discriminator_value: JsonScalar | None
    provenance: Provenance


@dataclass(frozen=True)
class UnionType:
    name: str
    description: str
    provenance: Provenance
    variants: tuple[Variant, ...]
    discriminator: str | None = None
    over: str | None = None  # set when the variants are derived from another union

    kind = "union"


NamedType = Union[ObjectType, EnumType, AliasType, UnionType]


# Protocol surface ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErrorDef:
    name: str
    code: int
    message: str
    description: str
    provenance: Provenance
    data: str | None = None  # type name of error.data


@dataclass(frozen=True)
class MethodError:
    error: str
    code: int
    condition: str


@dataclass(frozen=True)
class Method:
    name: str
    kind: Literal["request", "notification"]
    direction: Literal["client-to-server", "server-to-client", "both"]
    params: str | None
    params_required: bool
    result: str | None
    message: str  # envelope type name
    response: str | None  # result envelope type name (requests only)
    description: str
    provenance: Provenance
    capability: str | None = None
    setting: str | None = None
    routing_field: str | None = None
    errors: tuple[MethodError, ...] = ()
    idempotent: bool = False  # safe to retry: a repeat has no further effect (`idempotent:`)
    python_name: str | None = None  # the spec's override of the derived Python name


@dataclass(frozen=True)
class RemovedMethod:
    name: str
    error: str
    code: int
    description: str
    provenance: Provenance


@dataclass(frozen=True)
class Capability:
    id: str
    client: str
    server: str
    settings: str | None
    description: str
    provenance: Provenance


# Lifecycle ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Status:
    name: str
    terminal: bool
    accepts: tuple[str, ...]  # methods this status accepts, in spec order
    provenance: Provenance
    accepts_provenance: tuple[tuple[str, str], ...] = ()  # (method, module that allowed it)


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    trigger: str  # "server" or a method name
    provenance: Provenance


@dataclass(frozen=True)
class Lifecycle:
    statuses: tuple[Status, ...]
    transitions: tuple[Transition, ...]
    initial: tuple[str, ...]
    refusal_error: str | None
    refusal_code: int | None

    def status(self, name: str) -> Status:
        return next(s for s in self.statuses if s.name == name)

    @property
    def terminal(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.statuses if s.terminal)

    @property
    def non_terminal(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.statuses if not s.terminal)

    def targets(self, source: str) -> tuple[str, ...]:
        seen: list[str] = []
        for t in self.transitions:
            if t.source == source and t.target not in seen:
                seen.append(t.target)
        return tuple(seen)

    @property
    def governed_methods(self) -> tuple[str, ...]:
        """Methods that at least one status accepts: the ones a lifecycle guard must check."""
        seen: list[str] = []
        for status in self.statuses:
            for method in status.accepts:
                if method not in seen:
                    seen.append(method)
        return tuple(seen)


@dataclass(frozen=True)
class Invariant:
    id: str
    rule: str
    field: str | None
    description: str
    provenance: Provenance


# Examples -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Example:
    name: str
    module: str
    json_text: str
    value: object
    valid: bool
    location: Location
    method: str | None = None
    role: Literal["request", "result", "error", "notification"] | None = None
    type_name: str | None = None
    reason: str | None = None
    source: str | None = None
    note: str | None = None
    title: str | None = None


# Roles ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldRef:
    """A field of an object type, as a role names it: `Task.parentTaskId`."""

    type_name: str
    wire_name: str

    def __str__(self) -> str:
        return f"{self.type_name}.{self.wire_name}"


def _role(kind: str) -> Any:
    return field(default=None, metadata={"kind": kind})


@dataclass(frozen=True)
class Roles:
    """Which spec element plays each part the generated code implements (`roles:` in a module).

    Emitters read these instead of names, so a spec that calls its task `Job` generates the same
    code. A role is None when no selected module declares it. The `kind` of each attribute is what
    the named element must be (validate checks it); ROLE_KINDS lists them.
    """

    base_protocol: str | None = _role("module")  # the vendored core protocol (its SDK handles it)
    task: str | None = _role("object")  # the task object
    detailed_task: str | None = _role("union")  # a task as tasks/get returns it, by status
    create_task_result: str | None = _role("object")  # the result that says a task was created
    request_meta: str | None = _role("object")  # a request's `_meta`
    client_capabilities: str | None = _role("object")  # what a client declares it supports
    input_request: str | None = _role("union")  # one request a task asks its client
    create_task: str | None = _role("request")  # the request a task is created by (tools/call)
    get_task: str | None = _role("request")
    update_task: str | None = _role("request")
    cancel_task: str | None = _role("request")
    steer_task: str | None = _role("request")
    pause_task: str | None = _role("request")
    resume_task: str | None = _role("request")
    status_notification: str | None = _role("notification")  # a task's state, pushed
    listen_request: str | None = _role("request")  # opens a notification stream (subscriptions/listen)
    listen_acknowledged: str | None = _role("notification")  # the stream's first frame: what it carries
    listen_filter_field: FieldRef | None = _role("field")  # the listen request's notification filter
    subscription_id_field: FieldRef | None = _role("field")  # a stream frame's `_meta` key naming it
    task_ids_filter_field: FieldRef | None = _role("field")  # the filter's task ids (push per task)
    list_events: str | None = _role("request")  # lists the event types (events/list)
    poll_events: str | None = _role("request")
    stream_events: str | None = _role("request")
    working_status: str | None = _role("status")
    input_required_status: str | None = _role("status")
    completed_status: str | None = _role("status")
    failed_status: str | None = _role("status")
    cancelled_status: str | None = _role("status")
    paused_status: str | None = _role("status")
    parent_task_field: FieldRef | None = _role("field")  # the task's parent (subtasks)
    child_tasks_field: FieldRef | None = _role("field")  # the task's children (subtasks)
    event_source_field: FieldRef | None = _role("field")  # where a created task names its events
    internal_error: str | None = _role("error")
    invalid_params: str | None = _role("error")
    parse_error: str | None = _role("error")
    invalid_request: str | None = _role("error")
    method_not_found: str | None = _role("error")
    header_mismatch: str | None = _role("error")  # a routing header that disagrees with the body
    events_not_found: str | None = _role("error")  # an unknown event type or subscription
    events_unsupported: str | None = _role("error")  # a delivery mode the server does not offer


ROLE_KINDS: dict[str, str] = {f.name: f.metadata["kind"] for f in fields(Roles)}


# The whole spec -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Module:
    name: str
    title: str
    maturity: Maturity
    source: str
    description: str
    requires: tuple[str, ...]


@dataclass(frozen=True)
class Spec:
    name: str
    title: str
    version: str
    protocol_version: str
    extension_id: str
    sha256: str
    modules: tuple[Module, ...]
    types: tuple[NamedType, ...]  # in definition order; derived types right before their union
    methods: tuple[Method, ...]
    removed_methods: tuple[RemovedMethod, ...]
    errors: tuple[ErrorDef, ...]
    capabilities: tuple[Capability, ...]
    lifecycle: Lifecycle | None
    invariants: tuple[Invariant, ...]
    examples: tuple[Example, ...]
    roles: Roles = Roles()
    _types_by_name: dict[str, NamedType] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._types_by_name.update({t.name: t for t in self.types})

    def type(self, name: str) -> NamedType:
        return self._types_by_name[name]

    def has_type(self, name: str) -> bool:
        return name in self._types_by_name

    def method(self, name: str) -> Method:
        return next(m for m in self.methods if m.name == name)

    def error(self, name: str) -> ErrorDef:
        return next(e for e in self.errors if e.name == name)

    def module(self, name: str) -> Module:
        return next(m for m in self.modules if m.name == name)

    @property
    def module_names(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.modules)

    @property
    def requests(self) -> tuple[Method, ...]:
        return tuple(m for m in self.methods if m.kind == "request")

    @property
    def notifications(self) -> tuple[Method, ...]:
        return tuple(m for m in self.methods if m.kind == "notification")
