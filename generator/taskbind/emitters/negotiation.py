"""What a client of a build declares it supports, and what a server of it advertises: the same for
every target, so it lives here and not in one target's view."""

from __future__ import annotations

from .. import ir


def client_capabilities(spec: ir.Spec) -> dict[str, object]:
    """The `clientCapabilities` a client of this build declares on every request.

    Capabilities the client declares per request are extension identifiers (they contain a `/`)
    and go under `extensions`; the others are top-level names. Each one's settings object turns on
    the settings that gate methods of this build (SEP-2669's opt-in: `{"steer": true}`), and is
    empty (`{}`: plain support) when none does.
    """

    def settings(capability: str) -> dict[str, bool]:
        gated = (m.setting for m in spec.methods if m.capability == capability and m.setting)
        return {name: True for name in dict.fromkeys(gated)}

    declared = [c for c in spec.capabilities if c.client == "per-request"]
    extensions = {c.id: settings(c.id) for c in declared if "/" in c.id}
    top_level = {c.id: settings(c.id) for c in declared if "/" not in c.id}
    return {**top_level, **({"extensions": extensions} if extensions else {})}


def events_capability(spec: ir.Spec) -> str | None:
    """The capability of the module that serves task events (the poll-events role's): a server
    advertises it, and a `CreateTaskResult` names its event source only to a request that declared
    it."""
    poll = spec.roles.poll_events
    module = next((m.provenance.module for m in spec.methods if m.name == poll), None)
    if module is None:
        return None
    return next((c.id for c in spec.capabilities if c.provenance.module == module), None)
