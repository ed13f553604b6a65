"""A small Tasks server on fastmcp + fastmcp-tasks, for the generated client to talk to.

Runs in the peers' own virtual environment (tests/peers/venvs.py):

    python fastmcp_server.py PORT        # streamable HTTP at http://127.0.0.1:PORT/mcp

Its tools mirror the reference server's fixtures that the interop scenarios use. fastmcp-tasks
gathers a task's input with its guard pattern: the tool returns an InputRequiredResult, the task
parks in `input_required`, and the tool runs again with the answers in `ctx.input_responses`.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from fastmcp import Context, FastMCP
from fastmcp.exceptions import ToolError
from fastmcp_tasks import TasksExtension
from mcp.shared.exceptions import MCPError
from mcp_types import INTERNAL_ERROR, InputRequiredResult

NAME_SCHEMA = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}
CONFIRM_SCHEMA = {
    "type": "object",
    "properties": {"confirm": {"type": "boolean"}},
    "required": ["confirm"],
}

mcp = FastMCP("fastmcp-tasks-peer")
mcp.add_extension(TasksExtension(url="memory://"))


def elicit(message: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "method": "elicitation/create",
        "params": {"mode": "form", "message": message, "requestedSchema": schema},
    }


def content_of(response: Any) -> dict[str, Any]:
    if isinstance(response, dict):
        return response.get("content") or {}
    return getattr(response, "content", None) or {}


@mcp.tool(task=True)
async def slow_compute(seconds: float = 1) -> str:
    """Sleep, then return."""
    await asyncio.sleep(seconds)
    return f"computed after {seconds}s"


@mcp.tool(task=True)
async def failing_job() -> str:
    """A tool error: the task ends completed with isError."""
    await asyncio.sleep(0.1)
    raise ToolError("failing_job always fails")


@mcp.tool(task=True)
async def protocol_error_job() -> str:
    """A JSON-RPC error: the task ends failed."""
    await asyncio.sleep(0.1)
    raise MCPError(code=INTERNAL_ERROR, message="protocol_error_job crashed")


@mcp.tool(task=True)
async def confirm_delete(ctx: Context, filename: str = "file.txt") -> Any:
    """One inputRequest, answered through tasks/update."""
    answer = (ctx.input_responses or {}).get("confirm")
    if answer is None:
        return InputRequiredResult(input_requests={"confirm": elicit(f"Delete {filename}?", CONFIRM_SCHEMA)})
    return f"Deleted {filename}" if content_of(answer).get("confirm") else f"Kept {filename}"


@mcp.tool(task=True)
async def multi_input(ctx: Context) -> Any:
    """Two inputRequests outstanding at once."""
    answers = ctx.input_responses or {}
    missing = {
        slot: elicit(f"Value for {slot}?", NAME_SCHEMA)
        for slot in ("first", "second")
        if slot not in answers
    }
    if missing:
        return InputRequiredResult(input_requests=missing)
    return f"Got {content_of(answers['first']).get('name')} and {content_of(answers['second']).get('name')}"


if __name__ == "__main__":
    mcp.run(transport="http", host="127.0.0.1", port=int(sys.argv[1]), show_banner=False)
