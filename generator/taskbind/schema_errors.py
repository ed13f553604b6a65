"""Meta-schema failures in words: each jsonschema error becomes a located Diagnostic a person can act on.

jsonschema's own messages are written for schema authors (`True is valid under each of {...}`,
`Additional properties are not allowed ('desciption' was unexpected)`), and an error about a key
points at the mapping that holds it. Here every kind of failure the spec's meta-schema can raise
gets a sentence, names the offending key or value, says what is expected instead (with the nearest
allowed name when one is close), and is located at the key itself.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from typing import Any

import jsonschema

from .diagnostics import Diagnostic, Location, did_you_mean
from .load import LocatedDict, LocatedList, SourceFile

_TYPE_WORDS = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "boolean": "true or false",
    "integer": "an integer",
    "number": "a number",
    "null": "null",
}

# The meta-schema's patterns, in words; any other pattern is quoted as it is.
_PATTERN_WORDS = {
    "^[A-Z][A-Za-z0-9]*$": "a capitalised name of letters and digits (like TaskStatus)",
    "^[a-z][a-z0-9-]*$": "lower-case letters, digits and hyphens, starting with a letter",
    "^[a-z0-9][a-z0-9-]*$": "lower-case letters, digits and hyphens",
    "^[A-Za-z][A-Za-z0-9_]*$": "letters, digits and underscores, starting with a letter",
    "^[a-z][A-Za-z0-9_/-]*$": "a method name starting with a lower-case letter (like tasks/get)",
    "^[A-Za-z_$][A-Za-z0-9_./$-]*$": "a wire name (letters, digits, _ $ . / -)",
    "\\{variant\\}": "a template containing {variant}",
}


def describe_value(value: Any) -> str:
    """What a YAML value is, for 'found ...' in a message."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "an empty value (is the indentation right?)"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return f"the number {value}"
    # an explicit YAML tag gives bytes or a date (plain dates stay text): neither is a string
    if isinstance(value, bytes):
        return "binary data (a !!binary value)"
    if isinstance(value, datetime.date):
        return f"the date {value.isoformat()} (a !!timestamp value)"
    return f"the string {value!r}"


def _expected(types: Any) -> str:
    names = [types] if isinstance(types, str) else list(types)
    return " or ".join(_TYPE_WORDS.get(name, name) for name in names)


def _keys(names: Iterable[str]) -> str:
    return ", ".join(f"`{name}`" for name in names)


def _node(document: Any, path: Iterable[Any], top: Location) -> tuple[Any, Location]:
    """The deepest node of `path` the YAML still has, and where it (its key) was written."""
    node, where = document, top
    for step in path:
        if isinstance(node, LocatedDict) and step in node:
            where, node = node.where(step), node[step]
        elif isinstance(node, LocatedList) and isinstance(step, int) and 0 <= step < len(node):
            where, node = node.where(step), node[step]
        else:
            break
    return node, where


def _key_location(container: Any, key: str, fallback: Location) -> Location:
    return container.where(key) if isinstance(container, LocatedDict) else fallback


def _path_text(path: Iterable[Any]) -> str:
    return "/".join(str(step) for step in path) or "top level"


def _branch_words(branch: Any) -> str | None:
    """`a` and `b` (without `c`) for a oneOf branch made of `required` and `not`, else None."""
    if not isinstance(branch, dict) or set(branch) - {"required", "not"} or "required" not in branch:
        return None
    words = " and ".join(f"`{name}`" for name in branch["required"])
    forbidden = _forbidden_keys(branch.get("not"))
    return f"{words} (without {_keys(forbidden)})" if forbidden else words


def _forbidden_keys(schema: Any) -> list[str]:
    """The keys a `not` schema of `required` / `anyOf: [required...]` forbids."""
    if not isinstance(schema, dict):
        return []
    if "required" in schema:
        return list(schema["required"])
    return [name for branch in schema.get("anyOf", []) for name in _forbidden_keys(branch)]


class _Explainer:
    def __init__(self, source: SourceFile):
        self.document = source.document
        self.top = Location(source.path, 1, 1)
        self.found: list[Diagnostic] = []

    def add(self, where: Location, path: Iterable[Any], message: str) -> None:
        self.found.append(Diagnostic(where, f"{_path_text(path)}: {message}"))

    def explain(self, error: jsonschema.ValidationError) -> None:
        path = list(error.absolute_path)
        node, where = _node(self.document, path, self.top)
        kind, expected, value = error.validator, error.validator_value, error.instance
        if "propertyNames" in error.relative_schema_path or "propertyNames" in error.schema_path:
            # The instance is a key of the mapping at `path`: locate and name the key.
            self.add(_key_location(node, str(value), where), path, f"{str(value)!r} is not a valid key here: "
                     f"it must be {_PATTERN_WORDS.get(str(error.schema.get('pattern', '')), 'a valid name')}")
            return
        if kind == "additionalProperties" and isinstance(value, dict):
            known = list(error.schema.get("properties", {}))
            patterns = list(error.schema.get("patternProperties", {}))
            for key in value:
                if key in known or any(re.search(p, str(key)) for p in patterns):
                    continue
                hint = did_you_mean(key, known) or (f"; allowed: {_keys(known)}" if known else "")
                self.add(_key_location(node, key, where), [*path, key], f"unknown key {key!r}{hint}")
        elif kind == "required":
            for key in expected:
                if isinstance(value, dict) and key not in value:
                    self.add(where, path, f"missing required key `{key}`")
        elif kind == "type":
            self.add(where, path, f"expected {_expected(expected)}, found {describe_value(value)}")
        elif kind == "enum":
            allowed = ", ".join(repr(item) for item in expected)
            self.add(where, path, f"{value!r} is not one of {allowed}{did_you_mean(value, expected)}")
        elif kind == "const":
            self.add(where, path, f"must be {expected!r}, found {describe_value(value)}")
        elif kind == "pattern":
            words = _PATTERN_WORDS.get(expected, f"text matching `{expected}`")
            self.add(where, path, f"{value!r} is not {words}" if expected in _PATTERN_WORDS
                     else f"{value!r} must be {words}")
        elif kind == "minLength":
            self.add(where, path, "must not be empty")
        elif kind in ("minItems", "minProperties"):
            nouns = ("item", "items") if kind == "minItems" else ("entry", "entries")
            self.add(where, path, f"needs at least {expected} {nouns[expected != 1]}")
        elif kind in ("maxItems", "maxProperties"):
            self.add(where, path, f"has more than {expected} entries")
        elif kind == "uniqueItems":
            self.add(where, path, "lists the same item more than once")
        elif kind in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
            relation = {"minimum": "at least", "exclusiveMinimum": "more than",
                        "maximum": "at most", "exclusiveMaximum": "less than"}[kind]
            self.add(where, path, f"must be {relation} {expected}, found {value}")
        elif kind in ("oneOf", "anyOf"):
            self.explain_alternatives(error, path, where)
        elif kind == "not":
            present = [key for key in _forbidden_keys(expected) if isinstance(value, dict) and key in value]
            if present:
                self.add(_key_location(node, present[0], where), [*path, present[0]],
                         f"{_keys(present)} is not allowed here (see spec/README.md for what goes together)")
            else:
                self.add(where, path, "this combination of keys is not allowed (see spec/README.md)")
        elif kind in ("false", None):  # a `false` schema: nothing may be here
            self.add(where, path, "no value is allowed here")
        else:  # a keyword the meta-schema does not use today: still say where, without jsonschema's prose
            self.add(where, path, f"does not satisfy the meta-schema's `{kind}` rule")

    def explain_alternatives(self, error: jsonschema.ValidationError, path: list[Any], where: Location) -> None:
        value, branches = error.instance, error.validator_value
        if not isinstance(value, dict) and all(_branch_words(b) is not None for b in branches):
            return  # key rules on something that is not a mapping: its `type` error says it all
        words = [_branch_words(branch) for branch in branches]
        if not error.context:  # oneOf: more than one branch matched
            if all(words):
                self.add(where, path, "give only one of: " + "; or ".join(w for w in words if w))
            else:
                self.add(where, path, "fits more than one of the allowed forms; remove what does not belong")
            return
        if all(words):
            self.add(where, path, "needs " + "; or ".join(w for w in words if w))
            return
        # Explain the branch that came closest (jsonschema's relevance ordering), in our words.
        best = jsonschema.exceptions.best_match(error.context)
        if best is not None:
            self.explain(best)


def _conditional(error: jsonschema.ValidationError) -> bool:
    return any(step in ("then", "else") for step in error.schema_path)


def explain(source: SourceFile, errors: Iterable[jsonschema.ValidationError]) -> list[Diagnostic]:
    """Every meta-schema error of one spec file as located, readable diagnostics.

    A mapping that lacks a key every form of it needs (a type without `kind`) matches every `if`
    of the meta-schema, so the branches for each kind would all complain too; only the missing key
    is reported then."""
    errors = list(errors)
    incomplete = [tuple(e.absolute_path) for e in errors if e.validator == "required" and not _conditional(e)]
    explainer = _Explainer(source)
    for error in errors:
        path = tuple(error.absolute_path)
        if _conditional(error) and any(path[: len(prefix)] == prefix for prefix in incomplete):
            continue
        explainer.explain(error)
    return explainer.found
