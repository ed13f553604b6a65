"""Differential tests: the generated models against the generated JSON Schema.

Instances drawn from the schema must be accepted by the models and round-trip exactly; mutated
instances must be accepted by the models exactly when the schema accepts them.
"""

from __future__ import annotations

import functools
import json

import jsonschema
import pydantic
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

import mcp_tasks
from mcp_tasks.methods import type_adapter
from conftest import SCHEMA_PATH
from schema_tools import SLOW_TO_DRAW, inlined, mutate, paths, rooted, without_slow_variants

pytestmark = pytest.mark.hypothesis_jsonschema

SCHEMA = json.loads(SCHEMA_PATH.read_text("utf-8"))
SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))

# Every whole message of the extension's modules: request or notification, and response envelope.
# The vendored mcp-core messages are checked against the upstream schema in test_upstream.py.
EXTENSION_METHODS = [info for info in mcp_tasks.METHODS.values() if info.module != "mcp-core"]
MESSAGES = sorted(
    {info.message_type.__name__ for info in EXTENSION_METHODS}
    | {info.response_type.__name__ for info in EXTENSION_METHODS if info.response_type}
)
DRAWING_SCHEMA = without_slow_variants(SCHEMA)


@functools.lru_cache(maxsize=None)
def instances(name: str):
    """Instances of a definition, drawn from the light schema and shared by both tests."""
    return from_schema(inlined(DRAWING_SCHEMA, name))


@functools.lru_cache(maxsize=None)
def schema_for(name: str) -> dict:
    return rooted(SCHEMA, name)


@functools.lru_cache(maxsize=None)
def validator_for(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema_for(name))


def model_accepts(name: str, value: object) -> tuple[bool, object]:
    adapter = type_adapter(getattr(mcp_tasks.models, name))  # a model or a type alias
    try:
        parsed = adapter.validate_python(value, by_alias=True, by_name=False)
    except pydantic.ValidationError:  # a rejection; anything else (a crash) fails the test
        return False, None
    return True, adapter.dump_python(parsed, mode="json", by_alias=True, exclude_unset=True)


def canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True)


# JSON values used to overwrite a member. Integral floats are left out on purpose: JSON Schema
# calls 2.0 an integer, while the strict models (like the wire: JSON text "2.0" is a float) do not.
JSON_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**60), 2**60), st.text(max_size=5),
    st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: not f.is_integer()),
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)),
    max_leaves=5,
)


@pytest.mark.parametrize("name", MESSAGES)
def test_schema_instances_are_accepted_and_round_trip(name):
    @SETTINGS
    @given(instances(name))
    def check(instance):
        assert validator_for(name).is_valid(instance)
        accepted, dumped = model_accepts(name, instance)
        assert accepted, f"the models reject a schema-valid {name}: {instance}"
        assert canonical(dumped) == canonical(instance)

    check()


@pytest.mark.parametrize("name", MESSAGES)
def test_models_reject_exactly_what_the_schema_rejects(name):
    @SETTINGS
    @given(instances(name), st.data())
    def check(instance, data):
        positions = paths(instance)
        if not positions:
            return
        path = data.draw(st.sampled_from(positions))
        mutated = mutate(instance, path, data.draw(JSON_VALUES), data.draw(st.booleans()))
        schema_ok = validator_for(name).is_valid(mutated)
        model_ok, dumped = model_accepts(name, mutated)
        assert model_ok == schema_ok, f"schema says {schema_ok}, models say {model_ok}: {mutated}"
        if model_ok:
            assert canonical(dumped) == canonical(mutated)

    check()


@pytest.mark.parametrize("name", SLOW_TO_DRAW)
def test_slow_to_draw_definitions_round_trip(name):
    """The definitions left out of the drawing schema, each on its own (slow, so fewer examples)."""

    @settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
    @given(from_schema(inlined(SCHEMA, name)))
    def check(instance):
        accepted, dumped = model_accepts(name, instance)
        assert accepted, f"the models reject a schema-valid {name}: {instance}"
        assert canonical(dumped) == canonical(instance)

    check()
