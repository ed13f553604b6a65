"""The pipeline, end to end: load -> validate -> model -> emit -> format -> write.

Each stage is its own module; this one only wires them together and decides when nothing needs to
be done at all (the manifest says the inputs and outputs are what they were).
"""

from __future__ import annotations

import gc
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__, fingerprint
from .resources import bundled_spec
from .write import (
    MANIFEST_NAME,
    Plan,
    apply,
    check_out,
    manifest_diff,
    plan,
    read_manifest,
    unified_diff,
)

if TYPE_CHECKING:
    from . import ir

DEFAULT_PACKAGE = "mcp_tasks"
DEFAULT_NPM_PACKAGE = "mcp-tasks"


@dataclass(frozen=True)
class Options:
    spec: Path | None = None  # None: the bundled spec
    out: Path = Path("generated")
    modules: tuple[str, ...] | None = None  # None: every module
    targets: tuple[str, ...] | None = None  # None: every target
    package: str = DEFAULT_PACKAGE
    npm_package: str = DEFAULT_NPM_PACKAGE  # the name of the TypeScript target's npm package
    templates: Path | None = None  # a directory of template overrides
    distribution: str | None = None  # the generated project's distribution name (None: from package)
    distribution_version: str | None = None  # its version (None: the spec's version)

    @property
    def spec_dir(self) -> Path:
        return self.spec if self.spec is not None else bundled_spec()

    def command(self) -> str:
        """The command that regenerates this output, for file headers (no paths: they vary).

        Template overrides are left out on purpose: overriding one template must change that one
        output only (the manifest still records the overrides, so `check` notices them change)."""
        parts = ["taskbind generate"]
        if self.modules is not None:
            parts.append(f"--modules {','.join(self.modules)}")
        if self.targets is not None:
            parts.append(f"--target {','.join(self.targets)}")
        if self.package != DEFAULT_PACKAGE:
            parts.append(f"--package {self.package}")
        if self.npm_package != DEFAULT_NPM_PACKAGE:
            parts.append(f"--npm-package {self.npm_package}")
        if self.distribution is not None:
            parts.append(f"--distribution {self.distribution}")
        if self.distribution_version is not None:
            parts.append(f"--distribution-version {self.distribution_version}")
        return " ".join(parts)


def input_fingerprint(options: Options) -> dict[str, object]:
    """Everything the output depends on (see taskbind.fingerprint)."""
    return fingerprint.input_fingerprint(
        options.spec_dir,
        options.templates,
        options.modules,
        options.targets,
        options.package,
        options.npm_package,
        options.distribution,
        options.distribution_version,
    )


def up_to_date(options: Options, inputs: dict[str, object]) -> bool:
    """True when the manifest records these inputs and every output file still has its hash."""
    return fingerprint.up_to_date(options.out, inputs)


def build_spec(
    spec_dir: Path, modules: Iterable[str] | None = None, *, skip_unknown_modules: bool = False,
    check_examples: bool = True,
) -> ir.Spec:
    """load -> validate -> model: the IR of the selected modules (all when None) of a spec directory.

    The one way any command turns a spec into an IR. Raises SpecError (located) when the spec is
    invalid. `skip_unknown_modules` drops requested modules the spec does not have (the old side
    of a diff may predate a module: everything it brings is then reported as added)."""
    # The IR depends on the spec files' contents and these arguments alone (it holds no path), and
    # it is immutable: a process that builds the same spec again (`diff` against a base, the test
    # suite's many generations) reuses it. Only a valid spec is kept; a bad one raises every time.
    key = (
        fingerprint.spec_fingerprint(spec_dir),
        None if modules is None else tuple(modules),
        skip_unknown_modules,
        check_examples,
    )
    if key in _BUILT:
        _BUILT.move_to_end(key)
        return _BUILT[key]
    spec = _build_spec(spec_dir, modules, skip_unknown_modules, check_examples)
    _BUILT[key] = spec
    while len(_BUILT) > 8:
        _BUILT.popitem(last=False)
    return spec


_BUILT: OrderedDict[tuple[object, ...], ir.Spec] = OrderedDict()


def _build_spec(
    spec_dir: Path, modules: Iterable[str] | None, skip_unknown_modules: bool, check_examples: bool
) -> ir.Spec:
    from .diagnostics import SpecError
    from .load import load_spec
    from .model import build_model
    from .validate import validate

    raw = load_spec(spec_dir)
    problems = validate(raw)
    if problems:
        raise SpecError(problems)
    if modules is not None and skip_unknown_modules:
        modules = [name for name in modules if name in raw.modules]
    spec = build_model(raw, modules)
    if check_examples:
        from .examples_check import check_examples as examples_problems

        problems = examples_problems(spec)
        if problems:
            raise SpecError(problems)
    return spec


Progress = Callable[[str, "float | None"], None]
"""Told each step's name as it starts (seconds None) and again as it ends (with its duration):
"spec" (load, validate, model), each target's name, "format"."""


@contextmanager
def _step(progress: Progress | None, name: str) -> Iterator[None]:
    if progress is None:
        yield
        return
    progress(name, None)
    started = time.perf_counter()
    yield
    progress(name, time.perf_counter() - started)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for one generation, as before it if it was off.

    A generation builds a large graph of live objects (the spec's located YAML, the IR,
    datamodel-code-generator's models, the AST of models.py) and frees little of it until the end;
    each collection scans that whole graph again, so with the collector on a generate spent about
    one CPU second in seven collecting (measured at 1,000 synthetic methods; 1.5-2.5x on load,
    model and arrange). Reference counting still frees everything acyclic at once; the few cycles
    wait for the collector's next run after this block (peak memory: docs/performance.md)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def render(options: Options, progress: Progress | None = None) -> dict[str, str]:
    """Every output file, in memory. Raises SpecError (located) on a bad spec, ValueError on a
    selection the chosen targets cannot serve."""
    with _collector_paused():
        return _render(options, progress)


def _render(options: Options, progress: Progress | None = None) -> dict[str, str]:
    from .emitters.context import GenerationContext
    from .format import format_outputs
    from .render import make_environment
    from .targets import TARGETS, unsupported

    with _step(progress, "spec"):
        spec = build_spec(options.spec_dir, options.modules)
    targets = options.targets if options.targets is not None else tuple(TARGETS)
    unknown = [t for t in targets if t not in TARGETS]
    if unknown:
        from .diagnostics import did_you_mean

        named = ", ".join(t + did_you_mean(t, TARGETS) for t in unknown)
        raise ValueError(f"unknown target(s) {named}; known: {', '.join(TARGETS)}")
    for target in targets:
        reason = unsupported(target, spec)
        if reason:
            raise ValueError(
                f"target {target} cannot be generated for modules {','.join(spec.module_names)}: {reason} "
                f"(select a module that does, or leave {target} out with --target)"
            )
    context = GenerationContext(
        spec=spec,
        generator_version=__version__,
        command=options.command(),
        templates=make_environment(options.templates),
        package=options.package,
        npm_package=options.npm_package,
        distribution=options.distribution,
        distribution_version=options.distribution_version,
    )
    files: dict[str, str] = {}
    for target in targets:
        with _step(progress, target):
            files.update(TARGETS[target](context))
    with _step(progress, "format"):
        return format_outputs(files)


def plan_generation(options: Options, progress: Progress | None = None) -> Plan:
    """What `generate` would do; `check` is this without applying it."""

    check_out(options.out, options.spec_dir)
    inputs = input_fingerprint(options)
    if up_to_date(options, inputs):
        manifest = read_manifest(options.out)
        result = Plan(
            options.out, {}, manifest_text=(options.out / MANIFEST_NAME).read_text("utf-8"), from_manifest=True
        )
        result.unchanged = sorted(manifest.get("files", {}))
        return result
    return plan(options.out, render(options, progress), inputs)


def generate(options: Options, progress: Progress | None = None) -> Plan:
    """Plan, then apply atomically: the output directory is whole before and after."""
    result = plan_generation(options, progress)
    apply(result)
    return result


def stale_diff(result: Plan) -> str:
    """The unified diff of what `generate` would change, the manifest last: `check`'s report."""
    return unified_diff(result) + manifest_diff(result)
