"""Parse the spec's type expressions: `string`, `Task`, `list<T>`, `map<T>`, `A | B`."""

from __future__ import annotations

import re

from .ir import PRIMITIVES, ListOf, MapOf, Primitive, Ref, TypeExpr, UnionOf

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z")


class TypeExprError(ValueError):
    pass


def _split_top_level(text: str) -> list[str]:
    """Split on '|' outside angle brackets."""
    parts, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char == "<":
            depth += 1
        elif char == ">":
            depth -= 1
            if depth < 0:
                raise TypeExprError(f"unbalanced '>' in {text!r}")
        elif char == "|" and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    if depth != 0:
        raise TypeExprError(f"unbalanced '<' in {text!r}")
    parts.append(text[start:])
    return [part.strip() for part in parts]


def parse_type(text: str) -> TypeExpr:
    if not isinstance(text, str) or not text.strip():
        raise TypeExprError("a type expression must be a non-empty string")
    options = _split_top_level(text.strip())
    if len(options) > 1:
        if any(not option for option in options):
            raise TypeExprError(f"empty alternative in {text!r}")
        return UnionOf(tuple(parse_type(option) for option in options))
    single = options[0]
    for wrapper, node in (("list<", ListOf), ("map<", MapOf)):
        if single.startswith(wrapper):
            if not single.endswith(">"):
                raise TypeExprError(f"{single!r} must end with '>'")
            return node(parse_type(single[len(wrapper) : -1]))
    if single in PRIMITIVES:
        return Primitive(single)
    if not _NAME.match(single):
        raise TypeExprError(f"{single!r} is not a type name, a primitive, list<T> or map<T>")
    return Ref(single)
