"""The floor of the HTTP row: the official SDK stack answering `tasks/get` with a static result.

    python benchmarks/http_floor.py --port 8766

The same MCPServer, Extension mechanism, streamable HTTP app and uvicorn as the reference server,
with a handler that does nothing: what any tasks/get over this stack costs at least.
"""

from __future__ import annotations

import argparse
from typing import Any

from mcp.server.extension import Extension, MethodBinding
from mcp.server.mcpserver import MCPServer
from mcp_types import RequestParams
from pydantic import ConfigDict

STATIC = {
    "resultType": "complete",
    "taskId": "floor-task",
    "status": "working",
    "createdAt": "2026-11-21T10:00:00Z",
    "lastUpdatedAt": "2026-11-21T10:00:05Z",
    "ttlMs": None,
    "pollIntervalMs": 200,
}


class _AnyParams(RequestParams):
    model_config = ConfigDict(extra="allow")


class Floor(Extension):
    identifier = "io.modelcontextprotocol/tasks"

    def settings(self) -> dict[str, Any]:
        return {}

    def methods(self) -> list[MethodBinding]:
        async def get(_ctx: Any, _params: Any) -> dict[str, Any]:
            return dict(STATIC)

        return [MethodBinding("tasks/get", _AnyParams, get)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    port = parser.parse_args().port
    import uvicorn

    server = MCPServer("floor", extensions=[Floor()])
    uvicorn.run(server.streamable_http_app(host="127.0.0.1"), host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
