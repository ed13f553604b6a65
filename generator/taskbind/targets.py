"""The one place targets are registered: name -> emitter (a pure function of the context)."""

from __future__ import annotations

from typing import Callable

from .emitters import docs, python, schema
from .emitters.context import GenerationContext

Emitter = Callable[[GenerationContext], dict[str, str]]

TARGETS: dict[str, Emitter] = {
    "schema": schema.emit,
    "python": python.emit,
    "docs": docs.emit,
}
DEFAULT_TARGETS = tuple(TARGETS)
