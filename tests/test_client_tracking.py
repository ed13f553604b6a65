"""The client's task tracking (mcp_tasks.tracking) against a real server: retries, watch, settle,
and task references that outlive the process that made them.

Every test talks to examples/reference_server.py over streamable HTTP on 127.0.0.1 through the
official SDK's transport (`mcp.Client` + `session_transport`). Failures are injected by wrapping
that real transport (FlakySend), or, for the outage, by stopping the server process itself.

Expected values come from the spec (mcp-tasks-spec-facts.md): statuses `working` / `completed` /
`failed` / `cancelled`; `-32602` for an unknown task id on tasks/get; a tool error (`isError`)
is a `completed` task; a JSON-RPC error during execution is a `failed` task carrying it.
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import textwrap
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import mcp_tasks
import pytest
from conftest import REFERENCE_SERVER, _wait_until_listening, free_port
from mcp import Client
from mcp_tasks import errors, models
from mcp_tasks.client import PollPolicy, TasksClient
from mcp_tasks.sdk_client import TasksClientExtension, session_transport
from mcp_tasks.tracking import (
    RetryPolicy,
    SettleTimeout,
    TaskExpiredError,
    TaskRef,
    is_transient,
)

pytestmark = pytest.mark.anyio

FAST = PollPolicy(floor=0.01, ceiling=0.1)  # a client policy: poll at least every 100 ms
LIMIT = 60  # seconds any one test may take


@pytest.fixture
def anyio_backend():
    return "asyncio"


class FlakySend:
    """The real transport, behind a shim that fails the first `failures[method]` sends of a method
    with a connection error before they reach the wire. Records every attempt."""

    def __init__(self, send, failures: dict[str, int] | None = None):
        self.send, self.failures = send, dict(failures or {})
        self.attempts: list[str] = []

    async def __call__(self, request: dict) -> dict:
        method = request["method"]
        self.attempts.append(method)
        if self.failures.get(method, 0) > 0:
            self.failures[method] -= 1
            raise ConnectionResetError(f"{method}: connection reset (injected)")
        return await self.send(request)


class Sleeps:
    """An injected sleep: records each delay, then yields to the loop (polls stay cheap)."""

    def __init__(self):
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        await anyio.sleep(min(seconds, 0.1))


@asynccontextmanager
async def connect(url: str):
    """An entered mcp.Client over streamable HTTP, and its real transport."""
    with anyio.fail_after(LIMIT):
        async with Client(url, extensions=[TasksClientExtension()]) as client:
            yield session_transport(client.session)


def subprocess_env() -> dict[str, str]:
    """A child process imports the mcp_tasks this process imported."""
    package_root = str(Path(mcp_tasks.__file__).resolve().parent.parent)
    paths = [package_root, *filter(None, [os.environ.get("PYTHONPATH")])]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


def tasks_over(send, **options) -> TasksClient:
    return TasksClient(send, poll=FAST, **options)


def text_of(result: models.CallToolResult) -> str:
    return " ".join(block.get("text", "") for block in result.to_wire()["content"])


def status_of(task) -> str:
    return getattr(task.status, "root", task.status)


# Retries -------------------------------------------------------------------------------------------


async def test_get_succeeds_after_two_transient_failures_with_backoff(reference_server_url):
    async with connect(reference_server_url) as send:
        created = await tasks_over(send).call_tool("slow_compute", arguments={"seconds": 30})
        flaky, sleeps = FlakySend(send, {"tasks/get": 2}), Sleeps()
        policy = RetryPolicy(attempts=4, base_delay=0.5, max_delay=10, random=lambda: 0.5)
        tasks = tasks_over(flaky, sleep=sleeps, retry=policy)

        task = await tasks.get_task(created.task_id)
        assert task.task_id == created.task_id and status_of(task) == "working"
        assert flaky.attempts == ["tasks/get"] * 3
        # Full jitter: the capped exponential delay (0.5, then 1.0) times the random factor 0.5.
        assert sleeps.delays == [0.25, 0.5]
        await tasks.cancel_task(created.task_id)


async def test_backoff_is_capped_and_attempts_are_bounded(reference_server_url):
    async with connect(reference_server_url) as send:
        flaky, sleeps = FlakySend(send, {"tasks/get": 10}), Sleeps()
        policy = RetryPolicy(attempts=4, base_delay=1, max_delay=3, jitter=False)
        with pytest.raises(ConnectionResetError) as failed:
            await tasks_over(flaky, sleep=sleeps, retry=policy).get_task("any")
        assert flaky.attempts == ["tasks/get"] * 4 and sleeps.delays == [1, 2, 3]
        assert any("4 attempts" in note for note in failed.value.__notes__)


async def test_cancel_retries_by_default(reference_server_url):
    async with connect(reference_server_url) as send:
        created = await tasks_over(send).call_tool("slow_compute", arguments={"seconds": 30})
        flaky, sleeps = FlakySend(send, {"tasks/cancel": 1}), Sleeps()
        ack = await tasks_over(flaky, sleep=sleeps).cancel_task(created.task_id)
        assert ack.result_type == "complete" and flaky.attempts == ["tasks/cancel"] * 2
        assert len(sleeps.delays) == 1


async def test_tools_call_is_not_retried_unless_the_call_opts_in(reference_server_url):
    async with connect(reference_server_url) as send:
        flaky, sleeps = FlakySend(send, {"tools/call": 1}), Sleeps()
        tasks = tasks_over(flaky, sleep=sleeps)
        with pytest.raises(ConnectionResetError):
            await tasks.call_tool("slow_compute", arguments={"seconds": 0.1})
        assert flaky.attempts == ["tools/call"] and sleeps.delays == []

        flaky.failures["tools/call"] = 1
        flaky.attempts.clear()
        created = await tasks.call_tool("slow_compute", arguments={"seconds": 0.1}, retry=True)
        assert isinstance(created, models.CreateTaskResult)
        assert flaky.attempts == ["tools/call"] * 2 and len(sleeps.delays) == 1


async def test_update_is_retried_since_a_repeat_changes_nothing(reference_server_url):
    """SEP-2663: the server ignores inputResponses keys it does not know or already has, so a
    repeated tasks/update is harmless and the spec marks it idempotent."""
    async with connect(reference_server_url) as send:
        flaky, sleeps = FlakySend(send, {"tasks/update": 1}), Sleeps()
        with pytest.raises(errors.InvalidParamsError):  # an unknown task, once it gets through
            await tasks_over(flaky, sleep=sleeps).update_task("no-such-task", {})
        assert flaky.attempts == ["tasks/update"] * 2 and len(sleeps.delays) == 1


async def test_steer_is_not_retried_by_default(reference_server_url):
    """SEP-2669: every tasks/steer queues one more message, so a blind retry could steer twice."""
    async with connect(reference_server_url) as send:
        flaky, sleeps = FlakySend(send, {"tasks/steer": 1}), Sleeps()
        with pytest.raises(ConnectionResetError):
            await tasks_over(flaky, sleep=sleeps).steer_task("any", "faster")
        assert flaky.attempts == ["tasks/steer"] and sleeps.delays == []


async def test_a_json_rpc_error_is_never_retried(reference_server_url):
    async with connect(reference_server_url) as send:
        flaky, sleeps = FlakySend(send), Sleeps()
        retry_everything = RetryPolicy(attempts=5, retry_on=lambda exc: True)
        tasks = tasks_over(flaky, sleep=sleeps, retry=retry_everything)
        with pytest.raises(errors.InvalidParamsError) as unknown:
            await tasks.get_task("no-such-task")
        assert unknown.value.code == -32602  # unknown taskId on tasks/get (MUST)
        assert flaky.attempts == ["tasks/get"] and sleeps.delays == []


def test_what_counts_as_transient():
    class HTTPStatusError(Exception):  # the shape of httpx's: the response carries the status
        def __init__(self, status: int):
            self.response = type("Response", (), {"status_code": status})()

    assert is_transient(ConnectionRefusedError()) and is_transient(TimeoutError())
    assert is_transient(HTTPStatusError(503)) and not is_transient(HTTPStatusError(400))
    assert is_transient(ExceptionGroup("g", [ConnectionResetError(), TimeoutError()]))
    assert not is_transient(ExceptionGroup("g", [ConnectionResetError(), ValueError()]))
    assert not is_transient(errors.InternalError()) and not is_transient(ValueError())


# Retries across a real outage ------------------------------------------------------------------------


class ServerProcess:
    """The reference server as a process this test stops and starts again on the same port."""

    def __init__(self, log: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/mcp"
        self.process: subprocess.Popen | None = None
        self.log = log

    def start(self) -> None:
        command = [sys.executable, str(REFERENCE_SERVER), "--port", str(self.port)]
        with self.log.open("a+") as log:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen(
                command, env=subprocess_env(), stdout=log, stderr=subprocess.STDOUT
            )
            _wait_until_listening(self.process, self.port, log)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None


def reconnecting_send(url: str):
    """A send that opens a fresh SDK connection per request, so an outage between two requests
    (or two attempts) leaves nothing broken behind."""

    async def send(request: dict) -> dict:
        async with Client(url, extensions=[TasksClientExtension()]) as client:
            return await session_transport(client.session)(request)

    return send


async def test_get_rides_out_a_server_restart(tmp_path):
    """The server is down when tasks/get starts; the first backoff restarts it on the same port;
    the retried request reaches it. The reference server keeps tasks in memory, so the task made
    before the restart is gone: tasks/get answers -32602, typed, and is not retried."""
    server = ServerProcess(tmp_path / "server.log")
    server.start()
    try:
        send = reconnecting_send(server.url)
        created = await tasks_over(send).call_tool("slow_compute", arguments={"seconds": 30})
        server.stop()
        failures: list[BaseException] = []

        async def restart_on_first_backoff(seconds: float) -> None:
            if server.process is None:
                await anyio.to_thread.run_sync(server.start)
            await anyio.sleep(min(seconds, 0.1))

        def transient(exc: BaseException) -> bool:
            failures.append(exc)
            return is_transient(exc)

        policy = RetryPolicy(attempts=3, base_delay=0.1, retry_on=transient)
        tasks = tasks_over(send, sleep=restart_on_first_backoff, retry=policy)
        with anyio.fail_after(LIMIT), pytest.raises(TaskExpiredError) as expired:
            await tasks.settle(created.task_id, timeout=LIMIT)
        assert expired.value.error.code == -32602 and expired.value.task_id == created.task_id
        assert len(failures) == 1 and is_transient(failures[0])  # one outage, then an answer
        # A task created after the restart is served normally.
        fresh = await tasks.call_tool("slow_compute", arguments={"seconds": 0.1, "label": "after"})
        assert (
            text_of(await tasks.settle(fresh.task_id, timeout=LIMIT)) == "computed after after 0.1s"
        )
    finally:
        server.stop()


# watch -----------------------------------------------------------------------------------------------


async def test_watch_yields_each_distinct_state_in_order_until_terminal(reference_server_url):
    async with connect(reference_server_url) as send:
        tasks = tasks_over(send)
        created = await tasks.call_tool("slow_compute", arguments={"seconds": 2})
        states = [task async for task in tasks.watch(created.task_id, timeout=LIMIT)]
        statuses = [status_of(task) for task in states]
        assert statuses[0] == "working" and statuses[-1] == "completed"
        assert set(statuses) == {"working", "completed"}
        assert statuses.index("completed") == len(statuses) - 1  # ends at the terminal state
        pairs = [(status_of(t), getattr(t, "status_message", None)) for t in states]
        assert all(
            a != b for a, b in itertools.pairwise(pairs)
        )  # never the same state twice running
        assert all(task.task_id == created.task_id for task in states)


# settle ----------------------------------------------------------------------------------------------


async def test_settle_returns_the_typed_call_tool_result(reference_server_url):
    async with connect(reference_server_url) as send:
        tasks = tasks_over(send)
        created = await tasks.call_tool("slow_compute", arguments={"seconds": 0.2, "label": "x"})
        result = await tasks.track(created).settle(timeout=LIMIT)
        assert isinstance(result, models.CallToolResult)
        assert text_of(result) == "computed x after 0.2s" and result.is_error is False
        # wait_for_result gives the same typed result.
        assert (await tasks.wait_for_result(created.task_id, timeout=LIMIT)) == result


async def test_settle_a_tool_error_is_a_completed_task(reference_server_url):
    async with connect(reference_server_url) as send:
        tasks = tasks_over(send)
        created = await tasks.call_tool("failing_job")
        result = await tasks.settle(created.task_id, timeout=LIMIT)
        assert isinstance(result, models.CallToolResult) and result.is_error is True


async def test_settle_raises_task_failed_with_the_tasks_json_rpc_error(reference_server_url):
    async with connect(reference_server_url) as send:
        tasks = tasks_over(send)
        created = await tasks.call_tool("protocol_error_job")
        with pytest.raises(errors.TaskFailedError) as failed:
            await tasks.settle(created.task_id, timeout=LIMIT)
        final = await tasks.get_task(created.task_id)
        assert status_of(final) == "failed"
        assert isinstance(failed.value.error, errors.JsonRpcError)
        assert failed.value.error.to_error() == final.error.to_wire()


async def test_settle_raises_task_cancelled_after_cancel(reference_server_url):
    async with connect(reference_server_url) as send:
        tasks = tasks_over(send)
        handle = tasks.track(await tasks.call_tool("slow_compute", arguments={"seconds": 30}))
        assert (await handle.cancel()).result_type == "complete"
        with pytest.raises(errors.TaskCancelledError):
            await handle.settle(timeout=LIMIT)


async def test_settle_deadline_raises_a_timeout_and_the_task_keeps_running(reference_server_url):
    async with connect(reference_server_url) as send:
        tasks = tasks_over(send)
        created = await tasks.call_tool("slow_compute", arguments={"seconds": 30})
        with pytest.raises(SettleTimeout) as late:
            await tasks.settle(created.task_id, timeout=0.3)
        assert isinstance(late.value, TimeoutError) and status_of(late.value.task) == "working"
        assert status_of(await tasks.get_task(created.task_id)) == "working"
        await tasks.cancel_task(created.task_id)


async def test_settle_answers_input_requests_through_on_input(reference_server_url):
    async with connect(reference_server_url) as send:
        tasks = tasks_over(send)
        created = await tasks.call_tool("confirm_delete", arguments={"filename": "a.txt"})
        with pytest.raises(errors.TaskInputRequiredError):  # nothing answers: say so, do not hang
            await tasks.settle(created.task_id, timeout=LIMIT)

        asked: list[str] = []

        def confirm(key, request, task):
            asked.append(key)
            return models.ElicitResult(action="accept", content={"confirm": True})

        result = await tasks.settle(created.task_id, timeout=LIMIT, on_input=confirm)
        assert text_of(result) == "Deleted a.txt" and len(asked) == 1


async def test_settle_an_unknown_task_raises_task_expired(reference_server_url):
    async with connect(reference_server_url) as send:
        with pytest.raises(TaskExpiredError) as expired:
            await tasks_over(send).settle("no-such-task", timeout=LIMIT)
        assert isinstance(expired.value.error, errors.InvalidParamsError)


# Task references -------------------------------------------------------------------------------------


def test_task_ref_round_trips_and_rejects_anything_else():
    ref = TaskRef("t-1", "tools/call", "https://example.com/mcp", 250)
    assert TaskRef.from_json(ref.to_json()) == ref
    assert TaskRef.from_json(TaskRef("t-2", "tools/call").to_json()).poll_interval_ms is None
    for bad in ('{"taskId": "t"}', "[]", ref.to_json().replace('"t-1"', "1"), "not json"):
        with pytest.raises(ValueError):
            TaskRef.from_json(bad)


def spawn_creator(script: Path, url: str) -> subprocess.Popen:
    """Another client process (CREATOR): it prints a TaskRef, then waits to be killed."""
    script.write_text(CREATOR, "utf-8")
    command = [sys.executable, str(script), url]
    return subprocess.Popen(command, env=subprocess_env(), stdout=subprocess.PIPE, text=True)


CREATOR = textwrap.dedent("""
    import sys, anyio
    from mcp import Client
    from mcp_tasks.client import TasksClient
    from mcp_tasks.sdk_client import TasksClientExtension, session_transport

    async def main(url):
        async with Client(url, extensions=[TasksClientExtension()]) as client:
            tasks = TasksClient(session_transport(client.session))
            created = await tasks.call_tool(
                "slow_compute", arguments={"seconds": 2.5, "label": "resumed"}
            )
            print(tasks.track(created, server=url).ref.to_json(), flush=True)
            await anyio.sleep(3600)  # killed before this ends

    anyio.run(main, sys.argv[1])
    """)


async def test_a_task_survives_the_process_that_created_it(reference_server_url, tmp_path):
    creator = spawn_creator(tmp_path / "creator.py", reference_server_url)
    try:
        with anyio.fail_after(LIMIT):
            line = await anyio.to_thread.run_sync(creator.stdout.readline)
    finally:
        creator.send_signal(signal.SIGKILL)
        creator.wait()
        creator.stdout.close()
    assert creator.returncode == -signal.SIGKILL

    ref = TaskRef.from_json(line)
    assert ref.server == reference_server_url and ref.method == "tools/call"
    async with connect(ref.server) as send:
        handle = tasks_over(send).resume(ref)
        result = await handle.settle(timeout=LIMIT)
    assert isinstance(result, models.CallToolResult)
    assert text_of(result) == "computed resumed after 2.5s"
