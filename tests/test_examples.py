"""Every example of the spec against the generated schema and the generated models.

Valid examples must validate, parse and dump back to exactly the same JSON; invalid ones must be
rejected by both the schema and the models.
"""

from __future__ import annotations

import functools
import json

import jsonschema
import pydantic
import pytest
import yaml

import mcp_tasks
from mcp_tasks.methods import type_adapter
from taskbind.load import load_spec
from taskbind.model import build_model
from conftest import SCHEMA_PATH, SPEC_DIR

EXAMPLES = build_model(load_spec(SPEC_DIR)).examples


def canonical(value: object) -> str:
    """JSON text that tells 1 from 1.0 and true from 1, so 'the same JSON' means the same wire."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


@functools.lru_cache(maxsize=None)
def validator_for(name: str) -> jsonschema.Draft202012Validator:
    """One validator per definition: building one resolves the whole schema, which is slow."""
    schema = json.loads(SCHEMA_PATH.read_text("utf-8"))
    return jsonschema.Draft202012Validator({**schema, "$ref": f"#/$defs/{name}"})


def envelope_name(example) -> str:
    """The schema a whole example must match: its message envelope, response envelope or type."""
    if example.type_name:
        name = example.type_name
    elif example.role == "error":
        name = "JSONRPCErrorResponse"
    else:
        info = mcp_tasks.METHODS.get(example.method)
        if info is None:  # a removed method: only the envelope can be checked
            name = "JSONRPCRequest" if example.role == "request" else "JSONRPCResultResponse"
        else:
            name = (info.response_type if example.role == "result" else info.message_type).__name__
    return name


def parse(example):
    if example.type_name:
        adapter = type_adapter(getattr(mcp_tasks.models, example.type_name))
        try:
            return adapter.validate_python(example.value, by_alias=True, by_name=False)
        except pydantic.ValidationError as exc:  # only a validation failure: a crash stays one
            problems = [{"path": "/".join(map(str, e["loc"])), "message": e["msg"]} for e in exc.errors()]
            raise mcp_tasks.MessageValidationError(str(exc), problems) from exc
    request_method = example.method if example.role in ("result", "error") else None
    return mcp_tasks.parse_message(example.value, request_method=request_method)


def test_there_are_examples_for_every_module(spec_ir):
    modules_with_examples = {e.module for e in EXAMPLES}
    assert set(spec_ir.module_names) <= modules_with_examples


def raw_examples() -> list[tuple]:
    """The examples read a second way, straight from the YAML files (yaml.safe_load, json.loads),
    not through taskbind's loader and model."""
    modules = yaml.safe_load((SPEC_DIR / "taskbind.yaml").read_text("utf-8"))["modules"]
    found = []
    for module in modules:
        path = SPEC_DIR / "examples" / f"{module}.yaml"
        for entry in yaml.safe_load(path.read_text("utf-8")) or []:
            found.append((
                module, entry["name"], entry.get("valid", True), entry.get("message"),
                entry.get("role"), entry.get("type"), canonical(json.loads(entry["json"])),
            ))
    return found


def test_the_model_carries_every_example_of_the_yaml_once():
    """The parametrized tests run over the model's examples; an example the model dropped (or
    changed) would vanish from them silently. Held against the YAML itself."""
    from_model = [
        (e.module, e.name, e.valid, e.method, e.role, e.type_name, canonical(e.value)) for e in EXAMPLES
    ]
    raw = raw_examples()
    assert len(raw) == len({r[1] for r in raw}) == 193  # names are unique; the count is pinned
    assert sorted(from_model) == sorted(raw)


@pytest.mark.parametrize("example", [e for e in EXAMPLES if e.valid], ids=lambda e: f"{e.module}:{e.name}")
def test_valid_example_validates_parses_and_round_trips(example):
    validator_for(envelope_name(example)).validate(example.value)
    if example.method is not None and example.method not in mcp_tasks.METHODS:
        # SEP-2663 removed tasks/result (and tasks/list): the spec shows them by their answer,
        # -32601, which parses as any error response does.
        assert example.role == "error"
        assert example.value["error"]["code"] == mcp_tasks.REMOVED_METHODS[example.method] == -32601
    model = parse(example)
    if example.type_name:  # a model or a type alias (union, map): dumped as its adapter does
        adapter = type_adapter(getattr(mcp_tasks.models, example.type_name))
        dumped = adapter.dump_python(model, mode="json", by_alias=True, exclude_unset=True)
    else:
        dumped = mcp_tasks.dump_message(model)
    # Member order is not part of JSON's data model (RFC 8259 §4); everything else must match.
    assert canonical(dumped) == canonical(example.value)


@pytest.mark.parametrize("example", [e for e in EXAMPLES if not e.valid], ids=lambda e: f"{e.module}:{e.name}")
def test_invalid_example_is_rejected_by_schema_and_models(example):
    assert list(validator_for(envelope_name(example)).iter_errors(example.value)), f"the schema accepted it, but: {example.reason}"
    with pytest.raises(mcp_tasks.MessageValidationError) as rejected:
        parse(example)
    # rejected by validation, each problem with its path: not by a crash or a lookup failure
    assert rejected.value.errors and all(set(p) == {"path", "message"} for p in rejected.value.errors)


REQUIRED_INVALID = {
    "missing taskId": lambda e: e.method == "tasks/get" and e.role == "request" and "taskId" not in json.dumps(e.value.get("params", {})),
    "ttlMs as a string": lambda e: isinstance(_result(e).get("ttlMs"), str),
    "ttlMs as 1.5": lambda e: _result(e).get("ttlMs") == 1.5,
    "resultType task on tasks/get": lambda e: e.method == "tasks/get" and _result(e).get("resultType") == "task",
    "completed without result": lambda e: _result(e).get("status") == "completed" and "result" not in _result(e),
    "failed without error": lambda e: _result(e).get("status") == "failed" and "error" not in _result(e),
    "steer without message": lambda e: e.method == "tasks/steer" and e.role == "request" and "message" not in e.value.get("params", {}),
}


def _result(example) -> dict:
    value = example.value.get("result", {}) if isinstance(example.value, dict) else {}
    return value if isinstance(value, dict) else {}


@pytest.mark.parametrize("case", sorted(REQUIRED_INVALID))
def test_the_spec_carries_each_required_invalid_example(case):
    assert any(REQUIRED_INVALID[case](e) for e in EXAMPLES if not e.valid), case
