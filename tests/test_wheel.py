"""The wheel works far from this repository: build it, install it into a fresh virtual environment,
run `taskbind generate` from an unrelated directory, and get generated/ byte for byte.

Slow (a build, a venv, an install; pip may fetch the dependencies from its index or cache), but part
of the default suite: `-m "not slow"` leaves it out.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from conftest import GENERATED, REPO
from generation import tree
from taskbind.write import MANIFEST_NAME

pytestmark = pytest.mark.wheel

# What the wheel is built from (a snapshot, so that the build leaves nothing in the repository).
SOURCES = ("generator", "templates", "spec", "pyproject.toml", "README.md")


def run(*command: object, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def clean_environment() -> dict[str, str]:
    """The environment of a user's shell: nothing that points back at this repository or its venv."""
    env = {
        k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"}
    }
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if not p.startswith(str(REPO))
    )
    return env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    source = tmp_path_factory.mktemp("source")
    for name in SOURCES:
        copy = shutil.copytree if (REPO / name).is_dir() else shutil.copy2
        copy(
            REPO / name,
            source / name,
            **({"ignore": shutil.ignore_patterns("__pycache__")} if (REPO / name).is_dir() else {}),
        )
    dist = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "build", "--wheel", "--outdir", dist, source, cwd=source)
    (built,) = dist.glob("taskbind-*.whl")
    return built


def test_the_wheel_carries_the_spec_templates_and_package_data(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        f"taskbind/_bundled/spec/{p.relative_to(REPO / 'spec').as_posix()}"
        for p in (REPO / "spec").rglob("*.yaml")
    }
    expected |= {
        f"taskbind/_bundled/templates/{p.relative_to(REPO / 'templates').as_posix()}"
        for p in (REPO / "templates").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    expected |= {
        "taskbind/metaschema.json",
        "taskbind/dcg_cache.py",
        "taskbind/cli.py",
    }
    assert expected <= names, sorted(expected - names)


def test_installed_anywhere_it_generates_exactly_generated(wheel: Path, tmp_path: Path):
    # generated/ must be current, or this test would blame the wheel for a stale checkout.
    from taskbind.pipeline import Options, plan_generation

    current = plan_generation(Options(out=GENERATED))
    manifest = (GENERATED / MANIFEST_NAME).read_text("utf-8")
    stale = "generated/ is stale: run `taskbind generate`"
    assert current.clean and manifest == current.manifest_text, stale

    environment = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(environment)
    python = environment / "bin" / "python"
    env = clean_environment()
    pip_install = (python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check")
    run(*pip_install, wheel, cwd=tmp_path, env=env)  # the dependencies come from pip's index

    elsewhere = tmp_path / "somewhere" / "else"
    elsewhere.mkdir(parents=True)
    run(environment / "bin" / "taskbind", "generate", "--out", "out", cwd=elsewhere, env=env)
    assert tree(elsewhere / "out") == tree(GENERATED)  # every file, the manifest included
    assert "is up to date" in run(
        environment / "bin" / "taskbind", "check", "--out", "out", cwd=elsewhere, env=env
    )
    assert "is valid" in run(python, "-m", "taskbind", "validate", cwd=elsewhere, env=env)
