"""`taskbind diff`: compare two specs as IRs and report every change under a rule (see rules.py).

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

from pathlib import Path
from typing import Iterable

from .. import ir
from .rules import LEVELS, RULES, Change, Reporter
from .surface import SurfaceComparison
from .types import TypeComparison

__all__ = ["LEVELS", "RULES", "Change", "compare", "load_ir"]


def load_ir(
    spec_dir: Path, modules: Iterable[str] | None = None, *, skip_unknown_modules: bool = False
) -> ir.Spec:
    """The IR of a spec directory, after validation. Raises SpecError (located) when invalid."""
    from ..diagnostics import SpecError
    from ..load import load_spec
    from ..model import build_model
    from ..validate import validate

    raw = load_spec(spec_dir)
    problems = validate(raw)
    if problems:
        raise SpecError(problems)
    if modules is not None and skip_unknown_modules:
        # A module the new spec introduces does not exist on the old side: everything it brings
        # is then reported as added, which is what it is.
        modules = [name for name in modules if name in raw.modules]
    return build_model(raw, modules)


def compare(old: ir.Spec, new: ir.Spec) -> list[Change]:
    """Every change from `old` to `new`, in a stable order: types first, then methods, errors,
    capabilities and the lifecycle."""
    report = Reporter()
    types = TypeComparison(old, new, report)
    types.run()
    SurfaceComparison(old, new, report, types).run()
    return report.changes
