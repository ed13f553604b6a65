"""What the server keeps is bounded (mcp_tasks.limits.TaskLimits): the steer queue per task, the
size of one tasks/update, and how long a task lives by default. Each limit is tested at its
boundary, exactly at the cap (accepted) and one over (refused with -32602 naming the limit), on both
stores where the store enforces it."""

from __future__ import annotations

import asyncio
import json

import pytest

from mcp_tasks import errors
from mcp_tasks.limits import DEFAULT_LIMITS, TaskLimits
from mcp_tasks.runtime import TaskContext, TaskRuntime
from mcp_tasks.runtime_server import RuntimeTaskServer

from redis_server import make_store
from test_server_dispatcher import hold, request

pytestmark = pytest.mark.anyio

INVALID_PARAMS = -32602  # spec facts: tasks/steer and tasks/update refuse bad params with -32602


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture(params=["memory", "redis"])
def store(request):
    return make_store(request)


async def served(store, limits: TaskLimits, ttl_ms: int | None = None):
    runtime = TaskRuntime(ttl_ms=ttl_ms, poll_interval_ms=10, store=store, limits=limits)
    return runtime, RuntimeTaskServer(runtime)


def steer(task_id: str, message: str, request_id: int = 1) -> dict:
    return request("tasks/steer", request_id, taskId=task_id, message=message)


# The documented defaults (README, generated docs) -------------------------------------------------


def test_the_defaults_are_the_documented_ones():
    assert DEFAULT_LIMITS == TaskLimits(
        max_steer_messages=100,
        max_steer_bytes=1024 * 1024,
        max_input_responses=64,
        max_input_response_bytes=1024 * 1024,
        default_ttl_ms=3_600_000,
    )
    assert TaskRuntime().ttl_ms == 3_600_000  # a runtime purges its tasks unless told otherwise
    assert TaskRuntime(ttl_ms=None).ttl_ms is None
    assert TaskRuntime(limits=TaskLimits(default_ttl_ms=5)).ttl_ms == 5


@pytest.mark.parametrize(
    "field",
    ["max_steer_messages", "max_steer_bytes", "max_input_responses", "max_input_response_bytes"],
)
@pytest.mark.parametrize("value", [0, -1, True, 1.5])
def test_a_limit_is_a_positive_integer(field, value):
    with pytest.raises(ValueError, match=field):
        TaskLimits(**{field: value})
    with pytest.raises(ValueError, match="default_ttl_ms"):
        TaskLimits(default_ttl_ms=-1)


# The steer queue ----------------------------------------------------------------------------------


async def test_the_steer_queue_holds_exactly_max_steer_messages(store):
    runtime, server = await served(store, TaskLimits(max_steer_messages=3))
    async with runtime.running():
        task_id = runtime.start(hold).task_id
        for number in range(3):
            response = await server.dispatch(steer(task_id, f"m{number}", number))
            assert response["result"] == {"resultType": "complete"}, response
        refused = (await server.dispatch(steer(task_id, "one too many", 9)))["error"]
        assert refused["code"] == INVALID_PARAMS
        assert "max_steer_messages = 3" in refused["message"], refused
        assert refused["data"] == {"limit": "max_steer_messages", "value": 3}
        # The refused message was not kept; once the body takes the queue, there is room again.
        assert store.take_steers(task_id) == ["m0", "m1", "m2"]
        assert (await server.dispatch(steer(task_id, "again")))["result"]
        assert store.take_steers(task_id) == ["again"]


async def test_the_steer_queue_holds_exactly_max_steer_bytes_of_utf8(store):
    runtime, server = await served(store, TaskLimits(max_steer_bytes=10))
    async with runtime.running():
        task_id = runtime.start(hold).task_id
        assert (await server.dispatch(steer(task_id, "abcd")))["result"]
        assert (await server.dispatch(steer(task_id, "ééé")))["result"]  # 6 bytes: 10 in all
        refused = (await server.dispatch(steer(task_id, "x")))["error"]
        assert refused["code"] == INVALID_PARAMS
        assert "max_steer_bytes = 10" in refused["message"], refused
        assert store.take_steers(task_id) == ["abcd", "ééé"]
        # One message larger than the whole cap is refused even on an empty queue.
        too_big = (await server.dispatch(steer(task_id, "y" * 11)))["error"]
        assert too_big["code"] == INVALID_PARAMS and "max_steer_bytes" in too_big["message"]
        assert store.take_steers(task_id) == []


async def test_concurrent_steers_never_overfill_the_queue(store):
    runtime, server = await served(store, TaskLimits(max_steer_messages=5))
    async with runtime.running():
        task_id = runtime.start(hold).task_id
        answers = await asyncio.gather(
            *(server.dispatch(steer(task_id, f"m{n}", n)) for n in range(20))
        )
        accepted = [a for a in answers if "result" in a]
        assert len(accepted) == 5
        assert all(a["error"]["code"] == INVALID_PARAMS for a in answers if "error" in a)
        assert len(store.take_steers(task_id)) == 5


async def test_a_body_takes_its_steers_at_checkpoints_within_the_caps(store):
    taken: list[str] = []
    release = asyncio.Event()

    async def body(task: TaskContext):
        while not release.is_set():
            taken.extend(await task.checkpoint())
            await asyncio.sleep(0.005)
        taken.extend(await task.checkpoint())
        return {"content": []}

    runtime, server = await served(store, TaskLimits(max_steer_messages=2))
    async with runtime.running():
        task_id = runtime.start(body).task_id
        sent = []
        for number in range(10):  # the body drains the queue, so the cap is never reached
            while "error" in await server.dispatch(steer(task_id, f"m{number}", number)):
                await asyncio.sleep(0.005)
            sent.append(f"m{number}")
        release.set()
        await asyncio.sleep(0.05)
        assert taken == sent


# inputResponses -----------------------------------------------------------------------------------


def update(task_id: str, responses: dict) -> dict:
    return request("tasks/update", 1, taskId=task_id, inputResponses=responses)


def response(text: str) -> dict:
    return {"action": "accept", "content": {"name": text}}


async def test_tasks_update_takes_exactly_max_input_responses_entries(store):
    runtime, server = await served(store, TaskLimits(max_input_responses=2))
    async with runtime.running():
        task_id = runtime.start(hold).task_id
        two = {"a": response("1"), "b": response("2")}
        assert (await server.dispatch(update(task_id, two)))["result"]  # unknown keys: ignored
        refused = (await server.dispatch(update(task_id, {**two, "c": response("3")})))["error"]
        assert refused["code"] == INVALID_PARAMS
        assert "max_input_responses = 2" in refused["message"], refused
        with pytest.raises(errors.InvalidParamsError, match="max_input_responses"):
            runtime.update(task_id, {**two, "c": response("3")})  # the runtime's own API too


async def test_tasks_update_takes_exactly_max_input_response_bytes(store):
    responses = {"k": response("x" * 50)}
    size = len(json.dumps(responses, separators=(",", ":")).encode())
    runtime, server = await served(store, TaskLimits(max_input_response_bytes=size))
    async with runtime.running():
        task_id = runtime.start(hold).task_id
        assert (await server.dispatch(update(task_id, responses)))["result"]
        over = {"k": response("x" * 51)}
        refused = (await server.dispatch(update(task_id, over)))["error"]
        assert refused["code"] == INVALID_PARAMS
        assert f"max_input_response_bytes = {size}" in refused["message"], refused


async def test_an_outstanding_input_is_answered_within_the_limits(store):
    answers: list = []

    async def ask(task: TaskContext):
        answers.append(
            await task.request_input({"method": "elicitation/create", "params": {}}, key="q")
        )
        return {"content": []}

    runtime, server = await served(store, TaskLimits(max_input_responses=1))
    async with runtime.running():
        record = runtime.start(ask)
        while record.status != "input_required":
            await asyncio.sleep(0.005)
        assert "error" in await server.dispatch(
            update(record.task_id, {"q": response("a"), "z": {}})
        )
        assert record.status == "input_required"  # the refused update answered nothing
        assert (await server.dispatch(update(record.task_id, {"q": response("a")})))["result"]
        while record.status != "completed":
            await asyncio.sleep(0.005)
        assert answers == [response("a")]


# TTL: tasks are purged -----------------------------------------------------------------------------


async def test_an_expired_task_is_gone_and_answers_as_unknown(store):
    runtime, server = await served(store, DEFAULT_LIMITS, ttl_ms=150)
    async with runtime.running():
        task_id = runtime.start(hold).task_id
        assert (await server.dispatch(steer(task_id, "queued")))["result"]
        got = await server.dispatch(request("tasks/get", 1, taskId=task_id))
        assert got["result"]["ttlMs"] == 150
        await asyncio.sleep(0.4)
        unknown = (await server.dispatch(request("tasks/get", 2, taskId="never-existed")))["error"]
        for method in ("tasks/get", "tasks/cancel"):
            gone = (await server.dispatch(request(method, 3, taskId=task_id)))["error"]
            assert gone["code"] == unknown["code"] == INVALID_PARAMS
            assert "Task" in gone["message"] and gone["data"] == {"taskId": task_id}
        assert store.find(task_id) is None
        assert store.take_steers(task_id) == []  # its queue went with it


async def test_the_reference_server_purges_tasks_after_an_hour_by_default():
    import test_e2e

    reference = test_e2e._reference_module()
    assert reference.DEFAULT_TTL_MS == 3_600_000
    server = reference.build_server()
    assert server._extensions[0].runtime.ttl_ms == 3_600_000


def test_two_replicas_steering_at_once_never_overfill_a_redis_queue(redis_url):
    """The cap is checked inside the Lua script that pushes: replicas racing for the last places
    (threads here, each with its own store and connection pool) take exactly the cap between them.
    """
    from concurrent.futures import ThreadPoolExecutor

    from mcp_tasks.redis_store import RedisTaskStore

    from redis_server import fresh_prefix

    prefix, limits = fresh_prefix(), TaskLimits(max_steer_messages=7)
    replicas = [RedisTaskStore(redis_url, prefix=prefix) for _ in range(2)]
    for replica in replicas:
        replica.limits = limits
    task_id = replicas[0].create(ttl_ms=60_000, poll_interval_ms=None).task_id

    def push(number: int) -> bool:
        try:
            replicas[number % 2].push_steer(task_id, f"m{number}")
        except errors.InvalidParamsError as refused:
            assert "max_steer_messages = 7" in refused.message
            return False
        return True

    with ThreadPoolExecutor(max_workers=8) as pool:
        accepted = sum(pool.map(push, range(40)))
    assert accepted == 7
    assert len(replicas[1].take_steers(task_id)) == 7
