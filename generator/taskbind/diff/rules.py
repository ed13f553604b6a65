"""The rules of `taskbind diff`: every kind of change it reports, with a stable id and a category.

Rule ids are kebab-case and never change meaning once released: CI configurations and the JSON
output refer to them. Each rule belongs to exactly one category, as in buf:

- WIRE: a peer built on the old spec and a peer built on the new one no longer understand each
  other (a message one sends is rejected, misread or ignored by the other).
- SOURCE: the wire is unchanged, but code written against the generated bindings stops compiling
  or importing (a renamed type, a renamed error constant).
- NONE: additive; nothing built on the old spec breaks.

`--level wire` counts WIRE changes as breaking; `--level source` (the default, the stricter one)
counts WIRE and SOURCE, as buf's stricter levels include the looser ones.

Choices worth knowing:
- A removed named type is SOURCE: a type is a name in the bindings; where it was used on the wire,
  the field, method or variant that used it reports its own WIRE change.
- A removed field is WIRE even when it was optional: old senders still send it (a closed object
  rejects it) and old receivers lose what it meant.
- An added enum value, union variant or status is NONE, as in buf: receivers must tolerate values
  they do not know (the extension's own rule for `paused`); a closed enum in old code is that
  code's problem, not the spec's.
- A required field becoming optional, or a field becoming nullable, is WIRE: old receivers rely on
  the value being there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..diagnostics import Location

Category = Literal["WIRE", "SOURCE", "NONE"]
Level = Literal["wire", "source"]
LEVELS: dict[str, frozenset[str]] = {
    "wire": frozenset({"WIRE"}),
    "source": frozenset({"WIRE", "SOURCE"}),
}


@dataclass(frozen=True)
class Rule:
    id: str
    category: Category
    summary: str


# fmt: off
_RULES = (
    # methods
    Rule("method-removed", "WIRE", "A method or notification was removed."),
    Rule("method-added", "NONE", "A method or notification was added."),
    Rule("method-kind-changed", "WIRE", "A request became a notification, or the reverse."),
    Rule("method-direction-changed", "WIRE", "Who may send the method changed."),
    Rule("method-params-changed", "WIRE", "The params type of a method is another type."),
    Rule("method-params-made-required", "WIRE", "A method's params may no longer be omitted."),
    Rule("method-result-changed", "WIRE", "The result type of a request is another type."),
    Rule("method-type-renamed", "SOURCE", "A method's params or result is another named type of the same shape."),
    Rule("method-envelope-renamed", "SOURCE", "The generated message or response type of a method has a new name."),
    Rule("method-capability-changed", "WIRE", "A method is gated by a (different) client capability."),
    Rule("method-capability-dropped", "NONE", "A method is no longer gated by a client capability."),
    Rule("method-setting-changed", "WIRE", "A method is gated by a (different) server setting."),
    Rule("method-setting-dropped", "NONE", "A method is no longer gated by a server setting."),
    Rule("method-routing-field-changed", "WIRE", "The params field the Mcp-Name header mirrors changed."),
    Rule("method-error-removed", "NONE", "A method no longer lists an error condition."),
    Rule("method-error-added", "NONE", "A method lists a new error condition."),
    Rule("removed-method-code-changed", "WIRE", "A removed method must be refused with another error code."),
    # named types
    Rule("type-removed", "SOURCE", "A named type was removed."),
    Rule("type-renamed", "SOURCE", "A named type has a new name and the same shape."),
    Rule("type-added", "NONE", "A named type was added."),
    Rule("type-kind-changed", "WIRE", "A named type changed kind (object, enum, union, alias)."),
    Rule("alias-target-changed", "WIRE", "An alias stands for another type expression."),
    # object fields
    Rule("field-removed", "WIRE", "A field was removed from an object."),
    Rule("field-renamed", "WIRE", "A field has a new wire name (a removed and an added field of the same type)."),
    Rule("required-field-added", "WIRE", "A required field was added: old senders do not send it."),
    Rule("optional-field-added", "NONE", "An optional field was added."),
    Rule("field-made-required", "WIRE", "An optional field became required."),
    Rule("field-made-optional", "WIRE", "A required field became optional: old receivers rely on it."),
    Rule("field-made-non-nullable", "WIRE", "A nullable field no longer accepts null."),
    Rule("field-made-nullable", "WIRE", "A field may now be null: old receivers do not expect it."),
    Rule("field-type-changed", "WIRE", "A field holds another type."),
    Rule("field-constraints-changed", "WIRE", "A field's minimum, maximum, pattern or length bounds changed."),
    Rule("const-value-changed", "WIRE", "A literal (const) field carries another value."),
    Rule("object-closed", "WIRE", "An open object became closed: unknown members are now rejected."),
    Rule("object-opened", "NONE", "A closed object became open."),
    Rule("object-extra-changed", "WIRE", "The type of an open object's unknown members changed."),
    # enums (named, and inline on fields)
    Rule("enum-value-removed", "WIRE", "An enum value was removed."),
    Rule("enum-value-added", "NONE", "An enum value was added."),
    # unions
    Rule("union-variant-removed", "WIRE", "A union lost a variant."),
    Rule("union-variant-added", "NONE", "A union gained a variant."),
    Rule("discriminator-changed", "WIRE", "A union is discriminated by another field (or no longer / newly)."),
    # errors
    Rule("error-removed", "WIRE", "An error code was removed."),
    Rule("error-code-changed", "WIRE", "An error has another code."),
    Rule("error-renamed", "SOURCE", "An error code has a new name."),
    Rule("error-data-changed", "WIRE", "The type of an error's data changed."),
    Rule("error-added", "NONE", "An error code was added."),
    # capabilities
    Rule("capability-removed", "WIRE", "A capability was removed."),
    Rule("capability-added", "NONE", "A capability was added."),
    Rule("capability-declaration-changed", "WIRE", "Where a capability is declared or advertised changed."),
    Rule("capability-setting-removed", "WIRE", "A setting was removed from a capability."),
    Rule("capability-setting-added", "NONE", "A setting was added to a capability."),
    # lifecycle
    Rule("status-removed", "WIRE", "A task status was removed."),
    Rule("status-added", "NONE", "A task status was added."),
    Rule("status-terminal-changed", "WIRE", "A status became terminal or non-terminal."),
    Rule("status-accept-removed", "WIRE", "A status no longer accepts a method."),
    Rule("status-accept-added", "NONE", "A status accepts another method."),
    Rule("transition-removed", "WIRE", "A lifecycle transition was removed."),
    Rule("transition-added", "NONE", "A lifecycle transition was added."),
    Rule("refusal-code-changed", "WIRE", "The error code for a method a status refuses changed."),
)
# fmt: on

RULES: dict[str, Rule] = {rule.id: rule for rule in _RULES}


@dataclass(frozen=True)
class Change:
    """One difference between two specs, as a rule sees it."""

    rule: str
    element: str  # e.g. "method tasks/pause", "field Task.ttlMs"
    old: str | None
    new: str | None
    location: Location | None  # in the new spec when the element (or its owner) is there, else old
    side: Literal["old", "new"] | None = "new"  # which spec `location` points into; None: nowhere

    @property
    def category(self) -> Category:
        return RULES[self.rule].category

    def breaking(self, level: Level) -> bool:
        return self.category in LEVELS[level]

    @property
    def message(self) -> str:
        summary = RULES[self.rule].summary.rstrip(".")
        # Leave out a value that only repeats the element (a transition's old value is itself).
        old = self.old if self.old not in (None, self.element) else None
        new = self.new if self.new not in (None, self.element) else None
        if old is not None and new is not None:
            return f"{self.element}: {summary} ({old} -> {new})"
        if old is not None:
            return f"{self.element}: {summary} (was {old})"
        if new is not None:
            return f"{self.element}: {summary} ({new})"
        return f"{self.element}: {summary}"


class Reporter:
    """Collects changes, once each: an inherited field shows up in every subtype, and a rule
    reached from several of them must still be reported once."""

    def __init__(self) -> None:
        self.changes: list[Change] = []
        self._seen: set[tuple] = set()

    def __call__(
        self,
        rule: str,
        element: str,
        old: object = None,
        new: object = None,
        *,
        at: Location | None = None,
        old_at: Location | None = None,
    ) -> None:
        """Record one change; `at` is a location in the new spec, `old_at` one in the old (used
        when the new spec has nothing to point at)."""
        assert rule in RULES, rule
        old_text = None if old is None else str(old)
        new_text = None if new is None else str(new)
        key = (rule, element, old_text, new_text)
        if key in self._seen:
            return
        self._seen.add(key)
        if at is not None:
            location, side = at, "new"
        elif old_at is not None:
            location, side = old_at, "old"
        else:
            location, side = None, None
        self.changes.append(Change(rule, element, old_text, new_text, location, side))
