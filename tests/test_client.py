"""The generated client stub (mcp_tasks.client) against the generated server, with no SDK between.

The transport is `RuntimeTaskServer.dispatch`: each request the client sends is encoded to JSON text
(json.dumps), the generated dispatcher parses that text and answers from a real TaskRuntime, and
its answer is encoded and decoded again (json.dumps, json.loads) before the client sees it, as on a
real wire: a Python object that is not JSON (a tuple, a model, a datetime, a NaN), or that JSON
would change, cannot pass between the two generated sides unnoticed. Tasks are started on that
runtime directly (tools/call belongs to an SDK), with bodies written here.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

from mcp_tasks import errors, models
from mcp_tasks.client import NotificationHandler, PollPolicy, TasksClient
from mcp_tasks.messages import MessageValidationError
from mcp_tasks.runtime import TaskFailed, TaskRuntime
from mcp_tasks.runtime_server import RuntimeTaskServer

pytestmark = pytest.mark.anyio

FAST = PollPolicy(floor=0.01, default=0.02)
CONFIRM = {
    "type": "object",
    "properties": {"confirm": {"type": "boolean"}},
    "required": ["confirm"],
}


@pytest.fixture
def anyio_backend():
    return "asyncio"  # the generated runtime is asyncio only


class Harness:
    """A runtime, the dispatcher over it, and a client whose transport is that dispatcher."""

    def __init__(self, **runtime_options):
        # ttl_ms=None: unlimited, so that the required-nullable `ttlMs: null` crosses the wire.
        self.runtime = TaskRuntime(ttl_ms=None, poll_interval_ms=20, **runtime_options)
        self.server = RuntimeTaskServer(self.runtime)
        self.sent: list[dict] = []
        self.client = TasksClient(self.send, poll=FAST)

    async def send(self, request: dict) -> dict:
        text = json.dumps(request, allow_nan=False)  # raises on anything that is not JSON
        self.sent.append(json.loads(text))
        response = await self.server.dispatch(text.encode("utf-8"))
        return json.loads(json.dumps(response, allow_nan=False))

    async def start(self, body, **options) -> str:
        task_id = self.runtime.start(body, **options).task_id
        await asyncio.sleep(0)  # let the body begin, as it would between two requests
        return task_id


@pytest.fixture
async def harness():
    h = Harness()
    async with h.runtime.running():
        yield h


async def _sleeper(task):
    while True:
        await asyncio.sleep(0.01)
        await task.checkpoint()


# Requests: typed results and the capability declaration ------------------------------------------


async def test_every_request_declares_the_extension_and_protocol_version(harness):
    task_id = await harness.start(_sleeper)
    await harness.client.get_task(task_id)
    await harness.client.cancel_task(task_id)
    for request in harness.sent:
        meta = request["params"]["_meta"]
        assert meta["io.modelcontextprotocol/protocolVersion"] == "2026-07-28"
        # The full build opts in to SEP-2669's steer and pause (opt-in on both sides) and declares
        # the Events capability, which TES requires before a server names an eventSource.
        assert meta["io.modelcontextprotocol/clientCapabilities"] == {
            "events": {},
            "extensions": {"io.modelcontextprotocol/tasks": {"steer": True, "pause": True}},
        }
    assert [r["id"] for r in harness.sent] == [1, 2]


async def test_results_are_the_variant_of_their_status(harness):
    async def body(task):
        return {"content": [{"type": "text", "text": "done"}], "isError": False}

    task_id = await harness.start(body)
    task = await harness.client.wait_until_terminal(task_id, timeout=5)
    assert isinstance(task, models.CompletedTaskResult)
    assert task.result["content"][0]["text"] == "done"
    assert task.ttl_ms is None and "ttl_ms" in task.model_fields_set  # required null survived
    ack = await harness.client.cancel_task(task_id)  # terminal: same empty ack
    assert isinstance(ack, models.CancelTaskResult) and ack.result_type == "complete"


async def test_caller_mistakes_fail_before_sending(harness):
    with pytest.raises(MessageValidationError):
        await harness.client.steer_task("some-task", 42)  # message must be a string
    assert harness.sent == []


# Typed errors -------------------------------------------------------------------------------------


async def test_unknown_task_is_invalid_params(harness):
    with pytest.raises(errors.InvalidParamsError) as caught:
        await harness.client.get_task("no-such-task")
    assert isinstance(caught.value, errors.JsonRpcError)
    assert (caught.value.code, caught.value.message) == (  # facts 2.12, the SEP's message
        -32602, "Failed to retrieve task: Task not found"
    )


async def test_undeclared_capability_is_missing_required_client_capability(harness):
    plain = TasksClient(harness.send, capabilities={})
    with pytest.raises(errors.MissingRequiredClientCapabilityError) as caught:
        await plain.get_task("anything")
    assert (caught.value.code, caught.value.message) == (
        -32021, "The request does not declare the 'io.modelcontextprotocol/tasks' capability"
    )
    data = caught.value.typed_data
    assert isinstance(data, models.MissingRequiredClientCapabilityData)
    assert "io.modelcontextprotocol/tasks" in data.required_capabilities.extensions


async def test_removed_and_disabled_methods_are_method_not_found():
    h = Harness(steer=False)
    async with h.runtime.running():
        with pytest.raises(errors.MethodNotFoundError) as removed:
            await h.client.request("tasks/result", {"taskId": "x"})
        assert (removed.value.code, removed.value.message) == (
            -32601, "tasks/result was removed from the protocol"
        )
        task_id = await h.start(_sleeper)
        with pytest.raises(errors.MethodNotFoundError) as disabled:
            await h.client.steer_task(task_id, "left")
        assert (disabled.value.code, disabled.value.message) == (
            -32601, "tasks/steer is not enabled on this server (setting 'steer')"
        )
        await h.client.get_task(task_id)  # the server still answers


async def test_lifecycle_refusals_are_invalid_params(harness):
    task_id = await harness.start(_sleeper)
    assert (await harness.client.pause_task(task_id)).status == "paused"
    with pytest.raises(errors.InvalidParamsError) as paused:
        await harness.client.pause_task(task_id)  # already paused
    assert (paused.value.code, paused.value.message) == (
        -32602, "tasks/pause is not accepted on a task in status 'paused'"
    )
    with pytest.raises(errors.InvalidParamsError) as update:
        await harness.client.update_task(task_id, {})  # paused: resume first
    assert (update.value.code, update.value.message) == (
        -32602, "tasks/update is not accepted on a task in status 'paused'"
    )
    assert (await harness.client.resume_task(task_id)).status == "working"
    await harness.client.cancel_task(task_id)
    await harness.client.wait_until_terminal(task_id, timeout=5)
    with pytest.raises(errors.InvalidParamsError) as late:
        await harness.client.steer_task(task_id, "too late")
    assert (late.value.code, late.value.message) == (
        -32602, "tasks/steer is not accepted on a task in status 'cancelled'"
    )


def test_error_objects_round_trip():
    error = errors.JsonRpcError.from_error({"code": -32021, "message": "m", "data": {"x": 1}})
    assert type(error) is errors.MissingRequiredClientCapabilityError
    assert error.to_error() == {"code": -32021, "message": "m", "data": {"x": 1}}
    unknown = errors.JsonRpcError.from_error({"code": -1, "message": "custom"})
    assert type(unknown) is errors.JsonRpcError and str(unknown) == "custom (-1)"
    assert errors.InvalidParamsError().message == "Invalid params"
    import pickle

    assert pickle.loads(pickle.dumps(error)).to_error() == error.to_error()


# Waiting, input requests, outcomes -----------------------------------------------------------------


async def test_input_required_is_answered_once_per_key(harness):
    async def body(task):
        first = await task.elicit("Delete?", CONFIRM)
        second = await task.elicit("Really?", CONFIRM)
        return {"content": [{"type": "text", "text": f"{first['action']}/{second['action']}"}]}

    asked: list[str] = []

    async def on_input(key, request, task):
        asked.append(key)
        assert isinstance(request, models.ElicitRequest) and task.status == "input_required"
        return models.ElicitResult(action="accept", content={"confirm": True})

    task_id = await harness.start(body)
    result = await harness.client.wait_for_result(task_id, on_input=on_input, timeout=5)
    assert isinstance(result, models.CallToolResult)  # typed, as tools/call answers it
    assert result.to_wire() == {
        "resultType": "complete",  # absent from the body's result: a complete result by default
        "content": [{"type": "text", "text": "accept/accept"}],
    }
    assert len(asked) == 2 and len(set(asked)) == 2
    updates = [r for r in harness.sent if r["method"] == "tasks/update"]
    assert [list(u["params"]["inputResponses"]) for u in updates] == [[k] for k in asked]


async def test_input_required_without_a_callback_raises(harness):
    async def body(task):
        await task.elicit("Delete?", CONFIRM)
        return {"content": []}

    task_id = await harness.start(body)
    with pytest.raises(errors.TaskInputRequiredError) as caught:
        await harness.client.wait_until_terminal(task_id, timeout=5)
    assert isinstance(caught.value.task, models.InputRequiredTaskResult)
    await harness.client.cancel_task(task_id)


async def test_failed_and_cancelled_outcomes(harness):
    async def failing(task):
        raise TaskFailed(-32603, "boom", {"why": "test"})

    with pytest.raises(errors.TaskFailedError) as caught:
        await harness.client.wait_for_result(await harness.start(failing), timeout=5)
    assert type(caught.value.error) is errors.InternalError and caught.value.error.data == {
        "why": "test"
    }

    task_id = await harness.start(_sleeper)
    await harness.client.cancel_task(task_id)
    with pytest.raises(errors.TaskCancelledError):
        await harness.client.wait_for_result(task_id, timeout=5)


async def test_timeout(harness):
    task_id = await harness.start(_sleeper)
    with pytest.raises(errors.TaskTimeoutError) as caught:
        await harness.client.wait_until_terminal(task_id, timeout=0.1)
    assert isinstance(caught.value, TimeoutError) and caught.value.task.status == "working"
    await harness.client.cancel_task(task_id)


async def test_cancel_right_after_start_ends_cancelled(harness):
    task_id = harness.runtime.start(_sleeper).task_id  # the body has not run yet
    await harness.client.cancel_task(task_id)
    assert (await harness.client.wait_until_terminal(task_id, timeout=5)).status == "cancelled"


def test_poll_policy_keeps_the_server_suggestion_within_bounds():
    policy = PollPolicy(floor=0.1, ceiling=2.0, default=0.5)
    assert policy.interval(0) == 0.1
    assert policy.interval(700) == 0.7
    assert policy.interval(3_600_000) == 2.0
    assert policy.interval(None) == 0.5 and policy.interval(models.MISSING) == 0.5


# Interaction ---------------------------------------------------------------------------------------


async def test_steers_queued_while_paused_arrive_in_order_after_resume(harness):
    delivered: list[str] = []
    go = asyncio.Event()

    async def body(task):
        while not go.is_set() or len(delivered) < 2:
            delivered.extend(await task.checkpoint())
            await asyncio.sleep(0.01)
        return {"content": [{"type": "text", "text": ", ".join(delivered)}]}

    task_id = await harness.start(body)
    assert (await harness.client.pause_task(task_id)).status == "paused"
    await harness.client.steer_task(task_id, "first")
    await harness.client.steer_task(task_id, "second")
    await asyncio.sleep(0.05)
    assert delivered == [] and (await harness.client.get_task(task_id)).status == "paused"
    assert (await harness.client.resume_task(task_id)).status == "working"
    go.set()
    result = await harness.client.wait_for_result(task_id, timeout=5)
    assert result.to_wire()["content"][0]["text"] == "first, second"


# Subtasks ------------------------------------------------------------------------------------------


async def test_subtask_tree_children_answered_and_terminal_before_parent(harness):
    async def child(task):
        answer = await task.elicit("Child needs input", CONFIRM)
        return {"content": [{"type": "text", "text": f"child {answer['action']}"}]}

    async def leaf(task):
        return {"content": [{"type": "text", "text": "leaf"}]}

    async def parent(task):
        task.spawn_subtask(child)
        task.spawn_subtask(leaf)
        children = await task.wait_subtasks()
        return {"content": [{"type": "text", "text": f"{len(children)} children"}]}

    task_id = await harness.start(parent)
    answered = []
    done = await harness.client.wait_until_terminal(
        task_id,
        on_input=lambda key, request, task: answered.append(task.task_id) or {"action": "accept"},
        include_subtasks=True,
        timeout=5,
    )
    assert done.status == "completed"
    tree = await harness.client.task_tree(task_id)
    walked = list(tree.walk())
    assert [depth for depth, _ in walked] == [0, 1, 1]
    assert [t.task_id for _, t in walked[1:]] == list(done.child_task_ids)
    assert answered == [done.child_task_ids[0]]
    for _, task in walked[1:]:
        assert task.status == "completed" and task.parent_task_id == task_id
        assert task.last_updated_at <= done.last_updated_at


async def test_walking_a_cyclic_tree_terminates(harness):
    async def parent(task):
        task.spawn_subtask(_sleeper)
        await _sleeper(task)

    task_id = await harness.start(parent)
    child_id = harness.runtime.store.get(task_id).child_task_ids[0]

    async def faulty(request: dict) -> dict:
        # A faulty server (SEP-2268 tells clients to guard against it): the child lists its parent.
        response = await harness.send(request)
        if request["method"] == "tasks/get" and request["params"]["taskId"] == child_id:
            response["result"]["childTaskIds"] = [task_id]
        return response

    tree = await TasksClient(faulty).task_tree(task_id)
    assert [t.task_id for _, t in tree.walk()] == [task_id, child_id]
    await harness.client.cancel_task(task_id)


# Event sources -------------------------------------------------------------------------------------


async def test_following_an_event_source_ends_with_the_task(harness):
    async def body(task):
        for index in range(5):
            task.emit_event({"index": index})
            await asyncio.sleep(0.01)
        return {"content": []}

    record = harness.runtime.start(body, event_source=True)
    created = models.CreateTaskResult.from_wire(record.to_create_result())
    seen = [
        event.data["index"]
        async for event in harness.client.follow_events(
            created.task_id, created.event_source, timeout_ms=200, min_interval=0.01
        )
    ]
    assert seen == [0, 1, 2, 3, 4]
    assert (await harness.client.get_task(created.task_id)).status == "completed"


# Notifications -------------------------------------------------------------------------------------


async def test_task_notifications_parse_into_the_status_variant(harness):
    class Recorder(NotificationHandler):
        def __init__(self):
            self.seen = []

        async def on_tasks(self, params):
            self.seen.append(params)

    async def body(task):
        return {"content": []}

    task_id = await harness.start(body)
    await harness.client.wait_until_terminal(task_id, timeout=5)
    detailed = harness.runtime.store.get(task_id).to_detailed()
    recorder = Recorder()
    assert await recorder.handle(
        {"jsonrpc": "2.0", "method": "notifications/tasks", "params": detailed}
    )
    assert not await recorder.handle(
        {"jsonrpc": "2.0", "method": "notifications/unknown", "params": {}}
    )
    assert isinstance(recorder.seen[0], models.CompletedTaskNotificationParams)
    with pytest.raises(MessageValidationError):
        await recorder.handle(
            {"jsonrpc": "2.0", "method": "notifications/tasks", "params": {"status": "nope"}}
        )


# Module gating -------------------------------------------------------------------------------------


def test_core_build_has_no_interaction_subtask_or_event_helpers(core_bindings: Path):
    client = (core_bindings / "mcp_tasks_core" / "client.py").read_text("utf-8")
    for absent in (
        "steer_task",
        "pause_task",
        "paused",
        "task_tree",
        "follow_events",
        "poll_events",
    ):
        assert absent not in client, absent
    assert "async def get_task" in client and "async def wait_until_terminal" in client
    probe = (
        "import mcp_tasks_core.client as c, mcp_tasks_core.errors, mcp_tasks_core.sdk_client; "
        "assert not hasattr(c.TasksClient, 'steer_task')"
    )
    subprocess.run([sys.executable, "-c", probe], cwd=core_bindings, check=True)
