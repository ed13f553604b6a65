"""The generated lifecycle against a hand-written oracle (tests/lifecycle_oracle.py, from the SEPs).

Three layers are held against the same table: the generated data (lifecycle.py, _spec.py), the
guard (guard.py) and the running server (runtime + dispatcher, every status x every method). No
expected answer here comes from the generated package.
"""

from __future__ import annotations

import asyncio
import importlib
import re
import sys
from collections import Counter
from pathlib import Path

import pytest

import lifecycle_oracle as oracle
from mcp_tasks import _spec, errors, guard, lifecycle
from mcp_tasks.runtime import TaskContext, TaskRuntime
from mcp_tasks.runtime_server import RuntimeTaskServer

EXTENSION = "io.modelcontextprotocol/tasks"
DECLARED = {  # SEP-2669's methods are opt-in: the client declares both settings (facts 4.1)
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientCapabilities": {
        "extensions": {EXTENSION: {"steer": True, "pause": True}}
    },
}
MODULE_OF_SEP = {"SEP-2663": "core", "SEP-2669": "interaction"}  # spec/modules/<name>.yaml


# The generated data ------------------------------------------------------------------------------


def test_the_statuses_terminal_and_initial_sets_are_the_seps():
    assert lifecycle.STATUSES == oracle.STATUS_NAMES
    assert lifecycle.TERMINAL_STATUSES == oracle.TERMINAL
    assert lifecycle.INITIAL_STATUSES == {s.name for s in oracle.STATUSES if s.initial}
    for status in oracle.STATUSES:
        assert lifecycle.is_terminal(status.name) is status.terminal


def test_the_transitions_are_the_seps_each_once_with_its_trigger_and_module():
    generated = Counter((t.source, t.target, t.trigger, t.module) for t in lifecycle.TRANSITIONS)
    expected = Counter((r.source, r.target, r.trigger, MODULE_OF_SEP[r.sep]) for r in oracle.TRANSITIONS)
    assert generated == expected
    for source in oracle.STATUS_NAMES:
        targets = {r.target for r in oracle.TRANSITIONS if r.source == source}
        assert lifecycle.NEXT_STATUSES[source] == targets, source


def test_what_each_status_accepts_is_the_seps():
    assert lifecycle.GOVERNED_METHODS == frozenset(oracle.METHODS)
    assert dict(lifecycle.ACCEPTS) == {s: methods for s, (methods, _) in oracle.ACCEPTS.items()}
    assert lifecycle.REFUSAL_CODE == oracle.REFUSAL_CODE


def test_the_roles_in_spec_py_name_the_seps_statuses_and_methods():
    roles = (_spec.WORKING, _spec.INPUT_REQUIRED, _spec.COMPLETED, _spec.FAILED, _spec.CANCELLED)
    assert roles + (_spec.PAUSED,) == oracle.STATUS_NAMES
    methods = (_spec.GET, _spec.UPDATE, _spec.CANCEL, _spec.STEER, _spec.PAUSE, _spec.RESUME)
    assert methods == oracle.METHODS
    assert _spec.LIFECYCLE_REFUSAL("x").code == oracle.REFUSAL_CODE
    assert _spec.METHOD_NOT_FOUND("x").code == oracle.NOT_SUPPORTED_CODE


# The guard ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", oracle.STATUS_NAMES)
@pytest.mark.parametrize("method", oracle.METHODS)
def test_the_guard_accepts_and_refuses_requests_as_the_oracle(status, method):
    if oracle.accepts(status, method):
        guard.check_request(status, method)
        return
    with pytest.raises(errors.InvalidParamsError) as refused:
        guard.check_request(status, method)
    assert refused.value.code == oracle.REFUSAL_CODE
    assert refused.value.message == f"{method} is not accepted on a task in status {status!r}"


@pytest.mark.parametrize("source", oracle.STATUS_NAMES)
@pytest.mark.parametrize("target", oracle.STATUS_NAMES)
def test_the_guard_checks_each_transition_with_its_trigger(source, target):
    """Planted bug (issue 13, missed before): `lifecycle.can_transition` ignoring its `trigger`
    argument, so that a change only the server may make (e.g. paused -> failed, working ->
    completed) is accepted when a client method such as `tasks/cancel` causes it. Every trigger is
    tried here, and a trigger the oracle does not list for the pair must be refused."""
    for trigger in oracle.TRIGGERS:
        if oracle.allowed(source, target, trigger):
            guard.check_transition(source, target, trigger)
            assert lifecycle.can_transition(source, target, trigger)
            continue
        with pytest.raises(guard.TransitionRefused) as refused:
            guard.check_transition(source, target, trigger)
        if source in oracle.TERMINAL:
            assert str(refused.value) == (
                f"a task in terminal status {source!r} never changes (to {target!r})"
            )
        else:
            assert str(refused.value) == (
                f"{source!r} -> {target!r} by {trigger!r} is not a transition of the lifecycle"
            )


# The running server: every status x every method -------------------------------------------------


@pytest.fixture
def anyio_backend():
    return "asyncio"


async def hold(task: TaskContext):
    await asyncio.Event().wait()


def request(method: str, task_id: str) -> dict:
    params = {"taskId": task_id, "_meta": DECLARED}
    if method == oracle.UPDATE:
        params["inputResponses"] = {}
    if method == oracle.STEER:
        params["message"] = "go on"
    return {"jsonrpc": "2.0", "id": 7, "method": method, "params": params}


@pytest.mark.anyio
@pytest.mark.parametrize("status", oracle.STATUS_NAMES)
async def test_the_runtime_server_accepts_and_refuses_as_the_oracle(status):
    runtime = TaskRuntime(poll_interval_ms=10)
    async with runtime.running():
        server = RuntimeTaskServer(runtime)
        for method in oracle.METHODS:
            record = runtime.start(hold)
            record.status = status  # put it there directly: the test is about the next request
            response = await server.dispatch(request(method, record.task_id))
            assert response["id"] == 7
            if oracle.accepts(status, method):
                assert "error" not in response, (status, method, response)
                assert response["result"]["resultType"] == "complete"
            else:
                assert "result" not in response, (status, method, response)
                assert response["error"] == {
                    "code": oracle.REFUSAL_CODE,
                    "message": f"{method} is not accepted on a task in status {status!r}",
                }
                assert record.status == status  # refused: nothing changed


@pytest.mark.anyio
async def test_client_triggered_changes_reach_the_status_the_oracle_names():
    """Each row of the oracle caused by a client method, carried out by the runtime, ends in that
    row's target. Where a method has two targets (resume: working or input_required), the runtime
    picks by whether input is outstanding, as facts 4.2 says."""
    runtime = TaskRuntime(poll_interval_ms=10)
    async with runtime.running():
        server = RuntimeTaskServer(runtime)
        for row in oracle.TRANSITIONS:
            if row.trigger == oracle.SERVER:
                continue
            record = runtime.start(hold)
            await asyncio.sleep(0)
            # Input outstanding where the row needs it: update answers it, resume returns to it.
            if row.trigger == oracle.UPDATE or row.target == "input_required":
                context = runtime.context(record.task_id)
                asyncio.get_running_loop().create_task(
                    context.request_input({"method": "roots/list"}, key="k")
                )
                await asyncio.sleep(0.01)
            record.status = row.source
            message = request(row.trigger, record.task_id)
            if row.trigger == oracle.UPDATE:
                message["params"]["inputResponses"] = {"k": {"roots": []}}
            response = await server.dispatch(message)
            assert "result" in response, (row, response)
            async with asyncio.timeout(5):  # cancel is cooperative: the body stops at an await
                while row.trigger == oracle.CANCEL and not record.terminal:
                    await asyncio.sleep(0.005)
            assert record.status == row.target, row


# A build of SEP-2663 alone ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def core(core_bindings: Path):
    sys.path.insert(0, str(core_bindings))
    try:
        yield importlib.import_module("mcp_tasks_core.lifecycle")
    finally:
        sys.path.remove(str(core_bindings))


def test_a_core_build_has_exactly_sep_2663s_lifecycle(core):
    only = ("SEP-2663",)
    assert core.STATUSES == oracle.statuses(only)
    assert core.TERMINAL_STATUSES == oracle.TERMINAL
    assert Counter((t.source, t.target, t.trigger) for t in core.TRANSITIONS) == Counter(
        r[:3] for r in oracle.TRANSITIONS if r.sep in only
    )
    assert core.GOVERNED_METHODS == frozenset(oracle.METHODS_2663)
    assert dict(core.ACCEPTS) == {
        s: methods & frozenset(oracle.METHODS_2663)
        for s, (methods, _) in oracle.ACCEPTS.items()
        if s in oracle.statuses(only)
    }


# The TypeScript package's table (generated/typescript/src/spec.ts), read as text ----------------


def test_the_typescript_table_is_the_seps():
    """The TypeScript guard reads the same kind of table; a generator bug in its view would not
    show in the Python package. Parsed from the source text (the table is plain literals)."""
    text = (Path(__file__).resolve().parent.parent / "generated" / "typescript" / "src" / "spec.ts").read_text("utf-8")
    statuses = {
        m[1]: (m[2] == "true", frozenset(re.findall(r'"([^"]+)"', m[3])))
        for m in re.finditer(r'^  "(\w+)": \{ terminal: (true|false), accepts: \[([^\]]*)\] \},$', text, re.M)
    }
    assert list(statuses) == list(oracle.STATUS_NAMES)
    assert statuses == {
        s.name: (s.terminal, oracle.ACCEPTS[s.name][0]) for s in oracle.STATUSES
    }
    transitions = re.findall(r'^  \{ from: "(\w+)", to: "(\w+)", trigger: "([^"]+)" \},$', text, re.M)
    assert Counter(transitions) == Counter(r[:3] for r in oracle.TRANSITIONS)
    governed = re.search(r"^export const GOVERNED_METHODS: readonly string\[\] = \[(.*)\];$", text, re.M)
    assert governed and re.findall(r'"([^"]+)"', governed[1]) == list(oracle.METHODS)
    initial = re.search(r"^export const INITIAL: readonly string\[\] = \[(.*)\];$", text, re.M)
    assert initial and re.findall(r'"([^"]+)"', initial[1]) == [s.name for s in oracle.STATUSES if s.initial]
    assert f"export const REFUSAL_CODE: number = {oracle.REFUSAL_CODE};" in text
