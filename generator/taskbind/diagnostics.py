"""Located diagnostics: the one error type every stage reports spec problems with."""

from __future__ import annotations

from collections.abc import Iterable
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


def nearest(name: object, candidates: Iterable[object], limit: int = 3) -> list[str]:
    """The candidates closest to a misspelt `name`, best first (difflib's ratio, at least 0.6)."""
    import difflib

    pool = sorted({str(candidate) for candidate in candidates})
    text = str(name)
    found = difflib.get_close_matches(text, pool, n=limit, cutoff=0.6)
    if not found:  # case slips and long names that differ by a prefix: compare case-insensitively
        lowered = {candidate.lower(): candidate for candidate in pool}
        found = [lowered[c] for c in difflib.get_close_matches(text.lower(), list(lowered), n=limit, cutoff=0.6)]
    return found


def did_you_mean(name: object, candidates: Iterable[object]) -> str:
    """' (did you mean 'X'?)' for the nearest candidate, or '' when none is close: the suffix of
    every message about an unknown name."""
    found = nearest(name, candidates, limit=1)
    return f" (did you mean {found[0]!r}?)" if found else ""
