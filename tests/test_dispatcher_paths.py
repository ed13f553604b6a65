"""Every path of mcp_tasks.dispatcher.Dispatcher, one request each, against a stub server (no
runtime, no transport): the JSON-RPC 2.0 envelope (the error response's id is the request's id, null
when it cannot be read; responses and notifications are never answered), the spec's error codes with
the project's messages pinned word for word, what a handler is given, the wire form of what it
returns, and the log records the dispatcher promises (a crashing handler and an invalid result are
logged with their traceback). Added for survivors of tools/mutation.py's `dispatcher` run
(docs/mutation.md); kept function-level so that a mutation run stays short."""

from __future__ import annotations

import asyncio
import datetime
import logging
from typing import Annotated, Any

import pydantic
import pytest
from mcp_tasks import errors
from mcp_tasks.dispatcher import checked_result, validate_params
from mcp_tasks.server import TaskServer

EXTENSION = "io.modelcontextprotocol/tasks"  # SEP-2663's extension id
META = {  # a client of the extension that opts in to both SEP-2669 settings
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientCapabilities": {"extensions": {EXTENSION: {"steer": True, "pause": True}}},
}
WORKING = {  # a tasks/get answer for a working task (SEP-2663's DetailedTask, resultType complete)
    "taskId": "t1",
    "status": "working",
    "createdAt": "2026-01-01T00:00:00Z",
    "lastUpdatedAt": "2026-01-01T00:00:00Z",
    "ttlMs": None,
    "resultType": "complete",
}
LOGGER = "mcp_tasks.dispatcher"


class Stub(TaskServer):
    """Tasks by id -> status; `tasks/get` answers `answer` (or raises it), and records what it got."""

    enabled_settings = frozenset({"steer", "pause"})

    def __init__(self, answer: Any = None, statuses: dict[str, str] | None = None) -> None:
        self.answer = WORKING if answer is None else answer
        self.statuses = {"t1": "working"} if statuses is None else statuses
        self.seen: list[tuple[Any, Any]] = []
        self.dropped: list[str] = []
        self.limited: list[str] = []

    async def task_status(self, task_id: str) -> str | None:
        return self.statuses.get(task_id)

    def drop_ignored(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self.dropped.append(method)
        return params

    def check_limits(self, method: str, params: dict[str, Any]) -> None:
        self.limited.append(method)

    async def get_task(self, params: Any, context: Any) -> Any:
        self.seen.append((params, context))
        if isinstance(self.answer, BaseException):
            raise self.answer
        return self.answer


def run(server: TaskServer, message: Any, **kwargs: Any) -> Any:
    return asyncio.run(server.dispatch(message, **kwargs))


def get(request_id: Any = 1, **params: Any) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "method": "tasks/get", "params": {"taskId": "t1", "_meta": META, **params}}


# The envelope -------------------------------------------------------------------------------------


def test_an_answer_is_a_json_rpc_2_result_with_the_requests_id():
    assert run(Stub(), get("req-7")) == {"jsonrpc": "2.0", "id": "req-7", "result": WORKING}


def test_a_message_that_is_not_json_is_a_parse_error_with_id_null():
    assert run(Stub(), b"{nope") == {"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "Parse error: the message is not JSON"}}


def test_a_message_that_is_not_an_object_is_an_invalid_request_with_id_null():
    error = {"code": -32600, "message": "A JSON-RPC request is a JSON object"}
    assert run(Stub(), "[1]") == {"jsonrpc": "2.0", "id": None, "error": error}


@pytest.mark.parametrize(
    "message, answer_id, problem",
    [
        ({"jsonrpc": "1.0", "id": "a", "method": "tasks/get"}, "a", 'jsonrpc must be "2.0"'),
        ({"jsonrpc": "2.0", "id": 3, "method": ["tasks/get"]}, 3, "method must be a string"),
        ({"jsonrpc": "2.0", "id": 4}, 4, "method must be a string"),  # neither a request nor a response
        ({"jsonrpc": "2.0", "id": 4.5, "method": "tasks/get"}, None, "id must be a string or an integer"),
        ({"jsonrpc": "2.0", "id": "b", "method": "tasks/get", "params": 1}, "b", "params must be an object"),
    ],
    ids=["jsonrpc", "method-type", "no-method", "id-type", "params-type"],
)
def test_an_invalid_request_names_its_problem_and_keeps_a_readable_id(message, answer_id, problem):
    error = {"code": -32600, "message": f"Invalid Request: {problem}"}
    assert run(Stub(), message) == {"jsonrpc": "2.0", "id": answer_id, "error": error}


def test_absent_params_are_an_empty_object():
    """JSON-RPC 2.0: params MAY be omitted; the request is then routed like any other."""
    error = {"code": -32601, "message": "Method not found: tasks/nope"}
    assert run(Stub(), {"jsonrpc": "2.0", "id": 1, "method": "tasks/nope"}) == {"jsonrpc": "2.0", "id": 1, "error": error}


@pytest.mark.parametrize(
    "message",
    [
        {"jsonrpc": "2.0", "id": 1, "result": {}},
        {"jsonrpc": "2.0", "id": "x", "error": {"code": -32601, "message": "Method not found"}},
        {"jsonrpc": "2.0", "method": "tasks/get", "params": {"taskId": "t1", "_meta": META}},
    ],
    ids=["result", "error", "notification"],
)
def test_responses_and_notifications_are_not_answered(message):
    server = Stub()
    assert run(server, message) is None
    assert server.seen == []


def test_a_request_that_also_carries_a_result_is_still_a_request():
    error = {"code": -32601, "message": "Method not found: tasks/nope"}
    message = {"jsonrpc": "2.0", "id": 2, "method": "tasks/nope", "params": {}, "result": {}}
    assert run(Stub(), message) == {"jsonrpc": "2.0", "id": 2, "error": error}


# What the handler gets ----------------------------------------------------------------------------


def test_the_handler_gets_the_parsed_params_and_the_requests_context():
    async def notify(method: str, params: dict[str, Any]) -> None:
        return None

    server = Stub()
    run(server, get("r1"), headers={"Mcp-Name": "t1", "X-Other": "v"}, notify=notify, principal="alice")
    [(params, context)] = server.seen
    assert params.task_id == "t1"
    assert (context.method, context.request_id, context.principal) == ("tasks/get", "r1", "alice")
    assert context.notify is notify
    assert context.headers == {"mcp-name": "t1", "x-other": "v"}  # names are case-insensitive (RFC 9110)
    assert context.declared == frozenset({EXTENSION})
    assert context.settings == frozenset({"steer", "pause"})
    assert server.dropped == ["tasks/get"] and server.limited == ["tasks/get"]


# Errors a handler raises, and crashes --------------------------------------------------------------


def test_a_handlers_error_is_answered_with_the_requests_id():
    server = Stub(errors.JsonRpcError(-32602, "no", {"k": 1}))
    assert run(server, get("e1")) == {"jsonrpc": "2.0", "id": "e1", "error": {"code": -32602, "message": "no", "data": {"k": 1}}}


def test_a_crashing_handler_is_an_internal_error_with_the_requests_id_and_is_logged(caplog):
    server = Stub(RuntimeError("handler bug"))
    with caplog.at_level(logging.ERROR, logger=LOGGER):
        answer = run(server, get("c1"))
    assert answer == {"jsonrpc": "2.0", "id": "c1", "error": {"code": -32603, "message": "Internal error"}}
    [record] = [r for r in caplog.records if r.name == LOGGER]
    assert record.levelno == logging.ERROR and record.getMessage() == "handler for tasks/get failed"
    assert record.exc_info is not None and isinstance(record.exc_info[1], RuntimeError)


def test_an_invalid_result_is_an_internal_error_and_is_logged(caplog):
    server = Stub({**WORKING, "status": "no-such-status"})
    with caplog.at_level(logging.ERROR, logger=LOGGER):
        answer = run(server, get(5))
    error = {"code": -32603, "message": "The handler returned an invalid result"}
    assert answer == {"jsonrpc": "2.0", "id": 5, "error": error}
    [record] = [r for r in caplog.records if r.name == LOGGER]
    assert record.levelno == logging.ERROR
    assert record.getMessage() == "handler for tasks/get returned an invalid result"
    assert isinstance(record.exc_info[1], pydantic.ValidationError)


# The checks before the handler, with their messages -----------------------------------------------


def error_of(server: TaskServer, message: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    answer = run(server, message, **kwargs)
    assert answer["id"] == message["id"] and "result" not in answer, answer
    return answer["error"]


@pytest.mark.parametrize("method", ["tasks/result", "tasks/list"])
def test_a_removed_method_is_method_not_found(method):
    """facts: tasks/result MUST get -32601; tasks/list too (CONF)."""
    message = {"jsonrpc": "2.0", "id": 1, "method": method, "params": {}}
    assert error_of(Stub(), message) == {"code": -32601, "message": f"{method} was removed from the protocol"}


def test_a_method_of_a_setting_that_is_off_is_not_found():
    class Core(Stub):
        enabled_settings = frozenset()

    message = {"jsonrpc": "2.0", "id": 1, "method": "tasks/steer", "params": {"taskId": "t1", "_meta": META}}
    expected = {"code": -32601, "message": "tasks/steer is not enabled on this server (setting 'steer')"}
    assert error_of(Core(), message) == expected


def test_a_setting_the_request_does_not_declare_is_not_found():
    meta = {**META, "io.modelcontextprotocol/clientCapabilities": {"extensions": {EXTENSION: {}}}}
    message = {"jsonrpc": "2.0", "id": 1, "method": "tasks/pause", "params": {"taskId": "t1", "_meta": meta}}
    text = (f"tasks/pause needs the 'pause' setting of {EXTENSION!r}, "
            "which this request's client capabilities do not declare")
    assert error_of(Stub(), message) == {"code": -32601, "message": text}


def test_a_missing_capability_is_32021_with_the_required_capability():
    meta = {**META, "io.modelcontextprotocol/clientCapabilities": {}}
    error = error_of(Stub(), {**get(), "params": {"taskId": "t1", "_meta": meta}})
    assert error == {
        "code": -32021,
        "message": f"The request does not declare the {EXTENSION!r} capability",
        "data": {"requiredCapabilities": {"extensions": {EXTENSION: {}}}},
    }


@pytest.mark.parametrize(
    "headers, text",
    [
        ({}, "Mcp-Name header is missing: it must carry the request body's 'taskId' parameter"),
        ({"mcp-name": "t2"}, "Mcp-Name header does not match the request body's 'taskId' parameter"),
    ],
    ids=["missing", "different"],
)
def test_a_routing_header_that_is_missing_or_different_is_32020(headers, text):
    assert error_of(Stub(), get(), headers=headers) == {"code": -32020, "message": text}


def test_a_body_without_its_routing_field_is_invalid_params_even_over_http():
    """The header cannot mirror a field the body lacks: the body is what is wrong (-32602)."""
    message = {"jsonrpc": "2.0", "id": 1, "method": "tasks/get", "params": {"_meta": META}}
    error = error_of(Stub(), message, headers={})
    assert error == {"code": -32602, "message": "Invalid params for tasks/get",
                     "data": {"errors": [{"path": "taskId", "message": "Field required"}]}}


def test_an_unknown_task_is_the_seps_task_not_found():
    """facts 2.12: -32602, the SEP's example message, the task id in data."""
    expected = {"code": -32602, "message": "Failed to retrieve task: Task not found", "data": {"taskId": "gone"}}
    assert error_of(Stub(), get(taskId="gone")) == expected


def test_a_task_the_caller_may_not_see_is_unknown():
    class Private(Stub):
        async def task_status_for(self, task_id: str, context: Any) -> str | None:
            return None if context.principal != "owner" else await self.task_status(task_id)

    assert error_of(Private(), get(), principal="mallory")["message"] == "Failed to retrieve task: Task not found"
    assert "result" in run(Private(), get(), principal="owner")


def test_params_are_read_by_their_wire_names_only():
    """The wire name is taskId; the Python attribute name is not a wire name (-32602)."""
    message = {"jsonrpc": "2.0", "id": 1, "method": "tasks/get", "params": {"task_id": "t1", "_meta": META}}
    error = error_of(Stub(), message)
    assert error == {"code": -32602, "message": "Invalid params for tasks/get",
                     "data": {"errors": [{"path": "taskId", "message": "Field required"}]}}


def test_invalid_params_list_every_problem_with_its_path():
    meta = {"io.modelcontextprotocol/clientCapabilities": META["io.modelcontextprotocol/clientCapabilities"]}
    message = {"jsonrpc": "2.0", "id": 1, "method": "tasks/get", "params": {"taskId": 7, "_meta": meta}}
    error = error_of(Stub(), message)
    assert error["code"] == -32602 and error["message"] == "Invalid params for tasks/get"
    assert [p["path"] for p in error["data"]["errors"]] == ["_meta/io.modelcontextprotocol/protocolVersion", "taskId"]
    assert all(set(p) == {"path", "message"} and p["message"] for p in error["data"]["errors"])


# The helpers --------------------------------------------------------------------------------------


class Shaped(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(validate_by_name=True)
    started_at: Annotated[datetime.datetime, pydantic.Field(alias="startedAt")]
    note: str | None = None


def test_a_model_result_is_sent_in_its_wire_form():
    """By alias, JSON types (a datetime as ISO 8601 text), unset fields left out, None kept if set."""
    when = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    assert checked_result("x/y", None, Shaped(startedAt=when)) == {"startedAt": "2026-01-02T03:04:05Z"}
    assert checked_result("x/y", None, Shaped(startedAt=when, note=None)) == {"startedAt": "2026-01-02T03:04:05Z", "note": None}


def test_a_model_result_of_the_spec_is_answered_like_its_dict():
    from mcp_tasks import models

    assert run(Stub(models.WorkingTaskResult.model_validate(WORKING)), get(1))["result"] == WORKING


def test_a_result_is_checked_by_wire_names_only():
    """A result written with Python attribute names is not the wire form: the server's bug."""
    from mcp_tasks import models

    wire = dict(WORKING)
    wire["task_id"] = wire.pop("taskId")
    with pytest.raises(errors.JsonRpcError) as raised:
        checked_result("tasks/get", models.GetTaskResult, wire)
    assert raised.value.code == -32603


def test_validate_params_without_a_model_passes_the_params_through():
    assert validate_params("x/y", None, {"a": 1}) == {"a": 1}


def test_serves_only_the_methods_with_a_handler_and_an_enabled_setting():
    class Core(Stub):
        enabled_settings = frozenset({"pause"})

    assert Core().serves("tasks/get") and Core().serves("tasks/pause")
    assert not Core().serves("tasks/steer")
    assert not Core().serves("tools/call") and not Core().serves("tasks/nope")


def test_the_advertised_settings_are_the_enabled_ones_the_client_declared():
    assert Stub().settings() == {"pause": True, "steer": True}
    assert Stub().settings(frozenset({"steer", "other"})) == {"steer": True}
    assert Stub().settings(frozenset()) == {}


def test_a_routed_method_the_lifecycle_does_not_govern_is_not_looked_up_as_a_task(monkeypatch):
    """tools/call is routed by its tool's `name` (SEP-2243), but the name is not a task id: a server
    that handles tools/call must reach its handler for a tool no task is named after."""
    from mcp_tasks import dispatcher

    class Tools(Stub):
        async def call_tool(self, params: Any, context: Any) -> Any:
            raise errors.JsonRpcError(-32602, f"tool {params.name} ran")

    monkeypatch.setattr(dispatcher._spec, "HANDLERS", {**dispatcher._spec.HANDLERS, "tools/call": "call_tool"})
    message = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "echo", "arguments": {}, "_meta": META}}
    assert error_of(Tools(), message) == {"code": -32602, "message": "tool echo ran"}
