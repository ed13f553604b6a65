"""Spec rules added with roles: the derived Python names and their `python_name:` override, roles
naming elements of the right kind, and module files the manifest does not list."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from specedit import copy_spec, edit_module
from taskbind.naming import function_name

TASKBIND = [sys.executable, "-m", "taskbind"]


def validate(spec: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*TASKBIND, "validate", "--spec", str(spec)], check=False, capture_output=True, text=True)


@pytest.mark.parametrize(
    "method, expected",
    [
        ("tasks/get", "get_task"),
        ("tasks/update", "update_task"),
        ("tasks/cancel", "cancel_task"),
        ("tasks/steer", "steer_task"),
        ("tasks/pause", "pause_task"),
        ("tasks/resume", "resume_task"),
        ("tools/call", "call_tool"),
        ("events/poll", "poll_events"),
        ("events/stream", "stream_events"),
        ("tasks/list", "list_tasks"),
        ("server/discover", "discover"),
        ("acme/archive", "archive"),
        ("acme/setLevel", "set_level"),
        ("ping", "ping"),
        ("notifications/tasks", "on_tasks"),
        ("notifications/events/event", "on_event"),
        ("notifications/events/active", "on_events_active"),
    ],
)
def test_derived_python_names(method, expected):
    assert function_name(method) == expected


def test_python_name_overrides_the_rule():
    assert function_name("acme/archive", "archive_everything") == "archive_everything"


@pytest.fixture
def spec(tmp_path) -> Path:
    return copy_spec(tmp_path / "spec")


def test_python_name_is_used_by_the_generated_client(spec, tmp_path):
    edit_module(spec, "core", lambda doc: doc["methods"]["tasks/get"].update(python_name="fetch_task"))
    from taskbind.pipeline import Options, render

    files = render(Options(spec=spec, targets=("python",)))
    assert "async def fetch_task(" in files["python/mcp_tasks/client.py"]


def test_python_name_must_be_an_identifier_and_not_a_keyword(spec):
    edit_module(spec, "core", lambda doc: doc["methods"]["tasks/get"].update(python_name="class"))
    result = validate(spec)
    assert result.returncode == 2
    assert "modules/core.yaml:" in result.stderr and "'class' is not a Python identifier" in result.stderr


def test_python_names_are_unique(spec):
    edit_module(spec, "core", lambda doc: doc["methods"]["tasks/get"].update(python_name="cancel_task"))
    result = validate(spec)
    assert result.returncode == 2
    assert "Python name 'cancel_task' is also" in result.stderr, result.stderr


def test_a_role_must_name_an_element_of_its_kind(spec):
    edit_module(spec, "core", lambda doc: doc["roles"].update(task="DetailedTask", get_task="notifications/tasks"))
    result = validate(spec)
    assert result.returncode == 2
    assert "role task: 'DetailedTask' is a union, the role needs a object" in result.stderr
    assert "role get_task: 'notifications/tasks' is a notification, the role needs a request" in result.stderr
    role_lines = [line for line in result.stderr.splitlines() if ": role " in line]
    assert len(role_lines) == 2 and all("modules/core.yaml:" in line for line in role_lines)


def test_a_role_must_name_a_visible_element(spec):
    edit_module(spec, "core", lambda doc: doc["roles"].update(paused_status="paused", parent_task_field="Task.nope"))
    result = validate(spec)
    assert result.returncode == 2
    assert "role paused_status: no lifecycle status 'paused' in this module or one it requires" in result.stderr
    assert "role parent_task_field: Task has no field 'nope'" in result.stderr


def test_a_role_is_declared_once(spec):
    edit_module(spec, "interaction", lambda doc: doc["roles"].update(task="Task"))
    result = validate(spec)
    assert result.returncode == 2 and "role task is already declared at" in result.stderr


def test_an_unknown_role_is_a_metaschema_error(spec):
    edit_module(spec, "core", lambda doc: doc["roles"].update(tusk="Task"))
    result = validate(spec)
    assert result.returncode == 2 and "tusk" in result.stderr


@pytest.mark.parametrize("path", ["modules/extra.yaml", "examples/extra.yaml", "modules/core.yml"])
def test_a_file_the_manifest_does_not_list_is_an_error(spec, path):
    (spec / path).write_text("module: extra\ntitle: x\nmaturity: draft\nsource: x\n", "utf-8")
    result = validate(spec)
    assert result.returncode == 2
    assert f"{path}:1:1: {path} is not read: the manifest" in result.stderr, result.stderr
