"""Helpers for handing parts of a big schema document to jsonschema and hypothesis-jsonschema."""

from __future__ import annotations

import json

from typing import Any


def _refs(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            found.add(ref[len("#/$defs/") :])
        for value in node.values():
            found |= _refs(value)
    elif isinstance(node, list):
        for item in node:
            found |= _refs(item)
    return found


def rooted(document: dict, name: str) -> dict:
    """`document` with `name` as its root and only the definitions reachable from it.

    hypothesis-jsonschema canonicalises every definition it is given; trimming the unreachable ones
    makes drawing instances from a 5,000-line schema fast. `$id` is dropped so that the local
    "#/$defs/..." references resolve against the document itself.
    """
    defs = document["$defs"]
    keep, stack = set(), [name]
    while stack:
        current = stack.pop()
        if current not in keep and current in defs:
            keep.add(current)
            stack.extend(_refs(defs[current]))
    return {
        "$schema": document.get("$schema", "https://json-schema.org/draft/2020-12/schema"),
        "$defs": {key: defs[key] for key in sorted(keep)},
        "$ref": f"#/$defs/{name}",
    }


def inlined(document: dict, name: str) -> dict:
    """The definition `name` with every local $ref replaced by the definition it names.

    Definitions are shared between the places that use them (a DAG, not a copy per use), so that
    hypothesis-jsonschema gets a reference-free schema without the exponential blow-up of resolving
    the references itself. Meant for drawing instances, not for judging them: a recursive
    reference is cut (see below), which only narrows what is drawn.
    """
    defs = document["$defs"]
    memo: dict[str, Any] = {}

    def resolve(node: Any, trail: tuple[str, ...]) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                target = ref[len("#/$defs/") :]
                if target in trail:
                    # A recursive reference (upstream's JSONValue) cannot be inlined. Drawing from
                    # "nothing" there keeps every drawn instance valid: the recursion just ends.
                    return {"not": {}}
                if target not in memo:
                    memo[target] = resolve(defs[target], trail + (target,))
                siblings = {k: resolve(v, trail) for k, v in node.items() if k != "$ref"}
                return {"allOf": [memo[target]], **siblings} if siblings else memo[target]
            return {key: resolve(value, trail) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item, trail) for item in node]
        return node

    return resolve(defs[name], (name,))


# Definitions hypothesis-jsonschema takes tens of seconds to canonicalise (the sampling message
# and elicitation grammars). Instances for everything else are drawn from a schema without them; the oracle that
# judges every instance is still the full schema, and these get tests of their own.
SLOW_TO_DRAW = ("CreateMessageRequest", "CreateMessageResult", "ElicitRequest")


def without_slow_variants(document: dict) -> dict:
    """A copy of `document` whose unions no longer offer the SLOW_TO_DRAW definitions."""
    slow_refs = {f"#/$defs/{name}" for name in SLOW_TO_DRAW}
    defs = {}
    for name, schema in document["$defs"].items():
        for keyword in ("oneOf", "anyOf"):
            branches = schema.get(keyword)
            if isinstance(branches, list) and any(b.get("$ref") in slow_refs for b in branches):
                schema = {**schema, keyword: [b for b in branches if b.get("$ref") not in slow_refs]}
                if "discriminator" in schema:
                    mapping = {k: v for k, v in schema["discriminator"]["mapping"].items() if v not in slow_refs}
                    schema["discriminator"] = {**schema["discriminator"], "mapping": mapping}
        defs[name] = schema
    return {**document, "$defs": defs}


def paths(value: object, prefix: tuple = ()) -> list[tuple]:
    """Every member position inside a JSON value."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, prefix + (index,))
    return found


def mutate(value: object, path: tuple, replacement: object, delete: bool) -> object:
    copy = json.loads(json.dumps(value))
    parent = copy
    for step in path[:-1]:
        parent = parent[step]
    if delete and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = replacement
    return copy
