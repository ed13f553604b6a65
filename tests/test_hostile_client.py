"""A hostile client: malformed JSON-RPC for every method of the spec, each answered with the exact
error code the spec gives for it, and the server still serving after each.

The vectors are derived from the spec's IR (its methods, their params types and fields, routing
fields, capabilities, settings, removed methods and notifications); the expected codes are the
spec's error definitions, looked up by name (JSON-RPC 2.0's -32700/-32600/-32601/-32602 and the
extension's -32020/-32021). The bulk goes through the generated dispatcher as raw bytes (real JSON
encoding and decoding); a slice goes to the reference server over streamable HTTP on 127.0.0.1,
whose log must show no traceback afterwards.
"""

from __future__ import annotations

import asyncio
import functools
import json
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from mcp_tasks.limits import TaskLimits
from mcp_tasks.runtime import TaskContext, TaskRuntime
from mcp_tasks.runtime_server import RuntimeTaskServer

from conftest import SPEC_DIR, report, running_reference_server
from redis_server import make_store

pytestmark = pytest.mark.anyio

VERSION_KEY = "io.modelcontextprotocol/protocolVersion"
CAPABILITIES_KEY = "io.modelcontextprotocol/clientCapabilities"
LIVE = "<live task>"  # replaced by the id of a running task when the vector is sent


@functools.cache
def ir():
    from taskbind.load import load_spec
    from taskbind.model import build_model

    return build_model(load_spec(SPEC_DIR))


def code(name: str) -> int:
    """The spec's code for the error named `name` (spec facts: ParseError -32700, ...)."""
    return next(error.code for error in ir().errors if error.name == name)


def declared_meta(spec=None, *, settings: bool = True) -> dict:
    """A request `_meta` declaring the extension, with every setting of this build when asked."""
    spec = spec or ir()
    capability = spec.capabilities[0]
    setting_type = spec.type(capability.settings) if capability.settings else None
    declared = {f.wire_name: True for f in setting_type.fields} if setting_type and settings else {}
    return {
        VERSION_KEY: spec.protocol_version,
        CAPABILITIES_KEY: {"extensions": {capability.id: declared}},
    }


def served_methods(*, base: bool):
    """The spec's client-to-server requests: the extension's (`base=False`, served by the generated
    dispatcher) or the vendored base protocol's (`base=True`, served by the official SDK)."""
    spec = ir()
    core = spec.roles.base_protocol
    return [
        m
        for m in spec.methods
        if m.kind == "request"
        and m.direction in ("client-to-server", "both")
        and (m.provenance.module == core) == base
    ]


def json_kind(type_expr) -> str:
    """The JSON type a field's value has: string, number, integer, boolean, object or array."""
    from taskbind.ir import AliasType, EnumType, ListOf, MapOf, Primitive, Ref

    while True:
        if isinstance(type_expr, Primitive):
            return PRIMITIVE_KINDS[type_expr.name]
        if isinstance(type_expr, ListOf):
            return "array"
        if isinstance(type_expr, MapOf):
            return "object"
        if isinstance(type_expr, Ref):
            named = ir().type(type_expr.name)
            if isinstance(named, AliasType):
                type_expr = named.type
                continue
            return "string" if isinstance(named, EnumType) else "object"
        return "object"  # a union of objects


# The spec format's primitives (taskbind.ir.PRIMITIVES) as JSON types; `any` takes every value.
PRIMITIVE_KINDS = {
    "string": "string",
    "timestamp": "string",
    "integer": "integer",
    "safe-integer": "integer",
    "number": "number",
    "boolean": "boolean",
    "any": "any",
    "object": "object",
}

# A value of every other JSON type than the field's; numbers accept integers.
WRONG = {
    "string": [12345, True, None, ["x"], {"x": 1}],
    "integer": ["7", 1.5, None, {}],
    "number": ["7", None, []],
    "boolean": ["true", 1, None],
    "object": ["text", 7, None, [1]],
    "array": ["text", {}, None],
    "any": [],
}
PLACEHOLDER = {
    "string": "x",
    "integer": 1,
    "number": 1,
    "boolean": True,
    "object": {},
    "array": [],
    "any": None,
}


@dataclass
class Vector:
    id: str
    raw: bytes  # the exact bytes on the wire
    expected: int | None  # the error code; None: answered with a result (the id echoed)
    headers: dict[str, str] | None = None
    declared_id: object = field(default=1)
    method: str | None = None  # over HTTP: the Mcp-Method header, when it is not the body's


def encode(message) -> bytes:
    return json.dumps(message).encode()


def message(method: str, params, request_id=1, **envelope) -> dict:
    return {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params, **envelope}


def base_params(method) -> dict:
    """Params of `method` with every required field present (the routing field: a live task)."""
    params = {"_meta": declared_meta()}
    if method.params:
        for f in ir().type(method.params).fields:
            if f.required and f.wire_name != "_meta":
                placeholder = PLACEHOLDER[json_kind(f.type)] if f.type else f.const
                params[f.wire_name] = LIVE if f.wire_name == method.routing_field else placeholder
    return params


def method_vectors(method) -> list[Vector]:
    """Per method: each required field missing, each field of the wrong type, and for a method
    that acts on a task: an unknown, an oversized, a lone-surrogate, an infinite and a NaN task id,
    a missing capability and the routing header missing or wrong."""
    invalid_params, vectors = code("InvalidParams"), []
    name = method.name
    fields = [f for f in ir().type(method.params).fields if f.wire_name != "_meta" and f.type]
    for f in fields:
        if f.required:
            params = base_params(method)
            del params[f.wire_name]
            vectors.append(
                Vector(
                    f"{name}:missing-{f.wire_name}", encode(message(name, params)), invalid_params
                )
            )
        for wrong in WRONG[json_kind(f.type)][:3]:
            params = {**base_params(method), f.wire_name: wrong}
            if wrong is None and f.nullable:
                continue
            label = f"{name}:{f.wire_name}={json.dumps(wrong)}"
            vectors.append(Vector(label, encode(message(name, params)), invalid_params))
    for shape in ([], "params", 7, None):  # params that are not an object
        label = f"{name}:params={json.dumps(shape)}"
        vectors.append(Vector(label, encode(message(name, shape)), code("InvalidRequest")))
    routing = method.routing_field
    if routing is None:
        return vectors
    for label, task_id in (
        ("unknown", "no-such-task"),
        ("oversized", "t" * 1_000_000),
        ("surrogate", "\ud800"),
    ):
        params = {**base_params(method), routing: task_id}
        vectors.append(
            Vector(f"{name}:{label}-{routing}", encode(message(name, params)), invalid_params)
        )
    for literal in ("1e999", "NaN", "-Infinity"):  # accepted by some JSON parsers, never a string
        text = json.dumps(message(name, {**base_params(method), routing: "@@"})).replace(
            '"@@"', literal
        )
        vectors.append(Vector(f"{name}:{routing}={literal}", text.encode(), invalid_params))
    nested = json.dumps(message(name, {**base_params(method), routing: "@@"}))
    deep = nested.replace('"@@"', "[" * 300 + "]" * 300)  # parses, and is no string
    vectors.append(Vector(f"{name}:{routing}-nested-300", deep.encode(), invalid_params))
    deeper = nested.replace('"@@"', "[" * 100_000 + "]" * 100_000)  # too deep to parse
    vectors.append(Vector(f"{name}:{routing}-nested-100000", deeper.encode(), code("ParseError")))
    if method.capability:
        undeclared = {VERSION_KEY: ir().protocol_version, CAPABILITIES_KEY: {}}
        params = {**base_params(method), "_meta": undeclared}
        vectors.append(
            Vector(
                f"{name}:undeclared-capability",
                encode(message(name, params)),
                code("MissingRequiredClientCapability"),
            )
        )
    if method.setting:  # SEP-2669 is opt-in per request: undeclared, the method does not exist
        params = {**base_params(method), "_meta": declared_meta(settings=False)}
        vectors.append(
            Vector(
                f"{name}:undeclared-setting", encode(message(name, params)), code("MethodNotFound")
            )
        )
    mismatch = code("HeaderMismatch")
    raw = encode(message(name, base_params(method)))
    vectors.append(Vector(f"{name}:no-mcp-name", raw, mismatch, headers={}))
    vectors.append(
        Vector(f"{name}:wrong-mcp-name", raw, mismatch, headers={"Mcp-Name": "another-task"})
    )
    return vectors


def envelope_vectors() -> list[Vector]:
    """What is wrong before any method: JSON, the envelope, ids, batches, unknown and removed
    methods, and the spec's server-to-client notifications sent as requests."""
    spec, vectors = ir(), []
    get = next(m for m in served_methods(base=False) if m.routing_field)
    good = message(get.name, base_params(get))
    for label, raw in (
        ("not-json", b"{not json"),
        ("empty-body", b""),
        ("truncated", encode(good)[:-3]),
        ("invalid-utf8", encode(good).replace(b'"jsonrpc"', b'"json\xffrpc"')),
        ("utf16-bom", "\ufeff".encode("utf-16") + encode(good)),
        ("nul-bytes", b"\x00" * 16),
        ("nested-100000", b"[" * 100_000 + b"]" * 100_000),
    ):
        vectors.append(Vector(f"envelope:{label}", raw, code("ParseError")))
    invalid = code("InvalidRequest")
    wrong_envelopes = {
        "jsonrpc=1.0": {**good, "jsonrpc": "1.0"},
        "jsonrpc=2.0-number": {**good, "jsonrpc": 2.0},
        "jsonrpc-missing": {k: v for k, v in good.items() if k != "jsonrpc"},
        "method-number": {**good, "method": 7},
        "method-null": {**good, "method": None},
        "id=null": {**good, "id": None},
        "id=object": {**good, "id": {"n": 1}},
        "id=true": {**good, "id": True},
        "id=1.5": {**good, "id": 1.5},
        "id=array": {**good, "id": [1]},
    }
    for label, wrong in wrong_envelopes.items():
        vectors.append(Vector(f"envelope:{label}", encode(wrong), invalid))
    for label, batch in (("batch-empty", []), ("batch-one", [good]), ("batch-two", [good, good])):
        vectors.append(Vector(f"envelope:{label}", encode(batch), invalid))
    for label, scalar in (("string", "tasks/get"), ("number", 42), ("null", None)):
        vectors.append(Vector(f"envelope:{label}", encode(scalar), invalid))
    not_found = code("MethodNotFound")
    for unknown in ("tasks/nope", "TASKS/GET", "tasks/get ", "", "rpc.discover"):
        vectors.append(
            Vector(
                f"unknown-method:{unknown!r}", encode(message(unknown, base_params(get))), not_found
            )
        )
    for removed in spec.removed_methods:
        vectors.append(
            Vector(
                f"removed:{removed.name}",
                encode(message(removed.name, base_params(get))),
                removed.code,
            )
        )
    for m in spec.methods:  # a notification of the server's, sent to it with an id
        if m.kind == "notification" and m.direction == "server-to-client":
            raw = encode(message(m.name, {"_meta": declared_meta()}))
            vectors.append(Vector(f"notification-with-id:{m.name}", raw, not_found))
    huge = encode(good).replace(b'"id": 1', b'"id": 1' + b"0" * 400)  # a valid id, however large
    vectors.append(Vector("envelope:id=10^400", huge, None, declared_id=10**400))
    return vectors


def limit_vectors() -> list[Vector]:
    """Past the server's limits (mcp_tasks.limits.TaskLimits' defaults): -32602 naming the limit."""
    from mcp_tasks import _spec
    from mcp_tasks.limits import DEFAULT_LIMITS

    invalid_params, vectors = code("InvalidParams"), []
    meta = declared_meta()
    if _spec.STEER is not None:
        params = {"_meta": meta, "taskId": LIVE, "message": "lone \ud800 surrogate"}
        vectors.append(
            Vector(
                f"{_spec.STEER}:message-lone-surrogate",
                encode(message(_spec.STEER, params)),
                invalid_params,
            )
        )
        big = "s" * (DEFAULT_LIMITS.max_steer_bytes + 1)
        params = {"_meta": meta, "taskId": LIVE, "message": big}
        vectors.append(
            Vector(
                f"{_spec.STEER}:message-over-max_steer_bytes",
                encode(message(_spec.STEER, params)),
                invalid_params,
            )
        )
    answer = {"action": "accept", "content": {}}
    many = {f"k{n}": answer for n in range(DEFAULT_LIMITS.max_input_responses + 1)}
    params = {"_meta": meta, "taskId": LIVE, "inputResponses": many}
    vectors.append(
        Vector(
            f"{_spec.UPDATE}:over-max_input_responses",
            encode(message(_spec.UPDATE, params)),
            invalid_params,
        )
    )
    large = {
        "k": {
            "action": "accept",
            "content": {"text": "r" * DEFAULT_LIMITS.max_input_response_bytes},
        }
    }
    params = {"_meta": meta, "taskId": LIVE, "inputResponses": large}
    vectors.append(
        Vector(
            f"{_spec.UPDATE}:over-max_input_response_bytes",
            encode(message(_spec.UPDATE, params)),
            invalid_params,
        )
    )
    return vectors


def all_vectors() -> list[Vector]:
    vectors = envelope_vectors()
    for method in served_methods(base=False):
        vectors += method_vectors(method)
    return vectors + limit_vectors()


VECTORS = all_vectors()
MINIMUM = 70  # the floor


def test_there_are_enough_vectors_and_every_spec_method_has_some():
    ids = [v.id for v in VECTORS]
    assert len(ids) == len(set(ids))
    for method in served_methods(base=False):
        assert any(i.startswith(f"{method.name}:") for i in ids), method.name
    report(
        f"hostile JSON-RPC vectors: {len(VECTORS)} through the dispatcher (on the in-memory and "
        "the Redis store), "
        f"{len(HTTP_VECTORS)} over streamable HTTP (reference server)"
    )
    assert len(VECTORS) >= MINIMUM


# Through the dispatcher -------------------------------------------------------------------------


@pytest.fixture
def anyio_backend():
    return "asyncio"


async def hold(task: TaskContext):
    while True:
        await task.checkpoint()
        await asyncio.sleep(0.01)


@pytest.fixture(scope="module", params=["memory", "redis"])
def dispatcher_server(request):
    """One runtime-backed server per store for every vector: a hostile request must never hurt
    the next. Redis is there for what only it refuses to store (text that is not UTF-8)."""
    loop = asyncio.new_event_loop()
    store = make_store(request)
    limits = TaskLimits(max_steer_messages=10_000)
    runtime = TaskRuntime(poll_interval_ms=10, limits=limits, store=store)
    running = runtime.running()
    loop.run_until_complete(running.__aenter__())

    async def start():
        return runtime.start(hold).task_id

    task_id = loop.run_until_complete(start())
    yield loop, RuntimeTaskServer(runtime), task_id
    loop.run_until_complete(running.__aexit__(None, None, None))
    loop.close()


def answer_of(server, vector: Vector, task_id: str, loop) -> dict:
    raw = vector.raw.replace(LIVE.encode(), task_id.encode())
    headers = vector.headers
    if headers is None:  # off HTTP: no routing header to check
        return loop.run_until_complete(server.dispatch(raw))
    return loop.run_until_complete(server.dispatch(raw, headers=headers))


@pytest.mark.parametrize("vector", VECTORS, ids=[v.id[:80] for v in VECTORS])
def test_the_dispatcher_answers_the_specs_code_and_keeps_serving(dispatcher_server, vector):
    loop, server, task_id = dispatcher_server
    response = answer_of(server, vector, task_id, loop)
    assert response is not None and response["jsonrpc"] == "2.0"
    if vector.expected is None:
        assert "result" in response and response["id"] == vector.declared_id
    else:
        assert response.get("error", {}).get("code") == vector.expected, response
        assert isinstance(response["error"]["message"], str)
        json.dumps(response)  # the answer itself is always encodable
    check = encode(message("tasks/get", {"taskId": task_id, "_meta": declared_meta()}, "after"))
    after = loop.run_until_complete(server.dispatch(check))
    assert after["id"] == "after" and after["result"]["taskId"] == task_id


# Over streamable HTTP, to the reference server ---------------------------------------------------


def http_vectors() -> list[Vector]:
    """A slice of the vectors above (one of each kind), plus the base protocol's requests, which
    the official SDK serves: their params must be objects too."""
    kinds: dict[str, Vector] = {}
    for vector in VECTORS:
        if "nested-100000" in vector.id and vector.id.startswith("tasks/"):
            continue  # a 200 kB body per method adds nothing over HTTP: one is kept below
        if any(part in vector.id for part in UNSENDABLE):
            continue
        kind = vector.id.split(":", 1)[1].split("=", 1)[0]
        kinds.setdefault(kind, vector)
    slice_ = list(kinds.values())
    for method in served_methods(base=True):
        raw = encode(message(method.name, ["not", "an", "object"]))
        slice_.append(Vector(f"{method.name}:params=array", raw, code("InvalidRequest")))
    # SEP-2243: the Mcp-Method header mirrors the body's method, as Mcp-Name mirrors its taskId.
    get = next(m for m in served_methods(base=False) if m.routing_field)
    raw = encode(message(get.name, base_params(get)))
    slice_.append(
        Vector("http:mcp-method-mismatch", raw, code("HeaderMismatch"), method="tasks/other")
    )
    return slice_


# What an HTTP header cannot carry as the body has it: a method with a trailing space (headers are
# trimmed), a task id with a lone surrogate (not UTF-8) or of a megabyte (past any header limit).
UNSENDABLE = ("'tasks/get '", "surrogate-", "oversized-")


HTTP_VECTORS = http_vectors()


@pytest.fixture(scope="module")
def http_server(tmp_path_factory):
    log = tmp_path_factory.mktemp("hostile") / "server.log"
    with running_reference_server(log_path=log) as url, httpx.Client(timeout=60) as client:
        body = message(
            "tools/call",
            {"name": "steerable_job", "arguments": {"steps": 100_000}, "_meta": declared_meta()},
        )
        created = post(client, url, encode(body), "tools/call", "steerable_job")
        yield client, url, created[1]["result"]["taskId"], log


def post(client, url: str, raw: bytes, method: str, name: str | None) -> tuple[int, dict]:
    headers = {
        "Content-Type": "application/json",
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": ir().protocol_version,
        "Mcp-Method": method,
    }
    if name is not None:
        headers["Mcp-Name"] = name
    response = client.post(url, content=raw, headers=headers)
    return response.status_code, response.json()


def mirrored(raw: bytes) -> tuple[str, str | None]:
    """The Mcp-Method and Mcp-Name headers for a body: its method and its routing field (as the
    spec names it for that method), when the body has them."""
    try:
        body = json.loads(raw)
        method, params = body.get("method"), body.get("params")
    except (ValueError, AttributeError, RecursionError):
        return "tasks/get", None
    if not isinstance(method, str):
        return "tasks/get", None
    routing = next((m.routing_field for m in ir().methods if m.name == method), None)
    name = params.get(routing) if isinstance(params, dict) and routing else None
    return method, name if isinstance(name, str) else None


@pytest.mark.parametrize("vector", HTTP_VECTORS, ids=[v.id[:80] for v in HTTP_VECTORS])
def test_the_reference_server_answers_the_specs_code_over_http(http_server, vector):
    client, url, task_id, _ = http_server
    raw = vector.raw.replace(LIVE.encode(), task_id.encode())
    method, name = mirrored(raw)  # the routing headers a well-behaved client sends
    if vector.headers is not None:
        name = vector.headers.get("Mcp-Name")
    status, body = post(client, url, raw, vector.method or method, name)
    assert status < 500, (status, body)
    if vector.expected is None:
        assert "result" in body, body
    else:
        assert body.get("error", {}).get("code") == vector.expected, (status, body)
    check = encode(message("tasks/get", {"taskId": task_id, "_meta": declared_meta()}, "after"))
    status, after = post(client, url, check, "tasks/get", task_id)
    assert status == 200 and after["result"]["taskId"] == task_id


def test_the_reference_servers_log_has_no_traceback(http_server):
    client, url, task_id, log = http_server
    post(
        client,
        url,
        encode(message("tasks/cancel", {"taskId": task_id, "_meta": declared_meta()})),
        "tasks/cancel",
        task_id,
    )
    text = Path(log).read_text()
    assert "Traceback" not in text, text[-5000:]
