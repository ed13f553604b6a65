"""Hashes of the inputs, from bytes alone: no YAML parsing and no heavy import.

A no-op `generate` or `check` decides it has nothing to do from these hashes and the manifest
before it imports yaml, jinja2, pydantic or typer (see taskbind.noop).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .lineends import lf
from .resources import bundled_templates

MANIFEST_NAME = ".taskbind-manifest.json"  # written by taskbind.write, read here
_GENERATOR_ROOT = Path(__file__).resolve().parent


def spec_files(root: Path) -> list[Path]:
    """Every YAML file of a spec directory: the manifest, the modules, the examples."""
    return sorted(p for p in Path(root).rglob("*.yaml") if p.is_file())


def spec_fingerprint(root: Path) -> str:
    """A hash over every spec file's path and content: the identity of this spec version. Line
    endings do not count (see lineends)."""
    digest = hashlib.sha256()
    for path in spec_files(root):
        relative = path.relative_to(root).as_posix()
        digest.update(relative.encode() + b"\0" + hashlib.sha256(lf(path.read_bytes())).hexdigest().encode() + b"\n")
    return digest.hexdigest()


_SKIPPED_PARTS = frozenset({"__pycache__", "_bundled"})  # bytecode; the wheel's spec and templates


def tree_fingerprint(root: Path | None, suffixes: tuple[str, ...] | None = None) -> str | None:
    """A hash of the files under `root` (only `suffixes`, when given), line endings normalised. Bytecode caches are left out:
    pip writes them beside installed files, and they say nothing about the output."""
    if root is None:
        return None
    found: list[tuple[str, ...]] = []
    for directory, subdirectories, names in os.walk(root):
        subdirectories[:] = [d for d in subdirectories if d not in _SKIPPED_PARTS]
        base = Path(directory).relative_to(root).parts
        found.extend((*base, name) for name in names if suffixes is None or os.path.splitext(name)[1] in suffixes)
    digest = hashlib.sha256()
    for parts in sorted(found):  # the order of Path objects: part by part
        path = root.joinpath(*parts)
        if path.is_file():
            digest.update("/".join(parts).encode() + b"\0" + lf(path.read_bytes()) + b"\0")
    return digest.hexdigest()


def input_fingerprint(
    spec_dir: Path,
    templates: Path | None,
    modules: Sequence[str] | None,
    targets: Sequence[str] | None,
    package: str,
    npm_package: str,
    distribution: str | None = None,
    distribution_version: str | None = None,
) -> dict[str, object]:
    """Everything the output depends on, hashed without parsing or importing anything heavy."""
    return {
        "generator": __version__,
        # The generator's own code: an edited emitter or view must make `check` regenerate.
        "code": tree_fingerprint(_GENERATOR_ROOT, (".py", ".json", ".toml")),
        "spec": spec_fingerprint(spec_dir),
        "templates": tree_fingerprint(bundled_templates()),
        "template_overrides": tree_fingerprint(templates),
        "modules": list(modules) if modules is not None else None,
        "targets": list(targets) if targets is not None else None,
        "package": package,
        "npm_package": npm_package,
        "distribution": distribution,
        "distribution_version": distribution_version,
    }


def read_manifest(out: Path) -> dict:
    try:
        return json.loads((out / MANIFEST_NAME).read_text("utf-8"))
    except (OSError, ValueError):
        return {}


def up_to_date(out: Path, inputs: dict[str, object]) -> bool:
    """True when the manifest in `out` records these inputs and every output file still has its hash."""
    manifest = read_manifest(out)
    if manifest.get("inputs") != inputs:
        return False
    for path, digest in manifest.get("files", {}).items():
        try:
            # With LF line endings, as taskbind.write compares them: a CRLF checkout is not stale.
            if hashlib.sha256(lf((out / path).read_bytes())).hexdigest() != digest:
                return False
        except OSError:
            return False
    return True
