"""Every module selection that validates generates, and a spec that names things its own way
generates too: the generator reads roles, never spec names.

A selection the Python target cannot serve (the vendored core alone: no task to bind) is refused
with exit 2 and one line saying why; the schema and docs targets still serve it.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import SPEC_DIR
from specedit import copy_spec, rename_everywhere

TASKBIND = [sys.executable, "-m", "taskbind"]


def run(*args: object) -> subprocess.CompletedProcess:
    return subprocess.run([*TASKBIND, *map(str, args)], check=False, capture_output=True, text=True)


def accepted_selections(spec: Path) -> list[tuple[str, ...]]:
    """Every set of modules closed under `requires`, in manifest order: what --modules can select."""
    order = yaml.safe_load((spec / "taskbind.yaml").read_text("utf-8"))["modules"]
    requires = {
        name: set(yaml.safe_load((spec / "modules" / f"{name}.yaml").read_text("utf-8")).get("requires", []))
        for name in order
    }
    return [
        chosen
        for size in range(1, len(order) + 1)
        for chosen in itertools.combinations(order, size)
        if all(requires[name] <= set(chosen) for name in chosen)
    ]


def import_package(out: Path, package: str = "mcp_tasks") -> subprocess.CompletedProcess:
    """Import every module of a generated package in a fresh interpreter."""
    code = (
        "import importlib, pkgutil, sys\n"
        f"import {package}\n"
        f"for m in pkgutil.iter_modules({package}.__path__):\n"
        "    if m.name != 'sdk_client' and m.name != 'sdk_server':  # those need the optional mcp SDK\n"
        f"        importlib.import_module('{package}.' + m.name)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(out / "python")}
    return subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, env=env, cwd=out)


ROUND_TRIP = """
import json, sys
import mcp_tasks
from mcp_tasks.methods import type_adapter
from taskbind.pipeline import build_spec

spec = build_spec(sys.argv[1], tuple(sys.argv[2].split(',')))
checked = 0
for example in spec.examples:
    if not example.valid:
        continue
    if example.type_name:
        adapter = type_adapter(getattr(mcp_tasks.models, example.type_name))
        dumped = adapter.dump_python(
            adapter.validate_python(example.value, by_alias=True, by_name=False),
            mode='json', by_alias=True, exclude_unset=True,
        )
    else:
        answered = example.method if example.role in ('result', 'error') else None
        if example.method is not None and example.method not in mcp_tasks.METHODS:
            continue  # a removed method: only its envelope exists
        dumped = mcp_tasks.dump_message(mcp_tasks.parse_message(example.value, request_method=answered))
    same = json.dumps(dumped, sort_keys=True) == json.dumps(example.value, sort_keys=True)
    assert same, (example.name, dumped, example.value)
    checked += 1
print(checked)
"""


def round_trip_examples(out: Path, selection: tuple[str, ...]) -> subprocess.CompletedProcess:
    """Parse and dump every valid example of the selection with the package generated for it."""
    env = {**os.environ, "PYTHONPATH": str(out / "python")}
    command = [sys.executable, "-c", ROUND_TRIP, str(SPEC_DIR), ",".join(selection)]
    return subprocess.run(command, check=False, capture_output=True, text=True, env=env, cwd=out)


def python_selections() -> list[tuple[str, ...]]:
    return [s for s in accepted_selections(SPEC_DIR) if s != ("mcp-core",)]


def test_selections_cover_every_bundled_combination():
    selections = accepted_selections(SPEC_DIR)
    assert ("mcp-core",) in selections and ("mcp-core", "core") in selections
    assert len(selections) == 2 + 7  # mcp-core; core with any of its three extensions


@pytest.mark.slow
@pytest.mark.parametrize("selection", python_selections(), ids=lambda s: "+".join(s))
def test_every_selection_generates_and_imports(tmp_path, selection):
    result = run("generate", "--out", tmp_path, "--modules", ",".join(selection))
    assert result.returncode == 0, result.stderr
    imported = import_package(tmp_path)
    assert imported.returncode == 0, imported.stderr
    examples = round_trip_examples(tmp_path, selection)
    assert examples.returncode == 0, examples.stderr
    assert int(examples.stdout) > 0  # every module has valid examples


def test_the_core_alone_is_refused_by_the_python_target_with_one_line(tmp_path):
    result = run("generate", "--out", tmp_path / "out", "--modules", "mcp-core")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "target python" in lines[0] and "task" in lines[0], result.stderr
    assert not (tmp_path / "out").exists()  # nothing half-written


def test_the_core_alone_generates_schema_and_docs(tmp_path):
    result = run("generate", "--out", tmp_path, "--modules", "mcp-core", "--target", "schema,docs")
    assert result.returncode == 0, result.stderr


def _rename_methods(spec: Path, old: str, new: str) -> None:
    for folder in ("modules", "examples"):
        for path in sorted((spec / folder).glob("*.yaml")):
            text = path.read_text("utf-8")
            path.write_text(text.replace(f"{old}/", f"{new}/"), "utf-8")


@pytest.fixture(scope="module")
def renamed_spec(tmp_path_factory) -> Path:
    """The bundled spec with its task called Job and tasks/* called jobs/*."""
    spec = copy_spec(tmp_path_factory.mktemp("renamed") / "spec")
    rename_everywhere(spec, "Task", "Job")
    for path in sorted((spec / "examples").glob("*.yaml")):  # examples name types too
        path.write_text(path.read_text("utf-8").replace("type: Task\n", "type: Job\n"), "utf-8")
    _rename_methods(spec, "tasks", "jobs")
    return spec


def test_renamed_spec_is_valid_and_keeps_its_roles(renamed_spec):
    result = run("validate", "--spec", renamed_spec)
    assert result.returncode == 0, result.stderr
    from taskbind.pipeline import build_spec

    roles = build_spec(renamed_spec).roles
    assert roles.task == "Job" and roles.get_task == "jobs/get" and roles.pause_task == "jobs/pause"
    assert str(roles.parent_task_field) == "Job.parentTaskId"


@pytest.mark.slow
def test_renamed_spec_generates_and_imports(tmp_path, renamed_spec):
    result = run("generate", "--spec", renamed_spec, "--out", tmp_path)
    assert result.returncode == 0, result.stderr
    client = (tmp_path / "python" / "mcp_tasks" / "client.py").read_text("utf-8")
    assert "async def get_job(" in client and "async def get_task(" not in client
    imported = import_package(tmp_path)
    assert imported.returncode == 0, imported.stderr


SERVE_RENAMED = '''
import asyncio, json
from mcp_tasks.runtime import TaskRuntime
from mcp_tasks.runtime_server import RuntimeTaskServer

META = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientCapabilities": {
        "extensions": {"io.modelcontextprotocol/tasks": {"pause": True}}
    },
}

async def main():
    runtime = TaskRuntime(poll_interval_ms=10)
    async with runtime.running():
        server = RuntimeTaskServer(runtime)
        task_id = runtime.start(lambda task: asyncio.Event().wait()).task_id
        answers = []
        for number, method in enumerate(["jobs/get", "jobs/pause", "jobs/get", "jobs/cancel"]):
            request = {"jsonrpc": "2.0", "id": number, "method": method,
                       "params": {"taskId": task_id, "_meta": META}}
            answers.append(await server.dispatch(request, headers={"Mcp-Name": task_id}))
        print(json.dumps(answers))

asyncio.run(main())
'''


@pytest.mark.slow
def test_renamed_spec_runtime_serves_its_own_method_names(tmp_path, renamed_spec):
    """The hand-written runtime reads methods and statuses from the roles, so `jobs/*` is served
    exactly as SEP-2663 and SEP-2669 define `tasks/*`: working, then paused, then cancelled."""
    assert run("generate", "--spec", renamed_spec, "--out", tmp_path).returncode == 0
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "python")}
    done = subprocess.run(
        [sys.executable, "-c", SERVE_RENAMED], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    get, pause, get_paused, cancel = json.loads(done.stdout)
    assert get["result"]["status"] == "working", get
    assert pause["result"]["status"] == "paused", pause
    assert get_paused["result"]["status"] == "paused", get_paused
    assert "result" in cancel and "error" not in cancel, cancel
