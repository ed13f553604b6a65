"""The one place targets are registered: name -> emitter (a pure function of the context), and
what each target needs of the selected modules."""

from __future__ import annotations

from collections.abc import Callable

from . import ir
from .emitters import docs, python, python_view, schema, typescript, typescript_view
from .emitters.context import GenerationContext

Emitter = Callable[[GenerationContext], dict[str, str]]

TARGETS: dict[str, Emitter] = {
    "schema": schema.emit,
    "python": python.emit,
    "docs": docs.emit,
    "typescript": typescript.emit,
}
DEFAULT_TARGETS = tuple(TARGETS)

# A target absent here serves every selection that validates.
_REQUIREMENTS: dict[str, Callable[[ir.Spec], str | None]] = {
    "python": python_view.unsupported,
    "typescript": typescript_view.unsupported,
}


def unsupported(target: str, spec: ir.Spec) -> str | None:
    """Why `target` cannot be generated for this selection of modules, or None when it can."""
    check = _REQUIREMENTS.get(target)
    return check(spec) if check else None
