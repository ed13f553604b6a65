"""The pipeline, end to end: load -> validate -> model -> emit -> format -> write.

Each stage is its own module; this one only wires them together and decides when nothing needs to
be done at all (the manifest says the inputs and outputs are what they were).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .lineends import lf
from .load import spec_fingerprint
from .resources import bundled_spec, bundled_templates
from .write import (
    MANIFEST_NAME,
    Plan,
    apply,
    plan,
    read_manifest,
    sha256_text,
    unified_diff,
)

if TYPE_CHECKING:
    from . import ir

DEFAULT_PACKAGE = "mcp_tasks"


@dataclass(frozen=True)
class Options:
    spec: Path | None = None  # None: the bundled spec
    out: Path = Path("generated")
    modules: tuple[str, ...] | None = None  # None: every module
    targets: tuple[str, ...] | None = None  # None: every target
    package: str = DEFAULT_PACKAGE
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
        if self.distribution is not None:
            parts.append(f"--distribution {self.distribution}")
        if self.distribution_version is not None:
            parts.append(f"--distribution-version {self.distribution_version}")
        return " ".join(parts)


_GENERATOR_ROOT = Path(__file__).resolve().parent
_SKIPPED_PARTS = frozenset({"__pycache__", "_bundled"})  # bytecode; the wheel's spec and templates


def _tree_fingerprint(root: Path | None, suffixes: tuple[str, ...] | None = None) -> str | None:
    """A hash of the files under `root` (only `suffixes`, when given), line endings normalised.
    Bytecode caches are left out: pip writes them beside installed files, and they say nothing
    about the output."""
    if root is None:
        return None
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        relative = path.relative_to(root)
        if _SKIPPED_PARTS.intersection(relative.parts):
            continue
        if suffixes is not None and path.suffix not in suffixes:
            continue
        digest.update(relative.as_posix().encode() + b"\0" + lf(path.read_bytes()) + b"\0")
    return digest.hexdigest()


def input_fingerprint(options: Options) -> dict[str, object]:
    """Everything the output depends on, hashed without parsing or importing anything heavy."""
    return {
        "generator": __version__,
        # The generator's own code: an edited emitter or view must make `check` regenerate.
        "code": _tree_fingerprint(_GENERATOR_ROOT, (".py", ".json", ".toml")),
        "spec": spec_fingerprint(options.spec_dir),
        "templates": _tree_fingerprint(bundled_templates()),
        "template_overrides": _tree_fingerprint(options.templates),
        "modules": list(options.modules) if options.modules is not None else None,
        "targets": list(options.targets) if options.targets is not None else None,
        "package": options.package,
        "distribution": options.distribution,
        "distribution_version": options.distribution_version,
    }


def up_to_date(options: Options, inputs: dict[str, object]) -> bool:
    """True when the manifest records these inputs and every output file still has its hash."""
    manifest = read_manifest(options.out)
    if manifest.get("inputs") != inputs:
        return False
    for path, digest in manifest.get("files", {}).items():
        try:
            if sha256_text((options.out / path).read_text("utf-8")) != digest:
                return False
        except (OSError, UnicodeDecodeError):
            return False
    return True


def build_spec(
    spec_dir: Path, modules: Iterable[str] | None = None, *, skip_unknown_modules: bool = False
) -> ir.Spec:
    """load -> validate -> model: the IR of the selected modules (all when None) of a spec directory.

    The one way any command turns a spec into an IR. Raises SpecError (located) when the spec is
    invalid. `skip_unknown_modules` drops requested modules the spec does not have (the old side
    of a diff may predate a module: everything it brings is then reported as added)."""
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
    return build_model(raw, modules)


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


def render(options: Options, progress: Progress | None = None) -> dict[str, str]:
    """Every output file, in memory. Raises SpecError (located) on a bad spec, ValueError on a
    selection the chosen targets cannot serve."""
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
    """The unified diff of what `generate` would change: `check`'s report."""
    return unified_diff(result)
