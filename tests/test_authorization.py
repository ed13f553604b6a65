"""Tasks are bound to the principal that created them (SEP-2663: a server with an auth context binds
tasks to it, and must not reveal a task's existence to anyone else).

Through the dispatcher, on both stores (the owner lives in the task record, not in a connection),
then for real: the reference server over streamable HTTP on 127.0.0.1 with the official SDK's bearer
auth, two tokens for two principals.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterator

import httpx
import pytest
from conftest import free_port
from mcp_tasks.dispatcher import RequestContext
from mcp_tasks.runtime import TaskContext, TaskRuntime, bind_to_creator
from mcp_tasks.runtime_server import RuntimeTaskServer

TASKS_EXTENSION = "io.modelcontextprotocol/tasks"  # SEP-2663's extension id
from redis_server import make_store
from servers import serving_in_thread
from test_push import _meta
from test_server_dispatcher import hold, request

pytestmark = pytest.mark.anyio

# Every request that names a task (the spec's tasks/* requests of this build, interaction included).
ACTIONS = {
    "tasks/get": {},
    "tasks/update": {"inputResponses": {}},
    "tasks/cancel": {},
    "tasks/steer": {"message": "hello"},
    "tasks/pause": {},
    "tasks/resume": {},
}


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture(params=["memory", "redis"])
async def served(request):
    runtime = TaskRuntime(poll_interval_ms=10, store=make_store(request))
    async with runtime.running():
        yield runtime, RuntimeTaskServer(runtime)


def without_id(error: dict, task_id: str) -> dict:
    """The error with the task id it echoes replaced, so two answers can be compared."""
    return json.loads(json.dumps(error).replace(task_id, "<id>"))


async def answer(server, method: str, task_id: str, principal: str | None) -> dict:
    message = request(method, 7, taskId=task_id, **ACTIONS[method])
    return await server.dispatch(message, principal=principal)


@pytest.mark.parametrize("method", list(ACTIONS))
async def test_another_principal_gets_the_unknown_task_answer(served, method):
    runtime, server = served
    owned = runtime.start(hold, principal="alice").task_id
    unknown = await answer(server, method, "no-such-task-id", "bob")
    for stranger in ("bob", None):  # another principal, and a caller without auth
        refused = await answer(server, method, owned, stranger)
        assert "result" not in refused, refused
        assert without_id(refused, owned) == without_id(unknown, "no-such-task-id")
    record = runtime.store.find(owned)
    assert record is not None and record.status == "working"  # nothing happened to it
    assert runtime.store.take_steers(owned) == []
    if method in ("tasks/get", "tasks/steer", "tasks/pause", "tasks/cancel"):
        assert "result" in await answer(server, method, owned, "alice")  # its owner still can


async def test_the_owner_lives_in_the_store_record(served):
    runtime, server = served
    record = runtime.start(hold, principal="alice")
    assert record.principal == "alice"
    assert runtime.store.find(record.task_id).principal == "alice"
    assert "principal" in record.to_state()  # persisted with the task (Redis: in its JSON)
    assert "principal" not in json.dumps(record.to_detailed())  # never on the wire


async def test_a_subtask_belongs_to_its_parents_principal(served):
    runtime, server = served
    children: list[str] = []

    async def parent(task: TaskContext):
        children.append(task.spawn_subtask(hold))
        await asyncio.Event().wait()

    runtime.start(parent, principal="alice")
    while not children:
        await asyncio.sleep(0.005)
    assert runtime.store.find(children[0]).principal == "alice"
    assert "error" in await answer(server, "tasks/get", children[0], "bob")
    assert "result" in await answer(server, "tasks/get", children[0], "alice")


async def test_without_auth_the_task_id_is_the_bearer_credential(served):
    runtime, server = served
    task_id = runtime.start(hold).task_id  # created without a principal
    for caller in (None, "bob"):
        assert "result" in await answer(server, "tasks/get", task_id, caller)


async def test_the_authorization_hook_is_the_runtimes_to_replace():
    seen: list[tuple[str | None, str | None]] = []

    def admins_see_everything(context: RequestContext, owner: str | None) -> bool:
        seen.append((context.principal, owner))
        return context.principal == "admin" or bind_to_creator(context, owner)

    runtime = TaskRuntime(authorize=admins_see_everything)
    async with runtime.running():
        server = RuntimeTaskServer(runtime)
        task_id = runtime.start(hold, principal="alice").task_id
        assert "result" in await answer(server, "tasks/get", task_id, "admin")
        assert "error" in await answer(server, "tasks/get", task_id, "bob")
        assert ("admin", "alice") in seen and ("bob", "alice") in seen
        runtime.get(task_id)  # in-process calls carry no request context: not asked


# For real: the official SDK's bearer auth over streamable HTTP ------------------------------------

TOKENS = {"token-of-alice": "alice-client", "token-of-bob": "bob-client"}


class StaticTokens:
    """A TokenVerifier (mcp.server.auth.provider) that knows two bearer tokens."""

    async def verify_token(self, token: str):
        from mcp.server.auth.provider import AccessToken

        client = TOKENS.get(token)
        return AccessToken(token=token, client_id=client, scopes=[]) if client else None


@contextlib.contextmanager
def authenticated_server() -> Iterator[str]:
    """The reference server with the SDK's auth (`auth=`, `token_verifier=`), served by uvicorn on
    127.0.0.1 in a thread of this process; stopped when the block ends."""
    import test_e2e
    from mcp.server.auth.settings import AuthSettings

    port = free_port()
    url = f"http://127.0.0.1:{port}/mcp"
    auth = AuthSettings(
        issuer_url="http://127.0.0.1:1/issuer",  # never contacted: tokens are checked locally
        resource_server_url=url,
        validate_token_resource=False,
    )
    server = test_e2e._reference_module().build_server(auth=auth, token_verifier=StaticTokens())
    app = server.streamable_http_app(host="127.0.0.1")
    with serving_in_thread(app, port, "the authenticated reference server", lifespan="on"):
        yield url


def post(client: httpx.Client, url: str, token: str | None, body: dict, name: str | None):
    headers = {
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": "2026-07-28",
        "Mcp-Method": body["method"],
    }
    if name is not None:
        headers["Mcp-Name"] = name
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    response = client.post(url, json=body, headers=headers)
    return response.status_code, response.json()


def test_over_http_with_sdk_auth_only_the_creator_sees_its_task():
    with authenticated_server() as url, httpx.Client(timeout=30) as client:
        # The SDK's middleware refuses a request without a valid token before any handler.
        status, _ = post(client, url, None, request("tasks/get", taskId="x"), "x")
        assert status == 401
        call = request("tools/call", 1, name="steerable_job", arguments={"steps": 400})
        status, created = post(client, url, "token-of-alice", call, "steerable_job")
        assert status == 200 and created["result"]["resultType"] == "task", created
        task_id = created["result"]["taskId"]

        def as_(token: str, method: str, task: str) -> tuple[int, dict]:
            body = request(method, 2, taskId=task, **ACTIONS[method])
            return post(client, url, token, body, task)

        for method in (
            "tasks/get",
            "tasks/update",
            "tasks/steer",
            "tasks/pause",
            "tasks/resume",
            "tasks/cancel",
        ):
            unknown = as_("token-of-bob", method, "no-such-task-id")
            refused = as_("token-of-bob", method, task_id)
            assert refused[0] == unknown[0]
            assert "error" in refused[1], (method, refused)
            assert without_id(refused[1], task_id) == without_id(unknown[1], "no-such-task-id")
        status, seen = post(
            client, url, "token-of-alice", request("tasks/get", 3, taskId=task_id), task_id
        )
        assert seen["result"]["status"] == "working"  # bob's cancel and pause changed nothing
        assert as_("token-of-alice", "tasks/steer", task_id)[1]["result"]
        assert as_("token-of-alice", "tasks/cancel", task_id)[1]["result"]


async def test_event_subscriptions_are_authorized_as_tasks_get(served):
    from mcp_tasks import _spec

    if not _spec.EVENTS:
        pytest.skip("this build has no task event sources")
    runtime, server = served
    owned = runtime.start(hold, principal="alice", event_source=True).task_id

    async def poll(task_id: str, principal: str | None) -> dict:
        params = {"name": runtime.event_type, "arguments": {"taskId": task_id}, "cursor": "0"}
        return await server.dispatch(request("events/poll", 5, **params), principal=principal)

    unknown = await poll("no-such-task-id", "bob")
    refused = await poll(owned, "bob")
    assert "error" in refused
    assert without_id(refused, owned) == without_id(unknown, "no-such-task-id")
    assert "result" in await poll(owned, "alice")


async def test_a_listener_is_told_only_of_tasks_its_principal_may_get(served):
    """subscriptions/listen is a read of the tasks it names: another principal's task is left out
    of the acknowledgement (SEP-2663's listen ack lists the task ids the server will report on)
    exactly as an unknown id is, and nothing of it is pushed."""
    runtime, server = served
    owned = runtime.start(hold, principal="alice").task_id
    runtime.cancel(owned)  # the owner's stream ends once the task is cancelled
    listen = {"notifications": {"taskIds": [owned]}, "_meta": _meta()}

    async def frames_for(principal: str | None) -> list[tuple[str, dict]]:
        sent: list[tuple[str, dict]] = []

        async def notify(method: str, params: dict) -> None:
            sent.append((method, params))

        context = RequestContext(
            "subscriptions/listen", 9, declared=frozenset({TASKS_EXTENSION}), notify=notify, principal=principal
        )
        await server.listen_tasks(listen, context)
        return sent

    for stranger in ("bob", None):
        [(method, ack)] = await frames_for(stranger)
        assert method == "notifications/subscriptions/acknowledged"
        assert ack["notifications"] == {"taskIds": []}
    (_, ack), *pushed = await frames_for("alice")
    assert ack["notifications"] == {"taskIds": [owned]}
    assert {(method, params["taskId"]) for method, params in pushed} == {("notifications/tasks", owned)}
    assert pushed[-1][1]["status"] == "cancelled"
