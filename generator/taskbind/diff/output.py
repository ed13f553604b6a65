"""The three output formats of `taskbind diff`: text for people, JSON for tools, GitHub annotations.

Locations are printed relative to the working directory, into the spec directory a change's
location belongs to (`roots["new"]` or `roots["old"]`). For `--against REF` the old root is the
spec's path in the working tree, so that a removed element points at the file it was removed from
(with the line it had at REF).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .rules import Change, Level


def display_path(root: Path, relative: str) -> str:
    full = (root / relative).resolve()
    try:
        return os.path.relpath(full)
    except ValueError:  # another drive on Windows
        return str(full)


def _where(change: Change, roots: dict[str, Path]) -> tuple[str, int, int] | None:
    if change.location is None:
        return None
    loc = change.location
    return display_path(roots[change.side], loc.path), loc.line, loc.column


def _summary(changes: list[Change], level: Level) -> str:
    breaking = [c for c in changes if c.breaking(level)]
    if not changes:
        return "no changes"
    counts = {
        category: sum(1 for c in breaking if c.category == category)
        for category in ("WIRE", "SOURCE")
    }
    detail = ", ".join(f"{n} {category}" for category, n in counts.items() if n)
    head = f"{len(breaking)} breaking change(s) at level {level}" + (
        f" ({detail})" if detail else ""
    )
    return f"{head}, {len(changes) - len(breaking)} other change(s)"


def format_text(changes: list[Change], level: Level, roots: dict[str, Path]) -> str:
    lines = []
    # Breaking changes first: they are what a reader of a failing CI log is looking for.
    for change in sorted(changes, key=lambda c: not c.breaking(level)):
        where = _where(change, roots)
        prefix = f"{where[0]}:{where[1]}:{where[2]}: " if where else ""
        verdict = "breaking" if change.breaking(level) else "ok"
        lines.append(f"{prefix}{verdict} {change.category} {change.rule}: {change.message}")
    lines.append(_summary(changes, level))
    return "\n".join(lines) + "\n"


def format_json(changes: list[Change], level: Level, roots: dict[str, Path]) -> str:
    items = []
    for change in changes:
        where = _where(change, roots)
        items.append(
            {
                "rule": change.rule,
                "category": change.category,
                "breaking": change.breaking(level),
                "element": change.element,
                "old": change.old,
                "new": change.new,
                "message": change.message,
                "file": where[0] if where else None,
                "line": where[1] if where else None,
                "column": where[2] if where else None,
                "side": change.side,
            }
        )
    body = {
        "level": level,
        "breaking": any(item["breaking"] for item in items),
        "summary": _summary(changes, level),
        "changes": items,
    }
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(changes: list[Change], level: Level, roots: dict[str, Path]) -> str:
    """GitHub Actions workflow commands: `::error` for breaking changes, `::warning` for SOURCE
    changes that the level lets through, `::notice` for additive ones."""
    lines = []
    for change in changes:
        if change.breaking(level):
            command = "error"
        elif change.category == "NONE":
            command = "notice"
        else:
            command = "warning"
        properties = [
            f"title={_escape_property(f'taskbind diff: {change.rule} ({change.category})')}"
        ]
        where = _where(change, roots)
        if where:
            properties[:0] = [
                f"file={_escape_property(where[0])}",
                f"line={where[1]}",
                f"col={where[2]}",
            ]
        lines.append(f"::{command} {','.join(properties)}::{_escape_data(change.message)}")
    lines.append(_summary(changes, level))
    return "\n".join(lines) + "\n"


FORMATS = {"text": format_text, "json": format_json, "github": format_github}
