"""Hashes of the inputs, from bytes alone: no YAML parsing and no heavy import.

A no-op `generate` or `check` decides it has nothing to do from these hashes and the manifest
before it imports yaml, jinja2, pydantic or typer (see taskbind.noop).
"""

from __future__ import annotations

import hashlib
from pathlib import Path


def spec_files(root: Path) -> list[Path]:
    """Every YAML file of a spec directory: the manifest, the modules, the examples."""
    return sorted(p for p in Path(root).rglob("*.yaml") if p.is_file())


def spec_fingerprint(root: Path) -> str:
    """A hash over every spec file's path and content: the identity of this spec version."""
    digest = hashlib.sha256()
    for path in spec_files(root):
        relative = path.relative_to(root).as_posix()
        digest.update(relative.encode() + b"\0" + hashlib.sha256(path.read_bytes()).hexdigest().encode() + b"\n")
    return digest.hexdigest()


_SKIPPED_PARTS = frozenset({"__pycache__", "_bundled"})  # bytecode; the wheel's spec and templates


def tree_fingerprint(root: Path | None, suffixes: tuple[str, ...] | None = None) -> str | None:
    """A hash of the files under `root` (only `suffixes`, when given). Bytecode caches are left out:
    pip writes them beside installed files, and they say nothing about the output."""
    if root is None:
        return None
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        relative = path.relative_to(root)
        if _SKIPPED_PARTS.intersection(relative.parts):
            continue
        if suffixes is not None and path.suffix not in suffixes:
            continue
        digest.update(relative.as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()
