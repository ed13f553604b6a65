"""The client of the HTTP row: N sequential `tasks/get` over streamable HTTP, through TasksClient.

    python benchmarks/http_client.py URL COUNT [--create]

Prints the median seconds per request of COUNT requests (after a warm-up). With --create it first
starts a long `slow_compute` task (the reference server) and polls that; without, it polls
"floor-task" (the floor server's static answer). The client code is the same on both sides, so the
difference between the two servers is the server's.
"""

from __future__ import annotations

import statistics
import sys
import time

import anyio
from mcp import Client
from mcp_tasks.sdk_client import TasksClientExtension, tasks_client


async def measure(url: str, count: int, create: bool) -> float:
    async with Client(url, extensions=[TasksClientExtension()]) as client:
        tasks = tasks_client(client)
        task_id = "floor-task"
        if create:
            created = await tasks.call_tool("slow_compute", arguments={"seconds": 3600})
            task_id = created.task_id
        for _ in range(20):
            await tasks.get_task(task_id)
        times = []
        for _ in range(count):
            start = time.perf_counter()
            await tasks.get_task(task_id)
            times.append(time.perf_counter() - start)
        return statistics.median(times)


if __name__ == "__main__":
    print(anyio.run(measure, sys.argv[1], int(sys.argv[2]), "--create" in sys.argv[3:]))
