"""Run `taskbind generate` through the real command line and read what it wrote."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from taskbind.cli import app
from taskbind.write import MANIFEST_NAME

runner = CliRunner()


# What Python, mypy and ruff write beside generated code when tests or users run them there.
_CACHES = frozenset({"__pycache__", ".mypy_cache", ".ruff_cache"})
# What tools/build_docs.py puts in generated/ without it being output (both git-ignored).
_BUILT = ("docs/site/", "docs/pages/js/")


def tree(root: Path) -> dict[str, bytes]:
    """Every file under `root`, by relative POSIX path; not the bytecode caches Python writes beside
    generated/python/mcp_tasks when the tests import it."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
        and not _CACHES.intersection(p.relative_to(root).parts)
        and not any(part.endswith(".egg-info") for part in p.relative_to(root).parts)
        and not p.relative_to(root).as_posix().startswith(_BUILT)
    }


def generate(out: Path, *args: object) -> dict[str, bytes]:
    """`taskbind generate --out OUT ARGS...`; the tree it leaves, without the manifest."""
    result = runner.invoke(app, ["generate", "--out", str(out), *map(str, args)])
    assert result.exit_code == 0, result.output
    files = tree(out)
    files.pop(MANIFEST_NAME)
    return files
