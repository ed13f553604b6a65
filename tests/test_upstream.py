"""Our schema against the official upstream schemas (tests/upstream, copied from ../shared/upstream).

For every definition both sides name alike, instances of either side must be accepted by the other:
the `core` build against ext-tasks.schema.json (SEP-2663), and the vendored `mcp-core` types against
the core draft schema. Known, deliberate divergences are listed with the reason the spec gives.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis_jsonschema import from_schema

from schema_tools import inlined, rooted, without_slow_variants
from taskbind.pipeline import Options, render

pytestmark = pytest.mark.hypothesis_jsonschema

UPSTREAM = Path(__file__).parent / "upstream"


def corrected(document: dict) -> dict:
    """Upstream with the one correction mcp-core.yaml records (JSONObject decision).

    The generated upstream JSONValue lost `number` and `null`, which its TypeScript source
    (`string | number | boolean | null | JSONObject | JSONArray`) has; our JSONObject follows the
    source. The comparison is against upstream with exactly that put back, and nothing else.
    """
    value = document["$defs"].get("JSONValue")
    if value is not None:
        value["anyOf"].append({"type": ["number", "null"]})
    return document


EXT_TASKS = corrected(json.loads((UPSTREAM / "ext-tasks.schema.json").read_text("utf-8")))
CORE_DRAFT = corrected(json.loads((UPSTREAM / "mcp-core-draft.schema.json").read_text("utf-8")))
SETTINGS = settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))

# Deliberate divergences, each recorded as a `decision:` in spec/modules: name -> why.
STRICTER_HERE = {
    # ext-tasks leaves tasks/* params open; we type `_meta` as the core RequestMetaObject.
    "GetTaskRequest": "params._meta is a RequestMetaObject (core.yaml GetTaskRequestParams._meta)",
    "UpdateTaskRequest": "params._meta is a RequestMetaObject",
    "CancelTaskRequest": "params._meta is a RequestMetaObject",
    # The core draft types resultType as any string; the tools/call result union needs consts.
    "CallToolResult": "resultType is const \"complete\" (mcp-core.yaml CallToolResponseResult)",
    "InputRequiredResult": "resultType is const \"input_required\"",
    "CallToolResultResponse": "its result is the CallToolResponseResult union, discriminated by resultType",
}

# Deliberately looser than upstream, and why: upstream rejects what we accept.
LOOSER_HERE = {
    # JSON-RPC 2.0 requires "id": null when the request id could not be read; the official SDK
    # sends it (mcp-core.yaml JSONRPCErrorResponse.id decision).
    "JSONRPCErrorResponse": "id may be null, as JSON-RPC 2.0 requires",
}

# Each divergence, undone: the instance changed exactly where the reason says, and nothing else.
# With it, both directions run for every shared definition (no skip): the other side must accept
# the instance once the documented difference is taken out of it.
META = {  # a RequestMetaObject (2026-07-28 core: both keys required)
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientCapabilities": {},
}


def _with_meta(instance: dict) -> list[dict]:
    return [{**instance, "params": {**instance["params"], "_meta": META}}]


def _with_result_type(*values: str):
    return lambda instance: [{**instance, "resultType": value} for value in values]


def _result_with_result_type(instance: dict) -> list[dict]:
    return [{**instance, "result": {**instance["result"], "resultType": value}}
            for value in ("complete", "input_required")]


def _without_null_id(instance: dict) -> list[dict]:
    return [{k: v for k, v in instance.items() if not (k == "id" and v is None)}]


UNDO = {
    "GetTaskRequest": _with_meta,
    "UpdateTaskRequest": _with_meta,
    "CancelTaskRequest": _with_meta,
    "CallToolResult": _with_result_type("complete"),
    "InputRequiredResult": _with_result_type("input_required"),
    "CallToolResultResponse": _result_with_result_type,
    "JSONRPCErrorResponse": _without_null_id,
}

# For each divergence, one instance that proves it: (definition, instance, the side that rejects
# it, the JSON path of the rejection).
PROOFS = [
    ("GetTaskRequest", {"jsonrpc": "2.0", "id": 1, "method": "tasks/get",
                        "params": {"taskId": "t", "_meta": {}}}, "ours", ["params", "_meta"]),
    ("UpdateTaskRequest", {"jsonrpc": "2.0", "id": 1, "method": "tasks/update",
                           "params": {"taskId": "t", "inputResponses": {}, "_meta": {}}},
     "ours", ["params", "_meta"]),
    ("CancelTaskRequest", {"jsonrpc": "2.0", "id": 1, "method": "tasks/cancel",
                           "params": {"taskId": "t", "_meta": {}}}, "ours", ["params", "_meta"]),
    ("CallToolResult", {"resultType": "later", "content": []}, "ours", ["resultType"]),
    ("InputRequiredResult", {"resultType": "later", "inputRequests": {}}, "ours", ["resultType"]),
    ("CallToolResultResponse", {"jsonrpc": "2.0", "id": 1,
                                "result": {"resultType": "later", "content": []}},
     "ours", ["result"]),
    ("JSONRPCErrorResponse", {"jsonrpc": "2.0", "id": None,
                              "error": {"code": -32700, "message": "Parse error"}},
     "upstream", ["id"]),
]

# Upstream definitions with no counterpart here, and why (mcp-core.yaml JSONObject decision).
NOT_VENDORED = {"JSONValue": "JSONObject is any JSON object; JSONValue is then referenced by nothing"}


@functools.lru_cache(maxsize=1)
def core_schema() -> dict:
    files = render(Options(modules=("core",), targets=("schema",)))
    return json.loads(files["schema/mcp-tasks.schema.json"])


def as_root(document: dict, name: str) -> dict:
    return rooted(document, name)


@functools.lru_cache(maxsize=None)
def validator(which: str, name: str) -> jsonschema.Draft202012Validator:
    document = {"ours": core_schema(), "ext": EXT_TASKS, "core": CORE_DRAFT}[which]
    return jsonschema.Draft202012Validator(as_root(document, name))


def shared_names(upstream: dict) -> list[str]:
    return sorted(set(upstream["$defs"]) & set(core_schema()["$defs"]))


def pairs() -> list[tuple[str, str]]:
    ext = [("ext", name) for name in shared_names(EXT_TASKS)]
    core = [("core", name) for name in shared_names(CORE_DRAFT) if name not in EXT_TASKS["$defs"]]
    return ext + core


def test_every_extension_definition_has_a_counterpart():
    """Each named type of ext-tasks exists here under the same name, so nothing escapes the test."""
    ours = set(core_schema()["$defs"]) | set(NOT_VENDORED)
    missing = sorted(set(EXT_TASKS["$defs"]) - ours)
    assert not missing, f"ext-tasks defines types the core build lacks: {missing}"


def accepted(which: str, name: str, instance: object, divergent: bool) -> list[str]:
    """The errors of `which` for `instance`; for a divergent definition, none when any of the
    instance's undone variants is accepted (the divergence is the only difference allowed)."""
    errors = [e.message for e in validator(which, name).iter_errors(instance)]
    if errors and divergent:
        variants = UNDO[name](instance)
        if any(validator(which, name).is_valid(variant) for variant in variants):
            return []
    return errors


def test_every_divergence_is_listed_with_its_undo_and_its_proof():
    assert set(UNDO) == set(STRICTER_HERE) | set(LOOSER_HERE) == {p[0] for p in PROOFS}


@pytest.mark.parametrize(("name", "instance", "rejecter", "path"), PROOFS, ids=lambda v: str(v)[:40])
def test_each_divergence_is_exactly_the_documented_one(name, instance, rejecter, path):
    """The reason a direction differs, proven on one instance: one side rejects it, at the path
    the reason names, the other accepts it; undone, both accept it."""
    upstream = "ext" if name in EXT_TASKS["$defs"] else "core"
    rejecting = "ours" if rejecter == "ours" else upstream
    accepting = upstream if rejecter == "ours" else "ours"
    assert validator(accepting, name).is_valid(instance)
    paths = [list(e.absolute_path)[: len(path)] for e in validator(rejecting, name).iter_errors(instance)]
    assert paths and all(p == path for p in paths), paths
    assert any(validator(rejecting, name).is_valid(v) for v in UNDO[name](instance))


@pytest.mark.parametrize(("upstream", "name"), pairs(), ids=lambda value: str(value))
def test_upstream_instances_are_accepted_here(upstream, name):
    """Every shared definition; a deliberately stricter one with its divergence undone (UNDO)."""
    document = EXT_TASKS if upstream == "ext" else CORE_DRAFT

    @SETTINGS
    @given(from_schema(inlined(without_slow_variants(document), name)))
    def check(instance):
        errors = accepted("ours", name, instance, name in STRICTER_HERE)
        assert not errors, f"{name}: upstream accepts, we reject: {errors[:3]} for {instance}"

    check()


@pytest.mark.parametrize(("upstream", "name"), pairs(), ids=lambda value: str(value))
def test_our_instances_are_accepted_upstream(upstream, name):
    """Every shared definition; a deliberately looser one with its divergence undone (UNDO)."""

    @SETTINGS
    @given(from_schema(inlined(without_slow_variants(core_schema()), name)))
    def check(instance):
        errors = accepted(upstream, name, instance, name in LOOSER_HERE)
        assert not errors, f"{name}: we accept, upstream rejects: {errors[:3]} for {instance}"

    check()
