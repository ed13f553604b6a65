"""Spec text is data: hostile strings in every free-text field of the spec (the manifest's title,
protocol version and extension id, every description, title, source, note, decision, error message
and condition, example reason) generate output in which nothing runs and every file still parses.

The hostile text carries a payload that, were it ever executed, would create a marker file: the
tests import the package and build its wheel, then check the marker is absent.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from generation import runner
from specedit import copy_spec
from taskbind.cli import app

MARKER_NAME = "INJECTED-CODE-RAN"


def hostile(marker: Path) -> str:
    payload = f"__import__('pathlib').Path({str(marker)!r}).touch()"
    return (
        f'""" ; {payload} ; """ \'\'\' ; {payload} ; \'\'\' \\ \\N{{BULLET}} \\x00 {{{{ 7*7 }}}} {{% raw %}} '
        f"{{# c #}} | pipe | cell | </script><script>{payload}</script> <!-- x --> ]] [x] = \"toml\" "
        f"key: value # yaml &a *a !tag ---\nsecond line\r\n\tthird\x00nul `code` *em* _u_ ${{env}} %s {{0}}"
    )


# Keys whose value is free text, wherever they appear; `message` only inside `errors:`.
TEXT_KEYS = {"title", "description", "source", "note", "condition", "reason"}


def _poison(node: Any, text: str, parent_key: str = "") -> Any:
    if isinstance(node, dict):
        result = {}
        for key, value in node.items():
            is_text = isinstance(value, str) and (
                key in TEXT_KEYS or key.startswith(("decision", "note_")) or (key == "message" and parent_key == "error")
            )
            result[key] = value + " " + text if is_text else _poison(value, text, "error" if parent_key == "errors" else key)
        return result
    if isinstance(node, list):
        return [_poison(item, text, parent_key) for item in node]
    return node


def poisoned_spec(destination: Path, text: str) -> Path:
    spec = copy_spec(destination)
    for path in [spec / "taskbind.yaml", *sorted((spec / "modules").glob("*.yaml")), *sorted((spec / "examples").glob("*.yaml"))]:
        document = yaml.safe_load(path.read_text("utf-8"))
        if path.name == "taskbind.yaml":
            document["protocol_version"] += " " + text
            document["extension_id"] += " " + text
        document = _poison(document, text)
        path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=4096), "utf-8")
    return spec


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("injection")
    marker = root / MARKER_NAME
    spec = poisoned_spec(root / "spec", hostile(marker))
    out = root / "out"
    result = runner.invoke(app, ["generate", "--spec", str(spec), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert not marker.exists()
    return out, marker


class _AnyTagLoader(yaml.SafeLoader):
    """mkdocs.yml names Python functions with !!python/name tags: read them as plain text."""


_AnyTagLoader.add_multi_constructor("", lambda loader, suffix, node: loader.construct_scalar(node) if isinstance(node, yaml.ScalarNode) else None)


def _table_rows_intact(path: Path) -> None:
    """Every row of every Markdown table has as many cells as the table's header."""
    lines = path.read_text("utf-8").splitlines()
    in_fence, header_cells = False, None
    for number, line in enumerate(lines, 1):
        if line.startswith("```"):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        if line.startswith("|") and not line.startswith("|---") and not re.match(r"^\|(\s*:?-+:?\s*\|)+$", line):
            cells = len(re.findall(r"(?<!\\)\|", line)) - 1
            if header_cells is None:
                header_cells = cells
            assert cells == header_cells, f"{path}:{number}: {cells} cells, the header has {header_cells}"
        elif not line.startswith("|"):
            header_cells = None


def test_the_hostile_text_reaches_the_output(hostile_build) -> None:
    out, _ = hostile_build
    init = (out / "python" / "mcp_tasks" / "__init__.py").read_text("utf-8")
    assert "pipe | cell" in ast.get_docstring(ast.parse(init))
    from_client = ast.get_docstring(ast.parse((out / "python/mcp_tasks/client.py").read_text("utf-8")))
    assert '""" ;' in from_client


def test_every_generated_file_parses(hostile_build) -> None:
    out, marker = hostile_build
    counts = {"py": 0, "toml": 0, "json": 0, "yaml": 0, "md": 0}
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        text = path.read_text("utf-8")
        if path.suffix == ".py":
            ast.parse(text, str(path))
            counts["py"] += 1
        elif path.suffix == ".toml":
            tomllib.loads(text)
            counts["toml"] += 1
        elif path.suffix == ".json":
            if path.name == "tsconfig.json":  # JSON with comments, as TypeScript reads it
                text = "\n".join(line for line in text.splitlines() if not line.startswith("//"))
            json.loads(text)
            counts["json"] += 1
        elif path.suffix in (".yml", ".yaml"):
            yaml.load(text, Loader=_AnyTagLoader)
            counts["yaml"] += 1
        elif path.suffix == ".md":
            _table_rows_intact(path)
            assert "<script" not in text.replace("&lt;script", ""), path
            counts["md"] += 1
    print(f"parsed: {counts}")
    assert all(counts.values()), counts
    assert not marker.exists()


def test_importing_the_package_runs_nothing(hostile_build) -> None:
    out, marker = hostile_build
    code = (
        "import mcp_tasks, mcp_tasks.client, mcp_tasks.server, mcp_tasks.errors, mcp_tasks.methods, "
        "mcp_tasks._spec, mcp_tasks.runtime; print(mcp_tasks.EXTENSION_ID)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=out / "python", capture_output=True, text=True,
                            env={"PYTHONPATH": str(out / "python"), "PATH": "/usr/bin:/bin"}, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "{{ 7*7 }}" in result.stdout and not marker.exists()


@pytest.mark.slow
def test_building_the_wheel_runs_nothing(hostile_build, tmp_path) -> None:
    out, marker = hostile_build
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(out / "python")],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert list(tmp_path.glob("*.whl")) and not marker.exists()
