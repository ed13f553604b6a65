"""Mistakes that used to do nothing, silently, now fail at once with a message that names the fix.

- TasksExtension listing a tool the server does not have (a typo never ran as a task);
- tasks_client() on an mcp.Client built without TasksClientExtension (no task was ever created);
- a setting, subtask or event source asked of a build that lacks it;
and names that hid others: messages.ValidationError shadowed pydantic's, ErrorCode was CamelCase.
"""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

import pydantic
import pytest
from mcp import Client
from mcp.server.mcpserver import MCPServer

import mcp_tasks
from mcp_tasks import messages
from mcp_tasks.methods import ErrorCode
from mcp_tasks.runtime import TaskRuntime
from mcp_tasks.sdk_client import TasksClientExtension, tasks_client
from mcp_tasks.sdk_server import TasksExtension

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend():
    return "asyncio"


def server_with(tasks: TasksExtension) -> MCPServer:
    server = MCPServer("noops", extensions=[tasks], lifespan=tasks.lifespan)

    @server.tool()
    async def crunch(n: int) -> str:
        return str(n)

    @server.tool()
    async def report() -> str:
        return "ok"

    return server


async def test_a_task_tool_the_server_does_not_have_fails_the_server_start():
    tasks = TasksExtension({"crunsh": "optional", "report": "required"})
    server = server_with(tasks)
    with pytest.raises(ValueError) as raised:
        async with tasks.lifespan(server):
            pytest.fail("the lifespan must not start")
    message = str(raised.value)
    assert "'crunsh' (did you mean 'crunch'?)" in message, message
    assert "its tools: crunch, report" in message, message
    assert "'report'" not in message.split(";")[0]  # a known tool is not reported


async def test_a_task_tool_with_nothing_close_lists_the_known_tools():
    tasks = TasksExtension({"zzz": "optional"})
    with pytest.raises(ValueError, match=r"tools this server does not have: 'zzz'; its tools"):
        async with tasks.lifespan(server_with(tasks)):
            pass


async def test_known_task_tools_start():
    tasks = TasksExtension({"crunch": "optional"})
    async with tasks.lifespan(server_with(tasks)) as state:
        assert state == {}


def test_tasks_client_refuses_a_client_without_the_extension():
    client = Client(server_with(TasksExtension({"crunch": "optional"})))
    with pytest.raises(ValueError) as raised:
        tasks_client(client)
    message = str(raised.value)
    assert "mcp.Client(..., extensions=[TasksClientExtension()])" in message, message
    assert "never creates a task" in message


def test_tasks_client_accepts_a_client_with_the_extension_before_it_is_entered_only_if_declared():
    client = Client(server_with(TasksExtension({})), extensions=[TasksClientExtension()])
    # The check passes; the client is not entered yet, so its session is not there.
    with pytest.raises(RuntimeError):
        tasks_client(client)


def test_an_unknown_runtime_setting_is_a_type_error():
    with pytest.raises(TypeError, match=r"unknown setting\(s\) paus; this build's settings: steer, pause"):
        TaskRuntime(paus=False)
    assert TaskRuntime(pause=False).enabled_settings == frozenset({"steer"})


def test_message_validation_error_does_not_shadow_pydantic():
    assert not hasattr(messages, "ValidationError") and not hasattr(mcp_tasks, "ValidationError")
    with pytest.raises(messages.MessageValidationError, match="a JSON-RPC message is an object"):
        mcp_tasks.parse_message([])
    assert not issubclass(messages.MessageValidationError, pydantic.ValidationError)
    assert issubclass(messages.MessageValidationError, ValueError)


def test_error_code_members_are_pep8_constants():
    assert ErrorCode.PARSE_ERROR == -32700 and ErrorCode.INVALID_PARAMS == -32602
    assert ErrorCode.MISSING_REQUIRED_CLIENT_CAPABILITY == -32021
    assert not hasattr(ErrorCode, "ParseError")
    assert all(re.fullmatch(r"[A-Z][A-Z0-9]*(_[A-Z0-9]+)*", member.name) for member in ErrorCode)


# A build without the proposals refuses what it lacks -----------------------------------------------


@pytest.fixture(scope="module")
def core(core_bindings: Path):
    sys.path.insert(0, str(core_bindings))
    try:
        yield importlib.import_module("mcp_tasks_core")
    finally:
        sys.path.remove(str(core_bindings))


async def test_a_core_build_refuses_features_it_lacks(core):
    runtime_module = importlib.import_module("mcp_tasks_core.runtime")
    errors = importlib.import_module("mcp_tasks_core.errors")
    sdk_server = importlib.import_module("mcp_tasks_core.sdk_server")
    with pytest.raises(TypeError, match=r"unknown setting\(s\) pause; this build's settings: none"):
        runtime_module.TaskRuntime(pause=False)
    runtime = runtime_module.TaskRuntime()

    async def body(task):
        return {"content": []}

    async with runtime.running():
        record = runtime.start(body)
        for call in (
            lambda: runtime.pause(record.task_id),
            lambda: runtime.resume(record.task_id),
            lambda: runtime.steer(record.task_id, "m"),
            lambda: runtime.start(body, event_source=True),
            lambda: runtime.start(body, parent=record),
        ):
            with pytest.raises(errors.MethodNotFoundError, match="is not part of this build"):
                call()
    with pytest.raises(ValueError, match="crunch: this build has no task event sources"):
        sdk_server.TasksExtension({"crunch": sdk_server.TaskTool(event_source=True)})
