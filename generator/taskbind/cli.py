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

from .console import Report, display, fail_on_spec_errors, regenerate_hint
from .fingerprint import MANIFEST_NAME
from .pipeline import DEFAULT_NPM_PACKAGE, DEFAULT_PACKAGE, Options

# npm's rule for new package names: lower case, URL-safe, optionally scoped, at most 214 characters.
NPM_NAME = re.compile(r"(?=.{1,214}$)(@[a-z0-9][a-z0-9._~-]*/)?[a-z0-9][a-z0-9._~-]*")

if TYPE_CHECKING:
    from .config import Config

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

app = typer.Typer(
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion for bash, zsh, fish, PowerShell
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # click's plain help: flags without metavars, examples kept as written
    context_settings=CONTEXT_SETTINGS,
)


def _show_version(value: bool) -> None:
    if value:
        from . import __version__

        typer.echo(f"taskbind {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", "-V", help="Print the version and exit.", callback=_show_version, is_eager=True),
    ] = False,
) -> None:
    """Generate typed bindings for the MCP Tasks extension from the canonical spec.

    Settings come from the flags, then [tool.taskbind] in pyproject.toml, then the defaults.
    Exit codes: 0 success; 1 stale output (check) or a breaking change (diff); 2 bad input.
    """


SpecOption = Annotated[
    Optional[Path],
    typer.Option("--spec", metavar="DIR", help="Spec directory (default: the configured spec, else the bundled spec)."),
]
OutOption = Annotated[
    Optional[Path], typer.Option("--out", metavar="DIR", help="Output directory (default: the configured out, else generated).")
]
ModulesOption = Annotated[
    Optional[str],
    typer.Option("--modules", metavar="A,B", help="Comma-separated modules to include (and what they require)."),
]
TargetOption = Annotated[
    Optional[str], typer.Option("--target", metavar="A,B", help="Comma-separated targets: schema, python, typescript, docs (default: all).")
]
PackageOption = Annotated[
    Optional[str],
    typer.Option("--package", metavar="NAME", help=f"Import name of the generated Python package (default: {DEFAULT_PACKAGE})."),
]
NpmPackageOption = Annotated[
    Optional[str],
    typer.Option("--npm-package", metavar="NAME", help=f"Name of the generated npm package (default: {DEFAULT_NPM_PACKAGE}).")
]
TemplatesOption = Annotated[
    Optional[Path],
    typer.Option("--templates", metavar="DIR", help="Directory of templates overriding built-in ones by relative path."),
]
DistributionOption = Annotated[
    Optional[str],
    typer.Option(
        "--distribution",
        metavar="NAME",
        help="Distribution name of the generated Python project (default: the package name with - for _).",
    ),
]
DistributionVersionOption = Annotated[
    Optional[str],
    typer.Option(
        "--distribution-version", metavar="VERSION", help="Version of the generated Python project (default: the spec's version)."
    ),
]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="Print errors only.")]
VerboseOption = Annotated[bool, typer.Option("--verbose", "-v", help="Also print every step with its timing, and unchanged files.")]


def _split(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _config() -> Config:
    from .config import ConfigError, load_config

    try:
        return load_config()
    except ConfigError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None


def _options(
    spec, out, modules, target, package, templates, npm_package=None, distribution=None, distribution_version=None
) -> Options:
    """Flags first, then [tool.taskbind], then the defaults."""
    from .config import valid_distribution, valid_version

    config = _config()

    def origin(flag: object, name: str) -> str:  # where a bad value came from, for the message
        return f"--{name.replace('_', '-')}" if flag is not None else f"{config.path}: [tool.taskbind] {name} ="

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
    chosen = {
        "distribution": (distribution, distribution if distribution is not None else config.distribution, valid_distribution),
        "distribution_version": (
            distribution_version,
            distribution_version if distribution_version is not None else config.distribution_version,
            valid_version,
        ),
    }
    for name, (flag, value, problem) in chosen.items():
        reason = problem(value) if value is not None else None
        if reason:
            typer.echo(f"error: {origin(flag, name)} {value!r} {reason}", err=True)
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
        distribution=chosen["distribution"][1],
        distribution_version=chosen["distribution_version"][1],
    )


def _run(step, options: Options):
    try:
        return step(options)
    except Exception as error:  # noqa: BLE001 - every known error becomes exit 2 with a message
        fail_on_spec_errors(options.spec_dir, error)


def _examples(*lines: str) -> str:
    """A command's epilog: examples, kept line by line (click's \\b stops re-wrapping)."""
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)


@app.command(
    short_help='Regenerate the output directory from the spec.',
    epilog=_examples(
        "taskbind generate                          # regenerate the configured output",
        "taskbind generate --modules core --out build/core",
        "taskbind generate --target schema,python -v  # with per-step timings",
    )
)
def generate(
    spec: SpecOption = None,
    out: OutOption = None,
    modules: ModulesOption = None,
    target: TargetOption = None,
    package: PackageOption = None,
    templates: TemplatesOption = None,
    npm_package: NpmPackageOption = None,
    distribution: DistributionOption = None,
    distribution_version: DistributionVersionOption = None,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Regenerate the output directory from the spec (atomic: a failure leaves it untouched).

    Prints each file written or removed, then a summary. When the manifest shows that neither the
    inputs nor the outputs changed, it answers without rendering anything.
    """
    import time

    from .pipeline import generate as run_generate

    report = Report(quiet, verbose)
    options = _options(spec, out, modules, target, package, templates, npm_package, distribution, distribution_version)
    started = time.perf_counter()
    result = _run(lambda chosen: run_generate(chosen, progress=report.progress), options)
    for path in result.written:
        report.info(f"wrote     {display(options.out, path)}")
    for path in result.removed:
        report.info(f"removed   {display(options.out, path)}")
    for path in result.unchanged:
        report.detail(f"unchanged {display(options.out, path)}")
    if result.from_manifest:
        report.detail("inputs and outputs match the manifest: nothing rendered")
    summary = f"{len(result.written)} written, {len(result.unchanged)} unchanged, {len(result.removed)} removed"
    report.info(f"{summary} in {time.perf_counter() - started:.1f} s" if verbose else summary)


@app.command(
    short_help='Exit 1 with a diff when the output is stale or hand-edited.',
    epilog=_examples(
        "taskbind check                             # exit 1 with a unified diff when stale",
        "taskbind check --out build/core --modules core",
        "taskbind check -q                          # the exit code and the diff only",
    )
)
def check(
    spec: SpecOption = None,
    out: OutOption = None,
    modules: ModulesOption = None,
    target: TargetOption = None,
    package: PackageOption = None,
    templates: TemplatesOption = None,
    npm_package: NpmPackageOption = None,
    distribution: DistributionOption = None,
    distribution_version: DistributionVersionOption = None,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Exit 0 when the output is exactly what generate would write; else 1 with a unified diff."""
    from .pipeline import plan_generation, stale_diff

    report = Report(quiet, verbose)
    options = _options(spec, out, modules, target, package, templates, npm_package, distribution, distribution_version)
    result = _run(lambda chosen: plan_generation(chosen, progress=report.progress), options)
    if result.clean:
        report.info(f"{display(options.out, '.')} is up to date ({len(result.unchanged)} files)")
        return
    sys.stdout.write(stale_diff(result))
    hint = regenerate_hint(
        spec=spec, out=out, modules=modules, target=target, package=package, templates=templates,
        distribution=distribution, distribution_version=distribution_version,
    )
    if not result.written and not result.removed:
        what = f"its manifest ({MANIFEST_NAME}) records other inputs (taskbind's code, version or options changed)"
    else:
        what = f"{len(result.written)} file(s) differ, {len(result.removed)} should be removed"
    typer.echo(f"{display(options.out, '.')} is stale: {what}. Run `{hint}`.", err=True)
    raise typer.Exit(1)


@app.command(
    short_help='Check the spec; list every error with its location.',
    epilog=_examples(
        "taskbind validate                          # the configured (or bundled) spec",
        "taskbind validate --spec my-spec -q        # exit code only, errors on stderr",
    )
)
def validate(spec: SpecOption = None, quiet: QuietOption = False, verbose: VerboseOption = False) -> None:
    """Exit 0 when the spec is valid; else 2, listing every error as path:line:col: message."""
    import time

    from .pipeline import build_spec

    report = Report(quiet, verbose)
    options = _options(spec, None, None, None, None, None)
    started = time.perf_counter()
    _run(lambda chosen: build_spec(chosen.spec_dir), options)
    report.progress("spec", time.perf_counter() - started)
    report.info(f"spec {display(options.spec_dir, '.')} is valid")


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
        fail_on_spec_errors(display_root, error)


@app.command(
    short_help='Report what changed between two specs, and what breaks.',
    epilog=_examples(
        "taskbind diff old-spec/ spec/              # two spec directories: OLD then NEW",
        "taskbind diff --against origin/main        # the configured spec against itself at a git ref",
        "taskbind diff --against v1.0 spec/ --level wire --format json",
        "taskbind diff --list-rules",
    )
)
def diff(
    specs: Annotated[
        Optional[list[Path]],
        typer.Argument(
            metavar="SPEC",
            help="Spec directories: OLD NEW; with --against REF, NEW alone or nothing (the configured spec).",
            show_default=False,
        ),
    ] = None,
    against: Annotated[
        Optional[str],
        typer.Option("--against", metavar="REF", help="Compare with the spec as it was at this git ref (the old side).", show_default=False),
    ] = None,
    spec: SpecOption = None,
    modules: ModulesOption = None,
    level: Annotated[
        DiffLevel, typer.Option("--level", help="wire: only WIRE changes break; source: WIRE and SOURCE changes break.")
    ] = DiffLevel.source,
    output_format: Annotated[DiffFormat, typer.Option("--format", help="text, json, or GitHub Actions annotations.")] = DiffFormat.text,
    list_rules: Annotated[bool, typer.Option("--list-rules", help="Print every rule id with its category and exit.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing; the exit code says whether a change breaks.")] = False,
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
    given = list(specs or [])
    with tempfile.TemporaryDirectory(prefix="taskbind-diff-") as scratch:
        if against is not None:
            if len(given) > 1 or (given and spec is not None):
                typer.echo("error: with --against, give at most one spec directory (the new one)", err=True)
                raise typer.Exit(2)
            from .diff.git import GitSpecError, spec_at_ref
            from .resources import bundled_spec

            new_dir = (given[0] if given else None) or spec or config.spec or bundled_spec()
            try:
                old_dir = spec_at_ref(against, new_dir, Path(scratch))
            except GitSpecError as error:
                typer.echo(f"error: {error}", err=True)
                raise typer.Exit(2) from None
            old_root, old_label = new_dir, f"old ({against})"
        else:
            if len(given) != 2 or spec is not None:
                typer.echo("error: give OLD and NEW spec directories, or --against REF [NEW]", err=True)
                raise typer.Exit(2)
            old_dir, new_dir = given
            old_root, old_label = old_dir, "old"
        before = _load_side(old_dir, old_root, selected, old_label, old=True)
        after = _load_side(new_dir, new_dir, selected, "new", old=False)
    changes = compare(before, after)
    if not quiet:
        sys.stdout.write(FORMATS[output_format.value](changes, level.value, {"old": old_root, "new": new_dir}))
    if any(change.breaking(level.value) for change in changes):
        raise typer.Exit(1)


def main() -> None:
    # Shell completion (--install-completion, --show-completion, and the shell's own requests, which
    # come through _TASKBIND_COMPLETE) costs an import of typer's completion code on every start;
    # only the top level needs it, so `check` and a no-op `generate` start without it.
    args = sys.argv[1:]
    app._add_completion = "_TASKBIND_COMPLETE" in os.environ or not args or args[0].startswith("-")
    app()
