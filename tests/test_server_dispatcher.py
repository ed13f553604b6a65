"""Raw JSON-RPC against the generated dispatcher (TaskServer.dispatch): every error code it answers,
each followed by a request that must still be answered; and the lifecycle guard, status by status
and method by method, as the hand-written oracle (tests/lifecycle_oracle.py) says."""

from __future__ import annotations

import asyncio
import base64
import functools
import importlib
import sys
from pathlib import Path
from typing import Any

import pytest

from mcp_tasks.methods import METHODS, REMOVED_METHODS
from mcp_tasks.runtime import TaskContext, TaskRuntime
from mcp_tasks.runtime_server import RuntimeTaskServer
from mcp_tasks.server import HANDLERS, RequestContext, TaskServer

import lifecycle_oracle as oracle

pytestmark = pytest.mark.anyio

EXTENSION = "io.modelcontextprotocol/tasks"
# SEP-2669 is opt-in on both sides: a client declares the settings of the methods it will call.
DECLARED = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientCapabilities": {
        "extensions": {EXTENSION: {"steer": True, "pause": True}}
    },
}
# A client of the final extension alone (SEP-2663): it declares `{}`.
BASE_ONLY = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientCapabilities": {"extensions": {EXTENSION: {}}},
}
UNDECLARED = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientCapabilities": {},
}


@pytest.fixture
def anyio_backend():
    return "asyncio"


def request(
    method: str, request_id: int | str = 1, meta: dict | None = DECLARED, **params: Any
) -> dict:
    return {
        "jsonrpc": "2.0",
        "id": request_id,
        "method": method,
        "params": {**params, "_meta": meta} if meta else params,
    }


async def hold(task: TaskContext):
    await asyncio.Event().wait()


@pytest.fixture
async def served():
    """A runtime-backed server and the id of one running task on it."""
    runtime = TaskRuntime(ttl_ms=None, poll_interval_ms=10)  # unlimited: ttlMs null on the wire
    async with runtime.running():
        server = RuntimeTaskServer(runtime)
        yield server, runtime.start(hold).task_id


async def still_serving(server: TaskServer, task_id: str) -> None:
    response = await server.dispatch(request("tasks/get", "next", taskId=task_id))
    assert response["id"] == "next" and response["result"]["taskId"] == task_id


def error_of(response: dict) -> dict:
    assert "result" not in response, response
    return response["error"]


# Every error code, and the server keeps answering -------------------------------------------------


@pytest.mark.parametrize(
    "raw", [b"{not json", "", b"\xff\xfe", '{"jsonrpc": "2.0", "id": 1,', "[" * 100_000]
)
async def test_parse_error(served, raw):
    server, task_id = served
    response = await server.dispatch(raw)
    assert error_of(response) == {"code": -32700, "message": "Parse error: the message is not JSON"}
    assert response["id"] is None
    await still_serving(server, task_id)


NOT_AN_OBJECT = "A JSON-RPC request is a JSON object"
BAD_ID = "Invalid Request: id must be a string or an integer"


# The answer's id: JSON-RPC 2.0 §5 - the request's id when it can be read and is a valid id (string
# or integer), null when it cannot (not an object, or an id of another type).
@pytest.mark.parametrize(
    ("message", "answer_id", "text"),
    [
        ([], None, NOT_AN_OBJECT),  # a batch: not part of MCP
        ([{"jsonrpc": "2.0", "id": 1, "method": "tasks/get", "params": {}}], None, NOT_AN_OBJECT),
        ("just a string", None, NOT_AN_OBJECT),
        ({"jsonrpc": "1.0", "id": 1, "method": "tasks/get", "params": {}}, 1,
         'Invalid Request: jsonrpc must be "2.0"'),
        ({"id": 1, "method": "tasks/get", "params": {}}, 1, 'Invalid Request: jsonrpc must be "2.0"'),
        ({"jsonrpc": "2.0", "id": 1, "method": 7, "params": {}}, 1,
         "Invalid Request: method must be a string"),
        ({"jsonrpc": "2.0", "id": True, "method": "tasks/get", "params": {}}, None, BAD_ID),
        ({"jsonrpc": "2.0", "id": 1.5, "method": "tasks/get", "params": {}}, None, BAD_ID),
        ({"jsonrpc": "2.0", "id": None, "method": "tasks/get", "params": {}}, None, BAD_ID),
        ({"jsonrpc": "2.0", "id": 1, "method": "tasks/get", "params": ["positional"]}, 1,
         "Invalid Request: params must be an object"),
    ],
)
async def test_invalid_request(served, message, answer_id, text):
    server, task_id = served
    raw = message if not isinstance(message, str) else f'"{message}"'
    response = await server.dispatch(raw)
    assert response == {"jsonrpc": "2.0", "id": answer_id, "error": {"code": -32600, "message": text}}
    await still_serving(server, task_id)


@pytest.mark.parametrize("method", ["tasks/nope", "tools/call", "initialize", *REMOVED_METHODS])
async def test_method_not_found(served, method):
    server, task_id = served
    response = await server.dispatch(request(method, taskId=task_id))
    # SEP-2663: tasks/result and tasks/list are removed, -32601 (facts 2.12)
    text = f"{method} was removed from the protocol" if method in REMOVED_METHODS else (
        f"Method not found: {method}"
    )
    assert error_of(response) == {"code": -32601, "message": text}
    await still_serving(server, task_id)


@pytest.mark.parametrize("setting", sorted({m.setting for m in METHODS.values() if m.setting}))
async def test_methods_of_a_setting_that_is_off_are_not_found(setting):
    runtime = TaskRuntime(**{setting: False})
    async with runtime.running():
        server = RuntimeTaskServer(runtime)
        task_id = runtime.start(hold).task_id
        assert setting not in server.settings()
        for method in (m for m, info in METHODS.items() if info.setting == setting):
            response = await server.dispatch(request(method, taskId=task_id, message="x"))
            assert error_of(response) == {  # facts 4.1: an unsupported method is -32601
                "code": -32601,
                "message": f"{method} is not enabled on this server (setting {setting!r})",
            }
        await still_serving(server, task_id)


@pytest.mark.parametrize(
    "method, params, path, problem",
    [
        ("tasks/get", {"taskId": 42}, "taskId", "Input should be a valid string"),
        ("tasks/get", {}, "taskId", "Field required"),
        ("tasks/update", {"taskId": "<task>"}, "inputResponses", "Field required"),
        ("tasks/update", {"taskId": "<task>", "inputResponses": []}, "inputResponses",
         "Input should be a valid dictionary"),
        ("tasks/steer", {"taskId": "<task>"}, "message", "Field required"),
    ],
)
async def test_invalid_params_carry_the_validation_details(served, method, params, path, problem):
    server, task_id = served
    params = {k: task_id if v == "<task>" else v for k, v in params.items()}
    error = error_of(await server.dispatch(request(method, **params)))
    assert error == {
        "code": -32602,
        "message": f"Invalid params for {method}",
        "data": {"errors": [{"path": path, "message": problem}]},
    }
    await still_serving(server, task_id)


async def test_unknown_task_is_invalid_params(served):
    server, task_id = served
    for method in ("tasks/get", "tasks/update", "tasks/cancel"):
        error = error_of(
            await server.dispatch(request(method, taskId="no-such-task", inputResponses={}))
        )
        assert error == {  # facts 2.12: -32602, with the SEP's example message
            "code": -32602,
            "message": "Failed to retrieve task: Task not found",
            "data": {"taskId": "no-such-task"},
        }
    await still_serving(server, task_id)


async def test_missing_capability_names_the_required_capability(served):
    server, task_id = served
    for method in ("tasks/get", "tasks/update", "tasks/cancel"):
        for meta in (UNDECLARED, None):
            error = error_of(
                await server.dispatch(request(method, meta=meta, taskId=task_id, inputResponses={}))
            )
            assert error["code"] == -32021
            assert error["message"] == f"The request does not declare the {EXTENSION!r} capability"
            assert error["data"] == {"requiredCapabilities": {"extensions": {EXTENSION: {}}}}
    await still_serving(server, task_id)


async def test_routing_header_mismatch(served):
    server, task_id = served
    get = request("tasks/get", taskId=task_id)
    texts = [
        ({"Mcp-Name": "someone-else"}, "Mcp-Name header does not match the request body's 'taskId' parameter"),
        ({}, "Mcp-Name header is missing: it must carry the request body's 'taskId' parameter"),
    ]
    for headers, text in texts:  # facts 2.11: a mismatch, and a missing header, are -32020
        assert error_of(await server.dispatch(get, headers=headers)) == {"code": -32020, "message": text}
    assert "result" in await server.dispatch(get, headers={"Mcp-Name": task_id})
    encoded = f"=?base64?{base64.b64encode(task_id.encode()).decode()}?="  # SEP-2243's escape
    assert "result" in await server.dispatch(get, headers={"mcp-name": encoded})
    await still_serving(server, task_id)


class Failing(RuntimeTaskServer):
    async def get_task(self, params, context):
        if params.task_id == "crash":
            raise RuntimeError("handler bug")
        if params.task_id == "malformed":
            return {"resultType": "complete", "status": "no-such-status"}
        return await super().get_task(params, context)

    async def task_status(self, task_id):
        if task_id in ("crash", "malformed"):
            return "working"
        return await super().task_status(task_id)


async def test_a_failing_handler_is_an_internal_error_and_the_server_keeps_serving():
    runtime = TaskRuntime()
    async with runtime.running():
        server = Failing(runtime)
        task_id = runtime.start(hold).task_id
        texts = {"crash": "Internal error", "malformed": "The handler returned an invalid result"}
        for bad, text in texts.items():
            error = error_of(await server.dispatch(request("tasks/get", taskId=bad)))
            assert error == {"code": -32603, "message": text}  # no internals ("handler bug") leak
            await still_serving(server, task_id)


async def test_notifications_and_responses_are_never_answered(served):
    server, task_id = served
    unanswered = [
        {"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {}},
        {"jsonrpc": "2.0", "method": "tasks/get", "params": {"taskId": task_id}},  # no id
        {"jsonrpc": "2.0", "id": 9, "result": {}},
    ]
    for message in unanswered:
        assert await server.dispatch(message) is None
    await still_serving(server, task_id)


async def test_ttl_null_reaches_the_wire(served):
    server, task_id = served
    result = (await server.dispatch(request("tasks/get", taskId=task_id)))["result"]
    assert "ttlMs" in result and result["ttlMs"] is None


# The lifecycle guard, from the lifecycle table ----------------------------------------------------


def canned_result(method: str, status: str, task_id: str) -> dict:
    """A valid result of `method` for a task in `status`, whatever the method."""
    if METHODS[method].result_type.__name__ != "GetTaskResult":
        return {"resultType": "complete"}
    task = {
        "taskId": task_id,
        "status": status,
        "createdAt": "2026-07-28T00:00:00Z",
        "lastUpdatedAt": "2026-07-28T00:00:00Z",
        "ttlMs": None,
        "resultType": "complete",
    }
    extra = {
        "input_required": {"inputRequests": {}},
        "completed": {"result": {}},
        "failed": {"error": {"code": -1, "message": "x"}},
    }
    return {**task, **extra.get(status, {})}


class FixedStatus(TaskServer):
    """Every task is in one status; every handler answers, so only the guard can refuse."""

    def __init__(self, status: str):
        self.status = status
        self.enabled_settings = frozenset(m.setting for m in METHODS.values() if m.setting)
        self.handled: list[str] = []
        for method, handler in HANDLERS.items():  # instance attributes win over the base's handlers
            setattr(self, handler, functools.partial(self._answer, method))

    async def task_status(self, task_id: str) -> str | None:
        return self.status

    async def _answer(self, method: str, params, context: RequestContext) -> dict:
        self.handled.append(method)
        return canned_result(method, self.status, params.task_id)


GUARDED = oracle.METHODS


def test_every_guarded_method_has_a_handler():
    assert set(GUARDED) <= set(HANDLERS)


@pytest.mark.parametrize("status", oracle.STATUS_NAMES)
@pytest.mark.parametrize("method", GUARDED)
async def test_the_guard_follows_the_lifecycle_table(status: str, method: str):
    server = FixedStatus(status)
    response = await server.dispatch(request(method, taskId="t-1", message="m", inputResponses={}))
    if oracle.accepts(status, method):
        assert "result" in response, response
        assert server.handled == [method]
    else:
        assert error_of(response) == {
            "code": oracle.REFUSAL_CODE,
            "message": f"{method} is not accepted on a task in status {status!r}",
        }
        assert server.handled == []  # refused before the handler
        after = await server.dispatch(request("tasks/get", taskId="t-1"))
        assert after["result"]["status"] == status


# The same rules on a real runtime, as the issue states them.


async def test_steer_on_a_terminal_task_is_invalid_params(served):
    server, _ = served
    runtime = server.runtime
    record = runtime.start(hold)
    await asyncio.sleep(0)
    runtime.cancel(record.task_id)
    await asyncio.sleep(0.01)
    for terminal in sorted(oracle.TERMINAL):
        record.status = terminal  # every terminal status, not only the one cancel gives
        response = await server.dispatch(
            request("tasks/steer", taskId=record.task_id, message="too late")
        )
        assert error_of(response) == {
            "code": -32602,
            "message": f"tasks/steer is not accepted on a task in status {terminal!r}",
        }


async def test_pause_only_from_working_or_input_required_and_resume_only_from_paused(served):
    server, task_id = served
    record = server.runtime.store.get(task_id)
    for status in oracle.STATUS_NAMES:
        record.status = status
        pause = await server.dispatch(request("tasks/pause", taskId=task_id))
        record.status = status
        resume = await server.dispatch(request("tasks/resume", taskId=task_id))
        assert ("result" in pause) == (status in ("working", "input_required")), (status, pause)
        assert ("result" in resume) == (status == "paused"), (status, resume)
        for method, response in (("tasks/pause", pause), ("tasks/resume", resume)):
            if "error" in response:
                assert response["error"] == {
                    "code": -32602,
                    "message": f"{method} is not accepted on a task in status {status!r}",
                }
    record.status = "working"


async def test_update_on_a_paused_task_is_refused_and_terminal_tasks_never_change(served):
    server, task_id = served
    assert (await server.dispatch(request("tasks/pause", taskId=task_id)))["result"][
        "status"
    ] == "paused"
    refused = error_of(await server.dispatch(request("tasks/update", taskId=task_id, inputResponses={})))
    assert refused == {  # facts 4.2: a paused task does NOT accept tasks/update
        "code": -32602,
        "message": "tasks/update is not accepted on a task in status 'paused'",
    }
    await server.dispatch(request("tasks/resume", taskId=task_id))
    assert "result" in await server.dispatch(request("tasks/cancel", taskId=task_id))
    record = server.runtime.store.get(task_id)
    await asyncio.wait_for(_terminal(record), 5)
    before = record.to_get_result()
    for method in GUARDED:
        await server.dispatch(
            request(method, taskId=task_id, message="m", inputResponses={"k": {"action": "accept"}})
        )
    assert record.to_get_result() == before


async def _terminal(record) -> None:
    while not record.terminal:
        await record.wait_changed()


# A build with `--modules core` --------------------------------------------------------------------


@pytest.fixture(scope="module")
def core(core_bindings: Path):
    sys.path.insert(0, str(core_bindings))
    try:
        yield importlib.import_module("mcp_tasks_core")
    finally:
        sys.path.remove(str(core_bindings))


async def test_a_core_build_answers_steer_with_method_not_found_and_has_no_paused(core):
    runtime_module = importlib.import_module("mcp_tasks_core.runtime")
    server_module = importlib.import_module("mcp_tasks_core.runtime_server")
    assert "paused" not in core.lifecycle.STATUSES
    runtime = runtime_module.TaskRuntime()
    async with runtime.running():
        server = server_module.RuntimeTaskServer(runtime)
        task_id = runtime.start(hold).task_id
        assert server.settings() == {}
        for method in ("tasks/steer", "tasks/pause", "tasks/resume"):
            response = await server.dispatch(request(method, taskId=task_id, message="m"))
            assert response["error"] == {"code": -32601, "message": f"Method not found: {method}"}
        assert (await server.dispatch(request("tasks/get", taskId=task_id)))["result"][
            "status"
        ] == "working"
