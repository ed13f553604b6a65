"""taskbind's benchmark table: every budget of docs/performance.md, measured against its anchor.

    .venv/bin/python benchmarks/run.py                  # the table, on stdout (about 10 minutes)
    .venv/bin/python benchmarks/run.py --quick          # fewer repeats, scale up to 100 methods
    .venv/bin/python benchmarks/run.py --suite          # also time the test suite's two tiers
    .venv/bin/python benchmarks/run.py --write docs/performance.md   # replace the table there

Each row is the median of repeated runs with min and max; a row with an anchor alternates its runs
with the anchor's, in the same process tree and under the same load, and reports the ratio. Process
rows measure CPU time (user + system, the process and the children it waited for): on a shared
machine it moves far less than wall time. Budgets are checked here, never in timed tests.

Everything runs from this checkout's .venv: taskbind, datamodel-codegen, the generated package
(installed editable from generated/python) and the official `mcp` SDK.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PYTHON = sys.executable
SCHEMA = REPO / "generated" / "schema" / "mcp-tasks.schema.json"
sys.path.insert(0, str(REPO / "benchmarks"))

from synth import long_description, synthesise  # noqa: E402

# Budget rows measure a cold generate: datamodel-code-generator's output cache (taskbind.dcg_cache)
# is off, as on a first run. The warm rows set a cache directory of their own.
COLD = {"TASKBIND_CACHE_DIR": ""}


@dataclass
class Row:
    name: str
    unit: str
    values: list[float]
    anchor: str = ""
    anchor_values: list[float] | None = None
    goal: str = ""
    # ratio = value / anchor (lower is better) unless higher_is_better (then value / anchor too,
    # for throughputs): the goal text says which way it must go.
    check: Callable[[float], bool] | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if not self.anchor_values:
            return None
        return statistics.median(self.values) / statistics.median(self.anchor_values)

    def status(self) -> str:
        if self.check is None:
            return ""
        value = self.ratio if self.ratio is not None else statistics.median(self.values)
        return "met" if self.check(value) else "**missed**"


def fmt(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"
    if unit == "us":
        return f"{value * 1e6:.2f} us"
    if unit == "MB":
        return f"{value:.1f} MB"
    if unit == "KB":
        return f"{value:.0f} KB"
    if unit == "/s":
        return f"{value:,.0f}/s"
    return f"{value:.3g} {unit}"


def spread(values: list[float], unit: str) -> str:
    return f"{fmt(statistics.median(values), unit)} ({fmt(min(values), unit)} - {fmt(max(values), unit)})"


# Measuring processes ------------------------------------------------------------------------------


def run_process(argv: list[str], *, cwd: Path = REPO, env: dict[str, str] | None = None) -> tuple[float, float, float]:
    """CPU seconds, wall seconds and peak RSS (MB) of one process; raises if it fails."""
    start = time.perf_counter()
    process = subprocess.Popen(
        argv, cwd=cwd, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {process.returncode}: {process.stderr.read().decode()[-2000:]}")
    process.stderr.close()
    return usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss / 1024


def alternate(first: Callable[[], float], second: Callable[[], float], repeats: int) -> tuple[list[float], list[float]]:
    a, b = [], []
    for _ in range(repeats):
        a.append(first())
        b.append(second())
    return a, b


@contextlib.contextmanager
def scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="taskbind-bench-") as directory:
        yield Path(directory)


def fresh(root: Path) -> Path:
    """A new, not yet existing directory under root."""
    return Path(tempfile.mkdtemp(dir=root)) / "out"


# The rows --------------------------------------------------------------------------------------------


def generate_rows(root: Path, repeats: int) -> list[Row]:
    taskbind, dmc = str(BIN / "taskbind"), str(BIN / "datamodel-codegen")
    memory: dict[str, list[float]] = {"taskbind": [], "dmc": []}

    def ours() -> float:
        cpu, _, rss = run_process([taskbind, "generate", "--out", str(fresh(root))], env=COLD)
        memory["taskbind"].append(rss)
        return cpu

    def anchor() -> float:
        out = fresh(root)
        out.parent.mkdir(exist_ok=True)
        cpu, _, rss = run_process([
            dmc, "--input", str(SCHEMA), "--input-file-type", "jsonschema",
            "--output-model-type", "pydantic_v2.BaseModel", "--formatters", "black", "isort",
            "--disable-timestamp", "--output", str(out.with_suffix(".py")),
        ])
        memory["dmc"].append(rss)
        return cpu

    ours()  # warm the file cache and bytecode once before measuring
    full, anchor_values = alternate(ours, anchor, repeats)
    anchor_name = "`datamodel-codegen` CLI, same schema, models only"
    rows = [
        Row("full `taskbind generate`, all targets, empty --out (cold: no cache)", "s", full, anchor_name,
            anchor_values, "<= 1.0x", lambda r: r <= 1.0),
        Row("peak memory of that generate", "MB", memory["taskbind"][1:], "the same datamodel-codegen run",
            memory["dmc"], "(reported)"),
    ]

    cache = root / "cache"
    warm_env = {"TASKBIND_CACHE_DIR": str(cache)}
    run_process([taskbind, "generate", "--out", str(fresh(root))], env=warm_env)  # fills the cache
    warm, cold = alternate(
        lambda: run_process([taskbind, "generate", "--out", str(fresh(root))], env=warm_env)[0],
        lambda: run_process([taskbind, "generate", "--out", str(fresh(root))], env=COLD)[0],
        repeats,
    )
    rows.append(Row("the same generate, warm cache (datamodel-codegen's output reused)", "s", warm,
                    "the cold generate", cold, "(reported)"))

    described = long_description(1_000_000, root / "spec-1mb-description")
    big, base = alternate(
        lambda: run_process([taskbind, "generate", "--spec", str(described), "--out", str(fresh(root))], env=COLD)[0],
        lambda: run_process([taskbind, "generate", "--out", str(fresh(root))], env=COLD)[0],
        max(2, repeats // 2),
    )
    rows.append(Row("generate with one 1 MB description (one line), cold", "s", big,
                    "the bundled spec, cold", base, "<= 3x (linear; was 137 s)", lambda r: r <= 3.0))

    noop_out = fresh(root)
    run_process([taskbind, "generate", "--out", str(noop_out)])
    for command in ("generate", "check"):
        values, bare = alternate(
            lambda: run_process([taskbind, command, "--out", str(noop_out)])[0],
            lambda: run_process([PYTHON, "-c", "pass"])[0],
            repeats * 3,
        )
        rows.append(Row(f"no-op `taskbind {command}`", "s", values, "`python -c pass`", bare, "<= 5x",
                        lambda r: r <= 5.0))
    return rows


def scale_rows(root: Path, full: list[float], counts: tuple[int, ...], repeats: int) -> list[Row]:
    taskbind = str(BIN / "taskbind")
    base = statistics.median(full)
    times: dict[int, float] = {}
    rows = []
    for count in counts:
        spec = synthesise(count, root / f"spec-{count}")
        runs = max(1, repeats if count < 1000 else repeats // 2)
        values = [run_process([taskbind, "generate", "--spec", str(spec), "--out", str(fresh(root))], env=COLD)[0]
                  for _ in range(runs)]
        times[count] = statistics.median(values)
        extra = (times[count] - base) / count
        goal, check = ("< 10 s", lambda v: v < 10.0) if count == 1000 else ("", None)
        rows.append(Row(f"generate, bundled spec + {count:,} synthetic methods (cold)", "s", values, goal=goal,
                        check=check, note=f"{extra * 1000:.1f} ms per extra method"))
        if count == max(counts):
            warm_env = {"TASKBIND_CACHE_DIR": str(root / f"cache-{count}")}
            run_process([taskbind, "generate", "--spec", str(spec), "--out", str(fresh(root))], env=warm_env)
            warm = [run_process([taskbind, "generate", "--spec", str(spec), "--out", str(fresh(root))], env=warm_env)[0]
                    for _ in range(runs)]
            rows.append(Row("the same, warm cache (datamodel-codegen's output reused)", "s", warm,
                            goal="(reported)"))
    if len(times) >= 2:
        # The two largest counts: at 10 methods the extra time is within the noise of the base.
        small, large = sorted(times)[-2:]
        grow_small, grow_large = max(times[small] - base, 1e-9), max(times[large] - base, 1e-9)
        exponent = math.log(grow_large / grow_small) / math.log(large / small)
        rows.append(Row(f"growth exponent of the extra time, {small:,} -> {large:,} methods", "", [exponent],
                        goal="<= 1.1 (linear)", check=lambda e: e <= 1.1))
    return rows


def import_rows(repeats: int) -> list[Row]:
    def cost(module: str) -> Callable[[], float]:
        return lambda: run_process([PYTHON, "-c", f"import {module}"])[0]

    bare = [run_process([PYTHON, "-c", "pass"])[0] for _ in range(repeats * 3)]
    floor = statistics.median(bare)
    rows = []
    for module, goal in (("mcp_tasks", "<= 0.5x"), ("mcp_tasks.models", "(reported)"), ("mcp_tasks.messages", "(reported)")):
        ours, theirs = alternate(cost(module), cost("mcp_types"), repeats * 3)
        rows.append(Row(f"`import {module}` (minus bare start-up)", "s", [max(v - floor, 1e-6) for v in ours],
                        "`import mcp_types`", [max(v - floor, 1e-6) for v in theirs], goal,
                        (lambda r: r <= 0.5) if goal.startswith("<=") else None))
    return rows


def model_rows(repeats: int) -> list[Row]:
    import mcp_types
    from pydantic import TypeAdapter

    from mcp_tasks import models

    ours_task = {"taskId": "t-1", "status": "working", "statusMessage": "step 2 of 5",
                 "createdAt": "2026-11-21T10:00:00Z", "lastUpdatedAt": "2026-11-21T10:00:05Z",
                 "ttlMs": None, "pollIntervalMs": 500}
    sdk_task = {"taskId": "t-1", "status": "working", "statusMessage": "step 2 of 5",
                "createdAt": "2026-11-21T10:00:00Z", "lastUpdatedAt": "2026-11-21T10:00:05Z",
                "ttl": None, "pollInterval": 500}
    ours_result = {"resultType": "complete", **ours_task}
    sdk_result = {**sdk_task, "_meta": {"k": "v"}}
    get_result = TypeAdapter(models.GetTaskResult)

    def ops(round_trip: Callable[[], object], count: int = 3000) -> float:
        start = time.process_time()
        for _ in range(count):
            round_trip()
        return count / (time.process_time() - start)

    def sdk(model: type, wire: dict) -> Callable[[], object]:
        return lambda: model.model_validate(wire).model_dump(mode="json", by_alias=True, exclude_unset=True)

    cases = [
        ("Task", lambda: models.Task.from_wire(ours_task).to_wire(), sdk(mcp_types.Task, sdk_task)),
        ("GetTaskResult", lambda: get_result.validate_python(ours_result, by_alias=True, by_name=False).to_wire(),
         sdk(mcp_types.GetTaskResult, sdk_result)),
    ]
    rows = []
    for name, ours, theirs in cases:
        assert ours() and theirs()  # build both validators before timing
        a, b = alternate(lambda: ops(ours), lambda: ops(theirs), repeats * 2)
        rows.append(Row(f"model round trip `{name}` (parse + dump, wire-exact)", "/s", a,
                        f"`mcp_types.{name}` (hand-written, official SDK)", b, ">= 1.0x", lambda r: r >= 1.0))
    return rows


def runtime_rows(repeats: int) -> list[Row]:
    from mcp_tasks.runtime import TaskRuntime
    from mcp_tasks.runtime_server import RuntimeTaskServer
    from mcp_tasks.store import TaskStore

    meta = {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {"extensions": {"io.modelcontextprotocol/tasks": {}}}}

    def throughput(size: int, count: int = 2000) -> float:
        runtime = TaskRuntime(poll_interval_ms=500)
        ids = [runtime.store.create(ttl_ms=None, poll_interval_ms=500).task_id for _ in range(size)]
        server = RuntimeTaskServer(runtime)
        requests = [{"jsonrpc": "2.0", "id": i, "method": "tasks/get",
                     "params": {"taskId": ids[i * 7919 % size], "_meta": meta}} for i in range(count)]

        async def serve() -> float:
            assert "result" in await server.dispatch(requests[0])
            start = time.process_time()
            for request in requests:
                await server.dispatch(request)
            return count / (time.process_time() - start)

        return asyncio.run(serve())

    big, small = alternate(lambda: throughput(10_000), lambda: throughput(10), repeats)
    rows = [Row("in-process dispatcher, `tasks/get` on a store of 10,000 tasks", "/s", big,
                "the same on a store of 10 tasks", small, "(reported)")]

    def memory_per_thousand() -> float:
        tracemalloc.start()
        before = tracemalloc.take_snapshot()
        store = TaskStore()
        for _ in range(10_000):
            store.create(ttl_ms=60_000, poll_interval_ms=500)
        after = tracemalloc.take_snapshot()
        tracemalloc.stop()
        grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
        return grown / 10 / 1024

    rows.append(Row("server memory per 1,000 live tasks (TaskStore, TTL set)", "KB",
                    [memory_per_thousand() for _ in range(3)], goal="(reported)"))
    return rows


def store_rows(repeats: int) -> list[Row]:
    """tasks/get through the Redis store against the in-memory store, alternating in the same run
    (benchmarks/store_bench.py; as the runtime server calls it, through `store.run`)."""
    import shutil

    from store_bench import gets_per_second, local_redis

    from mcp_tasks.store import TaskStore

    name = "runtime `tasks/get` through the Redis store (`store.run`, a local redis-server)"
    if shutil.which("redis-server") is None:
        return [Row(name, "/s", [math.nan], goal="(not measured: no redis-server)")]
    from mcp_tasks.redis_store import RedisTaskStore

    with local_redis() as url:
        shared, memory = alternate(
            lambda: asyncio.run(gets_per_second(RedisTaskStore(url, prefix="bench:"), 1.0, off_loop=True)),
            lambda: asyncio.run(gets_per_second(TaskStore(), 1.0, off_loop=True)),
            repeats,
        )
    return [Row(name, "/s", shared, "the in-memory store, the same calls", memory, "(reported)")]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def server(script: Path) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen([PYTHON, str(script), "--port", str(port)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{script.name} did not start")
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def http_rows(repeats: int) -> list[Row]:
    client = REPO / "benchmarks" / "http_client.py"

    def per_request(url: str, *extra: str) -> float:
        done = subprocess.run([PYTHON, str(client), url, "200", *extra], capture_output=True, text=True, check=True)
        return float(done.stdout.split()[-1])

    with server(REPO / "examples" / "reference_server.py") as ours, server(REPO / "benchmarks" / "http_floor.py") as floor:
        a, b = alternate(lambda: 1 / per_request(ours, "--create"), lambda: 1 / per_request(floor), repeats)
    return [Row("`tasks/get` over streamable HTTP, sequential (reference server)", "/s", a,
                "the SDK stack with a static handler (the floor)", b, ">= 0.95x", lambda r: r >= 0.95)]


def suite_rows() -> list[Row]:
    rows = []
    for label, args, goal, limit in (("default `pytest`", [], "< 3 min", 180), ("full suite (`-m ''`)", ["-m", ""], "< 15 min", 900)):
        start = time.perf_counter()
        subprocess.run([PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args], cwd=REPO,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        rows.append(Row(f"test suite, {label} (wall)", "s", [time.perf_counter() - start], goal=goal,
                        check=lambda v, limit=limit: v < limit))
    return rows


# The table -------------------------------------------------------------------------------------------


def environment() -> list[str]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else platform.processor()
    versions = ", ".join(f"{name} {metadata.version(name)}" for name in
                         ("taskbind", "pydantic", "datamodel-code-generator", "ruff", "mcp", "mcp-types"))
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    return [f"- machine: {platform.system()} {platform.machine()}, {os.cpu_count()} cores, {cpu}; load average {load}",
            f"- Python {platform.python_version()}; {versions}",
            f"- {time.strftime('%Y-%m-%d %H:%M %Z')}; bytecode compiled before measuring (compileall of "
            "generator/ and generated/python: PYTHONDONTWRITEBYTECODE would otherwise make taskbind recompile "
            "in every process while the anchors load bytecode)"]


def table(rows: list[Row]) -> str:
    lines = ["| measure | median (min - max) | anchor, median (min - max) | ratio | goal | status |",
             "|---|---|---|---|---|---|"]
    for row in rows:
        anchor = f"{row.anchor}: {spread(row.anchor_values, row.unit)}" if row.anchor_values else row.anchor
        value = spread(row.values, row.unit) if row.unit else f"{statistics.median(row.values):.2f}"
        if row.note:
            value += f"; {row.note}"
        ratio = f"{row.ratio:.2f}x" if row.ratio is not None else ""
        lines.append(f"| {row.name} | {value} | {anchor} | {ratio} | {row.goal} | {row.status()} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats; scale up to 100 methods")
    parser.add_argument("--suite", action="store_true", help="also time the test suite (about 15 minutes)")
    parser.add_argument("--write", type=Path, help="replace the table between the markers of this file")
    args = parser.parse_args()
    repeats = 3 if args.quick else 5
    counts = (10, 100) if args.quick else (10, 100, 1000)
    subprocess.run([PYTHON, "-m", "compileall", "-q", str(REPO / "generator"), str(REPO / "generated" / "python")],
                   check=True, stdout=subprocess.DEVNULL)
    header = environment()
    rows: list[Row] = []
    with scratch() as root:
        rows += generate_rows(root, repeats)
        rows += scale_rows(root, rows[0].values, counts, repeats)
    rows += import_rows(repeats)
    rows += model_rows(repeats)
    rows += runtime_rows(repeats)
    rows += store_rows(repeats)
    rows += http_rows(repeats)
    if args.suite:
        rows += suite_rows()
    text = "\n".join(header) + "\n\n" + table(rows) + "\n"
    print(text)
    if args.write is not None:
        document = args.write.read_text("utf-8")
        begin, end = "<!-- benchmark table -->", "<!-- /benchmark table -->"
        if begin not in document or end not in document:
            print(f"{args.write}: no {begin} ... {end} markers", file=sys.stderr)
            return 2
        head, rest = document.split(begin, 1)
        args.write.write_text(head + begin + "\n" + text + end + rest.split(end, 1)[1], "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
