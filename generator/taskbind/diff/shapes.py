"""What elements look like on the wire, without their names: the basis of rename detection, and
the short descriptions printed as a change's old and new values."""

from __future__ import annotations

import json

from .. import ir

# A spec literal as the wire shows it: true, 1, "task" (not Python's True or 'task'), non-ASCII kept.
_WIRE_JSON = json.JSONEncoder(ensure_ascii=False)


def renamed(expr: ir.TypeExpr | None, renames: dict[str, str]) -> ir.TypeExpr | None:
    """A type expression with old type names replaced by their new names. Expressions are frozen
    dataclasses, so two of them compare by structure."""
    if isinstance(expr, ir.Ref):
        return ir.Ref(renames.get(expr.name, expr.name))
    if isinstance(expr, ir.ListOf):
        return ir.ListOf(renamed(expr.item, renames))
    if isinstance(expr, ir.MapOf):
        return ir.MapOf(renamed(expr.value, renames))
    if isinstance(expr, ir.UnionOf):
        return ir.UnionOf(tuple(renamed(option, renames) for option in expr.options))
    return expr  # a primitive, or no expression


def field_shape(f: ir.Field, renames: dict[str, str]) -> tuple:
    # repr tells a const true from a const 1, which compare equal in Python.
    return (
        f.wire_name,
        renamed(f.type, renames),
        repr(f.const),
        f.required,
        f.nullable,
        f.enum,
        f.constraints,
    )


def type_shape(t: ir.NamedType, renames: dict[str, str]) -> tuple:
    """Equal shapes are interchangeable on the wire. Sets, because the order of fields, values and
    variants never matters on the wire; the IR class keeps the kinds apart."""
    if isinstance(t, ir.ObjectType):
        fields = frozenset(field_shape(f, renames) for f in t.fields)
        return (t.__class__, t.open, renamed(t.extra, renames), fields)
    if isinstance(t, ir.EnumType):
        return (t.__class__, frozenset(v.value for v in t.values))
    if isinstance(t, ir.AliasType):
        return (t.__class__, renamed(t.type, renames))
    variants = frozenset(
        (renames.get(v.type_name, v.type_name), repr(v.discriminator_value)) for v in t.variants
    )
    return (t.__class__, t.discriminator, variants)


def json_literal(value: object) -> str:
    return _WIRE_JSON.encode(value)


def describe_field(f: ir.Field) -> str:
    what = f"const {json_literal(f.const)}" if f.is_const else str(f.type)
    if f.enum:
        what += " enum " + "|".join(f.enum)
    flags = ["required" if f.required else "optional"] + (["nullable"] if f.nullable else [])
    return f"{what}, {', '.join(flags)}"


def describe_constraints(constraints: ir.Constraints) -> str:
    given = {key: value for key, value in vars(constraints).items() if value is not None}
    return ", ".join(f"{key}={value!r}" for key, value in given.items()) or "none"
