"""A real redis-server for the tests: started on 127.0.0.1 and a free port, stopped by its pid.

Without redis-server (Debian's package `redis-server`) or the `redis` Python package the Redis tests
skip, saying how to enable them; with CI=true they fail instead, so CI never passes by skipping.
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator

from servers import stop

ENABLE = (
    "install Debian's redis-server (apt-get install -y redis-server; tests/run.sh does it when "
    "run as root) and the redis package (pip install -e 'generated/python[redis]')"
)


def _unavailable(reason: str) -> None:
    from conftest import require

    require(f"Redis tests' {reason}", False, ENABLE)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_redis() -> Iterator[str]:
    """Start redis-server (no persistence); yield its redis:// URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        _unavailable("redis-server")
    try:
        import redis
    except ImportError:
        _unavailable("the redis Python package")
    port = _free_port()
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, text=True)
        try:
            client = redis.Redis(host="127.0.0.1", port=port)
            deadline = time.monotonic() + 20
            while True:
                if process.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(f"redis-server exited with {process.returncode}:\n{log.read()}")
                try:
                    client.ping()
                    break
                except redis.ConnectionError:
                    if time.monotonic() > deadline:
                        raise RuntimeError("redis-server did not answer within 20 s") from None
                    time.sleep(0.05)
            client.close()
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            stop(process)


def fresh_prefix() -> str:
    """A key prefix of its own, so tests sharing one redis-server never see each other's tasks."""
    return f"test-{secrets.token_hex(6)}:"


def make_store(request, **options):
    """The store a parametrized fixture asks for: "memory" (the default TaskStore) or "redis" (a
    RedisTaskStore on the session's redis-server, under a key prefix of its own)."""
    if request.param == "memory":
        from mcp_tasks.store import TaskStore

        return TaskStore()
    from mcp_tasks.redis_store import RedisTaskStore

    url = request.getfixturevalue("redis_url")
    return RedisTaskStore(url, prefix=fresh_prefix(), **options)
