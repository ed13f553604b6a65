"""Interop with fastmcp 4.1.2 + fastmcp-tasks 4.1.2, both ways, over streamable HTTP on 127.0.0.1.

The peers run in their own virtual environment (tests/.peers/fastmcp-venv, created once by the
`fastmcp_python` fixture from the package registry), never in the project's: they pin their own
`mcp`. Scenarios (issue 9): create a task, poll it to completion and read the result; cancel; a
tool error (SEP-2663: `completed` with `isError`); a protocol error (`failed` carrying the JSON-RPC
error); `input_required` answered through `tasks/update`; two inputs outstanding at once; and, for
the generated client, steer/pause on a server that does not offer them (SEP-2669: -32601).

The fastmcp client never sends `Mcp-Name` on tasks/*, which SEP-2663 requires and SEP-2243 makes
the server refuse (400, -32020): it runs against `reference_server.py --lenient-headers`, and one
test shows the strict default refusing it with a message that says the header is missing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import anyio
import pytest
from conftest import REPO, _wait_until_listening, free_port, running_reference_server
from servers import stop

pytestmark = pytest.mark.slow

PEERS = REPO / "tests" / "peers"
VENV = REPO / "tests" / ".peers" / "fastmcp-venv"
PINS = ("fastmcp==4.1.2", "fastmcp-tasks==4.1.2")


@pytest.fixture(scope="session")
def fastmcp_python() -> Path:
    """The Python of a virtual environment holding exactly the pinned peers (made once)."""
    python = VENV / "bin" / "python"
    marker = VENV / "taskbind-pins.txt"
    if not (python.exists() and marker.exists() and marker.read_text() == "\n".join(PINS)):
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *PINS],
            check=True,
        )
        marker.write_text("\n".join(PINS))
    return python


def drive(python: Path, url: str, scenario: str) -> dict:
    """Run one fastmcp-client scenario (tests/peers/fastmcp_client.py); what it observed."""
    done = subprocess.run(
        [str(python), str(PEERS / "fastmcp_client.py"), url, scenario],
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = done.stdout.strip().splitlines()
    assert lines, done.stderr
    return json.loads(lines[-1])


@pytest.fixture(scope="module")
def lenient_url():
    with running_reference_server("--lenient-headers") as url:
        yield url


# The fastmcp client against examples/reference_server.py --lenient-headers --------------------

# Expected answers: from the reference server's documented fixtures and SEP-2663's status rules.
FASTMCP_CLIENT_SCENARIOS = {
    "plain": {"ok": True, "text": "Hello, peer!"},
    "complete": {"ok": True, "created_status": "working", "text": "computed peer after 0.3s"},
    "transparent": {"ok": True, "text": "computed result after 0.2s"},
    "cancel": {"ok": True, "status": "cancelled"},
    "tool_error": {"ok": True, "status": "completed", "is_error": True},
    "protocol_error": {"ok": True, "status": "failed", "code": -32603},
    "input": {"ok": True, "text": "Deleted a.txt"},
    "two_inputs": {"ok": True, "outstanding": 2, "text": "Got first-name and second-name"},
}


@pytest.mark.parametrize("scenario", sorted(FASTMCP_CLIENT_SCENARIOS))
def test_fastmcp_client_against_the_lenient_reference_server(fastmcp_python, lenient_url, scenario):
    assert drive(fastmcp_python, lenient_url, scenario) == FASTMCP_CLIENT_SCENARIOS[scenario]


def test_strict_reference_server_refuses_the_fastmcp_client_saying_the_header_is_missing(
    fastmcp_python, reference_server_url
):
    # SEP-2243: "Servers ... MUST reject requests missing required headers" (-32020); the plain
    # tool still works, because tools/call from fastmcp does carry its Mcp-Name.
    assert drive(fastmcp_python, reference_server_url, "plain")["ok"] is True
    observed = drive(fastmcp_python, reference_server_url, "complete")
    assert observed["ok"] is False
    assert "Mcp-Name header is missing" in observed["error"], observed


# The generated client against a fastmcp-tasks server (tests/peers/fastmcp_server.py) -----------


@pytest.fixture(scope="module")
def fastmcp_server_url(fastmcp_python):
    port = free_port()
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(
            [str(fastmcp_python), str(PEERS / "fastmcp_server.py"), str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=PEERS,
            env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
        )
        try:
            _wait_until_listening(process, port, log, timeout=60)
            yield f"http://127.0.0.1:{port}/mcp"
        finally:
            stop(process)


def run_generated_client(url: str, scenario) -> object:
    from mcp import Client
    from mcp_tasks.client import PollPolicy, TasksClient
    from mcp_tasks.sdk_client import TasksClientExtension, session_transport

    async def main():
        with anyio.fail_after(60):
            async with Client(url, extensions=[TasksClientExtension()]) as client:
                poll = PollPolicy(floor=0.01, ceiling=0.1)
                return await scenario(TasksClient(session_transport(client.session), poll=poll))

    return anyio.run(main)


def text_of(result) -> str:
    return " ".join(block.get("text", "") for block in result.to_wire()["content"])


def test_generated_client_completes_a_task_and_reads_its_result(fastmcp_server_url):
    async def scenario(tasks):
        created = await tasks.call_tool("slow_compute", arguments={"seconds": 0.3})
        return created.status, text_of(await tasks.wait_for_result(created.task_id))

    assert run_generated_client(fastmcp_server_url, scenario) == ("working", "computed after 0.3s")


def test_generated_client_cancels_a_task(fastmcp_server_url):
    async def scenario(tasks):
        created = await tasks.call_tool("slow_compute", arguments={"seconds": 30})
        await tasks.cancel_task(created.task_id)
        return (await tasks.wait_until_terminal(created.task_id)).status

    assert run_generated_client(fastmcp_server_url, scenario) == "cancelled"


def test_generated_client_sees_a_tool_error_as_completed_with_is_error(fastmcp_server_url):
    # SEP-2663: a tool result with isError is `completed`, never `failed`.
    async def scenario(tasks):
        created = await tasks.call_tool("failing_job")
        final = await tasks.wait_until_terminal(created.task_id)
        return final.status, final.to_wire()["result"]["isError"]

    assert run_generated_client(fastmcp_server_url, scenario) == ("completed", True)


def test_generated_client_sees_a_protocol_error_as_failed(fastmcp_server_url):
    # SEP-2663: a JSON-RPC error during execution is `failed`, carrying the error.
    async def scenario(tasks):
        created = await tasks.call_tool("protocol_error_job")
        final = await tasks.wait_until_terminal(created.task_id)
        return final.status, final.to_wire()["error"]["code"]

    assert run_generated_client(fastmcp_server_url, scenario) == ("failed", -32603)


def test_generated_client_answers_input_through_tasks_update(fastmcp_server_url):
    async def scenario(tasks):
        created = await tasks.call_tool("confirm_delete", arguments={"filename": "a.txt"})

        async def on_input(key, request, task):
            return {"action": "accept", "content": {"confirm": True}}

        return text_of(await tasks.wait_for_result(created.task_id, on_input=on_input))

    assert run_generated_client(fastmcp_server_url, scenario) == "Deleted a.txt"


def test_generated_client_answers_two_inputs_outstanding_at_once(fastmcp_server_url):
    async def scenario(tasks):
        created = await tasks.call_tool("multi_input")
        asked: list[str] = []

        async def on_input(key, request, task):
            message = request.to_wire()["params"]["message"]
            asked.append(message)
            return {"action": "accept", "content": {"name": message.split()[2].rstrip("?")}}

        result = await tasks.wait_for_result(created.task_id, on_input=on_input)
        return sorted(asked), text_of(result)

    asked, text = run_generated_client(fastmcp_server_url, scenario)
    assert asked == ["Value for first?", "Value for second?"]
    assert text == "Got first and second"


def test_generated_client_gets_a_typed_method_not_found_for_steer_and_pause(fastmcp_server_url):
    # SEP-2669: a server that does not support the methods answers -32601.
    from mcp_tasks import errors

    async def scenario(tasks):
        created = await tasks.call_tool("slow_compute", arguments={"seconds": 30})
        codes = []
        for call in (
            lambda: tasks.steer_task(created.task_id, "faster"),
            lambda: tasks.pause_task(created.task_id),
        ):
            with pytest.raises(errors.MethodNotFoundError) as refused:
                await call()
            codes.append(refused.value.code)
        await tasks.cancel_task(created.task_id)
        return codes

    assert run_generated_client(fastmcp_server_url, scenario) == [-32601, -32601]


def test_a_push_ready_client_polls_a_server_without_push(fastmcp_server_url):
    """The generated client tries a listen stream first (tasks_client gives it one); fastmcp-tasks
    does not acknowledge task ids on it, so the client polls, and the task still settles."""
    from mcp import Client
    from mcp_tasks.sdk_client import TasksClientExtension, tasks_client

    async def main():
        with anyio.fail_after(60):
            async with Client(fastmcp_server_url, extensions=[TasksClientExtension()]) as client:
                tasks = tasks_client(client)
                assert tasks.listen is not None
                created = await tasks.call_tool("slow_compute", arguments={"seconds": 0.3})
                return text_of(await tasks.settle(created.task_id, timeout=30))

    assert anyio.run(main) == "computed after 0.3s"
