"""The toolkit's shape, read from its source with `ast`: the command line only drives the pipeline,
and no module of the package imports itself back through another (function-level imports count:
hiding a cycle in a function does not remove it)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import taskbind
from taskbind import ir

PACKAGE_DIR = Path(taskbind.__file__).resolve().parent


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> list[str]:
    """The absolute names an ImportFrom brings in: `from . import x` is the module `pkg.x`."""
    if node.level == 0:
        base = node.module or ""
    else:
        anchor = module.split(".")
        anchor = anchor if is_package else anchor[:-1]
        anchor = anchor[: len(anchor) - (node.level - 1)]
        base = ".".join(anchor + ([node.module] if node.module else []))
    return [base, *(f"{base}.{alias.name}" for alias in node.names)]


def import_graph() -> dict[str, set[str]]:
    """taskbind module -> the taskbind modules it imports anywhere in its body."""
    paths = {_module_name(p): p for p in PACKAGE_DIR.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for module, path in paths.items():
        is_package = path.name == "__init__.py"
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                found |= set(_resolve(module, is_package, node))
        graph[module] = {name for name in found if name in paths and name != module}
    return graph


def test_graph_sees_function_level_imports():
    graph = import_graph()
    assert "taskbind.pipeline" in graph["taskbind.cli"]  # imported inside the commands
    assert "taskbind.emitters.python_view" in graph["taskbind.targets"]


def test_cli_only_drives_the_pipeline():
    imported = import_graph()["taskbind.cli"]
    stages = {f"taskbind.{stage}" for stage in ("load", "validate", "model", "write")}
    assert not imported & stages, f"cli.py imports {sorted(imported & stages)}: go through taskbind.pipeline"


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                return stack[stack.index(target):] + [target]
            if target not in state and (found := visit(target)):
                return found
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycle():
    graph = import_graph()
    # A package's __init__ importing its own submodules is how a package exposes them, not a cycle
    # between stages; the submodules importing the package back would be one.
    for package in [m for m in graph if (PACKAGE_DIR.parent / m.replace(".", "/") / "__init__.py").is_file()]:
        graph[package] = {m for m in graph[package] if not m.startswith(package + ".")}
    cycle = _cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_cycle_finder_finds_one():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_roles_of_the_metaschema_are_the_roles_of_the_ir():
    metaschema = json.loads((PACKAGE_DIR / "metaschema.json").read_text("utf-8"))
    assert set(metaschema["$defs"]["roles"]["properties"]) == set(ir.ROLE_KINDS)
