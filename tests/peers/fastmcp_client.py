"""Drive a Tasks server with the fastmcp client (fastmcp + fastmcp-tasks), one scenario per run.

Runs in the peers' own virtual environment (see tests/peers/venvs.py), never in the project's:

    python fastmcp_client.py URL SCENARIO

prints one JSON object: what the client observed (`ok` false with `error` when it raised). The
test that runs it (tests/test_interop_fastmcp.py) holds the expected answers.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from fastmcp import Client
from fastmcp.exceptions import ToolError
from fastmcp_tasks import call_tool_task


def text_of(result: Any) -> str:
    return " ".join(getattr(block, "text", "") for block in result.content or [])


async def answer(message: str, response_type: Any, params: Any, context: Any) -> dict[str, Any]:
    """The elicitation handler: confirm deletions; give a name derived from the question."""
    if "Delete" in message:
        return {"confirm": True}
    return {"name": "first-name" if "first" in message else "second-name"}


async def scenario(client: Client, name: str) -> dict[str, Any]:
    if name == "plain":
        result = await client.call_tool("greet", {"name": "peer"})
        return {"text": text_of(result)}
    if name == "complete":
        task = await call_tool_task(client, "slow_compute", {"seconds": 0.3, "label": "peer"})
        created = task.create_result
        result = await task.result()
        return {"created_status": created.status, "text": text_of(result)}
    if name == "transparent":  # call_tool resolves the task under the hood
        result = await client.call_tool("slow_compute", {"seconds": 0.2})
        return {"text": text_of(result)}
    if name == "cancel":
        task = await call_tool_task(client, "slow_compute", {"seconds": 60})
        await task.cancel()
        final = await task.wait(timeout=30)
        return {"status": final.status}
    if name == "tool_error":
        task = await call_tool_task(client, "failing_job", {}, raise_on_error=False)
        final = await task.wait(timeout=30)
        return {"status": final.status, "is_error": (final.result or {}).get("isError")}
    if name == "protocol_error":
        task = await call_tool_task(client, "protocol_error_job", {})
        final = await task.wait(timeout=30)
        error = final.error
        code = error.get("code") if isinstance(error, dict) else getattr(error, "code", None)
        return {"status": final.status, "code": code}
    if name == "input":
        task = await call_tool_task(client, "confirm_delete", {"filename": "a.txt"})
        result = await task.result()
        return {"text": text_of(result)}
    if name == "two_inputs":
        task = await call_tool_task(client, "multi_input", {})
        parked = await task.wait(state="input_required", timeout=30)
        keys = sorted((parked.input_requests or {}).keys())
        result = await task.result()
        return {"outstanding": len(keys), "text": text_of(result)}
    raise SystemExit(f"unknown scenario {name!r}")


async def main(url: str, name: str) -> None:
    try:
        async with Client(url, elicitation_handler=answer) as client:
            observed = await scenario(client, name)
        print(json.dumps({"ok": True, **observed}))
    except (ToolError, Exception) as exc:  # report, don't trace: the test compares
        print(json.dumps({"ok": False, "error": f"{type(exc).__name__}: {exc}"}))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
