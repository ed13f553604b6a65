"""The generated package is `mypy --strict` and ruff clean, for the full spec and a `--modules core`
build; the hand-written modules are ruff clean where they are written (templates/python/package).

ruff reads its rules from the generated pyproject.toml ([tool.ruff]); the hand-written sources
are held to the same rules plus the line length, which the formatter cannot enforce on a generated file's
spec text but a person can on code they write.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "generated" / "python"
VERBATIM = ROOT / "templates" / "python" / "package"
BIN = Path(sys.executable).parent

# mypy and ruff come with the test extra: a missing one is a broken setup, never a skip.


def run(tool: str, *args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / tool), *map(str, args)], cwd=cwd, capture_output=True, text=True, check=False
    )


def check_package(project: Path, package: str) -> None:
    mypy = run("mypy", "--strict", "--no-incremental", "--cache-dir", "/dev/null", package, cwd=project)
    assert mypy.returncode == 0, mypy.stdout + mypy.stderr
    ruff = run("ruff", "check", "--no-cache", package, cwd=project)
    assert ruff.returncode == 0, ruff.stdout + ruff.stderr


def test_the_generated_package_is_mypy_strict_and_ruff_clean():
    check_package(GENERATED, "mcp_tasks")


def test_a_core_build_is_mypy_strict_and_ruff_clean(core_bindings: Path):
    check_package(core_bindings, "mcp_tasks_core")


def test_the_hand_written_modules_are_ruff_clean_where_they_are_written():
    sources = sorted(VERBATIM.glob("*.py"))
    assert len(sources) >= 9, sources
    ruff = run(
        "ruff", "check", "--no-cache", "--config", GENERATED / "pyproject.toml",
        "--extend-select", "E501", *sources, cwd=ROOT,
    )  # fmt: skip
    assert ruff.returncode == 0, ruff.stdout + ruff.stderr
