"""The README's two commands that build the documentation site work (issue 12): the `docs` extra,
then tools/build_docs.py, which fetches the npm package `mermaid` alone (not the 400 MB of
tests/node) and builds the site offline-ready."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, require

pytestmark = pytest.mark.slow


def readme_docs_commands() -> list[str]:
    readme = (REPO / "README.md").read_text("utf-8")
    block = re.search(r"To browse it as a site.*?```sh\n(.*?)```", readme, re.S)
    assert block, "README.md shows how to build the site"
    return [line.split("  #")[0].strip() for line in block.group(1).splitlines() if line.strip()]


def test_the_readme_builds_the_site_in_two_commands(tmp_path):
    install, build = readme_docs_commands()
    assert install == ".venv/bin/pip install -q -e '.[docs]'"
    assert build == ".venv/bin/python tools/build_docs.py"
    require("npm", shutil.which("npm") is not None, "install Node.js 18+ (npm fetches the mermaid package)")
    # The extra installs (into the environment the tests run in: taskbind is already there).
    subprocess.run(install, shell=True, cwd=REPO, check=True)
    # The build, in a checkout of its own: the generated docs and the tool, as a fresh clone has them.
    checkout = tmp_path / "clone"
    shutil.copytree(
        REPO / "generated" / "docs", checkout / "generated" / "docs", ignore=shutil.ignore_patterns("site", "js")
    )
    shutil.copytree(REPO / "tools", checkout / "tools", ignore=shutil.ignore_patterns("__pycache__"))
    (checkout / ".venv").symlink_to(REPO / ".venv")
    result = subprocess.run(build, shell=True, cwd=checkout, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    site = checkout / "generated" / "docs" / "site"
    assert (site / "index.html").is_file() and (site / "lifecycle.html").is_file()
    script = site / "js" / "mermaid.min.js"
    assert script.stat().st_size > 1_000_000  # Mermaid's bundle, not a stub
    assert 'src="js/mermaid.min.js"' in (site / "lifecycle.html").read_text("utf-8")


def test_the_mermaid_pin_matches_the_one_the_browser_test_uses():
    tool = (REPO / "tools" / "build_docs.py").read_text("utf-8")
    pinned = re.search(r'^MERMAID_VERSION = "([^"]+)"$', tool, re.M).group(1)
    node = json.loads((REPO / "tests" / "node" / "package.json").read_text("utf-8"))
    assert node["dependencies"]["mermaid"] == pinned
