"""Two reference server replicas on one Redis: any replica answers for any task, requests made
through one reach the body running on the other, and a dead replica's tasks end `failed`.

Expected behaviour comes from SEP-2663 (a task created through one request is readable, cancellable
and updatable by later ones, whichever server instance the `Mcp-Name` routing sends them to) and
SEP-2669 (steer delivered in order at the body's next checkpoint; pause and resume)."""

from __future__ import annotations

import signal
from contextlib import ExitStack, asynccontextmanager

import anyio
import pytest
from mcp import Client

from conftest import running_reference_server
from mcp_tasks.client import PollPolicy, TasksClient
from mcp_tasks.sdk_client import TasksClientExtension, session_transport
from rr_proxy import running_proxy

pytestmark = [pytest.mark.anyio, pytest.mark.slow]
FAST = PollPolicy(floor=0.01, ceiling=0.1)
LIMIT = 60


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture
def replicas(redis_url):
    """Two reference servers sharing a Redis database: (url A, url B, [process A, process B])."""
    processes: list = []
    with ExitStack() as stack:
        store = redis_url.rsplit("/", 1)[0] + f"/{_free_db()}"
        args = ("--store", store, "--lease-ms", "1000", "--poll-interval-ms", "50")
        a = stack.enter_context(running_reference_server(*args, processes=processes))
        b = stack.enter_context(running_reference_server(*args, processes=processes))
        yield a, b, processes


_used_dbs: set[int] = set()


def _free_db() -> int:
    """A Redis database of its own per test (redis-server has 16): tests never share tasks."""
    db = next(n for n in range(1, 16) if n not in _used_dbs)
    _used_dbs.add(db)
    return db


@asynccontextmanager
async def tasks_at(url: str):
    async with Client(url, extensions=[TasksClientExtension()]) as client:
        yield TasksClient(session_transport(client.session), poll=FAST)


def status(task) -> str:
    return getattr(task.status, "root", task.status)


async def test_create_on_a_steer_via_b_pause_via_a_resume_via_b_result_via_b(replicas):
    url_a, url_b, _ = replicas
    with anyio.fail_after(LIMIT):
        async with tasks_at(url_a) as a, tasks_at(url_b) as b:
            created = await a.call_tool(
                "steerable_job", arguments={"steps": 40, "step_seconds": 0.05}
            )
            task_id = created.task_id
            assert status(await b.get_task(task_id)) == "working"  # B knows A's task at once
            await b.steer_task(task_id, "first")
            await b.steer_task(task_id, "second")
            paused = await a.pause_task(task_id)
            assert status(paused) == "paused"
            assert status(await b.get_task(task_id)) == "paused"
            await b.steer_task(task_id, "third")  # queued while paused
            resumed = await b.resume_task(task_id)
            assert status(resumed) == "working"
            final = await b.wait_until_terminal(task_id)
            assert status(final) == "completed"
            text = final.to_wire()["result"]["content"][0]["text"]
            assert text == "steers: first | second | third"  # FIFO, each exactly once


async def test_cancel_through_the_other_replica_reaches_the_body(replicas):
    url_a, url_b, _ = replicas
    with anyio.fail_after(LIMIT):
        async with tasks_at(url_a) as a, tasks_at(url_b) as b:
            created = await a.call_tool("slow_compute", arguments={"seconds": 30})
            await b.cancel_task(created.task_id)
            final = await b.wait_until_terminal(created.task_id)
            assert status(final) == "cancelled"


async def test_every_request_through_a_round_robin_proxy_finds_the_task(replicas):
    url_a, url_b, _ = replicas
    with anyio.fail_after(LIMIT), running_proxy([url_a, url_b]) as url:
        async with tasks_at(url) as tasks:
            created = await tasks.call_tool("slow_compute", arguments={"seconds": 0.3})
            for _ in range(6):  # alternates replicas: each one answers for the task
                assert status(await tasks.get_task(created.task_id)) in ("working", "completed")
            final = await tasks.wait_until_terminal(created.task_id)
            assert status(final) == "completed"


async def test_a_task_whose_replica_died_ends_failed_once_its_lease_expires(replicas):
    url_a, url_b, processes = replicas
    with anyio.fail_after(LIMIT):
        async with tasks_at(url_a) as a:
            created = await a.call_tool("slow_compute", arguments={"seconds": 60})
        processes[0].send_signal(signal.SIGKILL)  # no shutdown: its lease just stops
        processes[0].wait()
        async with tasks_at(url_b) as b:
            final = await b.wait_until_terminal(created.task_id)
            assert status(final) == "failed"
            error = final.to_wire()["error"]
            assert error["code"] == -32603 and "lease" in error["message"]


# The official conformance suite through the proxy ---------------------------------------------------


@pytest.fixture(scope="module")
def replica_scenario_runs(redis_url, tmp_path_factory):
    """Every tasks-* scenario against two replicas behind the round-robin proxy, on one Redis."""
    from concurrent.futures import ThreadPoolExecutor

    from test_conformance import SCENARIOS, _checks, _conformance, require_suite

    require_suite()
    output = tmp_path_factory.mktemp("conformance-replicas")
    store = redis_url.rsplit("/", 1)[0] + f"/{_free_db()}"
    args = ("--store", store, "--lease-ms", "2000")
    with ExitStack() as stack:
        a = stack.enter_context(running_reference_server(*args))
        b = stack.enter_context(running_reference_server(*args))
        url = stack.enter_context(running_proxy([a, b]))

        def run(name: str):
            process = _conformance("server", "--url", url, "--scenario", name, "-o", str(output))
            return process, _checks(output, name)

        with ThreadPoolExecutor(max_workers=4) as pool:
            return dict(zip(SCENARIOS, pool.map(run, SCENARIOS)))


def _scenarios() -> list[str]:
    from test_conformance import SCENARIOS

    return SCENARIOS or ["(suite not installed)"]


@pytest.mark.parametrize("scenario", _scenarios())
def test_tasks_scenario_through_two_replicas(scenario: str, replica_scenario_runs):
    from test_conformance import SKIPPED_UPSTREAM

    run, checks = replica_scenario_runs[scenario]
    statuses = {check["id"]: check["status"] for check in checks}
    report = f"{scenario} through two replicas: {statuses}\n{run.stdout[-3000:]}"
    assert checks, report
    if scenario in SKIPPED_UPSTREAM:
        assert set(statuses.values()) == {"SKIPPED"}, report
    else:
        assert set(statuses.values()) == {"SUCCESS"}, report
        assert run.returncode == 0, report
