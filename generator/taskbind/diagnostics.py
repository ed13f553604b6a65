"""Located diagnostics: the one error type every stage reports spec problems with."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Location:
    """A place in a spec file, 1-based, relative to the spec root."""

    path: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Diagnostic:
    location: Location
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class SpecError(Exception):
    """Raised with every problem found, never just the first one."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = sorted(set(diagnostics), key=lambda d: (d.location, d.message))
        super().__init__("\n".join(str(d) for d in self.diagnostics))
