"""The JSON Schema target: one JSON Schema 2020-12 document for the whole (selected) spec.

Every object is a named $def; discriminated unions carry the `discriminator` keyword so that
datamodel-code-generator produces tagged unions; required, nullable and optional stay three facts.
"""

from __future__ import annotations

import json
from typing import Any

from .. import ir
from .context import GenerationContext

SAFE_INTEGER = {"type": "integer", "minimum": -9007199254740991, "maximum": 9007199254740991}
SCHEMA_FILE = "schema/mcp-tasks.schema.json"

_PRIMITIVES: dict[str, dict[str, Any]] = {
    "string": {"type": "string"},
    # Timestamps stay strings: a date-time format would make models rewrite them on output.
    "timestamp": {"type": "string"},
    "integer": {"type": "integer"},
    "safe-integer": SAFE_INTEGER,
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "any": {},
    "object": {"type": "object", "additionalProperties": True},
}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/$defs/{name}"}


def type_schema(expr: ir.TypeExpr) -> dict[str, Any]:
    if isinstance(expr, ir.Primitive):
        return dict(_PRIMITIVES[expr.name])
    if isinstance(expr, ir.Ref):
        return ref(expr.name)
    if isinstance(expr, ir.ListOf):
        return {"type": "array", "items": type_schema(expr.item)}
    if isinstance(expr, ir.MapOf):
        return {"type": "object", "additionalProperties": type_schema(expr.value)}
    return {"anyOf": [type_schema(option) for option in expr.options]}


def _const_type(value: ir.JsonScalar) -> str:
    if isinstance(value, bool):
        return "boolean"
    return "integer" if isinstance(value, int) else "string"


def field_schema(f: ir.Field) -> dict[str, Any]:
    if f.is_const:
        schema: dict[str, Any] = {"type": _const_type(f.const), "const": f.const}
    else:
        schema = type_schema(f.type)
        if f.enum:
            schema["enum"] = list(f.enum)
    constraints = f.constraints
    for key, keyword in (
        ("minimum", "minimum"), ("maximum", "maximum"), ("pattern", "pattern"),
        ("min_length", "minLength"), ("max_length", "maxLength"),
        ("min_items", "minItems"), ("max_items", "maxItems"),
    ):
        value = getattr(constraints, key)
        if value is not None:
            schema[keyword] = value
    if f.nullable:
        if isinstance(schema.get("type"), str) and "enum" not in schema:
            # A type list keeps the constraints on the field; anyOf would make the model
            # generator invent a named root model for the non-null branch.
            schema["type"] = [schema["type"], "null"]
        else:
            schema = {"anyOf": [schema, {"type": "null"}]}
    if f.description:
        schema["description"] = f.description
    if f.deprecated:
        schema["deprecated"] = True
    return schema


def _annotations(t: ir.NamedType) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if t.description:
        out["description"] = t.description
    out["x-module"] = t.provenance.module
    out["x-maturity"] = t.provenance.maturity
    return out


def object_schema(t: ir.ObjectType) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", **_annotations(t)}
    schema["properties"] = {f.wire_name: field_schema(f) for f in t.fields}
    required = [f.wire_name for f in t.fields if f.required]
    if required:
        schema["required"] = required
    if not t.open:
        schema["additionalProperties"] = False
    elif t.extra is not None:
        schema["additionalProperties"] = type_schema(t.extra)
    else:
        # Explicit, so that the models keep unknown members (extra="allow") instead of dropping them.
        schema["additionalProperties"] = True
    return schema


def union_schema(t: ir.UnionType) -> dict[str, Any]:
    if t.discriminator is None:
        return {"anyOf": [ref(v.type_name) for v in t.variants], **_annotations(t)}
    return {
        "oneOf": [ref(v.type_name) for v in t.variants],
        "discriminator": {
            "propertyName": t.discriminator,
            "mapping": {str(v.discriminator_value): f"#/$defs/{v.type_name}" for v in t.variants},
        },
        **_annotations(t),
    }


def named_schema(t: ir.NamedType) -> dict[str, Any]:
    if isinstance(t, ir.ObjectType):
        return object_schema(t)
    if isinstance(t, ir.EnumType):
        return {"type": "string", "enum": [v.value for v in t.values], **_annotations(t)}
    if isinstance(t, ir.AliasType):
        return {**type_schema(t.type), **_annotations(t)}
    return union_schema(t)


def build_schema(spec: ir.Spec, header: str) -> dict[str, Any]:
    return {
        "$comment": header,
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:taskbind:{spec.name}:{spec.version}",
        "title": spec.title,
        "x-modules": {m.name: {"maturity": m.maturity, "source": m.source} for m in spec.modules},
        "$defs": {t.name: named_schema(t) for t in spec.types},
    }


def schema_text(spec: ir.Spec, header: str) -> str:
    return json.dumps(build_schema(spec, header), indent=2, ensure_ascii=False) + "\n"


def emit(context: GenerationContext) -> dict[str, str]:
    return {SCHEMA_FILE: schema_text(context.spec, context.header_line("json"))}
