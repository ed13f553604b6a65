"""The pre-commit hook that taskbind offers (.pre-commit-hooks.yaml)."""

from __future__ import annotations

import re

import yaml

from conftest import REPO


def test_the_taskbind_check_hook():
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "taskbind-check"
    assert hook["entry"] == "taskbind check" and hook["language"] == "python"
    assert (
        hook["pass_filenames"] is False
    )  # check looks at the whole output, not at the changed files
    files = re.compile(hook["files"])
    for path in (
        "spec/modules/core.yaml",
        "templates/python/package/client.py.j2",
        "generated/python/mcp_tasks/models.py",
        "pyproject.toml",
    ):
        assert files.search(path), path
    for path in ("README.md", "tests/test_diff.py", "generator/taskbind/cli.py", "docs/spec/x.md"):
        assert not files.search(path), path
