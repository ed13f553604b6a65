"""Stage 6, write: compare with what is on disk, then swap in the whole new tree, with a manifest.

The manifest (`.taskbind-manifest.json` in the output directory) lists every file taskbind wrote
with its hash. It is how `generate` removes files it wrote before and no longer writes, and how it
knows never to touch a file it did not write.
"""

from __future__ import annotations

import ctypes
import difflib
import hashlib
import json
import os
import shutil
import sys
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
    manifest_changed: bool = False  # the manifest there is not manifest_text (or there is none)
    from_manifest: bool = False  # answered from the manifest, without rendering

    @property
    def clean(self) -> bool:
        """Nothing to write. The manifest counts: after a change of taskbind's own code that leaves
        every file as it was, generate still rewrites the inputs the manifest records."""
        return not self.written and not self.removed and not self.manifest_changed


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
    result.manifest_changed = _old_text(out / MANIFEST_NAME) != result.manifest_text
    return result


def _old_text(target: Path) -> str | None:
    """What a file of the output holds now; None when it is missing or not text."""
    try:
        return target.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


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
        chunks.extend(_file_diff(result.out, path, result.files[path]))
    for path in result.removed:
        old = (result.out / path).read_text("utf-8", errors="replace").splitlines(keepends=True)
        chunks.extend(difflib.unified_diff(old, [], f"a/{path}", "/dev/null"))
    return "".join(chunk if chunk.endswith("\n") else chunk + "\n" for chunk in chunks)


def manifest_diff(result: Plan) -> str:
    """What generate would write over the manifest, as a unified diff ("" when nothing)."""
    if not result.manifest_changed:
        return ""
    return "".join(_file_diff(result.out, MANIFEST_NAME, result.manifest_text))


def _file_diff(out: Path, path: str, text: str) -> list[str]:
    old = (_old_text(out / path) or "").splitlines(keepends=True)
    return list(difflib.unified_diff(old, text.splitlines(keepends=True), f"a/{path}", f"b/{path}"))


class WriteError(ValueError):
    """The output directory cannot be written (or must not be): it is left exactly as it was."""


def check_out(out: Path, spec_dir: Path | None = None) -> None:
    """Refuse an --out that cannot hold a tree (a file) or that would write into the spec."""
    if out.exists() and not out.is_dir():
        raise WriteError(f"--out {out} is not a directory")
    if spec_dir is not None:
        target, spec = out.resolve(), Path(spec_dir).resolve()
        if target == spec or target.is_relative_to(spec):
            raise WriteError(f"--out {out} is {'the spec folder' if target == spec else 'inside the spec folder'} {spec_dir}; "
                             "generated files never go into the spec")


# Staging: the new tree is built beside --out, then swapped in whole. Files are written here only;
# tests make it fail midway to check that --out stays byte-identical.
def _write_file(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_symlink() or target.exists():
        target.unlink()  # a hard link to the old tree: never write through it
    with open(target, "xb") as handle:
        handle.write(text.encode("utf-8"))


def _link_or_copy(source: str, destination: str) -> None:
    """Hard-link an unchanged file into the stage (cheap; new content never writes through a
    link, see _write_file), copying where the file system cannot link."""
    try:
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)


def _exchange(first: Path, second: Path) -> bool:
    """Swap two directories in one step (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    if sys.platform != "linux":
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange)
    return result == 0


def _swap_in(stage: Path, out: Path) -> None:
    """Put the staged tree at `out`; the old tree, if any, ends up at `stage` (to be deleted) or is
    deleted here."""
    if not out.exists():
        os.rename(stage, out)
        return
    if _exchange(stage, out):
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.taskbind-old-", dir=out.parent))
    old.rmdir()
    os.rename(out, old)
    try:
        os.rename(stage, out)
    except BaseException:
        os.rename(old, out)
        raise
    # The swap is done: from here on nothing may fail the write, the old tree only has to go.
    shutil.rmtree(old, ignore_errors=True)


def apply(result: Plan) -> None:
    """Carry out a plan atomically: stage the whole new tree beside the output directory (unchanged
    and foreign files linked in, new files written, stale ones removed, the manifest last), then
    swap it in. A failure at any point leaves the output directory byte-identical and removes the
    stage; readers see the old tree or the new one, never a mix."""
    if result.clean:
        return
    check_out(result.out)
    out = result.out.resolve()  # through a symlink: the swap replaces the directory it names
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.taskbind-new-", dir=out.parent))
    try:
        if out.is_dir():
            shutil.copytree(out, stage, symlinks=True, copy_function=_link_or_copy, dirs_exist_ok=True)
        else:
            os.chmod(stage, 0o777 & ~_umask())
        for path in result.written:
            _write_file(stage / path, result.files[path])
        for path in result.removed:
            (stage / path).unlink()
            _prune_empty_dirs((stage / path).parent, stage)
        _write_file(stage / MANIFEST_NAME, result.manifest_text)
        _swap_in(stage, out)
    except OSError as exc:
        raise WriteError(f"cannot write {result.out}: {exc.strerror or exc} ({exc.filename or ''}); "
                         f"{result.out} is unchanged") from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _prune_empty_dirs(directory: Path, stop: Path) -> None:
    while directory != stop and directory.is_dir() and not any(directory.iterdir()):
        directory.rmdir()
        directory = directory.parent
