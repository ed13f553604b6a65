"""The command line: `taskbind generate | check | validate`.

Exit codes: 0 success; 1 `check` found stale output; 2 bad input (spec errors, bad options).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from .pipeline import DEFAULT_PACKAGE, Options

app = typer.Typer(
    help="Generate typed bindings for the MCP Tasks extension from the canonical spec.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

SpecOption = Annotated[Optional[Path], typer.Option("--spec", help="Spec directory (default: the bundled spec).")]
OutOption = Annotated[Path, typer.Option("--out", help="Output directory.")]
ModulesOption = Annotated[
    Optional[str], typer.Option("--modules", help="Comma-separated modules to include (and what they require).")
]
TargetOption = Annotated[Optional[str], typer.Option("--target", help="Comma-separated targets (default: all).")]
PackageOption = Annotated[str, typer.Option("--package", help="Import name of the generated Python package.")]
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
    raise error


def _options(spec, out, modules, target, package, templates) -> Options:
    if templates is not None and not templates.is_dir():
        typer.echo(f"error: --templates {templates} is not a directory", err=True)
        raise typer.Exit(2)
    if spec is not None and not spec.is_dir():
        typer.echo(f"error: --spec {spec} is not a directory", err=True)
        raise typer.Exit(2)
    if not package.isidentifier():
        typer.echo(f"error: --package {package!r} is not a Python identifier", err=True)
        raise typer.Exit(2)
    return Options(spec=spec, out=out, modules=_split(modules), targets=_split(target), package=package, templates=templates)


def _plan(options: Options):
    from .pipeline import plan_generation

    try:
        return plan_generation(options)
    except Exception as error:  # noqa: BLE001 - every known error becomes exit 2 with a message
        _fail_on_spec_errors(options.spec_dir, error)


@app.command()
def generate(
    spec: SpecOption = None,
    out: OutOption = Path("generated"),
    modules: ModulesOption = None,
    target: TargetOption = None,
    package: PackageOption = DEFAULT_PACKAGE,
    templates: TemplatesOption = None,
) -> None:
    """Regenerate the output directory from the spec (atomic: a failure leaves it untouched)."""
    from .write import apply

    options = _options(spec, out, modules, target, package, templates)
    result = _plan(options)
    apply(result)
    for path in result.written:
        typer.echo(f"wrote     {out / path}")
    for path in result.removed:
        typer.echo(f"removed   {out / path}")
    typer.echo(f"{len(result.written)} written, {len(result.unchanged)} unchanged, {len(result.removed)} removed")


@app.command()
def check(
    spec: SpecOption = None,
    out: OutOption = Path("generated"),
    modules: ModulesOption = None,
    target: TargetOption = None,
    package: PackageOption = DEFAULT_PACKAGE,
    templates: TemplatesOption = None,
) -> None:
    """Exit 0 when the output is exactly what generate would write; else 1 with a unified diff."""
    from .write import unified_diff

    options = _options(spec, out, modules, target, package, templates)
    result = _plan(options)
    if result.clean:
        typer.echo(f"{out} is up to date ({len(result.unchanged)} files)")
        return
    sys.stdout.write(unified_diff(result))
    typer.echo(
        f"{out} is stale: {len(result.written)} file(s) differ, {len(result.removed)} should be removed. "
        f"Run `{options.command()}`.",
        err=True,
    )
    raise typer.Exit(1)


@app.command()
def validate(spec: SpecOption = None) -> None:
    """Exit 0 when the spec is valid; else 2, listing every error as path:line:col: message."""
    from .load import load_spec
    from .validate import validate as validate_spec

    options = _options(spec, Path("generated"), None, None, DEFAULT_PACKAGE, None)
    try:
        problems = validate_spec(load_spec(options.spec_dir))
        if problems:
            from .diagnostics import SpecError

            raise SpecError(problems)
    except Exception as error:  # noqa: BLE001
        _fail_on_spec_errors(options.spec_dir, error)
    typer.echo(f"spec {options.spec_dir} is valid")


def main() -> None:
    app()
