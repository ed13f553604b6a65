"""Examples marked valid must match their type, at any depth: checked against the JSON Schema the
spec generates, so an example can never document a message the bindings would reject.

Runs after the model stage (it needs the schema); reports located diagnostics like validate.
"""

from __future__ import annotations

import json
from typing import Any

from . import ir
from .diagnostics import Diagnostic

MAX_JSON_DEPTH = 64


def _depth(value: Any) -> int:
    """Nesting depth of a JSON value, without recursion (a hostile example may nest 10,000 deep)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        current, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_JSON_DEPTH:
            return depth
        if isinstance(current, dict):
            stack.extend((item, depth + 1) for item in current.values())
        elif isinstance(current, list):
            stack.extend((item, depth + 1) for item in current)
    return deepest


def _target(spec: ir.Spec, example: ir.Example) -> str | None:
    """The $def a whole example must match: its type, or its message or response envelope."""
    if example.type_name:
        return example.type_name
    if example.role == "error":
        return None  # an error response's envelope is core JSON-RPC: the schema has it, nothing to add
    method = next((m for m in spec.methods if m.name == example.method), None)
    if method is None:  # a removed method: only its envelope shape is known
        return None
    return method.response if example.role == "result" else method.message


def check_examples(spec: ir.Spec) -> list[Diagnostic]:
    import jsonschema

    from .emitters.schema import build_schema

    schema = build_schema(spec, "")
    found: list[Diagnostic] = []
    validators: dict[str, jsonschema.Draft202012Validator] = {}
    for example in spec.examples:
        if _depth(example.value) > MAX_JSON_DEPTH:
            found.append(Diagnostic(example.location, f"example {example.name}: JSON nested deeper than {MAX_JSON_DEPTH} levels"))
            continue
        if not example.valid:
            continue
        name = _target(spec, example)
        if name is None or name not in schema.get("$defs", {}):
            continue
        if name not in validators:
            validators[name] = jsonschema.Draft202012Validator({**schema, "$ref": f"#/$defs/{name}"})
        error = jsonschema.exceptions.best_match(validators[name].iter_errors(example.value))
        if error is not None:
            where = "/".join(str(step) for step in error.absolute_path) or "(the whole value)"
            found.append(Diagnostic(
                example.location,
                f"example {example.name} is marked valid but is not a valid {name}: at {where}: "
                f"{error.message[:200]} (fix the JSON, or mark it `valid: false` with a `reason`)",
            ))
    return found


def parse_example_json(text: str) -> tuple[Any, str | None]:
    """json.loads that reports, rather than raises, syntax errors and runaway nesting."""
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        return None, f"JSON syntax: {exc}"
    except RecursionError:
        return None, "JSON nested too deeply to read"
