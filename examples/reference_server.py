"""Reference server for the MCP Tasks extension, built only from the generated bindings and the
official MCP Python SDK (mcp >= 2.3).

    python examples/reference_server.py --port 8765     # streamable HTTP at http://127.0.0.1:8765/mcp
    python examples/reference_server.py --stdio         # stdio
    python examples/reference_server.py --port 8765 --package mcp_tasks_core   # another build
    python examples/reference_server.py --port 8765 --lenient-headers  # accept a missing Mcp-Name

In-process (tests, the in-memory transport):

    from reference_server import build_server
    server = build_server(poll_interval_ms=200)   # -> mcp.server.mcpserver.MCPServer
    async with mcp.Client(server) as client: ...

`build_server(*, ttl_ms=3_600_000, poll_interval_ms=200, package="mcp_tasks", lenient_headers=False,
limits=None, auth=None, token_verifier=None)`:
ttl_ms is every task's TTL (one hour by default, so that tasks are purged; None: unlimited, which
also shows that `ttlMs: null` reaches the wire); poll_interval_ms the `pollIntervalMs` it suggests;
package the generated package to build from; lenient_headers accepts tasks/* requests without an
`Mcp-Name` header (a wrong one is still -32020), for clients that never send it, such as fastmcp
4.1 (strict by default, as SEP-2243 requires); limits a `TaskLimits` of the package (what is kept
per task: steer queue caps, inputResponses size; its defaults otherwise); auth and token_verifier
are passed to `MCPServer`: with them, each task is bound to the principal that created it and
any other principal is told it does not exist (SEP-2663). The package is imported
as installed (`pip install -e generated/python`); when it is not installed, this repository's
generated/python is used.

Tools. The official conformance suite's fixtures (tasks-* scenarios):
  greet(name)                 plain tool, never a task
  slow_compute(seconds)       task (optional): sleeps, then returns; cancellable
  failing_job()               task (required): a tool error, so the task ends completed + isError
  protocol_error_job()        task (optional): a JSON-RPC error, so the task ends failed + error
  confirm_delete(filename)    task (optional): one elicitation inputRequest, then completes
  multi_input()               task (optional): two inputRequests outstanding at once
  test_tool_with_task()       task (required): an MRTR round for `user_name`, then a task
With the modules of the build that has them:
  steerable_job(steps, step_seconds)   interaction: a checkpoint per step; returns the steer
                                       messages it received, in order ("steers: a | b")
  subtask_job(children, seconds)       subtasks: one subtask per child; completes after all of them
  event_job(count, interval)           event-sources: announces an eventSource and publishes
                                       `count` events {"index": i}; the stream ends with the task
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.shared.exceptions import MCPError
from mcp_types import INTERNAL_ERROR, InputRequiredResult

GENERATED_PYTHON = Path(__file__).resolve().parent.parent / "generated" / "python"

USER_NAME_SCHEMA = {
    "type": "object",
    "properties": {"name": {"type": "string"}},
    "required": ["name"],
}
CONFIRM_SCHEMA = {
    "type": "object",
    "properties": {"confirm": {"type": "boolean"}},
    "required": ["confirm"],
}


def load_bindings(package: str = "mcp_tasks") -> ModuleType:
    """The generated package, as installed, else from this repository's generated/python."""
    try:
        return importlib.import_module(package)
    except ModuleNotFoundError as missing:
        if missing.name != package or not (GENERATED_PYTHON / package).is_dir():
            raise
        sys.path.insert(0, str(GENERATED_PYTHON))
        return importlib.import_module(package)


DEFAULT_TTL_MS = 3_600_000  # an hour: a task nobody asks about again is purged after it


def build_server(
    *,
    ttl_ms: int | None = DEFAULT_TTL_MS,
    poll_interval_ms: int = 200,
    package: str = "mcp_tasks",
    store: str = "memory",
    lease_ms: int = 10_000,
    lenient_headers: bool = False,
    limits: Any = None,
    auth: Any = None,
    token_verifier: Any = None,
) -> MCPServer:
    bindings = load_bindings(package)
    sdk = importlib.import_module(f"{package}.sdk_server")
    runtime = importlib.import_module(f"{package}.runtime")
    if limits is None:
        limits = importlib.import_module(f"{package}.limits").TaskLimits()
    modules = set(bindings.MODULES)

    task_tools: dict[str, Any] = {
        "slow_compute": "optional",
        "failing_job": "required",
        "protocol_error_job": "optional",
        "confirm_delete": "optional",
        "multi_input": "optional",
        "test_tool_with_task": sdk.TaskTool(support="required", preflight=ask_user_name),
    }
    if "interaction" in modules:
        task_tools["steerable_job"] = "optional"
    if "subtasks" in modules:
        task_tools["subtask_job"] = "optional"
    if "event-sources" in modules:
        task_tools["event_job"] = sdk.TaskTool(event_source=True)
    task_store = None  # the runtime's default: in memory, this process only
    if store != "memory":
        # Replicas that share this Redis (and key prefix) answer for each other's tasks.
        redis_store = importlib.import_module(f"{package}.redis_store")
        task_store = redis_store.RedisTaskStore(store, lease_ms=lease_ms)
    tasks = sdk.TasksExtension(
        task_tools,
        runtime=runtime.TaskRuntime(
            ttl_ms=ttl_ms, poll_interval_ms=poll_interval_ms, store=task_store, limits=limits
        ),
        lenient_headers=lenient_headers,
    )
    server = MCPServer(
        "taskbind-reference",
        version=bindings.SPEC_VERSION,
        extensions=[tasks],
        lifespan=tasks.lifespan,
        middleware=tasks.middleware(),
        auth=auth,
        token_verifier=token_verifier,
    )
    add_conformance_tools(server, runtime.current_task)
    if "interaction" in modules:
        add_interaction_tool(server, runtime.current_task)
    if "subtasks" in modules:
        add_subtask_tool(server, runtime.current_task)
    if "event-sources" in modules:
        add_event_tool(server, runtime.current_task)
    return server


def add_conformance_tools(server: MCPServer, current_task: Callable[[], Any]) -> None:
    """The fixture tools the official conformance suite's tasks-* scenarios call."""

    @server.tool()
    async def greet(name: str) -> str:
        """Say hello; always answered at once."""
        return f"Hello, {name}!"

    @server.tool()
    async def slow_compute(seconds: float = 1, label: str = "") -> str:
        """Sleep `seconds`, then return."""
        await anyio.sleep(seconds)
        return f"computed {label or 'result'} after {seconds}s"

    @server.tool()
    async def failing_job() -> str:
        """Always a tool error (isError: true), after a moment."""
        await anyio.sleep(1)
        raise ToolError("failing_job always fails")

    @server.tool()
    async def protocol_error_job() -> str:
        """Always a JSON-RPC error."""
        await anyio.sleep(0.2)
        raise MCPError(
            code=INTERNAL_ERROR, message="protocol_error_job crashed", data={"reason": "fixture"}
        )

    @server.tool()
    async def confirm_delete(filename: str = "file.txt") -> str:
        """Ask for confirmation (one inputRequest), then report."""
        task = current_task()
        if task is None:
            return f"Not deleted {filename}: confirmation needs the tasks extension"
        answer = await task.elicit(f"Delete {filename}?", CONFIRM_SCHEMA)
        confirmed = answer.get("action") == "accept" and (answer.get("content") or {}).get(
            "confirm"
        )
        return f"Deleted {filename}" if confirmed else f"Kept {filename}"

    @server.tool()
    async def multi_input() -> str:
        """Ask two questions at once (two inputRequests outstanding together)."""
        task = current_task()
        if task is None:
            return "multi_input needs the tasks extension"
        answers: dict[str, Any] = {}

        async def ask(slot: str) -> None:
            answers[slot] = await task.elicit(f"Value for {slot}?", USER_NAME_SCHEMA)

        async with anyio.create_task_group() as group:
            group.start_soon(ask, "first")
            group.start_soon(ask, "second")
        names = [(answers[slot].get("content") or {}).get("name") for slot in ("first", "second")]
        return f"Got {names[0]} and {names[1]}"

    @server.tool()
    async def test_tool_with_task(ctx: Context) -> str:
        """An MRTR round gathers user_name (see ask_user_name); then the task greets them."""
        response = (ctx.input_responses or {}).get("user_name")
        content = getattr(response, "content", None)
        if content is None and isinstance(response, dict):
            content = response.get("content")
        await anyio.sleep(0.2)
        return f"Hello, {(content or {}).get('name', 'unknown')}! (from a task)"


def add_interaction_tool(server: MCPServer, current_task: Callable[[], Any]) -> None:
    @server.tool()
    async def steerable_job(steps: int = 20, step_seconds: float = 0.05) -> str:
        """Work in steps, taking steer messages (and honouring pause) at the end of each."""
        task = current_task()
        received: list[str] = []
        for _ in range(steps):
            await anyio.sleep(step_seconds)
            if task is not None:
                received += await task.checkpoint()
        return "steers: " + " | ".join(received)


def add_subtask_tool(server: MCPServer, current_task: Callable[[], Any]) -> None:
    @server.tool()
    async def subtask_job(children: int = 2, seconds: float = 0.2) -> str:
        """Split the work into subtasks; complete after every one of them has."""
        task = current_task()
        if task is None:
            return "subtask_job needs the tasks extension"

        def child(index: int) -> Callable[[Any], Awaitable[dict[str, Any]]]:
            async def body(_child: Any) -> dict[str, Any]:
                await anyio.sleep(seconds * (index + 1))
                return {"content": [{"type": "text", "text": f"child {index} done"}]}

            return body

        for index in range(children):
            task.spawn_subtask(child(index))
        statuses = [child["status"] for child in await task.wait_subtasks()]
        return f"done after {len(statuses)} subtasks: {', '.join(statuses)}"


def add_event_tool(server: MCPServer, current_task: Callable[[], Any]) -> None:
    @server.tool()
    async def event_job(count: int = 3, interval: float = 0.1) -> str:
        """Publish `count` events on the task's event source, then complete."""
        task = current_task()
        for index in range(count):
            await anyio.sleep(interval)
            if task is not None:
                task.emit_event({"index": index})
        return f"published {count} events"


async def ask_user_name(params: Any, _ctx: Any) -> InputRequiredResult | None:
    """test_tool_with_task's MRTR round: ask for user_name until the retried call carries it."""
    if "user_name" in (params.input_responses or {}):
        return None
    request = {
        "method": "elicitation/create",
        "params": {
            "mode": "form",
            "message": "What is your name?",
            "requestedSchema": USER_NAME_SCHEMA,
        },
    }
    return InputRequiredResult(input_requests={"user_name": request})


# The limits a flag can set: each a field of the package's TaskLimits (limits.py).
LIMIT_FLAGS = (
    ("max_steer_messages", "steer messages queued per task, not yet taken by its body"),
    ("max_steer_bytes", "total UTF-8 bytes of the steer messages queued per task"),
    ("max_input_responses", "inputResponses entries in one tasks/update"),
    ("max_input_response_bytes", "size of one tasks/update's inputResponses as JSON, in bytes"),
)


def _ttl(value: str) -> int | None:
    if value == "unlimited":
        return None
    ttl = int(value)
    if ttl < 0:
        raise argparse.ArgumentTypeError("a TTL is >= 0 ms, or 'unlimited'")
    return ttl


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be a positive integer")
    return number


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    transport = parser.add_mutually_exclusive_group(required=True)
    transport.add_argument(
        "--port", type=int, help="serve streamable HTTP at http://127.0.0.1:PORT/mcp"
    )
    transport.add_argument("--stdio", action="store_true", help="serve on stdin/stdout")
    parser.add_argument(
        "--package", default="mcp_tasks", help="the generated package to build from"
    )
    parser.add_argument(
        "--ttl-ms",
        type=_ttl,
        default=DEFAULT_TTL_MS,
        help=f"TTL of every task, or 'unlimited' (default: {DEFAULT_TTL_MS}, an hour)",
    )
    limits = parser.add_argument_group(
        "limits", "what the server keeps per task; past a limit a request gets -32602"
    )
    for name, what in LIMIT_FLAGS:
        limits.add_argument(
            "--" + name.replace("_", "-"),
            type=_positive,
            default=None,
            help=f"{what} (default: TaskLimits.{name}; see the README)",
        )
    parser.add_argument("--poll-interval-ms", type=int, default=200)
    parser.add_argument(
        "--store",
        default="memory",
        help="where tasks live: memory (default) or redis://HOST:PORT/DB, shared by replicas",
    )
    parser.add_argument(
        "--lease-ms",
        type=int,
        default=10_000,
        help="with --store redis://: a task whose replica stops renewing this lease ends failed",
    )
    parser.add_argument(
        "--lenient-headers",
        action="store_true",
        help="accept tasks/* requests without an Mcp-Name header (a wrong one is still refused); "
        "for clients that never send it, such as fastmcp 4.1",
    )
    args = parser.parse_args(argv)
    if args.store != "memory" and not args.store.startswith(("redis://", "rediss://", "unix://")):
        parser.error(f"--store {args.store!r}: expected memory or a redis:// URL")
    overrides = {name: getattr(args, name) for name, _ in LIMIT_FLAGS}
    load_bindings(args.package)
    task_limits = importlib.import_module(f"{args.package}.limits").TaskLimits(
        **{name: value for name, value in overrides.items() if value is not None}
    )
    server = build_server(
        ttl_ms=args.ttl_ms,
        poll_interval_ms=args.poll_interval_ms,
        package=args.package,
        store=args.store,
        lease_ms=args.lease_ms,
        lenient_headers=args.lenient_headers,
        limits=task_limits,
    )
    if args.stdio:
        server.run("stdio")
        return
    import uvicorn

    app = server.streamable_http_app(host="127.0.0.1")
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
