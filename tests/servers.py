"""Stopping what the tests start on 127.0.0.1: a child process, or an ASGI app served by uvicorn in
a thread. One way for each, so that no test leaves a server running."""

from __future__ import annotations

import contextlib
import subprocess
import threading
import time
from collections.abc import Iterator
from typing import Any


def stop(process: subprocess.Popen, grace: float = 10) -> None:
    """Ask the process to end; kill it if it has not within `grace` seconds."""
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def serving_in_thread(app: Any, port: int, what: str, **options: Any) -> Iterator[None]:
    """Serve `app` on 127.0.0.1:`port` with uvicorn in a daemon thread until the block ends.
    `what` names it in the error when it does not start within 20 s."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"{what} did not start")
        time.sleep(0.02)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(15)
