"""What the command line prints besides results: progress by verbosity, spec errors as
`path:line:col: message`, paths as the user can open them, and the command that regenerates."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer


class Report:
    """What a command prints besides its result, by verbosity: -q errors only; the default, one line
    as each long step starts, on a terminal only (logs and pipes get results and errors, nothing
    else); -v, each step's time as it ends and the files left as they were. Progress goes to
    stderr, so that stdout carries only results (the file list, check's diff)."""

    LABELS = {"spec": "reading the spec", "format": "formatting Python (ruff)"}

    def __init__(self, quiet: bool, verbose: bool):
        if quiet and verbose:
            typer.echo("error: -q and -v exclude each other", err=True)
            raise typer.Exit(2)
        self.quiet, self.verbose = quiet, verbose
        self.interactive = sys.stderr.isatty()

    def label(self, step: str) -> str:
        return self.LABELS.get(step, f"rendering {step}")

    def progress(self, step: str, seconds: float | None) -> None:
        if self.quiet:
            return
        if seconds is None:
            if self.interactive and not self.verbose:
                typer.echo(f"{self.label(step)}...", err=True)
        elif self.verbose:
            typer.echo(f"{self.label(step):<28} {seconds:6.2f} s", err=True)

    def info(self, text: str) -> None:
        if not self.quiet:
            typer.echo(text)

    def detail(self, text: str) -> None:
        if self.verbose:
            typer.echo(text)


def regenerate_hint(**flags: object) -> str:
    """The command that regenerates, with exactly the flags this run was given: the configuration
    supplies the rest again when the user runs it from the same place."""
    import shlex

    parts = ["taskbind generate"]
    for name, value in flags.items():
        if value is not None:
            parts.append(f"--{name.replace('_', '-')} {shlex.quote(str(value))}")
    return " ".join(parts)


def display(spec_dir: Path, relative: str) -> str:
    """A diagnostic path as the user can open it: relative to the working directory if possible."""
    full = (spec_dir / relative).resolve()
    try:
        return os.path.relpath(full)
    except ValueError:
        return str(full)


def fail_on_spec_errors(spec_dir: Path, error: Exception) -> None:
    from .diagnostics import SpecError

    if isinstance(error, SpecError):
        for d in error.diagnostics:
            typer.echo(f"{display(spec_dir, d.location.path)}:{d.location.line}:{d.location.column}: {d.message}", err=True)
        typer.echo(f"{len(error.diagnostics)} error(s) in spec {spec_dir}", err=True)
        raise typer.Exit(2)
    if isinstance(error, (ValueError, FileNotFoundError, NotADirectoryError)):
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2)
    where = template_location(error)
    if where is not None:  # most likely a --templates override using a name the context lacks
        typer.echo(f"{where}: template error: {error}", err=True)
        raise typer.Exit(2)
    raise error


def template_location(error: BaseException) -> str | None:
    """template-file:line of a Jinja error, or None when it is not one."""
    import jinja2

    if not isinstance(error, jinja2.TemplateError):
        return None
    if isinstance(getattr(error, "location", None), str):  # render.TemplateOutputError
        file, _, line = error.location.rpartition(":")
        return f"{display(Path(), file)}:{line}"
    if isinstance(error, jinja2.TemplateSyntaxError):
        return f"{display(Path(), error.filename or error.name or '?')}:{error.lineno}"
    where, frame = "template", error.__traceback__
    while frame is not None:  # Jinja maps the template's frames back to the template's lines
        if frame.tb_frame.f_code.co_filename.endswith(".j2"):
            where = f"{display(Path(), frame.tb_frame.f_code.co_filename)}:{frame.tb_lineno}"
        frame = frame.tb_next
    return where
