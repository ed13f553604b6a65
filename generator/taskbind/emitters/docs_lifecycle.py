"""The lifecycle page of the docs target: a Mermaid stateDiagram-v2 drawn from the transitions, and the
tables of statuses, transitions and accepted methods."""

from __future__ import annotations

from dataclasses import dataclass

from .. import ir
from .docs_common import Links, Row, remarks, source_cell
from .markdown import code, mermaid_ids, mermaid_label

# Mermaid diagram ----------------------------------------------------------------------------------


def edge_label(transitions: list[ir.Transition]) -> str:
    """The triggers of one edge, those of a module that is not final followed by its maturity:
    `tasks/cancel, tasks/pause, server (proposed)`."""
    groups: dict[str, list[str]] = {}
    for t in transitions:
        groups.setdefault(t.provenance.maturity, []).append(t.trigger)
    return ", ".join(
        ", ".join(names) + ("" if maturity == "final" else f" ({maturity})")
        for maturity, names in groups.items()
    )


def drawn_starts(lifecycle: ir.Lifecycle) -> tuple[str, ...]:
    """The initial statuses the diagram draws a start edge to. A start edge to a terminal status
    (a task created already finished) is legal but only clutters the drawing; the page says so."""
    return (
        tuple(name for name in lifecycle.initial if name not in lifecycle.terminal)
        or lifecycle.initial
    )


def lifecycle_mermaid(lifecycle: ir.Lifecycle) -> str:
    """stateDiagram-v2 of the lifecycle: one edge per (from, to) pair labelled with its triggers;
    terminal statuses drawn thick, statuses of a module that is not final dashed."""
    ids = mermaid_ids(s.name for s in lifecycle.statuses)
    lines = ["stateDiagram-v2"]
    lines += [
        f'    state "{mermaid_label(name)}" as {ident}'
        for name, ident in ids.items()
        if ident != name
    ]
    lines += [f"    [*] --> {ids[name]}" for name in drawn_starts(lifecycle)]
    edges: dict[tuple[str, str], list[ir.Transition]] = {}
    for t in lifecycle.transitions:
        edges.setdefault((t.source, t.target), []).append(t)
    for (source, target), transitions in edges.items():
        lines.append(
            f"    {ids[source]} --> {ids[target]} : {mermaid_label(edge_label(transitions))}"
        )
    classes = {"terminal": ("stroke-width: 3px", [s for s in lifecycle.statuses if s.terminal])}
    classes["proposed"] = (
        "stroke-dasharray: 5 5",
        [s for s in lifecycle.statuses if s.provenance.maturity == "proposed"],
    )
    classes["draft"] = (
        "stroke-dasharray: 2 4",
        [s for s in lifecycle.statuses if s.provenance.maturity == "draft"],
    )
    for name, (style, statuses) in classes.items():
        if statuses:
            lines.append(f"    classDef {name} {style}")
            lines.append(f"    class {','.join(ids[s.name] for s in statuses)} {name}")
    return "\n".join(lines) + "\n"


# The lifecycle page --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LifecyclePage:
    diagram: str
    marked: bool  # some status or transition is not final, so the legend applies
    statuses: tuple[Row, ...]
    transitions: tuple[Row, ...]
    methods: tuple[str, ...]  # matrix header: every method the lifecycle governs
    accepts: tuple[Row, ...]  # matrix rows: status, then one cell per method
    refusal: str | None
    initial: str
    undrawn_starts: str  # initial statuses without a start edge in the diagram


def status_descriptions(spec: ir.Spec) -> dict[str, ir.EnumValue]:
    """The enum that lists every status (TaskStatus), as value -> its description and provenance."""
    names = {s.name for s in spec.lifecycle.statuses}
    for t in spec.types:
        if isinstance(t, ir.EnumType) and names <= {v.value for v in t.values}:
            return {v.value: v for v in t.values}
    return {}


def _accept_cell(status: ir.Status, method: str) -> str:
    module = dict(status.accepts_provenance).get(method)
    if module is None:
        return "—"
    return "accepted" if module == status.provenance.module else f"accepted ({module})"


def lifecycle_page(spec: ir.Spec) -> LifecyclePage:
    lifecycle, links = spec.lifecycle, Links(spec, "lifecycle.md")
    described = status_descriptions(spec)
    statuses = tuple(
        (
            code(s.name),
            "yes" if s.terminal else "no",
            "yes" if s.name in lifecycle.initial else "no",
            links.cell(described[s.name].description) if s.name in described else "",
            s.provenance.maturity,
            source_cell(s.provenance, s.provenance.module) + remarks(s.provenance, links),
        )
        for s in lifecycle.statuses
    )
    transitions = tuple(
        (
            code(t.source),
            code(t.target),
            "the server" if t.trigger == "server" else links.method(t.trigger),
            t.provenance.maturity,
            source_cell(t.provenance, t.provenance.module) + remarks(t.provenance, links),
        )
        for t in lifecycle.transitions
    )
    methods = lifecycle.governed_methods
    refusal = (
        f"{links.error(lifecycle.refusal_error)} ({lifecycle.refusal_code})"
        if lifecycle.refusal_error
        else None
    )
    return LifecyclePage(
        diagram=lifecycle_mermaid(lifecycle),
        marked=any(s.provenance.maturity != "final" for s in lifecycle.statuses)
        or any(t.provenance.maturity != "final" for t in lifecycle.transitions),
        statuses=statuses,
        transitions=transitions,
        methods=tuple(links.method(m) for m in methods),
        accepts=tuple(
            (code(s.name), *(_accept_cell(s, m) for m in methods)) for s in lifecycle.statuses
        ),
        refusal=refusal,
        initial=", ".join(code(name) for name in lifecycle.initial),
        undrawn_starts=", ".join(
            code(name) for name in lifecycle.initial if name not in drawn_starts(lifecycle)
        ),
    )
