"""tasks/get per second through the in-memory store and the Redis store, in the same run.

    .venv/bin/python benchmarks/store_bench.py                       # starts its own redis-server
    .venv/bin/python benchmarks/store_bench.py --redis redis://127.0.0.1:6379/0

Each row runs the runtime's `tasks/get` path (`TaskRuntime.get(task_id).to_get_result()`: the
store read, the lifecycle check and the DetailedTask) over 100 tasks, round-robin, for `--seconds`:
called directly, and as the runtime server calls it, through `store.run` (for Redis, a hop to
the store's worker thread, which keeps the event loop free while Redis answers).
It prints a Markdown table. A measurement, not a test: nothing asserts on the numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "generated" / "python"))

from mcp_tasks.runtime import TaskContext, TaskRuntime  # noqa: E402
from mcp_tasks.store_base import BaseTaskStore  # noqa: E402

TASKS = 100


async def _idle(task: TaskContext) -> None:
    await asyncio.Event().wait()


async def gets_per_second(store: BaseTaskStore, seconds: float, *, off_loop: bool = False) -> float:
    runtime = TaskRuntime(store=store)
    async with runtime.running():
        ids = [runtime.start(_idle).task_id for _ in range(TASKS)]
        await asyncio.sleep(0)
        count, start = 0, time.perf_counter()
        deadline = start + seconds
        while time.perf_counter() < deadline:
            for task_id in ids:
                if off_loop:
                    (await store.run(runtime.get, task_id)).to_get_result()
                else:
                    runtime.get(task_id).to_get_result()
            count += len(ids)
        return count / (time.perf_counter() - start)


@contextlib.contextmanager
def local_redis() -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        sys.exit("redis-server not found: install it (apt-get install redis-server) or pass --redis")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        import redis

        client = redis.Redis(port=port)
        for _ in range(200):
            with contextlib.suppress(redis.ConnectionError):
                client.ping()
                break
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--redis", help="a Redis URL (default: start a redis-server here)")
    parser.add_argument("--seconds", type=float, default=2.0, help="per row")
    args = parser.parse_args()
    from mcp_tasks.redis_store import RedisTaskStore
    from mcp_tasks.store import TaskStore

    with contextlib.ExitStack() as stack:
        url = args.redis or stack.enter_context(local_redis())
        memory = asyncio.run(gets_per_second(TaskStore(), args.seconds))
        shared = asyncio.run(
            gets_per_second(RedisTaskStore(url, prefix="store-bench:"), args.seconds)
        )
        memory_run = asyncio.run(gets_per_second(TaskStore(), args.seconds, off_loop=True))
        shared_run = asyncio.run(
            gets_per_second(RedisTaskStore(url, prefix="store-bench:"), args.seconds, off_loop=True)
        )
    print("| store | call | tasks/get per second | relative |")
    print("|---|---|---:|---:|")
    print(f"| in memory | direct | {memory:,.0f} | 1.00 |")
    print(f"| in memory | store.run (runtime server) | {memory_run:,.0f} | {memory_run / memory:.3f} |")
    print(f"| Redis ({url}) | direct, on the loop | {shared:,.0f} | {shared / memory:.3f} |")
    print(f"| Redis | store.run (worker thread) | {shared_run:,.0f} | {shared_run / memory:.3f} |")


if __name__ == "__main__":
    main()
