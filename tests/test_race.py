"""Two replicas race on the same tasks: pause, resume, cancel and steer at once, through both.

The invariants come from the spec facts, written out here by hand (not from the generated
lifecycle): SEP-2663's transitions plus SEP-2669's `paused` (reachable from working and
input_required; left by resume to working or input_required, by cancel, or by a server error);
a terminal status never changes; steer messages reach the body in submission order, each once;
two replicas never both move a task out of one status (so every acknowledged pause is one
transition into `paused`, every acknowledged resume one transition out of it).

Every change of every task is heard on a listen stream (push) on replica A, in commit order.
"""

from __future__ import annotations

import os
import random
import re

import anyio
import pytest
from lifecycle_oracle import REFUSAL_CODE, TERMINAL, accepts, allowed, successors
from mcp_tasks import errors
from test_push import raw_listen, tasks_at, two_replicas

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

SEED = int(os.environ.get("RACE_SEED", "2663"))
TASKS = 4
OPERATIONS = 24  # pause/resume/cancel requests per task, split between the replicas
STEERS = 6  # per task, sent one after the other (so their submission order is defined)
LIMIT = 120


@pytest.fixture
def anyio_backend():
    return "asyncio"


def status(task) -> str:
    return getattr(task.status, "root", task.status)


def assert_lifecycle_refusal(refused: errors.JsonRpcError, method: str) -> None:
    """A request that lost a race is refused by the lifecycle, for a reason the oracle agrees with:
    the method is not accepted in the status the task had, or the change it asked for is not a
    transition (the task moved on between the read and the write). Anything else is a failure."""
    assert refused.code == REFUSAL_CODE, refused
    not_accepted = re.fullmatch(r"(\S+) is not accepted on a task in status '(\w+)'", refused.message)
    if not_accepted:
        assert not_accepted[1] == method and not accepts(not_accepted[2], method), refused.message
        return
    terminal = re.fullmatch(r"a task in terminal status '(\w+)' never changes \(to '\w+'\)", refused.message)
    if terminal:
        assert terminal[1] in TERMINAL, refused.message
        return
    transition = re.fullmatch(r"'(\w+)' -> '(\w+)' by '(\S+)' is not a transition of the lifecycle", refused.message)
    assert transition and not allowed(*transition.groups()), refused.message


async def test_two_replicas_racing_on_the_same_tasks_keep_the_invariants(redis_url):
    rng = random.Random(SEED)
    with anyio.fail_after(LIMIT), two_replicas(redis_url, 13, lease_ms=3000) as (url_a, url_b):
        async with tasks_at(url_a) as a, tasks_at(url_b) as b:
            replicas = [a, b]
            ids = []
            for _ in range(TASKS):
                created = await a.call_tool(
                    "steerable_job", arguments={"steps": 60, "step_seconds": 0.03}
                )
                ids.append(created.task_id)
            heard: dict[str, list[str]] = {task_id: [] for task_id in ids}
            acked = {task_id: {"pause": 0, "resume": 0, "cancel": 0} for task_id in ids}
            steered: dict[str, list[str]] = {task_id: [] for task_id in ids}

            async with raw_listen(url_a, ids, request_id="race") as (_, frames):

                async def listen():
                    async for frame in frames:
                        if frame.get("method") == "notifications/tasks":
                            heard[frame["params"]["taskId"]].append(frame["params"]["status"])
                        if "result" in frame:
                            return  # every task is terminal: the stream ends

                async def operate(task_id: str, plan: list[tuple[str, int]]):
                    for method, replica in plan:
                        client = replicas[replica]
                        await anyio.sleep(rng.uniform(0, 0.02))
                        try:
                            await getattr(client, f"{method}_task")(task_id)
                        except errors.InvalidParamsError as refused:
                            assert_lifecycle_refusal(refused, f"tasks/{method}")
                            continue  # the other replica got there first
                        acked[task_id][method] += 1

                async def steer(task_id: str, replicas_plan: list[int]):
                    for index, replica in enumerate(replicas_plan):
                        message = f"{task_id[:6]}-{index}"
                        try:
                            await replicas[replica].steer_task(task_id, message)
                        except errors.InvalidParamsError as refused:
                            assert_lifecycle_refusal(refused, "tasks/steer")
                            return  # terminal: no more steering
                        steered[task_id].append(message)

                async with anyio.create_task_group() as group:
                    group.start_soon(listen)
                    await anyio.sleep(0.3)
                    for task_id in ids:
                        cancel_this = rng.random() < 0.5
                        methods = ["pause", "resume"] * (OPERATIONS // 2)
                        rng.shuffle(methods)
                        if cancel_this:
                            methods.insert(rng.randrange(OPERATIONS // 2, OPERATIONS), "cancel")
                        # Two plans per task, racing: the same requests through A and through B.
                        for _ in range(2):
                            plan = [(m, rng.randrange(2)) for m in methods]
                            group.start_soon(operate, task_id, plan)
                        group.start_soon(steer, task_id, [rng.randrange(2) for _ in range(STEERS)])
                    # After the racing, make sure nothing stays paused, then let every task end.
                    await anyio.sleep(3)
                    for task_id in ids:
                        try:
                            await b.resume_task(task_id)
                        except errors.InvalidParamsError as refused:
                            assert_lifecycle_refusal(refused, "tasks/resume")
                            continue  # not paused (or already terminal)
                        acked[task_id]["resume"] += 1
                    finals = {task_id: await a.wait_until_terminal(task_id) for task_id in ids}
                # A terminal task never changes: not its status, not its lastUpdatedAt.
                await anyio.sleep(0.3)
                for task_id in ids:
                    later = await b.get_task(task_id)
                    assert later.to_wire() == finals[task_id].to_wire(), f"seed {SEED}: {task_id}"

    for task_id in ids:
        statuses = heard[task_id]
        final = finals[task_id]
        report = f"seed {SEED}, task {task_id}: {statuses}"
        assert statuses and statuses[-1] == status(final), report
        # no illegal transition, nothing after a terminal status
        for before, after in zip(statuses, statuses[1:]):
            assert before not in TERMINAL, report
            assert after == before or after in successors(before), report
        # one transition per acknowledged pause / resume: never two replicas for one move
        into_paused = sum(1 for x, y in zip(statuses, statuses[1:]) if y == "paused" and x != y)
        out_of_paused = sum(
            1 for x, y in zip(statuses, statuses[1:]) if x == "paused" and y in ("working", "input_required")
        )
        assert into_paused == acked[task_id]["pause"], report
        assert out_of_paused == acked[task_id]["resume"], report
        # steers: FIFO and exactly once, for a body that ran to its end
        if status(final) == "completed":
            text = final.to_wire()["result"]["content"][0]["text"]
            received = text.removeprefix("steers: ").split(" | ") if text != "steers: " else []
            assert len(received) == len(set(received)), report
            assert received == steered[task_id], f"{report}; steered {steered[task_id]}"
