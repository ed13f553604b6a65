"""`taskbind diff`: compare two specs as IRs (each built by pipeline.build_spec) and report every change under a rule (see rules.py).

Elements are matched by their identity on the wire (method name, type name, field wire name, error
name, status name, transition triple), never by text, so reformatting or reordering a spec reports
nothing. Two heuristics turn a removal plus an addition into one change: a type removed and a type
added with the same shape is a rename (SOURCE), and a field removed and a field added with the same
type in the same object is a rename on the wire (WIRE).

    rules.py    every rule: stable id, category, summary; the Change record
    types.py    named types and their fields
    surface.py  methods, errors, capabilities, lifecycle
    shapes.py   what an element looks like without its name
    output.py   text, JSON and GitHub Actions output
    git.py      the spec as it was at a git ref
"""

from __future__ import annotations

from .. import ir
from .rules import LEVELS, RULES, Change, Reporter
from .surface import SurfaceComparison
from .types import TypeComparison

__all__ = ["LEVELS", "RULES", "Change", "compare"]


def compare(old: ir.Spec, new: ir.Spec) -> list[Change]:
    """Every change from `old` to `new`, in a stable order: types first, then methods, errors,
    capabilities and the lifecycle."""
    report = Reporter()
    types = TypeComparison(old, new, report)
    types.run()
    SurfaceComparison(old, new, report, types).run()
    return report.changes
