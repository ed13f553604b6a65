"""The TypeScript target: the generated npm package builds strictly, its zod schemas agree with the
JSON Schema on every spec example and on generated instances, messages cross Python -> Node ->
Python unchanged, and its client drives the Python reference server through a whole lifecycle.

Node runs the built package (npm ci + tsc in a copy of generated/typescript, once per session:
conftest.py's `ts_package`).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

import mcp_tasks
from conftest import REPO, SCHEMA_PATH, TS_PACKAGE, run_ok, running_reference_server
from mcp_tasks.server import CAPABILITY_META_KEY, TaskServer
from schema_tools import inlined, mutate, paths, without_slow_variants
from taskbind.load import load_spec
from taskbind.model import build_model

pytestmark = pytest.mark.node

DRIVERS = Path(__file__).resolve().parent / "typescript"
SCHEMA = json.loads(SCHEMA_PATH.read_text("utf-8"))
EXAMPLES = build_model(load_spec(REPO / "spec")).examples


def zod(ts_package: Path, cases: list[dict]) -> list[dict]:
    out = run_ok(["node", str(DRIVERS / "validate.mjs"), str(ts_package)], ts_package, json.dumps(cases))
    answers = json.loads(out)
    assert len(answers) == len(cases)
    return answers


def canonical(value: object) -> str:
    """JSON text comparing numbers as JavaScript holds them: one number type (1.0 is 1), IEEE
    doubles (an integer beyond 2^53 that an open member carries comes back rounded; every field the
    spec types as an integer is a safe integer, exact in both languages)."""

    def norm(v: object) -> object:
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            number = float(v)
            return int(number) if number.is_integer() else number
        if isinstance(v, dict):
            return {k: norm(x) for k, x in v.items()}
        if isinstance(v, list):
            return [norm(x) for x in v]
        return v

    return json.dumps(norm(value), sort_keys=True, ensure_ascii=False)


def test_the_package_type_checks_strictly(ts_package: Path):
    config = (ts_package / "tsconfig.json").read_text("utf-8")
    assert '"strict": true' in config
    run_ok(["npm", "run", "--silent", "check"], ts_package)  # tsc --noEmit


def test_package_json_names_exports_and_pins_dependencies():
    package = json.loads((TS_PACKAGE / "package.json").read_text("utf-8"))
    lock = json.loads((TS_PACKAGE / "package-lock.json").read_text("utf-8"))
    assert package["type"] == "module" and "." in package["exports"]
    for section in ("dependencies", "devDependencies"):
        for name, version in package[section].items():
            assert version[0].isdigit(), f"{name} is not pinned exactly: {version}"
            assert lock["packages"][f"node_modules/{name}"]["version"] == version
    assert lock["name"] == package["name"] == lock["packages"][""]["name"]


# Spec examples ------------------------------------------------------------------------------------


def _case(example) -> dict:
    if example.type_name:
        return {"schema": example.type_name, "value": example.value}
    method = example.method if example.role in ("result", "error") else None
    return {"message": example.value, "requestMethod": method}


def _known(example) -> bool:
    """Examples of removed methods name a method this build has no schema for."""
    return example.type_name is not None or example.role == "error" or example.method in mcp_tasks.METHODS


def test_every_valid_example_parses_and_dumps_back_identical(ts_package: Path):
    examples = [e for e in EXAMPLES if e.valid and _known(e)]
    answers = zod(ts_package, [_case(e) for e in examples])
    failures = [(e.name, a) for e, a in zip(examples, answers) if not a["ok"]]
    assert not failures, failures
    changed = [e.name for e, a in zip(examples, answers) if canonical(a["out"]) != canonical(e.value)]
    assert not changed, changed
    assert len(examples) > 100


def test_every_invalid_example_is_rejected(ts_package: Path):
    examples = [e for e in EXAMPLES if not e.valid and _known(e)]
    answers = zod(ts_package, [_case(e) for e in examples])
    accepted = [(e.name, e.reason) for e, a in zip(examples, answers) if a["ok"]]
    assert not accepted, accepted
    assert examples


# Differential: zod against the JSON Schema on generated instances --------------------------------

EXTENSION_METHODS = [info for info in mcp_tasks.METHODS.values() if info.module != "mcp-core"]
MESSAGES = sorted(
    {info.message_type.__name__ for info in EXTENSION_METHODS}
    | {info.response_type.__name__ for info in EXTENSION_METHODS if info.response_type}
)
TYPES = ["Task", "DetailedTask", "CreateTaskResult", "TasksExtensionCapability", "InputRequest"]
JSON_VALUES = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(-(2**60), 2**60), st.text(max_size=4),
        st.floats(allow_nan=False, allow_infinity=False),
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=2), st.dictionaries(st.text(max_size=4), inner, max_size=2)),
    max_leaves=4,
)  # fmt: skip


def _draw(name: str, count: int) -> list[object]:
    """`count` instances of a definition drawn from the schema, each with one mutated copy."""
    drawn: list[object] = []

    # Derandomized: the same instances on every run, so a disagreement is a finding, not a flake.
    @settings(
        max_examples=count,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(from_schema(inlined(without_slow_variants(SCHEMA), name)), st.data())
    def collect(instance, data):
        drawn.append(instance)
        positions = paths(instance)
        if positions:
            path = data.draw(st.sampled_from(positions))
            drawn.append(mutate(instance, path, data.draw(JSON_VALUES), data.draw(st.booleans())))
        drawn.append({**instance, "x-unknown": 1} if isinstance(instance, dict) else instance)

    collect()
    return drawn


def _unsafe_int(value: object) -> bool:
    """An integer JavaScript cannot hold exactly (beyond 2**53) anywhere in the value: a recorded
    limit of the TypeScript target (spec/README.md), so its round trip is not compared."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return abs(value) > 2**53
    if isinstance(value, dict):
        return any(_unsafe_int(v) for v in value.values())
    if isinstance(value, list):
        return any(_unsafe_int(v) for v in value)
    return False


# Draws from hypothesis-jsonschema (about 55 s, a quarter of the default run): the full run's.
@pytest.mark.hypothesis_jsonschema
@pytest.mark.node
def test_zod_and_the_json_schema_agree_on_generated_instances(ts_package: Path):
    cases, verdicts = [], []
    for name in MESSAGES + TYPES:
        validator = jsonschema.Draft202012Validator({**SCHEMA, "$ref": f"#/$defs/{name}"})
        for instance in _draw(name, 8):
            cases.append({"schema": name, "value": instance})
            verdicts.append(validator.is_valid(instance))
    answers = zod(ts_package, cases)
    disagree = [
        (c["schema"], json.dumps(c["value"])[:300], v, a.get("error", "")[:200])
        for c, v, a in zip(cases, verdicts, answers)
        if a["ok"] != v
    ]
    assert not disagree, f"{len(disagree)} of {len(cases)} disagree: {disagree[:5]}"
    changed = [
        (c["schema"], canonical(c["value"])[:300], canonical(a["out"])[:300])
        for c, a in zip(cases, answers)
        if a["ok"] and canonical(a["out"]) != canonical(c["value"]) and not _unsafe_int(c["value"])
    ]
    assert not changed, f"{len(changed)} change in a round trip: {changed[:3]}"
    assert sum(verdicts) > 50 and len(verdicts) - sum(verdicts) > 10, "too few valid or invalid instances"


# Python -> Node -> Python ---------------------------------------------------------------------------


def test_messages_cross_python_node_python_unchanged(ts_package: Path):
    sent = []
    for example in EXAMPLES:
        if not example.valid or example.type_name or not _known(example):
            continue
        method = example.method if example.role in ("result", "error") else None
        model = mcp_tasks.parse_message(example.value, request_method=method)
        sent.append((model, method, mcp_tasks.dump_message(model)))
    answers = zod(ts_package, [{"message": wire, "requestMethod": method} for _, method, wire in sent])
    for (model, method, wire), answer in zip(sent, answers):
        assert answer["ok"], (wire, answer)
        back = mcp_tasks.parse_message(answer["out"], request_method=method)
        assert back == model
        assert canonical(mcp_tasks.dump_message(back)) == canonical(wire)


# The TypeScript client against the Python reference server --------------------------------------


def test_typescript_client_drives_the_reference_server_through_a_lifecycle(ts_package: Path):
    with running_reference_server() as url:
        out = run_ok(["node", str(DRIVERS / "client_lifecycle.mjs"), str(ts_package), url], ts_package, timeout=120)
    report = json.loads(out)
    assert report["created"]["resultType"] == "task"
    assert report["created"]["status"] in ("working", "input_required")
    assert report["steer"]["resultType"] == "complete"
    assert report["paused"]["status"] == "paused"
    assert report["whilePaused"] == "paused"  # steering a paused task queues the message
    assert report["pauseTwice"] == {"name": "InvalidParamsError", "code": -32602, "isInvalidParams": True}
    assert report["resumed"]["status"] in ("working", "input_required")
    assert report["statuses"][-1] == "completed"
    text = json.dumps(report["result"])
    assert 0 <= text.index("first") < text.index("second"), text
    assert report["lateSteer"]["code"] == -32602  # a terminal task accepts no steering
    assert report["failed"]["isTaskFailed"] is True
    assert isinstance(report["failed"]["error"]["code"], int)


def test_a_core_build_named_by_npm_package_type_checks_without_the_proposals(ts_package: Path, tmp_path: Path):
    out = tmp_path / "out"
    run_ok(
        [str(REPO / ".venv" / "bin" / "taskbind"), "generate", "--modules", "core", "--target", "typescript",
         "--npm-package", "@acme/tasks-core", "--out", str(out)],
        REPO,
    )  # fmt: skip
    package = out / "typescript"
    assert json.loads((package / "package.json").read_text("utf-8"))["name"] == "@acme/tasks-core"
    for path in package.rglob("*"):
        if path.is_file():
            text = path.read_text("utf-8")
            assert "paused" not in text and "tasks/steer" not in text, path
    (package / "node_modules").symlink_to(ts_package / "node_modules")
    run_ok(["node", str(ts_package / "node_modules" / "typescript" / "bin" / "tsc"), "--noEmit", "-p", "."], package)


# The dispatcher: the same answers as the Python one ------------------------------------------------

STATUS = {"t-working": "working", "t-done": "completed", "t-paused": "paused"}
STAMP = "2026-11-21T10:00:00Z"


class ParityServer(TaskServer):
    """The Python half of tests/typescript/dispatcher_parity.mjs: the same tasks and handlers."""

    enabled_settings = frozenset({"steer"})

    async def task_status(self, task_id):
        return STATUS.get(task_id)

    async def get_task(self, params, context):
        status = STATUS[params.task_id]
        task = {"resultType": "complete", "taskId": params.task_id, "status": status,
                "createdAt": STAMP, "lastUpdatedAt": STAMP, "ttlMs": None}  # fmt: skip
        if status == "completed":
            task["result"] = {"resultType": "complete", "content": []}
        return task

    async def update_task(self, params, context):
        return {"resultType": "complete"}

    async def cancel_task(self, params, context):
        return {"resultType": "complete"}

    async def steer_task(self, params, context):
        return {"resultType": "complete"}


def _request(method: str, params: object = None, *, settings: dict | None = None, meta: bool = True):
    if params is None:
        params = {}
    if meta and isinstance(params, dict):
        extension = {mcp_tasks.EXTENSION_ID: settings if settings is not None else {"steer": True}}
        capabilities = {CAPABILITY_META_KEY: {"extensions": extension}}
        params = {**params, "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28", **capabilities}}
    return {"jsonrpc": "2.0", "id": 7, "method": method, "params": params}


def _get(task_id: str, **kwargs) -> dict:
    return _request("tasks/get", {"taskId": task_id}, **kwargs)


PARITY_CASES = {
    "not JSON": {"message": "{"},
    "a batch": {"message": []},
    "wrong jsonrpc": {"message": {**_get("t-working"), "jsonrpc": "1.0"}},
    "a boolean id": {"message": {**_get("t-working"), "id": True}},
    "params not an object": {"message": {**_get("t-working"), "params": [1]}},
    "a notification": {"message": {"jsonrpc": "2.0", "method": "notifications/tasks", "params": {}}},
    "a response": {"message": {"jsonrpc": "2.0", "id": 3, "result": {}}},
    "an unknown method": {"message": _request("tasks/frobnicate")},
    "a removed method": {"message": _request("tasks/list")},
    "no extension declared": {"message": _get("t-working", meta=False)},
    "no Mcp-Name": {"message": _get("t-working"), "headers": {"Mcp-Method": "tasks/get"}},
    "no Mcp-Name, lenient": {"message": _get("t-working"), "headers": {}, "lenient": True},
    "a wrong Mcp-Name": {"message": _get("t-working"), "headers": {"Mcp-Name": "t-done"}},
    "a base64 Mcp-Name": {"message": _get("t-working"), "headers": {"mcp-name": "=?base64?dC13b3JraW5n?="}},
    "a broken base64 Mcp-Name": {"message": _get("t-working"), "headers": {"mcp-name": "=?base64?***?="}},
    "an unknown task": {"message": _get("t-nope")},
    "a taskId that is a number": {"message": _request("tasks/get", {"taskId": 5})},
    "no params": {"message": {"jsonrpc": "2.0", "id": 1, "method": "tasks/get"}},
    "get a working task": {"message": _get("t-working")},
    "get a completed task": {"message": _get("t-done")},
    "steer, setting not declared": {"message": _request("tasks/steer", {"taskId": "t-working", "message": "x"}, settings={})},
    "steer a completed task": {"message": _request("tasks/steer", {"taskId": "t-done", "message": "x"})},
    "steer a working task": {"message": _request("tasks/steer", {"taskId": "t-working", "message": "x"})},
    "steer without a message": {"message": _request("tasks/steer", {"taskId": "t-working"})},
    "pause, setting off": {"message": _request("tasks/pause", {"taskId": "t-working"}, settings={"pause": True})},
    "update a paused task": {"message": _request("tasks/update", {"taskId": "t-paused", "inputResponses": {}})},
    "update, a malformed response": {"message": _request("tasks/update", {"taskId": "t-working", "inputResponses": {"k": 1}})},
    "cancel a completed task": {"message": _request("tasks/cancel", {"taskId": "t-done"})},
}  # fmt: skip


def test_the_dispatcher_answers_as_the_python_one(ts_package: Path):
    """Every request gets the same kind of answer from both dispatchers: none, the same error code,
    or the same result."""
    cases = list(PARITY_CASES.values())
    out = run_ok(["node", str(DRIVERS / "dispatcher_parity.mjs"), str(ts_package)], ts_package, json.dumps(cases))
    answers = json.loads(out)

    async def python_answers() -> list:
        results = []
        for case in cases:
            server = ParityServer()
            server.accept_missing_name_header = bool(case.get("lenient"))
            results.append(await server.dispatch(case["message"], headers=case.get("headers")))
        return results

    expected = asyncio.run(python_answers())

    def gist(response: dict | None) -> object:
        if response is None:
            return None
        if "error" in response:
            return ("error", response["id"], response["error"]["code"])
        return ("result", response["id"], canonical(response["result"]))

    differ = [
        (name, gist(py), gist(ts))
        for name, py, ts in zip(PARITY_CASES, expected, answers)
        if gist(py) != gist(ts)
    ]
    assert not differ, differ
    codes = {gist(py)[2] for py in expected if py and "error" in py}
    assert {-32700, -32600, -32601, -32602, -32020, -32021} <= codes  # every check was reached
