"""The command line: `taskbind generate | check | validate | diff`.

Exit codes: 0 success; 1 `check` found stale output, or `diff` found a breaking change; 2 bad input
(spec errors, bad options, a bad configuration, an unknown git ref).

Settings come from the flags, then from `[tool.taskbind]` in the project's pyproject.toml (see
taskbind.config), then from the defaults.
"""

from __future__ import annotations

import enum
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from .pipeline import DEFAULT_NPM_PACKAGE, DEFAULT_PACKAGE, Options

# npm's rule for new package names: lower case, URL-safe, optionally scoped, at most 214 characters.
NPM_NAME = re.compile(r"(?=.{1,214}$)(@[a-z0-9][a-z0-9._~-]*/)?[a-z0-9][a-z0-9._~-]*")

if TYPE_CHECKING:
    from .config import Config

app = typer.Typer(
    help="Generate typed bindings for the MCP Tasks extension from the canonical spec.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

SpecOption = Annotated[
    Optional[Path], typer.Option("--spec", help="Spec directory (default: the configured spec, else the bundled spec).")
]
OutOption = Annotated[
    Optional[Path], typer.Option("--out", help="Output directory (default: the configured out, else generated).")
]
ModulesOption = Annotated[
    Optional[str], typer.Option("--modules", help="Comma-separated modules to include (and what they require).")
]
TargetOption = Annotated[Optional[str], typer.Option("--target", help="Comma-separated targets (default: all).")]
PackageOption = Annotated[
    Optional[str], typer.Option("--package", help=f"Import name of the generated Python package (default: {DEFAULT_PACKAGE}).")
]
NpmPackageOption = Annotated[
    Optional[str], typer.Option("--npm-package", help=f"Name of the generated npm package (default: {DEFAULT_NPM_PACKAGE}).")
]
TemplatesOption = Annotated[
    Optional[Path], typer.Option("--templates", help="Directory of templates overriding built-in ones by relative path.")
]


def _split(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _display(spec_dir: Path, relative: str) -> str:
    """A diagnostic path as the user can open it: relative to the working directory if possible."""
    full = (spec_dir / relative).resolve()
    try:
        return os.path.relpath(full)
    except ValueError:
        return str(full)


def _fail_on_spec_errors(spec_dir: Path, error: Exception) -> None:
    from .diagnostics import SpecError

    if isinstance(error, SpecError):
        for d in error.diagnostics:
            typer.echo(f"{_display(spec_dir, d.location.path)}:{d.location.line}:{d.location.column}: {d.message}", err=True)
        typer.echo(f"{len(error.diagnostics)} error(s) in spec {spec_dir}", err=True)
        raise typer.Exit(2)
    if isinstance(error, (ValueError, FileNotFoundError, NotADirectoryError)):
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2)
    where = _template_location(error)
    if where is not None:  # most likely a --templates override using a name the context lacks
        typer.echo(f"{where}: template error: {error}", err=True)
        raise typer.Exit(2)
    raise error


def _template_location(error: BaseException) -> str | None:
    """template-file:line of a Jinja error, or None when it is not one."""
    import jinja2

    if not isinstance(error, jinja2.TemplateError):
        return None
    if isinstance(getattr(error, "location", None), str):  # render.TemplateOutputError
        file, _, line = error.location.rpartition(":")
        return f"{_display(Path(), file)}:{line}"
    if isinstance(error, jinja2.TemplateSyntaxError):
        return f"{_display(Path(), error.filename or error.name or '?')}:{error.lineno}"
    where, frame = "template", error.__traceback__
    while frame is not None:  # Jinja maps the template's frames back to the template's lines
        if frame.tb_frame.f_code.co_filename.endswith(".j2"):
            where = f"{_display(Path(), frame.tb_frame.f_code.co_filename)}:{frame.tb_lineno}"
        frame = frame.tb_next
    return where


def _config() -> Config:
    from .config import ConfigError, load_config

    try:
        return load_config()
    except ConfigError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None


def _options(spec, out, modules, target, package, templates, npm_package=None) -> Options:
    """Flags first, then [tool.taskbind], then the defaults."""
    config = _config()

    def origin(flag: object, name: str) -> str:  # where a bad value came from, for the message
        return f"--{name}" if flag is not None else f"{config.path}: [tool.taskbind] {name} ="

    checks = [
        ("templates", templates, templates if templates is not None else config.templates),
        ("spec", spec, spec if spec is not None else config.spec),
    ]
    for name, flag, value in checks:
        if value is not None and not value.is_dir():
            typer.echo(f"error: {origin(flag, name)} {value} is not a directory", err=True)
            raise typer.Exit(2)
    chosen_package = package if package is not None else config.package or DEFAULT_PACKAGE
    from .naming import package_name_problem

    problem = package_name_problem(chosen_package)
    if problem:
        typer.echo(f"error: {origin(package, 'package')} {chosen_package!r} {problem}", err=True)
        raise typer.Exit(2)
    chosen_npm_package = npm_package if npm_package is not None else config.npm_package or DEFAULT_NPM_PACKAGE
    if not NPM_NAME.fullmatch(chosen_npm_package):
        typer.echo(
            f"error: {origin(npm_package, 'npm-package' if npm_package is not None else 'npm_package')} "
            f"{chosen_npm_package!r} is not an npm package name (lower case, optionally @scope/name)",
            err=True,
        )
        raise typer.Exit(2)
    return Options(
        spec=checks[1][2],
        # With a configuration, the default output is anchored at the project, not the working directory.
        out=out if out is not None else config.out or (config.root or Path()) / "generated",
        modules=_split(modules) if modules is not None else config.modules,
        targets=_split(target) if target is not None else config.targets,
        package=chosen_package,
        npm_package=chosen_npm_package,
        templates=checks[0][2],
    )


def _run(step, options: Options):
    try:
        return step(options)
    except Exception as error:  # noqa: BLE001 - every known error becomes exit 2 with a message
        _fail_on_spec_errors(options.spec_dir, error)


@app.command()
def generate(
    spec: SpecOption = None,
    out: OutOption = None,
    modules: ModulesOption = None,
    target: TargetOption = None,
    package: PackageOption = None,
    templates: TemplatesOption = None,
    npm_package: NpmPackageOption = None,
) -> None:
    """Regenerate the output directory from the spec (atomic: a failure leaves it untouched)."""
    from .pipeline import generate as run_generate

    options = _options(spec, out, modules, target, package, templates, npm_package)
    result = _run(run_generate, options)
    for path in result.written:
        typer.echo(f"wrote     {_display(options.out, path)}")
    for path in result.removed:
        typer.echo(f"removed   {_display(options.out, path)}")
    typer.echo(f"{len(result.written)} written, {len(result.unchanged)} unchanged, {len(result.removed)} removed")


@app.command()
def check(
    spec: SpecOption = None,
    out: OutOption = None,
    modules: ModulesOption = None,
    target: TargetOption = None,
    package: PackageOption = None,
    templates: TemplatesOption = None,
    npm_package: NpmPackageOption = None,
) -> None:
    """Exit 0 when the output is exactly what generate would write; else 1 with a unified diff."""
    from .pipeline import plan_generation, stale_diff

    options = _options(spec, out, modules, target, package, templates, npm_package)
    result = _run(plan_generation, options)
    if result.clean:
        typer.echo(f"{_display(options.out, '.')} is up to date ({len(result.unchanged)} files)")
        return
    sys.stdout.write(stale_diff(result))
    typer.echo(
        f"{_display(options.out, '.')} is stale: {len(result.written)} file(s) differ, {len(result.removed)} should be removed. "
        f"Run `{options.command()}`.",
        err=True,
    )
    raise typer.Exit(1)


@app.command()
def validate(spec: SpecOption = None) -> None:
    """Exit 0 when the spec is valid; else 2, listing every error as path:line:col: message."""
    from .pipeline import build_spec

    options = _options(spec, None, None, None, None, None)
    _run(lambda chosen: build_spec(chosen.spec_dir), options)
    typer.echo(f"spec {options.spec_dir} is valid")


class DiffLevel(str, enum.Enum):
    wire = "wire"
    source = "source"


class DiffFormat(str, enum.Enum):
    text = "text"
    json = "json"
    github = "github"


def _load_side(spec_dir: Path, display_root: Path, modules, label: str, *, old: bool):
    from .pipeline import build_spec

    if not spec_dir.is_dir():
        typer.echo(f"error: {label} spec {spec_dir} is not a directory", err=True)
        raise typer.Exit(2)
    try:
        return build_spec(spec_dir, modules, skip_unknown_modules=old)
    except Exception as error:  # noqa: BLE001 - every known error becomes exit 2 with a message
        typer.echo(f"in the {label} spec:", err=True)
        _fail_on_spec_errors(display_root, error)


@app.command()
def diff(
    old: Annotated[
        Optional[Path], typer.Argument(help="Old spec directory (with --against: the new one).", show_default=False)
    ] = None,
    new: Annotated[Optional[Path], typer.Argument(help="New spec directory.", show_default=False)] = None,
    against: Annotated[
        Optional[str],
        typer.Option("--against", help="Compare with the spec as it was at this git ref (the old side).", show_default=False),
    ] = None,
    spec: SpecOption = None,
    modules: ModulesOption = None,
    level: Annotated[
        DiffLevel, typer.Option("--level", help="wire: only WIRE changes break; source: WIRE and SOURCE changes break.")
    ] = DiffLevel.source,
    output_format: Annotated[DiffFormat, typer.Option("--format", help="text, json, or GitHub Actions annotations.")] = DiffFormat.text,
    list_rules: Annotated[bool, typer.Option("--list-rules", help="Print every rule id with its category and exit.")] = False,
) -> None:
    """Report what changed between two specs; exit 1 when a change breaks at --level, else 0.

    `taskbind diff OLD NEW` compares two spec directories; `taskbind diff --against REF [NEW]`
    compares NEW (default: --spec, the configured spec, the bundled spec) with itself at REF.
    """
    import tempfile

    from .diff import compare
    from .diff.output import FORMATS
    from .diff.rules import RULES

    if list_rules:
        for rule in RULES.values():
            typer.echo(f"{rule.id:34} {rule.category:6} {rule.summary}")
        return
    config = _config()
    selected = _split(modules) if modules is not None else config.modules
    with tempfile.TemporaryDirectory(prefix="taskbind-diff-") as scratch:
        if against is not None:
            if new is not None:
                typer.echo("error: with --against, give at most one spec directory (the new one)", err=True)
                raise typer.Exit(2)
            from .diff.git import GitSpecError, spec_at_ref
            from .resources import bundled_spec

            new_dir = old or spec or config.spec or bundled_spec()
            try:
                old_dir = spec_at_ref(against, new_dir, Path(scratch))
            except GitSpecError as error:
                typer.echo(f"error: {error}", err=True)
                raise typer.Exit(2) from None
            old_root, old_label = new_dir, f"old ({against})"
        else:
            if old is None or new is None or spec is not None:
                typer.echo("error: give OLD and NEW spec directories, or --against REF [--spec NEW]", err=True)
                raise typer.Exit(2)
            old_dir, new_dir, old_root, old_label = old, new, old, "old"
        before = _load_side(old_dir, old_root, selected, old_label, old=True)
        after = _load_side(new_dir, new_dir, selected, "new", old=False)
    changes = compare(before, after)
    sys.stdout.write(FORMATS[output_format.value](changes, level.value, {"old": old_root, "new": new_dir}))
    if any(change.breaking(level.value) for change in changes):
        raise typer.Exit(1)


def main() -> None:
    app()
