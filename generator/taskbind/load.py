"""Stage 1, load: YAML files into plain documents whose every node remembers file:line:col.

Nothing here knows what a spec means; it only reads files faithfully, so that every later error
can point at the exact place a human has to fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .diagnostics import Diagnostic, Location, SpecError
from .fingerprint import spec_fingerprint

MANIFEST = "taskbind.yaml"
# Limits on what a spec may be: far above the bundled spec (largest file about 0.3 MB, nesting
# about 10), low enough that a hostile file cannot exhaust memory or the recursion limit.
MAX_FILE_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 64
MODULE_NAME = re.compile(r"[a-z][a-z0-9-]*")


class LocatedDict(dict):
    """A mapping from YAML that knows where it and each of its keys were written."""

    location: Location
    key_locations: dict[str, Location]

    def where(self, key: str | None = None) -> Location:
        if key is not None and key in self.key_locations:
            return self.key_locations[key]
        return self.location


class LocatedList(list):
    """A sequence from YAML that knows where it and each of its items were written."""

    location: Location
    item_locations: list[Location]

    def where(self, index: int | None = None) -> Location:
        if index is not None and 0 <= index < len(self.item_locations):
            return self.item_locations[index]
        return self.location


@dataclass(frozen=True)
class SourceFile:
    """One spec file: where it lives (relative to the spec root) and its document."""

    path: str
    document: Any


@dataclass(frozen=True)
class RawSpec:
    """Every file of a spec directory, loaded but not yet checked."""

    root: Path
    manifest: SourceFile
    modules: dict[str, SourceFile]
    examples: dict[str, SourceFile]
    # Problems that do not stop loading (duplicate keys): validate reports them with the rest.
    problems: tuple[Diagnostic, ...] = ()
    # Module and examples files the manifest does not list (never read): validate refuses them.
    unlisted: tuple[str, ...] = ()

    @property
    def sha256(self) -> str:
        return spec_fingerprint(self.root)


def _location(path: str, node: yaml.Node) -> Location:
    return Location(path, node.start_mark.line + 1, node.start_mark.column + 1)


class _TooDeep(Exception):
    def __init__(self, location: Location):
        self.location = location


def _construct(path: str, node: yaml.Node, problems: list[Diagnostic], depth: int = 0) -> Any:
    """Turn a composed YAML node into Located containers and plain scalars."""
    if depth > MAX_DEPTH and isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
        raise _TooDeep(_location(path, node))
    if isinstance(node, yaml.MappingNode):
        result = LocatedDict()
        result.location = _location(path, node)
        result.key_locations = {}
        for key_node, value_node in node.value:
            key = _construct(path, key_node, problems, depth + 1)
            if not isinstance(key, (str, int, float, bool)) or key is None:
                problems.append(Diagnostic(_location(path, key_node), "mapping keys must be scalars"))
                continue
            key = str(key) if not isinstance(key, str) else key
            if key in result:
                first = result.key_locations[key]
                problems.append(
                    Diagnostic(
                        _location(path, key_node),
                        f"duplicate key {key!r} (first defined at {first})",
                    )
                )
                continue
            result[key] = _construct(path, value_node, problems, depth + 1)
            result.key_locations[key] = _location(path, key_node)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = LocatedList()
        items.location = _location(path, node)
        items.item_locations = []
        for item in node.value:
            items.append(_construct(path, item, problems, depth + 1))
            items.item_locations.append(_location(path, item))
        return items
    # Scalars: the safe resolver decides int/float/bool/null/str (dates stay strings, see _SpecLoader).
    if node.tag == _STR and isinstance(node, yaml.ScalarNode):
        return node.value  # what the safe constructor returns for a string, without its bookkeeping
    value = _SCALARS.construct_object(node)
    _SCALARS.constructed_objects.pop(node, None)  # it would keep every node it ever built alive
    return value


# libyaml's parser when present: it composes the big vendored module about ten times faster.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _SpecLoader(_BaseLoader):
    """A safe loader without implicit timestamps: a date in a spec is text, never a datetime."""


_SpecLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_SCALARS = yaml.constructor.SafeConstructor()
_STR = "tag:yaml.org,2002:str"


def load_yaml(root: Path, relative: str) -> tuple[SourceFile, list[Diagnostic]]:
    """Load one YAML file. Syntax errors and duplicate keys come back as located diagnostics."""
    target = root / relative
    if not target.is_file():
        return SourceFile(relative, None), [Diagnostic(Location(relative, 1, 1), f"{relative} is not a file")]
    if target.stat().st_size > MAX_FILE_BYTES:
        return SourceFile(relative, None), [Diagnostic(
            Location(relative, 1, 1), f"{relative} is {target.stat().st_size} bytes; a spec file may have at most {MAX_FILE_BYTES}")]
    data = target.read_bytes()
    problems: list[Diagnostic] = []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return SourceFile(relative, None), [
            Diagnostic(Location(relative, 1, 1), f"not UTF-8: {exc.reason}")
        ]
    try:
        node = yaml.compose(text, Loader=_SpecLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(relative, mark.line + 1, mark.column + 1) if mark else Location(relative, 1, 1)
        return SourceFile(relative, None), [Diagnostic(where, f"YAML syntax: {exc.problem}")]
    except (yaml.YAMLError, RecursionError) as exc:
        return SourceFile(relative, None), [Diagnostic(Location(relative, 1, 1), f"YAML: {exc}")]
    try:
        document = _construct(relative, node, problems) if node is not None else None
    except _TooDeep as exc:
        return SourceFile(relative, None), [Diagnostic(exc.location, f"nested deeper than {MAX_DEPTH} levels")]
    return SourceFile(relative, document), problems


def load_spec(root: Path) -> RawSpec:
    """Load the manifest, every module it lists and every examples file.

    Raises SpecError when a file cannot be read at all (missing, not YAML); problems that leave
    the document readable (duplicate keys) travel in RawSpec.problems for validate to report.
    """
    root = Path(root)
    if not (root / MANIFEST).is_file():
        # Located relative to the root, as every diagnostic is: the CLI joins the root once.
        raise SpecError([Diagnostic(Location(MANIFEST, 1, 1), f"no spec manifest here: a spec directory holds {MANIFEST}")])
    problems: list[Diagnostic] = []
    fatal: list[Diagnostic] = []
    manifest, found = load_yaml(root, MANIFEST)
    problems += found
    modules: dict[str, SourceFile] = {}
    examples: dict[str, SourceFile] = {}
    names = manifest.document.get("modules", []) if isinstance(manifest.document, dict) else []
    for index, name in enumerate(names if isinstance(names, list) else []):
        where = names.where(index) if isinstance(names, LocatedList) else manifest.document.location
        if not isinstance(name, str) or not MODULE_NAME.fullmatch(name):
            # Checked before any path is built from it: `../../outside` is never read.
            fatal.append(Diagnostic(where, f"module name {name!r} must match {MODULE_NAME.pattern}"))
            continue
        module_path = f"modules/{name}.yaml"
        if not (root / module_path).is_file():
            fatal.append(Diagnostic(where, f"module {name!r} has no file {module_path}"))
            continue
        modules[str(name)], found = load_yaml(root, module_path)
        problems += found
        examples_path = f"examples/{name}.yaml"
        if (root / examples_path).exists():
            examples[str(name)], found = load_yaml(root, examples_path)
            problems += found
    unreadable = [source.path for source in (manifest, *modules.values(), *examples.values())
                  if source.document is None]
    fatal += [d for d in problems if d.location.path in unreadable]
    if fatal:
        raise SpecError(fatal + problems)
    return RawSpec(root, manifest, modules, examples, tuple(problems), _unlisted(root, names))


def _unlisted(root: Path, names: Any) -> tuple[str, ...]:
    """YAML files under modules/ and examples/ whose name the manifest's `modules` lacks."""
    listed = {str(name) for name in names} if isinstance(names, list) else set()
    found = [
        path.relative_to(root).as_posix()
        for folder in ("modules", "examples")
        for pattern in ("*.yaml", "*.yml")
        for path in (root / folder).glob(pattern)
        if path.is_file() and (path.suffix == ".yml" or path.stem not in listed)
    ]
    return tuple(sorted(found))
