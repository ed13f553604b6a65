"""The dispatcher's small helpers (mcp_tasks.dispatcher), against the wire rules they implement:
the JSON-RPC 2.0 error envelope, SEP-2243's base64 sentinel for routing headers, and the per-request
capability declaration in `params._meta` (SEP-2663, SEP-2669's settings). Added for survivors of
tools/mutation.py's `dispatcher` run (docs/mutation.md)."""

from __future__ import annotations

import base64

import pytest
from mcp_tasks import _spec, errors
from mcp_tasks.dispatcher import (
    declared_capabilities,
    declared_settings,
    decode_header,
    error_response,
)

KEY = "io.modelcontextprotocol/clientCapabilities"  # SEP-2663: where a request declares capabilities
TASKS = "io.modelcontextprotocol/tasks"


def test_the_meta_key_is_the_seps():
    assert _spec.CAPABILITY_META_KEY == KEY


def test_an_error_response_is_a_json_rpc_2_error_envelope():
    error = errors.JsonRpcError(-32602, "bad", {"taskId": "t"})
    assert error_response(7, error) == {"jsonrpc": "2.0", "id": 7, "error": {"code": -32602, "message": "bad", "data": {"taskId": "t"}}}
    assert error_response(None, error)["id"] is None


def b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, None),
        ("task-1", "task-1"),
        (f"=?base64?{b64('tâche ü')}?=", "tâche ü"),
        (f"=?base64?{b64('x')}", f"=?base64?{b64('x')}"),  # no closing sentinel: verbatim
        (f"{b64('x')}?=", f"{b64('x')}?="),  # no opening sentinel: verbatim
        ("=?base64?e$A==?=", None),  # not base64 (eA== is "x" once the $ is dropped): refused, not cleaned
        (f"=?base64?{base64.b64encode(b'caf' + bytes([0xE9])).decode()}?=", None),  # not UTF-8
    ],
)
def test_a_routing_header_is_verbatim_or_base64_inside_the_sentinel(value, expected):
    assert decode_header(value) == expected


def test_declared_capabilities_are_the_top_level_names_and_the_extension_ids():
    params = {"_meta": {KEY: {"sampling": {}, "extensions": {TASKS: {}, "acme/x": {}}}}}
    assert declared_capabilities(params) == frozenset({"sampling", TASKS, "acme/x"})
    assert declared_capabilities({"_meta": {KEY: {"extensions": {}}}}) == frozenset()


@pytest.mark.parametrize("params", [None, [], "x", {}, {"_meta": "x"}, {"_meta": {KEY: ["x"]}}])
def test_no_declaration_declares_nothing(params):
    assert declared_capabilities(params) == frozenset()
    assert declared_settings(params, TASKS) == frozenset()


def test_declared_settings_are_those_set_to_true():
    params = {"_meta": {KEY: {"extensions": {TASKS: {"steer": True, "pause": False, "other": "true"}}}}}
    assert declared_settings(params, TASKS) == frozenset({"steer"})


def test_a_top_level_capability_has_its_settings_at_the_top_level():
    params = {"_meta": {KEY: {"extensions": {TASKS: {"steer": True}}, "sampling": {"tools": True}}}}
    assert declared_settings(params, "sampling") == frozenset({"tools"})
    assert declared_settings(params, "roots") == frozenset()
    assert declared_settings({"_meta": {KEY: {"extensions": {TASKS: "yes"}}}}, TASKS) == frozenset()
