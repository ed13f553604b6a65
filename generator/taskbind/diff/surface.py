"""The protocol surface around the types: methods, errors, capabilities and the task lifecycle."""

from __future__ import annotations

from .. import ir
from ..diagnostics import Location
from .rules import Reporter
from .types import TypeComparison


def find_error_renames(old: ir.Spec, new: ir.Spec) -> dict[str, str]:
    """An error is its code on the wire: a name that disappears while a new name takes its code is
    a rename, which only code built on the bindings notices."""
    old_names = {e.name for e in old.errors}
    new_names = {e.name for e in new.errors}
    added_by_code = {e.code: e.name for e in new.errors if e.name not in old_names}
    return {
        e.name: added_by_code.pop(e.code)
        for e in old.errors
        if e.name not in new_names and e.code in added_by_code
    }


class SurfaceComparison:
    def __init__(self, old: ir.Spec, new: ir.Spec, report: Reporter, types: TypeComparison):
        self.old, self.new, self.report, self.types = old, new, report, types
        self.error_renames = find_error_renames(old, new)

    def run(self) -> None:
        self.compare_methods()
        self.compare_errors()
        self.compare_capabilities()
        self.compare_lifecycle()

    # -- methods -------------------------------------------------------------------------------

    def compare_methods(self) -> None:
        old = {m.name: m for m in self.old.methods}
        new = {m.name: m for m in self.new.methods}
        for name, m in old.items():
            if name not in new:
                self.report(
                    "method-removed",
                    f"method {name}",
                    f"{m.kind} {m.direction}",
                    old_at=m.provenance.location,
                )
        for name, m in new.items():
            if name not in old:
                self.report(
                    "method-added",
                    f"method {name}",
                    None,
                    f"{m.kind} {m.direction}",
                    at=m.provenance.location,
                )
            else:
                self.compare_method(old[name], m)
        old_removed = {r.name: r for r in self.old.removed_methods}
        for r in self.new.removed_methods:
            before = old_removed.get(r.name)
            if before is not None and before.code != r.code:
                self.report(
                    "removed-method-code-changed",
                    f"removed method {r.name}",
                    before.code,
                    r.code,
                    at=r.provenance.location,
                )

    def compare_method(self, old: ir.Method, new: ir.Method) -> None:
        element, at = f"method {new.name}", new.provenance.location
        if old.kind != new.kind:
            self.report("method-kind-changed", element, old.kind, new.kind, at=at)
        if old.direction != new.direction:
            self.report("method-direction-changed", element, old.direction, new.direction, at=at)
        for attribute in ("params", "result"):
            before, after = getattr(old, attribute), getattr(new, attribute)
            if self.types.renamed(before) == after or (
                attribute == "result" and old.kind != new.kind
            ):
                continue  # a request that became a notification lost its result: the kind says it
            if self.types.same_shape(before, after):
                self.report("method-type-renamed", element, before, after, at=at)
            else:
                self.report(f"method-{attribute}-changed", element, before, after, at=at)
        if new.params_required and not old.params_required:
            self.report("method-params-made-required", element, "optional", "required", at=at)
        for old_name, new_name in ((old.message, new.message), (old.response, new.response)):
            if old_name != new_name and old_name is not None and new_name is not None:
                self.report("method-envelope-renamed", element, old_name, new_name, at=at)
        for attribute in ("capability", "setting"):
            before, after = getattr(old, attribute), getattr(new, attribute)
            if before != after:
                rule = (
                    f"method-{attribute}-dropped"
                    if after is None
                    else f"method-{attribute}-changed"
                )
                self.report(rule, element, before, after, at=at)
        if old.routing_field != new.routing_field:
            self.report(
                "method-routing-field-changed", element, old.routing_field, new.routing_field, at=at
            )
        # By error name (through renames): a changed code is the error's change, not every method's.
        listed_before = {self.error_renames.get(e.error, e.error): e for e in old.errors}
        listed_after = {e.error: e for e in new.errors}
        for name, e in listed_before.items():
            if name not in listed_after:
                self.report("method-error-removed", element, f"{e.error} ({e.code})", None, at=at)
        for name, e in listed_after.items():
            if name not in listed_before:
                self.report("method-error-added", element, None, f"{e.error} ({e.code})", at=at)

    # -- errors and capabilities ---------------------------------------------------------------

    def compare_errors(self) -> None:
        old = {e.name: e for e in self.old.errors}
        new = {e.name: e for e in self.new.errors}
        for name, e in old.items():
            if name in self.error_renames:
                twin = new[self.error_renames[name]]
                self.report(
                    "error-renamed",
                    f"error {twin.name}",
                    name,
                    twin.name,
                    at=twin.provenance.location,
                )
            elif name not in new:
                self.report(
                    "error-removed", f"error {name}", e.code, None, old_at=e.provenance.location
                )
        renamed_to = set(self.error_renames.values())
        for name, e in new.items():
            before = old.get(name)
            if before is None:
                if name not in renamed_to:
                    self.report(
                        "error-added", f"error {name}", None, e.code, at=e.provenance.location
                    )
                continue
            if before.code != e.code:
                self.report(
                    "error-code-changed",
                    f"error {name}",
                    before.code,
                    e.code,
                    at=e.provenance.location,
                )
            if self.types.renamed(before.data) != e.data:
                self.report(
                    "error-data-changed",
                    f"error {name}",
                    before.data,
                    e.data,
                    at=e.provenance.location,
                )

    def compare_capabilities(self) -> None:
        old = {c.id: c for c in self.old.capabilities}
        new = {c.id: c for c in self.new.capabilities}
        for cap_id, c in old.items():
            if cap_id not in new:
                self.report(
                    "capability-removed", f"capability {cap_id}", old_at=c.provenance.location
                )
        for cap_id, c in new.items():
            before = old.get(cap_id)
            if before is None:
                self.report("capability-added", f"capability {cap_id}", at=c.provenance.location)
            elif (before.client, before.server) != (c.client, c.server):
                self.report(
                    "capability-declaration-changed",
                    f"capability {cap_id}",
                    f"client {before.client}, server {before.server}",
                    f"client {c.client}, server {c.server}",
                    at=c.provenance.location,
                )

    # -- lifecycle -----------------------------------------------------------------------------

    def compare_lifecycle(self) -> None:
        old, new = self.old.lifecycle, self.new.lifecycle
        old_statuses = {s.name: s for s in old.statuses} if old else {}
        new_statuses = {s.name: s for s in new.statuses} if new else {}
        for name, s in old_statuses.items():
            if name not in new_statuses:
                self.report(
                    "status-removed",
                    f"status {name}",
                    _terminal(s),
                    None,
                    old_at=s.provenance.location,
                )
        for name, s in new_statuses.items():
            before, at = old_statuses.get(name), s.provenance.location
            if before is None:
                self.report("status-added", f"status {name}", None, _terminal(s), at=at)
                continue
            if before.terminal != s.terminal:
                self.report(
                    "status-terminal-changed",
                    f"status {name}",
                    _terminal(before),
                    _terminal(s),
                    at=at,
                )
            for method in before.accepts:
                if method not in s.accepts:
                    self.report("status-accept-removed", f"status {name}", method, None, at=at)
            for method in s.accepts:
                if method not in before.accepts:
                    self.report("status-accept-added", f"status {name}", None, method, at=at)
        old_transitions = {_key(t): t for t in old.transitions} if old else {}
        new_transitions = {_key(t): t for t in new.transitions} if new else {}
        for key, t in old_transitions.items():
            if key not in new_transitions:
                # Point at the status the transition left from, when the new spec still has it.
                self.report(
                    "transition-removed",
                    _transition(t),
                    _transition(t),
                    None,
                    at=_location(new_statuses.get(t.source)),
                    old_at=t.provenance.location,
                )
        for key, t in new_transitions.items():
            if key not in old_transitions:
                self.report(
                    "transition-added",
                    _transition(t),
                    None,
                    _transition(t),
                    at=t.provenance.location,
                )
        if old and new and old.refusal_code != new.refusal_code:
            self.report(
                "refusal-code-changed",
                "lifecycle refusal",
                f"{old.refusal_error} ({old.refusal_code})",
                f"{new.refusal_error} ({new.refusal_code})",
                at=_location(new.statuses[0] if new.statuses else None),
            )


def _key(t: ir.Transition) -> tuple[str, str, str]:
    return (t.source, t.target, t.trigger)


def _terminal(status: ir.Status) -> str:
    return "terminal" if status.terminal else "non-terminal"


def _transition(t: ir.Transition) -> str:
    return f"transition {t.source} -> {t.target} on {t.trigger}"


def _location(status: ir.Status | None) -> Location | None:
    return status.provenance.location if status is not None else None
