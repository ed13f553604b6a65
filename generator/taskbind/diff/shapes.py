"""What elements look like on the wire, without their names: the basis of rename detection, and
the short descriptions printed as a change's old and new values."""

from __future__ import annotations

import json

from .. import ir


def expr_text(expr: ir.TypeExpr | None, renames: dict[str, str]) -> str | None:
    """A type expression as text, with old type names replaced by their new names."""
    if expr is None:
        return None
    if isinstance(expr, ir.Ref):
        return renames.get(expr.name, expr.name)
    if isinstance(expr, ir.ListOf):
        return f"list<{expr_text(expr.item, renames)}>"
    if isinstance(expr, ir.MapOf):
        return f"map<{expr_text(expr.value, renames)}>"
    if isinstance(expr, ir.UnionOf):
        return " | ".join(expr_text(option, renames) or "" for option in expr.options)
    return str(expr)


def field_shape(f: ir.Field, renames: dict[str, str]) -> tuple:
    return (
        f.wire_name,
        expr_text(f.type, renames),
        repr(f.const),
        f.required,
        f.nullable,
        f.enum,
        f.constraints,
    )


def type_shape(t: ir.NamedType, renames: dict[str, str]) -> tuple:
    """Equal shapes are interchangeable on the wire (field order never matters in JSON)."""
    if isinstance(t, ir.ObjectType):
        fields = tuple(sorted(field_shape(f, renames) for f in t.fields))
        return ("object", t.open, expr_text(t.extra, renames), fields)
    if isinstance(t, ir.EnumType):
        return ("enum", tuple(sorted(v.value for v in t.values)))
    if isinstance(t, ir.AliasType):
        return ("alias", expr_text(t.type, renames))
    variants = tuple(
        sorted(
            (renames.get(v.type_name, v.type_name), repr(v.discriminator_value)) for v in t.variants
        )
    )
    return ("union", t.discriminator, variants)


def json_literal(value: object) -> str:
    """A spec literal as the wire shows it: true, 1, "task" (not Python's True or 'task')."""
    return json.dumps(value, ensure_ascii=False)


def describe_field(f: ir.Field) -> str:
    what = f"const {json_literal(f.const)}" if f.is_const else str(f.type)
    if f.enum:
        what += " enum " + "|".join(f.enum)
    flags = ["required" if f.required else "optional"] + (["nullable"] if f.nullable else [])
    return f"{what}, {', '.join(flags)}"


def describe_constraints(constraints: ir.Constraints) -> str:
    given = {key: value for key, value in vars(constraints).items() if value is not None}
    return ", ".join(f"{key}={value!r}" for key, value in given.items()) or "none"
