"""The spec directory as it was at a git ref, for `taskbind diff --against REF`."""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path


class GitSpecError(ValueError):
    """The ref, the repository or the spec path cannot give a spec (reported as bad input)."""


def _git(args: list[str], cwd: Path) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise GitSpecError("git is not installed") from None
    if done.returncode != 0:
        raise GitSpecError(
            done.stderr.decode("utf-8", "replace").strip() or f"git {' '.join(args)} failed"
        )
    return done.stdout


def spec_at_ref(ref: str, spec_dir: Path, destination: Path) -> Path:
    """Extract `spec_dir` (a directory inside a git work tree) as of `ref` under `destination`;
    return the extracted spec directory."""
    spec_dir = spec_dir.resolve()
    if not spec_dir.is_dir():
        raise GitSpecError(f"spec directory {spec_dir} does not exist")
    try:
        top = Path(_git(["rev-parse", "--show-toplevel"], spec_dir).decode().strip()).resolve()
    except GitSpecError as error:
        raise GitSpecError(f"{spec_dir} is not in a git repository ({error})") from None
    relative = spec_dir.relative_to(top).as_posix()
    try:
        commit = (
            _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"], top)
            .decode()
            .strip()
        )
    except GitSpecError:
        raise GitSpecError(f"unknown git ref {ref!r}") from None
    try:
        archive = _git(["archive", "--format=tar", commit, "--", relative], top)
    except GitSpecError:
        raise GitSpecError(f"{relative}/ does not exist at {ref}") from None
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(destination, filter="data")
    return destination / relative
