"""What every docs page is made of: where things are, links to them, table rows, wire examples.

Everything here is Markdown computed from the IR, ready for templates/docs to print.
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass
from functools import cached_property, lru_cache

from .. import ir
from .markdown import cell, code, escape_text, fenced, prose, slug

# Where things are ----------------------------------------------------------------------------------


def reference_page(module: str) -> str:
    return f"reference/{module}.md"


def types_page(module: str) -> str:
    return f"types/{module}.md"


def modules_with_types(spec: ir.Spec) -> tuple[str, ...]:
    """The modules that get a types page: those that define at least one type."""
    owners = {t.provenance.module for t in spec.types}
    return tuple(name for name in spec.module_names if name in owners)


@lru_cache(maxsize=None)
def _relative(target: str, page: str) -> str:
    # Cached: relpath is slow, and a page links to the same few pages thousands of times.
    return posixpath.relpath(target, posixpath.dirname(page) or ".")


@dataclass(frozen=True)
class Links:
    """Markdown links from one page (relative to pages/) to every element of the spec."""

    spec: ir.Spec
    page: str

    def to(self, target: str, anchor: str | None = None) -> str:
        path = "" if target == self.page else _relative(target, self.page)
        return f"{path}#{anchor}" if anchor else path

    def type(self, name: str, label: str | None = None) -> str:
        if not self.spec.has_type(name):
            return code(label or name)
        module = self.spec.type(name).provenance.module
        return f"[{code(label or name)}]({self.to(types_page(module), slug(name))})"

    @cached_property
    def _method_pages(self) -> dict[str, str]:
        return {m.name: reference_page(m.provenance.module) for m in self.spec.methods}

    @cached_property
    def _error_names(self) -> frozenset[str]:
        return frozenset(e.name for e in self.spec.errors)

    def method(self, name: str) -> str:
        page = self._method_pages.get(name)
        return f"[{code(name)}]({self.to(page, slug(name))})" if page else code(name)

    def error(self, name: str) -> str:
        return f"[{code(name)}]({self.to('errors.md', slug(name))})"

    def capability(self, cap_id: str) -> str:
        return f"[{code(cap_id)}]({self.to('index.md', slug(cap_id))})"

    def mention(self, name: str) -> str | None:
        """The href of the type, method or error called `name`, if this build defines one."""
        if self.spec.has_type(name):
            return self.to(types_page(self.spec.type(name).provenance.module), slug(name))
        if name in self._method_pages:
            return self.to(self._method_pages[name], slug(name))
        if name in self._error_names:
            return self.to("errors.md", slug(name))
        return None

    def cell(self, text: str) -> str:
        return cell(text, self.mention)

    def prose(self, text: str) -> str:
        return prose(text, self.mention)

    def module(self, name: str) -> str:
        return f"[{code(name)}]({self.to(reference_page(name))})"

    def expr(self, expr: ir.TypeExpr) -> str:
        """A type expression with every named type linked to its definition."""
        if isinstance(expr, ir.Primitive):
            return code(expr.name)
        if isinstance(expr, ir.Ref):
            return self.type(expr.name)
        if isinstance(expr, ir.ListOf):
            return f"list&lt;{self.expr(expr.item)}&gt;"
        if isinstance(expr, ir.MapOf):
            return f"map&lt;{self.expr(expr.value)}&gt;"
        return " &#124; ".join(self.expr(option) for option in expr.options)


# Rows ----------------------------------------------------------------------------------------------

Row = tuple[str, ...]


def source_cell(prov: ir.Provenance, home_module: str) -> str:
    """The source, with the module named when it is not the one the surrounding element is from."""
    text = escape_text(prov.source)
    return text if prov.module == home_module else f"{escape_text(prov.module)}: {text}"


def remarks(prov: ir.Provenance, links: Links) -> str:
    """The decision and note of an element, appended to a table cell."""
    parts = [
        f"*Decision:* {links.cell(prov.decision)}" if prov.decision else "",
        f"*Note:* {links.cell(prov.note)}" if prov.note else "",
    ]
    return "".join(f"<br>{part}" for part in parts if part)


def remark_paragraphs(prov: ir.Provenance, links: Links) -> str:
    parts = [
        f"*Decision:* {links.prose(prov.decision)}" if prov.decision else "",
        f"*Note:* {links.prose(prov.note)}" if prov.note else "",
    ]
    return "\n\n".join(part for part in parts if part)


def _field_details(f: ir.Field) -> list[str]:
    details = [f"One of {', '.join(code(v) for v in f.enum)}." if f.enum else ""]
    limits = [
        f"{key.replace('_', ' ')} {code(value)}"
        for key, value in vars(f.constraints).items()
        if value is not None
    ]
    details.append(f"Constraints: {', '.join(limits)}." if limits else "")
    details.append(f"Format {code(f.format)}." if f.format else "")
    details.append(f"Default {code(json.dumps(f.default))}." if f.default is not None else "")
    return [d for d in details if d]


def field_row(f: ir.Field, owner: ir.ObjectType, links: Links) -> Row:
    """One field of `owner`; an inherited field names, and links, the type that declares it."""
    inherited = f.declared_in != owner.name
    kind = f"const {code(json.dumps(f.const))}" if f.is_const else links.expr(f.type)
    description = " ".join(
        [
            *(["**Deprecated.**"] if f.deprecated else []),
            links.cell(f.description),
            *_field_details(f),
        ]
    )
    return (
        (
            links.type(f.declared_in, f"{f.declared_in}.{f.wire_name}")
            if inherited
            else code(f.wire_name)
        ),
        code(f.wire_name),
        kind,
        "yes" if f.required else "no",
        "yes" if f.nullable else "no",
        description.strip() + remarks(f.provenance, links),
        f.provenance.maturity,
        source_cell(f.provenance, owner.provenance.module),
    )


def variant_row(v: ir.Variant, home_module: str, links: Links) -> Row:
    value = code(json.dumps(v.discriminator_value)) if v.discriminator_value is not None else "—"
    return (
        links.type(v.type_name),
        value,
        v.provenance.maturity,
        source_cell(v.provenance, home_module),
    )


def value_row(v: ir.EnumValue, home_module: str, links: Links) -> Row:
    description = links.cell(v.description) + remarks(v.provenance, links)
    return code(v.value), description, v.provenance.maturity, source_cell(v.provenance, home_module)


@dataclass(frozen=True)
class Table:
    """One table of a type's content; `kind` (fields | variants | values) picks the header."""

    kind: str
    rows: tuple[Row, ...]


def type_table(t: ir.NamedType, links: Links) -> Table | None:
    home = t.provenance.module
    if isinstance(t, ir.ObjectType):
        return Table("fields", tuple(field_row(f, t, links) for f in t.fields))
    if isinstance(t, ir.UnionType):
        return Table("variants", tuple(variant_row(v, home, links) for v in t.variants))
    if isinstance(t, ir.EnumType):
        return Table("values", tuple(value_row(v, home, links) for v in t.values))
    return None


# Examples ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExampleView:
    label: str  # the Markdown line above the block
    block: str  # the fenced ```json block, the example's JSON text exactly as in spec/


def example_view(ex: ir.Example, spec: ir.Spec) -> ExampleView:
    what = ex.role or (f"value of {ex.type_name}" if ex.type_name else "value")
    module = spec.module(ex.module)
    facts = [code(ex.name), escape_text(what), f"{escape_text(module.name)} ({module.maturity})"]
    if ex.source:
        facts.append(escape_text(ex.source))
    label = " · ".join(facts)
    if not ex.valid:
        label = f"**Invalid:** {label}. Rejected because: {cell(ex.reason or 'see the spec')}"
    else:
        label = f"**Example:** {label}"
    if ex.title:
        label += f" — {cell(ex.title)}"
    if ex.note:
        label += f"<br>*Note:* {cell(ex.note)}"
    return ExampleView(label, fenced(ex.json_text, "json"))


@dataclass(frozen=True)
class Examples:
    """Every example of the spec, rendered once, grouped by the place that shows it."""

    by_method: dict[str, tuple[ExampleView, ...]]  # methods and removed methods
    by_type: dict[str, tuple[ExampleView, ...]]
    by_module: dict[str, tuple[ExampleView, ...]]  # examples no method or type of this build shows


def index_examples(spec: ir.Spec) -> Examples:
    homes = {m.name for m in spec.methods} | {r.name for r in spec.removed_methods}
    by_method: dict[str, list[ExampleView]] = {}
    by_type: dict[str, list[ExampleView]] = {}
    by_module: dict[str, list[ExampleView]] = {}
    # Valid ones first (in spec order: they often tell a message flow), then the invalid ones.
    for ex in sorted(spec.examples, key=lambda e: not e.valid):
        if ex.method in homes:
            by_method.setdefault(ex.method, []).append(example_view(ex, spec))
        elif ex.type_name and spec.has_type(ex.type_name):
            by_type.setdefault(ex.type_name, []).append(example_view(ex, spec))
        else:
            by_module.setdefault(ex.module, []).append(example_view(ex, spec))
    freeze = lambda groups: {key: tuple(views) for key, views in groups.items()}  # noqa: E731
    return Examples(freeze(by_method), freeze(by_type), freeze(by_module))
