"""The no-op fast path of `taskbind generate` and `taskbind check`, taken before typer is imported.

When the manifest shows that neither the inputs nor the outputs changed, both commands have nothing
to do but say so. This module finds that out with the standard library alone (tomllib for the
configuration, hashlib for the fingerprints, json for the manifest), so that the answer costs a few
times a bare Python start-up instead of importing typer, yaml, jinja2 and pydantic.

Anything it does not recognise (another command, --help, an unknown or repeated flag, a bad
configuration or option value, stale output) returns None: the full command line then runs and
reports it, with the same messages as ever. tests/test_noop.py holds both paths to the same output.
Set TASKBIND_NO_FASTPATH=1 to always take the full path.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

_COMMANDS = ("generate", "check")
DEFAULT_PACKAGE = "mcp_tasks"  # taskbind.pipeline's default too (tests/test_noop.py holds them equal)
DEFAULT_NPM_PACKAGE = "mcp-tasks"  # likewise
_FLAGS = (
    "--spec", "--out", "--modules", "--target", "--package", "--npm-package", "--templates",
    "--distribution", "--distribution-version",
)  # fmt: skip
_QUIET = ("-q", "--quiet")  # print nothing on success; -v (every unchanged file) takes the full path


def _parse(argv: list[str]) -> tuple[str, dict[str, str]] | None:
    if not argv or argv[0] not in _COMMANDS:
        return None
    flags: dict[str, str] = {}
    rest = iter(argv[1:])
    for token in rest:
        if token in _QUIET:
            flags["--quiet"] = ""
            continue
        name, equals, value = token.partition("=")
        if name not in _FLAGS or name in flags:
            return None
        if not equals:
            value = next(rest, None)  # type: ignore[arg-type]
            if value is None or value.startswith("-"):
                return None
        flags[name] = value
    return argv[0], flags


def _split(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _display(base: Path, relative: str) -> str:
    full = (base / relative).resolve()
    try:
        return os.path.relpath(full)
    except ValueError:
        return str(full)


def run(argv: list[str]) -> int | None:
    """Answer a no-op `generate` / `check` and return its exit code; None when it is not one."""
    if os.environ.get("TASKBIND_NO_FASTPATH") or (parsed := _parse(argv)) is None:
        return None
    command, flags = parsed
    from .config import ConfigError, load_config
    from .fingerprint import input_fingerprint, read_manifest, up_to_date
    from .resources import bundled_spec

    try:
        config = load_config()
    except ConfigError:
        return None
    spec = Path(flags["--spec"]) if "--spec" in flags else config.spec
    templates = Path(flags["--templates"]) if "--templates" in flags else config.templates
    package = flags.get("--package", config.package or DEFAULT_PACKAGE)
    if any(path is not None and not path.is_dir() for path in (spec, templates)) or not package.isidentifier():
        return None
    out = Path(flags["--out"]) if "--out" in flags else config.out or (config.root or Path()) / "generated"
    modules = _split(flags["--modules"]) if "--modules" in flags else config.modules
    targets = _split(flags["--target"]) if "--target" in flags else config.targets
    npm_package = flags.get("--npm-package", config.npm_package or DEFAULT_NPM_PACKAGE)
    distribution = flags.get("--distribution", config.distribution)
    distribution_version = flags.get("--distribution-version", config.distribution_version)
    inputs = input_fingerprint(
        spec or bundled_spec(), templates, modules, targets, package, npm_package, distribution, distribution_version
    )
    if not up_to_date(out, inputs):
        return None
    count = len(read_manifest(out).get("files", {}))
    if "--quiet" in flags:
        pass
    elif command == "generate":
        sys.stdout.write(f"0 written, {count} unchanged, 0 removed\n")
    else:
        sys.stdout.write(f"{_display(out, '.')} is up to date ({count} files)\n")
    return 0


def main() -> None:
    """The console script (and `python -m taskbind`): the fast path first, else the full CLI."""
    code = run(sys.argv[1:])
    if code is not None:
        sys.exit(code)
    from .cli import main as full_main

    full_main()
