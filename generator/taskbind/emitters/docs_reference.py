"""The reference pages of the docs target: one per module (its methods, notifications, additions to
other modules, lifecycle contributions, invariants), and one per module listing its types.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import ir
from .docs_common import (
    Examples,
    ExampleView,
    Links,
    Row,
    Table,
    reference_page,
    remark_paragraphs,
    remarks,
    type_table,
    types_page,
)
from .markdown import code, escape_text

# Reference pages: one per module -------------------------------------------------------------------


@dataclass(frozen=True)
class Payload:
    link: str
    table: Table | None
    discriminator: str | None = None


@dataclass(frozen=True)
class MethodSection:
    heading: str
    kind: str
    direction: str
    maturity: str
    source: str
    description: str
    remarks: str
    capability: str | None
    setting: str | None
    routing_field: str | None
    statuses: str | None  # where the lifecycle governs the method: the statuses that accept it
    envelopes: str
    params: Payload | None
    result: Payload | None
    errors: tuple[Row, ...]
    examples: tuple[ExampleView, ...]


@dataclass(frozen=True)
class RemovedSection:
    heading: str
    error: str
    description: str
    source: str
    examples: tuple[ExampleView, ...]


@dataclass(frozen=True)
class ModulePage:
    name: str
    title: str
    maturity: str
    source: str
    description: str
    requires: str
    types_link: str
    type_count: int
    capabilities: str
    requests: tuple[MethodSection, ...]
    notifications: tuple[MethodSection, ...]
    removed: tuple[RemovedSection, ...]
    errors: tuple[Row, ...]
    additions: tuple[Row, ...]
    lifecycle: tuple[Row, ...]
    lifecycle_link: str | None
    invariants: tuple[Row, ...]
    other_examples: tuple[ExampleView, ...]


def payload(name: str, links: Links) -> Payload:
    t = links.spec.type(name)
    discriminator = (
        code(t.discriminator) if isinstance(t, ir.UnionType) and t.discriminator else None
    )
    table = type_table(t, links) if isinstance(t, (ir.ObjectType, ir.UnionType)) else None
    return Payload(links.type(name), table, discriminator)


def accepting_statuses(spec: ir.Spec, method: str, links: Links) -> str | None:
    lifecycle = spec.lifecycle
    if lifecycle is None or method not in lifecycle.governed_methods:
        return None
    accepted = [code(s.name) for s in lifecycle.statuses if method in s.accepts]
    refused = [code(s.name) for s in lifecycle.statuses if method not in s.accepts]
    text = f"accepted in {', '.join(accepted) or 'no status'}"
    if refused and lifecycle.refusal_error:
        text += f"; refused in {', '.join(refused)} with {links.error(lifecycle.refusal_error)} ({lifecycle.refusal_code})"
    return f"{text} ([lifecycle]({links.to('lifecycle.md')}))"


def method_section(m: ir.Method, links: Links, examples: Examples) -> MethodSection:
    envelopes = [links.type(name) for name in (m.message, m.response) if name]
    return MethodSection(
        heading=code(m.name),
        kind=m.kind,
        direction=m.direction.replace("-to-", " → "),
        maturity=m.provenance.maturity,
        source=escape_text(m.provenance.source),
        description=links.prose(m.description),
        remarks=remark_paragraphs(m.provenance, links),
        capability=links.capability(m.capability) if m.capability else None,
        setting=code(m.setting) if m.setting else None,
        routing_field=code(f"params.{m.routing_field}") if m.routing_field else None,
        statuses=accepting_statuses(links.spec, m.name, links),
        envelopes=", ".join(envelopes),
        params=payload(m.params, links) if m.params else None,
        result=payload(m.result, links) if m.result else None,
        errors=tuple(
            (code(e.code), links.error(e.error), links.cell(e.condition)) for e in m.errors
        ),
        examples=examples.by_method.get(m.name, ()),
    )


def additions(spec: ir.Spec, module: str, links: Links) -> tuple[Row, ...]:
    """What `module` adds to the types of the modules it builds on."""
    rows: list[Row] = []
    for t in spec.types:
        if t.provenance.module == module:
            continue
        if isinstance(t, ir.ObjectType):
            added = [
                f for f in t.fields if f.provenance.module == module and f.declared_in == t.name
            ]
            rows += [
                (
                    "field",
                    code(f.wire_name),
                    links.type(t.name),
                    f.provenance.maturity,
                    links.cell(f.description),
                )
                for f in added
            ]
        elif isinstance(t, ir.EnumType):
            added_values = [v for v in t.values if v.provenance.module == module]
            rows += [
                (
                    "value",
                    code(v.value),
                    links.type(t.name),
                    v.provenance.maturity,
                    links.cell(v.description),
                )
                for v in added_values
            ]
        elif isinstance(t, ir.UnionType):
            added_variants = [v for v in t.variants if v.provenance.module == module]
            rows += [
                ("variant", links.type(v.type_name), links.type(t.name), v.provenance.maturity, "")
                for v in added_variants
            ]
    return tuple(rows)


def lifecycle_changes(spec: ir.Spec, module: str, links: Links) -> tuple[Row, ...]:
    """The statuses, transitions and accepted methods that `module` contributes to the lifecycle."""
    lifecycle = spec.lifecycle
    if lifecycle is None:
        return ()
    rows: list[Row] = []
    for s in lifecycle.statuses:
        if s.provenance.module == module:
            rows.append(
                (
                    "status",
                    f"{code(s.name)} ({'terminal' if s.terminal else 'not terminal'})",
                    s.provenance.maturity,
                )
            )
    for t in lifecycle.transitions:
        if t.provenance.module == module:
            trigger = "the server" if t.trigger == "server" else links.method(t.trigger)
            rows.append(
                (
                    "transition",
                    f"{code(t.source)} → {code(t.target)} by {trigger}",
                    t.provenance.maturity,
                )
            )
    maturity = spec.module(module).maturity
    for s in lifecycle.statuses:
        if s.provenance.module != module:
            added = [links.method(name) for name, by in s.accepts_provenance if by == module]
            if added:
                rows.append(("accepts", f"{code(s.name)} accepts {', '.join(added)}", maturity))
    return tuple(rows)


def removed_section(r: ir.RemovedMethod, links: Links, examples: Examples) -> RemovedSection:
    return RemovedSection(
        heading=code(r.name),
        error=f"{links.error(r.error)} ({r.code})",
        description=links.prose(r.description),
        source=escape_text(r.provenance.source),
        examples=examples.by_method.get(r.name, ()),
    )


def _invariant_field(field: str | None, links: Links) -> str:
    """`Type.field`, linked to the type."""
    if not field:
        return "—"
    return links.type(field.split(".")[0], field)


def module_page(spec: ir.Spec, module: ir.Module, examples: Examples) -> ModulePage:
    links = Links(spec, reference_page(module.name))
    mine = [m for m in spec.methods if m.provenance.module == module.name]
    errors = [e for e in spec.errors if e.provenance.module == module.name]
    return ModulePage(
        name=module.name,
        title=escape_text(module.title),
        maturity=module.maturity,
        source=escape_text(module.source),
        description=links.prose(module.description),
        requires=", ".join(links.module(name) for name in module.requires),
        types_link=links.to(types_page(module.name)),  # printed only when type_count > 0
        type_count=sum(1 for t in spec.types if t.provenance.module == module.name),
        capabilities=", ".join(
            links.capability(c.id) for c in spec.capabilities if c.provenance.module == module.name
        ),
        requests=tuple(method_section(m, links, examples) for m in mine if m.kind == "request"),
        notifications=tuple(
            method_section(m, links, examples) for m in mine if m.kind == "notification"
        ),
        removed=tuple(
            removed_section(r, links, examples)
            for r in spec.removed_methods
            if r.provenance.module == module.name
        ),
        errors=tuple((code(e.code), links.error(e.name), escape_text(e.message)) for e in errors),
        additions=additions(spec, module.name, links),
        lifecycle=lifecycle_changes(spec, module.name, links),
        lifecycle_link=links.to("lifecycle.md") if spec.lifecycle is not None else None,
        invariants=tuple(
            (
                code(i.id),
                code(i.rule),
                _invariant_field(i.field, links),
                links.cell(i.description) + remarks(i.provenance, links),
            )
            for i in spec.invariants
            if i.provenance.module == module.name
        ),
        other_examples=examples.by_module.get(module.name, ()),
    )


# Type pages: one per module, one heading per type --------------------------------------------------


@dataclass(frozen=True)
class TypeSection:
    name: str
    kind: str  # a short Markdown phrase: "object (open)", "union on `status`", "alias of ..."
    maturity: str
    source: str
    bases: str
    description: str
    remarks: str
    table: Table | None
    used_by: str
    examples: tuple[ExampleView, ...]


def _kind_phrase(t: ir.NamedType, links: Links) -> str:
    if isinstance(t, ir.ObjectType):
        role = "envelope" if t.role == "envelope" else "object"
        if not t.open:
            return f"{role} (closed: unknown members are rejected)"
        extra = f", unknown members are {links.expr(t.extra)}" if t.extra is not None else ""
        return f"{role} (open: unknown members are kept{extra})"
    if isinstance(t, ir.UnionType):
        derived = f", one variant per variant of {links.type(t.over)}" if t.over else ""
        return (
            f"union discriminated by {code(t.discriminator)}" if t.discriminator else "union"
        ) + derived
    if isinstance(t, ir.AliasType):
        return f"alias of {links.expr(t.type)}"
    return "enum (string)"


def usage_index(spec: ir.Spec, page: str) -> dict[str, list[str]]:
    """type name -> where the protocol uses it directly (methods, errors, capabilities), linked."""
    links = Links(spec, page)
    used: dict[str, list[str]] = {}
    for m in spec.methods:
        for role, name in (
            ("params", m.params),
            ("result", m.result),
            ("message", m.message),
            ("response", m.response),
        ):
            if name:
                used.setdefault(name, []).append(f"{role} of {links.method(m.name)}")
    for e in spec.errors:
        if e.data:
            used.setdefault(e.data, []).append(f"`error.data` of {links.error(e.name)}")
    for c in spec.capabilities:
        if c.settings:
            used.setdefault(c.settings, []).append(f"settings of {links.capability(c.id)}")
    return used


def type_section(
    t: ir.NamedType, links: Links, used: dict[str, list[str]], examples: Examples
) -> TypeSection:
    bases = t.bases if isinstance(t, ir.ObjectType) else ()
    return TypeSection(
        name=t.name,
        kind=_kind_phrase(t, links),
        maturity=t.provenance.maturity,
        source=escape_text(t.provenance.source),
        bases=", ".join(links.type(b) for b in bases),
        description=links.prose(t.description),
        remarks=remark_paragraphs(t.provenance, links),
        table=type_table(t, links),
        used_by=", ".join(used.get(t.name, [])),
        examples=examples.by_type.get(t.name, ()),
    )


def type_sections(spec: ir.Spec, module: str, examples: Examples) -> tuple[TypeSection, ...]:
    page = types_page(module)
    links, used = Links(spec, page), usage_index(spec, page)
    mine = [t for t in spec.types if t.provenance.module == module]
    # In the spec's order (related types together), the envelopes derived from methods last.
    ordered = sorted(mine, key=lambda t: getattr(t, "role", "type") == "envelope")
    return tuple(type_section(t, links, used, examples) for t in ordered)
