"""Tasks from 32 concurrent clients (1,000 in memory, 300 on Redis: see TASKS) against the
reference server over streamable HTTP, each
client doing random (seeded) get, update, cancel, steer, pause and resume on its tasks; then the
invariants: no task lost, no status change after a terminal status (checked against a transition
table written by hand from the spec facts, tests/lifecycle_oracle.py, not the generated one), steer messages delivered in FIFO
order exactly once, no 5xx, no traceback in the server's log. On the in-memory store and on Redis.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from conftest import report, running_reference_server
from lifecycle_oracle import TERMINAL, successors

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

CLIENTS = 32
# Issue 10 asks for 1,000 tasks from 32 clients: the in-memory run has them. The Redis run (every
# request a round trip through the store's worker thread) takes 300, which still keeps 32 clients
# racing on shared tasks, so that the full tier stays near its 15-minute budget (docs/performance.md);
# test_race.py races two Redis replicas on the same tasks as well.
TASKS = {"memory": 1000, "redis": 300}
IN_FLIGHT = 4  # tasks each client works on at once
OPS_PER_TASK = 6  # random requests per task before the client drives it to its end
SEED = 20260728

EXTENSION = "io.modelcontextprotocol/tasks"
META = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientCapabilities": {
        "extensions": {EXTENSION: {"steer": True, "pause": True}}
    },
}


# Only `tasks/resume` takes a task out of `paused` to a non-terminal status (SEP-2669); the server
# or a cancel may end it. Only the client that created a task resumes it here, so after it saw
# `paused`, it sees nothing else but these until it sends a resume.
LEAVES_PAUSED_WITHOUT_RESUME = {"paused", "cancelled", "failed"}


def reachable(source: str) -> set[str]:
    """Every status a task in `source` may show later (polling can miss the steps between)."""
    seen, frontier = set(), [source]
    while frontier:
        for target in successors(frontier.pop()):
            if target not in seen:
                seen.add(target)
                frontier.append(target)
    return seen


@pytest.fixture
def anyio_backend():
    return "asyncio"


@dataclass
class Tracked:
    task_id: str
    tool: str
    statuses: list[str] = field(default_factory=list)  # every status seen, in order
    log: list[tuple[str, str]] = field(default_factory=list)  # ("sent", method) / ("seen", status)
    steers: list[str] = field(default_factory=list)  # steer messages the server acknowledged
    pending: dict = field(default_factory=dict)  # the inputRequests last seen
    ops: int = 0
    result: dict | None = None


@dataclass
class Tally:
    requests: collections.Counter = field(default_factory=collections.Counter)
    errors: collections.Counter = field(default_factory=collections.Counter)
    http: collections.Counter = field(default_factory=collections.Counter)


class Client:
    def __init__(self, http: httpx.AsyncClient, url: str, tally: Tally):
        self.http, self.url, self.tally = http, url, tally
        self.ids = iter(range(1, 10**9))

    async def call(self, method: str, params: dict, name: str) -> dict:
        body = {
            "jsonrpc": "2.0",
            "id": next(self.ids),
            "method": method,
            "params": {**params, "_meta": META},
        }
        headers = {
            "Accept": "application/json, text/event-stream",
            "MCP-Protocol-Version": "2026-07-28",
            "Mcp-Method": method,
            "Mcp-Name": name,
        }
        response = await self.http.post(self.url, json=body, headers=headers)
        self.tally.requests[method] += 1
        self.tally.http[response.status_code] += 1
        answer = response.json()
        if "error" in answer:
            self.tally.errors[(method, answer["error"]["code"])] += 1
        return answer

    async def task(self, method: str, task: Tracked, **params) -> dict:
        task.log.append(("sent", method))
        answer = await self.call(method, {"taskId": task.task_id, **params}, task.task_id)
        result = answer.get("result") or {}
        if "status" in result:
            task.statuses.append(result["status"])
            task.log.append(("seen", result["status"]))
            task.pending = result.get("inputRequests") or {}
            if result["status"] == "completed":
                task.result = result.get("result")
        return answer


async def run_client(number: int, client: Client, count: int, tracked: list[Tracked]) -> None:
    rng = random.Random(SEED + number)
    created = 0
    active: list[Tracked] = []
    while created < count or active:
        if created < count and len(active) < IN_FLIGHT:
            active.append(await create(client, rng, number, created))
            tracked.append(active[-1])
            created += 1
            continue
        task = rng.choice(active)
        if task.ops >= OPS_PER_TASK:
            await finish(client, task)
            active.remove(task)
            continue
        task.ops += 1
        await random_op(client, rng, task)


async def create(client: Client, rng: random.Random, number: int, index: int) -> Tracked:
    if rng.random() < 0.25:  # asks for one input, answered through tasks/update
        tool, arguments = "confirm_delete", {"filename": f"c{number}-{index}.txt"}
    else:  # takes steer messages at a checkpoint after each step; lists them in its result
        tool, arguments = "steerable_job", {"steps": 100, "step_seconds": 0.05}
    answer = await client.call("tools/call", {"name": tool, "arguments": arguments}, tool)
    result = answer["result"]
    assert result["resultType"] == "task", answer
    return Tracked(result["taskId"], tool, [result["status"]])


ANSWER = {"action": "accept", "content": {"confirm": True}}


async def random_op(client: Client, rng: random.Random, task: Tracked) -> None:
    op = rng.choice(["get", "get", "update", "cancel", "steer", "steer", "pause", "resume"])
    if op == "cancel" and rng.random() < 0.5:
        op = "get"  # cancel less often, so that most tasks run to their end
    if op == "get":
        await client.task("tasks/get", task)
    elif op == "update":
        keys = list(task.pending) or [f"unknown-{rng.randrange(100)}"]  # unknown keys: ignored
        await client.task("tasks/update", task, inputResponses={k: ANSWER for k in keys})
    elif op == "cancel":
        await client.task("tasks/cancel", task)
    elif op == "steer":
        message = f"{task.task_id[:6]}-{len(task.steers)}-{rng.randrange(10**6)}"
        answer = await client.task("tasks/steer", task, message=message)
        if "result" in answer:
            task.steers.append(message)
    elif op == "pause":
        answer = await client.task("tasks/pause", task)
        if "result" in answer:
            assert answer["result"]["status"] == "paused", answer
    else:
        answer = await client.task("tasks/resume", task)
        if "result" in answer:
            assert answer["result"]["status"] in ("working", "input_required"), answer


async def finish(client: Client, task: Tracked) -> None:
    """Drive the task to a terminal status: resume it, answer its inputs, poll."""
    deadline = time.monotonic() + 60
    while not task.statuses or task.statuses[-1] not in TERMINAL:
        assert time.monotonic() < deadline, (task.task_id, task.statuses)
        status = task.statuses[-1]
        if status == "paused":
            if "error" in await client.task("tasks/resume", task):
                await client.task("tasks/get", task)  # cancelled meanwhile (our own cancel's ack)
        elif status == "input_required" and task.pending:
            await client.task(
                "tasks/update", task, inputResponses={k: ANSWER for k in task.pending}
            )
            await client.task("tasks/get", task)
        else:
            await asyncio.sleep(0.02)
            await client.task("tasks/get", task)


def check_paused_waits_for_resume(task: Tracked) -> None:
    paused = False
    for kind, value in task.log:
        if kind == "sent" and value == "tasks/resume":
            paused = False
        elif kind == "seen":
            if paused:
                assert value in LEAVES_PAUSED_WITHOUT_RESUME, (task.task_id, task.log)
            paused = value == "paused"


def delivered(task: Tracked) -> list[str]:
    text = "".join(c.get("text", "") for c in (task.result or {}).get("content", []))
    assert text.startswith("steers: "), text
    body = text[len("steers: ") :]
    return body.split(" | ") if body else []


async def hammer(url: str, tasks: int) -> tuple[list[Tracked], Tally, float]:
    tally, tracked = Tally(), []
    # Idle connections are dropped well before uvicorn closes them (after 5 s), so a request never
    # races the server's close on a reused connection.
    limits = httpx.Limits(
        max_connections=CLIENTS, max_keepalive_connections=CLIENTS, keepalive_expiry=1.0
    )
    started = time.monotonic()
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        counts = [tasks // CLIENTS + (1 if n < tasks % CLIENTS else 0) for n in range(CLIENTS)]
        await asyncio.gather(
            *(run_client(n, Client(http, url, tally), counts[n], tracked) for n in range(CLIENTS))
        )
        # No task lost: every one is still there, terminal, and as last seen.
        checker = Client(http, url, tally)
        for task in tracked:
            final = await checker.call("tasks/get", {"taskId": task.task_id}, task.task_id)
            assert final["result"]["status"] == task.statuses[-1], (task.task_id, final)
    return tracked, tally, time.monotonic() - started


def check(tracked: list[Tracked], tally: Tally, tasks: int) -> None:
    assert len(tracked) == tasks and len({t.task_id for t in tracked}) == tasks
    for task in tracked:
        assert task.statuses[0] == "working", task
        for before, after in itertools.pairwise(task.statuses):
            assert after == before or after in reachable(before), (task.task_id, task.statuses)
        check_paused_waits_for_resume(task)
        assert task.statuses[-1] in TERMINAL
        if task.tool == "steerable_job" and task.statuses[-1] == "completed":
            received = delivered(task)
            # FIFO, each once: what the body took is what the server acknowledged, in order; only
            # messages acknowledged after the body's last checkpoint can be missing.
            assert received == task.steers[: len(received)], (task.task_id, received, task.steers)
    assert not [status for status in tally.http if status >= 500], tally.http
    # Every refusal is a lifecycle or limit refusal the spec gives as -32602 (e.g. pause on a
    # paused task, steer on a terminal one); nothing else.
    assert {code for _, code in tally.errors} <= {-32602}, tally.errors


def summary(store: str, tracked: list[Tracked], tally: Tally, seconds: float) -> str:
    statuses = collections.Counter(t.statuses[-1] for t in tracked)
    steers = sum(len(t.steers) for t in tracked)
    errors = collections.Counter()
    for (method, code), n in tally.errors.items():
        errors[f"{method} {code}"] += n
    return (
        f"concurrency ({store}): {len(tracked)} tasks from {CLIENTS} clients in {seconds:.1f} s; "
        f"requests {dict(sorted(tally.requests.items()))}; HTTP {dict(sorted(tally.http.items()))}; "
        f"errors {dict(sorted(errors.items()))}; final {dict(sorted(statuses.items()))}; "
        f"{steers} steers acknowledged"
    )


@pytest.fixture(params=["memory", "redis"])
def store_args(request) -> tuple[str, list[str]]:
    if request.param == "memory":
        return "memory", []
    return "redis", ["--store", request.getfixturevalue("redis_url").replace("/0", "/3")]


async def test_tasks_from_32_concurrent_clients_keep_every_invariant(store_args, tmp_path: Path):
    store, args = store_args
    log = tmp_path / "server.log"
    with running_reference_server(*args, "--poll-interval-ms", "50", log_path=log) as url:
        tracked, tally, seconds = await hammer(url, TASKS[store])
    check(tracked, tally, TASKS[store])
    report(summary(store, tracked, tally, seconds))
    text = log.read_text()
    assert "Traceback" not in text, text[-5000:]
