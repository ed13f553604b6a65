"""How modules combine: an object's fields through `extends` and `extend`, a union's variants
through `extend` and `over`.

validate checks these merged views and model builds the IR from them: one set of rules, so that
what is checked is what is built.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .diagnostics import Location
from .load import LocatedDict, LocatedList

T = TypeVar("T")


def layered(layers: Iterable[Iterable[tuple[str, T]]]) -> dict[str, T]:
    """The field rule: bases' fields in order, then own fields; a later layer overrides an earlier
    one by wire name, and an override keeps the position the name first had."""
    merged: dict[str, T] = {}
    for layer in layers:
        for wire, item in layer:
            merged[wire] = item
    return merged


@dataclass(frozen=True)
class FieldDecl:
    """A field as the spec text declares it: which module wrote it, on which type."""

    module: str
    owner: str  # the type whose text (or extension) declared the field
    wire: str
    body: Any
    # where the wire name is written: a diagnostic about the name points here, not at the body below it
    location: Location = field(compare=False)


@dataclass(frozen=True)
class ValueDecl:
    """An enum value and the module that added it."""

    module: str
    value: str
    body: Any
    location: Location


@dataclass(frozen=True)
class VariantDecl:
    """A union member: its type, the module that added it, where; `base` is set for a variant
    derived from a variant of the `over` union."""

    name: str
    module: str
    location: Location
    base: str | None = None


class Merged:
    """The type declarations of some modules (in manifest order), with their extensions applied."""

    def __init__(self, documents: Mapping[str, Any]):
        self.types: dict[str, tuple[str, LocatedDict]] = {}
        self.extensions: dict[str, list[tuple[str, LocatedDict]]] = {}
        for module, doc in documents.items():
            for name, body in (doc.get("types") or {}).items():
                self.types.setdefault(name, (module, body))  # a duplicate is validate's to report
        for module, doc in documents.items():
            for name, ext in ((doc.get("extend") or {}).get("types") or {}).items():
                self.extensions.setdefault(name, []).append((module, ext))
        self._fields: dict[str, dict[str, FieldDecl]] = {}

    def kind(self, name: str) -> str | None:
        found = self.types.get(name)
        return found[1].get("kind") if found else None

    def own_fields(self, name: str) -> list[FieldDecl]:
        """The fields a type's own text declares, then those every extension adds."""
        module, body = self.types[name]
        layers = [(module, body.get("fields") or {})]
        layers += [(ext_module, ext.get("fields") or {}) for ext_module, ext in self.extensions.get(name, [])]
        return [
            FieldDecl(m, name, wire, spec, fields.where(wire))
            for m, fields in layers
            for wire, spec in fields.items()
        ]

    def object_fields(self, name: str, seen: tuple[str, ...] = ()) -> dict[str, FieldDecl]:
        """Every field of an object type, flattened through `extends` ({} for anything else).

        Unknown bases and `extends` cycles are skipped: validate reports them."""
        if name in self._fields:
            return self._fields[name]
        if self.kind(name) != "object" or name in seen:
            return {}
        bases = self.types[name][1].get("extends") or []
        merged = layered(
            [*(self.object_fields(base, (*seen, name)).items() for base in bases),
             ((f.wire, f) for f in self.own_fields(name))]
        )
        if not seen:  # a result computed inside a cycle check may be partial: keep top-level ones
            self._fields[name] = merged
        return merged

    def enum_values(self, name: str) -> list[ValueDecl]:
        """An enum's values: its own, then each extension's."""
        module, body = self.types[name]
        sources = [(module, body.get("values") or LocatedDict())]
        sources += [(m, ext.get("values") or LocatedDict()) for m, ext in self.extensions.get(name, [])]
        return [
            ValueDecl(m, str(value), spec, values.where(value) if isinstance(values, LocatedDict) else Location("", 0, 0))
            for m, values in sources
            for value, spec in values.items()
        ]

    def variants(self, name: str, seen: tuple[str, ...] = ()) -> list[VariantDecl]:
        """A union's members: its own, then each extension's; for a union `over` another, one per
        member of that union, named by `variant_name`."""
        found = self.types.get(name)
        if found is None or name in seen:
            return []
        module, body = found
        if "over" in body:
            pattern = body.get("variant_name", "{variant}")
            return [
                VariantDecl(pattern.replace("{variant}", v.name), v.module, v.location, base=v.name)
                for v in self.variants(body["over"], (*seen, name))
            ]
        own = body.get("variants") or LocatedList()
        found_variants = [VariantDecl(v, module, _where(own, i)) for i, v in enumerate(own)]
        for ext_module, ext in self.extensions.get(name, []):
            added = ext.get("variants") or LocatedList()
            found_variants += [VariantDecl(v, ext_module, _where(added, i)) for i, v in enumerate(added)]
        return found_variants


def _where(items: Any, index: int) -> Location:
    return items.where(index) if isinstance(items, LocatedList) else Location("", 0, 0)
