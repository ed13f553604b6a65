"""Stage 6, write: compare with what is on disk, then replace files atomically, with a manifest.

The manifest (`.taskbind-manifest.json` in the output directory) lists every file taskbind wrote
with its hash. It is how `generate` removes files it wrote before and no longer writes, and how it
knows never to touch a file it did not write.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .lineends import lf

MANIFEST_NAME = ".taskbind-manifest.json"


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class Plan:
    """What writing `files` into `out` would change."""

    out: Path
    files: dict[str, str]
    written: list[str] = field(default_factory=list)  # new or changed
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # written before, no longer generated
    manifest_text: str = ""
    from_manifest: bool = False  # answered from the manifest, without rendering

    @property
    def clean(self) -> bool:
        return not self.written and not self.removed


def read_manifest(out: Path) -> dict:
    try:
        return json.loads((out / MANIFEST_NAME).read_text("utf-8"))
    except (OSError, ValueError):
        return {}


def manifest_text(files: dict[str, str], inputs: dict[str, str]) -> str:
    body = {"inputs": inputs, "files": {path: sha256_text(text) for path, text in sorted(files.items())}}
    return json.dumps(body, indent=2, sort_keys=True) + "\n"


def plan(out: Path, files: dict[str, str], inputs: dict[str, str]) -> Plan:
    result = Plan(out, files, manifest_text=manifest_text(files, inputs))
    for path, text in sorted(files.items()):
        target = out / path
        try:
            same = lf(target.read_bytes()) == text.encode("utf-8")  # a CRLF checkout is not stale
        except OSError:
            same = False
        (result.unchanged if same else result.written).append(path)
    previous = read_manifest(out).get("files", {})
    result.removed = sorted(p for p in previous if p not in files and _owned(out, p))
    return result


def _owned(out: Path, relative: str) -> bool:
    """Whether a manifest entry names a file taskbind can have written: one inside `out`. The
    manifest is committed with the output, so an edited entry must not make generate delete a file
    elsewhere (`../x`, `/x`, or a path through a symlink leading out)."""
    target = out / relative
    try:
        inside = target.resolve().is_relative_to(out.resolve())
    except (OSError, ValueError):
        return False
    return inside and not Path(relative).is_absolute() and target.is_file()


def unified_diff(result: Plan) -> str:
    chunks = []
    for path in result.written:
        target = result.out / path
        try:
            old = target.read_text("utf-8").splitlines(keepends=True)
        except (OSError, UnicodeDecodeError):
            old = []
        new = result.files[path].splitlines(keepends=True)
        chunks.extend(difflib.unified_diff(old, new, f"a/{path}", f"b/{path}"))
    for path in result.removed:
        old = (result.out / path).read_text("utf-8", errors="replace").splitlines(keepends=True)
        chunks.extend(difflib.unified_diff(old, [], f"a/{path}", "/dev/null"))
    return "".join(chunk if chunk.endswith("\n") else chunk + "\n" for chunk in chunks)


def _replace(target: Path, text: str) -> None:
    """Write through a temporary file in the same directory, then rename over the target."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def apply(result: Plan) -> None:
    """Carry out a plan. Everything was rendered before this point, so a failing template or spec
    never gets here and the old output stays as it was."""
    for path in result.written:
        _replace(result.out / path, result.files[path])
    for path in result.removed:
        (result.out / path).unlink()
        _prune_empty_dirs((result.out / path).parent, result.out)
    manifest = result.out / MANIFEST_NAME
    if not manifest.is_file() or manifest.read_text("utf-8") != result.manifest_text:
        _replace(manifest, result.manifest_text)


def _prune_empty_dirs(directory: Path, stop: Path) -> None:
    while directory != stop and directory.is_dir() and not any(directory.iterdir()):
        directory.rmdir()
        directory = directory.parent
