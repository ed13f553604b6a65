"""Copies of the real spec with small YAML edits, for tests that need a changed spec.

Edits round-trip a module through yaml.safe_load / safe_dump: comments and layout are lost, which
is the point of comparing IRs rather than text.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any, Callable

import yaml

from conftest import SPEC_DIR


def _write(path: Path, document: object) -> None:
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=4096), "utf-8")


def copy_spec(destination: Path, *, examples: bool = True) -> Path:
    """A copy of the repository's spec at `destination` (without examples when asked: tests of
    the diff do not need them, and they make edits that remove methods longer)."""
    shutil.copytree(
        SPEC_DIR, destination, ignore=None if examples else shutil.ignore_patterns("examples")
    )
    return destination


def module_path(spec: Path, module: str) -> Path:
    return spec / "modules" / f"{module}.yaml"


def edit_module(spec: Path, module: str, change: Callable[[dict[str, Any]], None]) -> None:
    path = module_path(spec, module)
    document = yaml.safe_load(path.read_text("utf-8"))
    change(document)
    _write(path, document)


def rename_everywhere(spec: Path, old: str, new: str) -> None:
    """Rename a name (type, error) in every module, as a whole word."""
    pattern = re.compile(rf"(?<![\w/-]){re.escape(old)}(?![\w/-])")
    for path in sorted((spec / "modules").glob("*.yaml")):
        path.write_text(pattern.sub(new, path.read_text("utf-8")), "utf-8")


def _lifecycle_sections(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        s for s in (document.get("lifecycle"), document.get("extend", {}).get("lifecycle")) if s
    ]


def remove_method(spec: Path, method: str) -> None:
    """Remove a method and what only exists because of it: the statuses' acceptance of it, the
    transitions it triggers, the role it plays, and its examples. Its params and result types stay
    (unused)."""
    for path in sorted((spec / "modules").glob("*.yaml")):
        document = yaml.safe_load(path.read_text("utf-8"))
        document.get("methods", {}).pop(method, None)
        roles = document.get("roles", {})
        for role in [role for role, value in roles.items() if value == method]:
            del roles[role]
        for section in _lifecycle_sections(document):
            for body in section.get("statuses", {}).values():
                if "accepts" in body:
                    body["accepts"] = [m for m in body["accepts"] if m != method]
            for status, methods in list(section.get("accepts", {}).items()):
                section["accepts"][status] = [m for m in methods if m != method]
                if not section["accepts"][status]:
                    del section["accepts"][status]
            if "transitions" in section:
                section["transitions"] = [
                    t for t in section["transitions"] if t["trigger"] != method
                ]
        _write(path, document)
    for path in sorted((spec / "examples").glob("*.yaml")) if (spec / "examples").is_dir() else []:
        examples = yaml.safe_load(path.read_text("utf-8")) or []
        kept = [e for e in examples if e.get("message") != method]
        if len(kept) != len(examples):
            _write(path, kept)


def _modules(spec: Path) -> list[tuple[Path, dict[str, Any]]]:
    return [
        (path, yaml.safe_load(path.read_text("utf-8")))
        for path in sorted((spec / "modules").glob("*.yaml"))
    ]


def lifecycle_sections(spec: Path) -> list[dict[str, Any]]:
    """Every module's lifecycle section (its own and its extension), as written in the YAML."""
    return [section for _, document in _modules(spec) for section in _lifecycle_sections(document)]


def remove_lifecycle(spec: Path, replacement: dict[str, Any] | None = None) -> None:
    """Remove every lifecycle section, and the roles that name one of their statuses (a role must
    name a status the spec declares). With `replacement`, the module that declared the lifecycle
    gets that section instead."""
    statuses = {name for section in lifecycle_sections(spec) for name in section.get("statuses", {})}
    for path, document in _modules(spec):
        had_lifecycle = document.pop("lifecycle", None) is not None
        document.get("extend", {}).pop("lifecycle", None)
        roles = document.get("roles", {})
        for role in [role for role, value in roles.items() if value in statuses]:
            del roles[role]
        if had_lifecycle and replacement is not None:
            document["lifecycle"] = replacement
        _write(path, document)
