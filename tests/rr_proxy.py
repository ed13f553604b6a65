"""A small round-robin HTTP reverse proxy for the replica tests: each request goes to the next
upstream in turn (no stickiness), the response (SSE included) is streamed back as it comes."""

from __future__ import annotations

import contextlib
import itertools
import socket
from collections.abc import Iterator

import httpx
from servers import serving_in_thread
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


def proxy_app(upstreams: list[str]) -> Starlette:
    """`upstreams`: base URLs such as http://127.0.0.1:8001."""
    turn = itertools.cycle(upstreams)
    client = httpx.AsyncClient(timeout=None)

    async def forward(request: Request) -> StreamingResponse:
        target = next(turn) + request.url.path
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        upstream = client.build_request(
            request.method, target, headers=headers, content=await request.body()
        )
        response = await client.send(upstream, stream=True)
        kept = {k: v for k, v in response.headers.items() if k.lower() not in HOP_BY_HOP}
        return StreamingResponse(
            response.aiter_raw(),
            status_code=response.status_code,
            headers=kept,
            background=_closer(response),
        )

    methods = ["GET", "POST", "DELETE"]
    return Starlette(routes=[Route("/{path:path}", forward, methods=methods)])


def _closer(response: httpx.Response):
    from starlette.background import BackgroundTask

    return BackgroundTask(response.aclose)


@contextlib.contextmanager
def running_proxy(upstream_urls: list[str]) -> Iterator[str]:
    """Serve the proxy on 127.0.0.1 and a free port in a thread; yield its /mcp URL."""
    bases = [url.rsplit("/mcp", 1)[0] for url in upstream_urls]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with serving_in_thread(proxy_app(bases), port, "the round-robin proxy"):
        yield f"http://127.0.0.1:{port}/mcp"
