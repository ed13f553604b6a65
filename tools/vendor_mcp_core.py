#!/usr/bin/env python3
"""Vendor the core MCP types the Tasks extension builds on into spec/modules/mcp-core.yaml.

    .venv/bin/python tools/vendor_mcp_core.py [UPSTREAM_JSON] [--out PATH] [--check]

UPSTREAM_JSON (default tests/upstream/mcp-core-draft.schema.json) is ext-tasks' copy of the core
draft schema (schema/draft/spec.schema.json at UPSTREAM_COMMIT); its hash is pinned so that the
provenance written into the module cannot lie.

The translation is mechanical so that a schema update is a rerun, not a review of hand edits:
the closure of ROOTS is translated def by def; inline objects get the names in INLINE_NAMES (an
inline object without one is an error, so nothing is ever named by accident); OVERRIDES holds the
few deliberate divergences, each with the `decision:` that justifies it. Any keyword the spec
format cannot express stops the script instead of being dropped.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

import yaml


# Output styles, chosen where the data is built so that the dumper needs no heuristics for them.
class Block(str):
    """Text emitted as a YAML block scalar."""


class Flow(dict):
    """A small mapping emitted on one line."""


class FlowList(list):
    """A short list emitted on one line."""


UPSTREAM_NAME = "mcp-core-draft.schema.json"
UPSTREAM_ORIGIN = "modelcontextprotocol/ext-tasks schema/draft/spec.schema.json"
UPSTREAM_COMMIT = "e4345978be1f602f1fc48d89051e8559dd5302a6"
# Update together with UPSTREAM_COMMIT when re-vendoring.
UPSTREAM_SHA256 = "35ae1f925ce9fd92fba45f29b08ef934cb4c54e3734eb31f177503f7e6036d77"

# The types the Tasks extension references, by role: the JSON-RPC envelopes (the generator derives
# every method's envelopes from them); _meta, params and result bases and the capabilities; multi
# round-trip input, which task inputRequests / inputResponses reuse; tools/call (the request a
# task answers), subscriptions/listen (task notifications) and server/discover (where the
# extension is advertised; its params are RequestParams); and the error responses whose narrowed
# `error` carries the types of our errors' `data`.
ROOTS = """
    JSONRPCRequest JSONRPCNotification JSONRPCResultResponse JSONRPCErrorResponse Error RequestId
    MetaObject RequestMetaObject ResultMetaObject NotificationMetaObject
    RequestParams NotificationParams Result ClientCapabilities ServerCapabilities Implementation
    InputRequest InputRequests InputResponse InputResponses
    CallToolRequestParams CallToolResult InputRequiredResult
    SubscriptionsListenRequestParams SubscriptionFilter SubscriptionsListenResult
    SubscriptionsAcknowledgedNotificationParams DiscoverResult
    HeaderMismatchError MissingRequiredClientCapabilityError UnsupportedProtocolVersionError
""".split()

# JSON pointer (below #/$defs) of every inline object or allOf -> the name of its type.
INLINE_NAMES = {
    "ClientCapabilities/properties/elicitation": "ClientElicitationCapability",
    "ClientCapabilities/properties/sampling": "ClientSamplingCapability",
    "ServerCapabilities/properties/prompts": "ServerPromptsCapability",
    "ServerCapabilities/properties/resources": "ServerResourcesCapability",
    "ServerCapabilities/properties/tools": "ServerToolsCapability",
    "ListRootsRequest/properties/params": "ListRootsRequestParams",
    "ElicitRequestFormParams/properties/requestedSchema": "ElicitRequestedSchema",
    "TitledSingleSelectEnumSchema/properties/oneOf/items": "TitledSingleSelectEnumOption",
    "TitledMultiSelectEnumSchema/properties/items": "TitledMultiSelectEnumItems",
    "TitledMultiSelectEnumSchema/properties/items/properties/anyOf/items": "TitledMultiSelectEnumOption",
    "UntitledMultiSelectEnumSchema/properties/items": "UntitledMultiSelectEnumItems",
    "Tool/properties/inputSchema": "ToolInputSchema",
    "Tool/properties/outputSchema": "ToolOutputSchema",
    "HeaderMismatchError/properties/error": "HeaderMismatchErrorObject",
    "MissingRequiredClientCapabilityError/properties/error": "MissingRequiredClientCapabilityErrorObject",
    "MissingRequiredClientCapabilityError/properties/error/allOf/1/properties/data": "MissingRequiredClientCapabilityData",
    "UnsupportedProtocolVersionError/properties/error": "UnsupportedProtocolVersionErrorObject",
    "UnsupportedProtocolVersionError/properties/error/allOf/1/properties/data": "UnsupportedProtocolVersionData",
}

_RESULT_TYPE_DECISION = Block(
    'Upstream types `resultType` as a plain string on every result (`ResultType = "complete" | '
    '"input_required" | string`), so the two results `tools/call` may return cannot be told '
    "apart by a schema. The `ResultType` documentation fixes the values: `complete` for a final "
    "result, `input_required` for an `InputRequiredResult`. Pinning them makes "
    "`CallToolResponseResult` a discriminated union, which the Tasks extension extends with "
    "`CreateTaskResult` (`task`)."
)

# Deliberate divergences from upstream. `replace`: the def's whole translation (its upstream
# references are then not followed); `fields`: per-field patches; `add`: a type upstream lacks.
OVERRIDES = {
    "JSONObject": {
        "replace": {
            "kind": "alias",
            "description": Block("Any JSON object."),
            "decision": Block(
                "Upstream's generated `JSONValue` lost `number` and `null` (its TypeScript source is "
                "`string | number | boolean | null | JSONObject | JSONArray`), so a literal copy would "
                'reject `{"x": 1.5}` or `{"x": null}` inside capability settings. A `JSONObject` '
                "is any JSON object, which is `object`; `JSONValue` and `JSONArray`, then referenced "
                "by nothing, are not vendored."
            ),
            "type": "object",
        }
    },
    "CallToolResult": {
        "fields": {
            "resultType": {
                "const": "complete",
                "required": True,
                "decision": _RESULT_TYPE_DECISION,
            },
        }
    },
    "InputRequiredResult": {
        "fields": {
            "resultType": {
                "const": "input_required",
                "required": True,
                "decision": _RESULT_TYPE_DECISION,
            },
        }
    },
    "CallToolResponseResult": {
        "add": {
            "kind": "union",
            "source": f"{UPSTREAM_NAME}#/$defs/CallToolResultResponse/properties/result",
            "description": Block(
                "What a `tools/call` answers: the tool's result, or a request for more input before "
                "the call is retried (multi round-trip)."
            ),
            "decision": Block(
                "Upstream inlines this `anyOf` in `CallToolResultResponse.result`. Naming it gives "
                "`tools/call` a result type that other modules can extend (the Tasks extension adds "
                "`CreateTaskResult`)."
            ),
            "discriminator": "resultType",
            "variants": FlowList(["CallToolResult", "InputRequiredResult"]),
        }
    },
}

# Conditions every request shares, documented upstream on RequestMetaObject and
# HeaderMismatchError.
_REQUEST_ERRORS = [
    {
        "error": "UnsupportedProtocolVersion",
        "condition": "The request's `io.modelcontextprotocol/protocolVersion` is unknown to the "
        "server or unsupported.",
    },
    {
        "error": "HeaderMismatch",
        "condition": "Streamable HTTP: a routing header does not match the body, or a required "
        "header is missing or malformed.",
    },
]

METHODS = {
    "tools/call": {
        "kind": "request",
        "direction": "client-to-server",
        "params": "CallToolRequestParams",
        "result": "CallToolResponseResult",
        "message": "CallToolRequest",
        "response": "CallToolResultResponse",
        "routing_field": "name",
        "source": f"{UPSTREAM_NAME}#/$defs/CallToolRequest",
        "description": "Used by the client to invoke a tool provided by the server.",
        "errors": [
            {"error": "InvalidParams", "condition": "Unknown tool name or invalid tool arguments."},
            {
                "error": "MethodNotFound",
                "condition": "The server did not advertise the `tools` capability.",
            },
            {
                "error": "MissingRequiredClientCapability",
                "condition": "Processing the call requires a capability the client did not declare "
                "in the request's `clientCapabilities`.",
            },
            *_REQUEST_ERRORS,
        ],
    },
    "subscriptions/listen": {
        "kind": "request",
        "direction": "client-to-server",
        "params": "SubscriptionsListenRequestParams",
        "result": "SubscriptionsListenResult",
        "source": f"{UPSTREAM_NAME}#/$defs/SubscriptionsListenRequest",
        "description": "Opens a long-lived channel for notifications outside any one request; "
        "answered only when the server ends the subscription.",
        "errors": list(_REQUEST_ERRORS),
    },
    "notifications/subscriptions/acknowledged": {
        "kind": "notification",
        "direction": "server-to-client",
        "params": "SubscriptionsAcknowledgedNotificationParams",
        "message": "SubscriptionsAcknowledgedNotification",
        "source": f"{UPSTREAM_NAME}#/$defs/SubscriptionsAcknowledgedNotification",
        "description": "Sent by the server to acknowledge a `subscriptions/listen` subscription "
        "and report the notification types it agreed to honor.",
    },
    "server/discover": {
        "kind": "request",
        "direction": "client-to-server",
        "params": "RequestParams",
        "result": "DiscoverResult",
        "message": "DiscoverRequest",
        "source": f"{UPSTREAM_NAME}#/$defs/DiscoverRequest",
        "description": "Asks the server for its supported protocol versions, capabilities and "
        "other metadata.",
        "errors": list(_REQUEST_ERRORS),
    },
}

# name: (upstream def, whose description is used; code; message; type of `data`; SEP). Upstream
# defines no message texts: the standard ones are JSON-RPC 2.0's, the MCP ones spell out the
# code's constant name (see `_error_note`).
ERRORS = {
    "ParseError": ("ParseError", -32700, "Parse error", None, None),
    "InvalidRequest": ("InvalidRequestError", -32600, "Invalid Request", None, None),
    "MethodNotFound": ("MethodNotFoundError", -32601, "Method not found", None, None),
    "InvalidParams": ("InvalidParamsError", -32602, "Invalid params", None, None),
    "InternalError": ("InternalError", -32603, "Internal error", None, None),
    "HeaderMismatch": ("HeaderMismatchError", -32020, "Header mismatch", None, "SEP-2243"),
    "MissingRequiredClientCapability": (
        "MissingRequiredClientCapabilityError",
        -32021,
        "Missing required client capability",
        "MissingRequiredClientCapabilityData",
        None,
    ),
    "UnsupportedProtocolVersion": (
        "UnsupportedProtocolVersionError",
        -32022,
        "Unsupported protocol version",
        "UnsupportedProtocolVersionData",
        None,
    ),
}

PRIMITIVES = set("string timestamp integer safe-integer number boolean any object".split())
SAFE_INT = 2**53 - 1
# Value constraints the format puts on a field; they cannot be expressed anywhere else.
CONSTRAINTS = {
    "minimum": "minimum",
    "maximum": "maximum",
    "pattern": "pattern",
    "minLength": "min_length",
    "maxLength": "max_length",
    "minItems": "min_items",
    "maxItems": "max_items",
}
# Documentation only: `title` is dropped (the format has no place for it), the others are kept.
DOC_ONLY = {"description", "format", "default", "title"}
EXPR_KEYS = DOC_ONLY | set(
    "$ref type items anyOf allOf properties required additionalProperties const enum".split()
)
# Key order of a field in the output, whatever produced it (other keys follow).
FIELD_ORDER = [
    "type",
    "const",
    "required",
    "enum",
    *CONSTRAINTS.values(),
    "format",
    "default",
    "description",
    "decision",
]


class Unsupported(Exception):
    """The upstream schema uses something this translation (or the spec format) cannot express."""


def pointer(base: str, *parts: str) -> str:
    """`base` (a pointer already) extended by raw member names, escaped as RFC 6901 says."""
    return "/".join([base, *(p.replace("~", "~0").replace("/", "~1") for p in parts)])


def _check_keys(node: dict, allowed: set[str], where: str) -> None:
    unknown = set(node) - allowed
    if unknown:
        raise Unsupported(f"{where}: keyword(s) {sorted(unknown)} not supported")


class Translator:
    """Upstream $defs -> our named types, in one pass over the closure of ROOTS."""

    def __init__(self, defs: dict):
        self.defs = defs
        self.types: dict[str, dict] = {}
        # Variants (in upstream order) -> the union def that lists exactly them. Upstream inlines
        # `SamplingMessageContentBlock | SamplingMessageContentBlock[]` as six anyOf members;
        # naming the union back keeps it discriminated in generated code.
        self.unions: dict[tuple[str, ...], str] = {}

    def run(self) -> dict[str, dict]:
        names = self.closure()
        for name in names:
            schema = self.defs[name]
            if schema.get("anyOf") and all("$ref" in v for v in schema["anyOf"]):
                self.unions[tuple(_ref(v) for v in schema["anyOf"])] = name
        for name in names:
            self.add(name, self.translate_def(name, self.defs[name], name), name)
        for name, override in OVERRIDES.items():
            if "add" in override:
                self.add(name, dict(override["add"]), None)
            for field, patch in override.get("fields", {}).items():
                fields = self.types[name]["fields"]
                spec = dict(fields[field])
                if "const" in patch:  # a const replaces the upstream value type
                    spec.pop("type", None)
                    spec.pop("enum", None)
                spec.update(patch)
                order = [k for k in FIELD_ORDER if k in spec] + [
                    k for k in spec if k not in FIELD_ORDER
                ]
                fields[field] = {k: spec[k] for k in order}
        return dict(sorted(self.types.items()))

    def closure(self) -> list[str]:
        seen: list[str] = []
        stack = list(ROOTS)
        while stack:
            name = stack.pop()
            if name in seen:
                continue
            if name not in self.defs:
                raise Unsupported(f"root or $ref {name!r} is not an upstream def")
            seen.append(name)
            if "replace" not in OVERRIDES.get(name, {}):
                stack.extend(_refs(self.defs[name]))
        return sorted(seen)

    def add(self, name: str, spec: dict, ptr: str | None) -> None:
        if ptr is not None and "source" not in spec:
            kind = spec.pop("kind")
            spec = {"kind": kind, "source": f"{UPSTREAM_NAME}#/$defs/{ptr}", **spec}
        if name in self.types:
            raise Unsupported(f"{ptr}: type name {name} is defined twice")
        self.types[name] = spec

    # -- definitions ------------------------------------------------------------------------

    def translate_def(self, name: str, schema: dict, ptr: str) -> dict:
        if "replace" in OVERRIDES.get(name, {}):
            return dict(OVERRIDES[name]["replace"])
        head = {"description": Block(schema["description"])} if "description" in schema else {}
        if "enum" in schema:
            _check_keys(schema, {"enum", "type", "description"}, ptr)
            return {"kind": "enum", **head, "values": {v: {} for v in schema["enum"]}}
        if "anyOf" in schema and all("$ref" in v for v in schema["anyOf"]):
            _check_keys(schema, {"anyOf", "description"}, ptr)
            variants = [_ref(v) for v in schema["anyOf"]]
            spec = {"kind": "union", **head}
            field = self.discriminator(variants)
            if field:
                spec["discriminator"] = field
            spec["variants"] = FlowList(variants)
            return spec
        if (
            schema.get("type") == "object"
            and not schema.get("properties")
            and schema.get("additionalProperties")
        ):  # a pure map, e.g. InputRequests
            return {"kind": "alias", **head, "type": self.expr(schema, ptr)}
        if schema.get("type") == "object" or "allOf" in schema:
            return {"kind": "object", **head, **self.object_body(schema, ptr)}
        return {"kind": "alias", **head, "type": self.expr(schema, ptr)}

    def object_body(self, schema: dict, ptr: str) -> dict:
        """Fields (and bases, openness) of an object or an allOf of bases and one object."""
        body: dict = {}
        if "allOf" in schema:
            _check_keys(schema, {"allOf", "description"}, ptr)
            bases = [_ref(p) for p in schema["allOf"] if "$ref" in p]
            parts = [(i, p) for i, p in enumerate(schema["allOf"]) if "$ref" not in p]
            if len(parts) != 1:
                raise Unsupported(f"{ptr}: allOf must be base $refs plus one object")
            body["extends"] = FlowList(bases)
            index, schema = parts[0]
            ptr = pointer(ptr, "allOf", str(index))
        _check_keys(
            schema, {"type", "properties", "required", "additionalProperties", "description"}, ptr
        )
        extra = schema.get("additionalProperties")
        if extra is False:
            body["open"] = False
        elif extra:  # `{}` means any member, which is what open already says
            body["extra"] = self.expr(extra, pointer(ptr, "additionalProperties"))
        required = set(schema.get("required", []))
        fields = {}
        for field, sub in schema.get("properties", {}).items():
            fields[field] = self.field(sub, pointer(ptr, "properties", field), field in required)
        if required - set(fields):
            raise Unsupported(
                f"{ptr}: required names no property: {sorted(required - set(fields))}"
            )
        if fields:
            body["fields"] = fields
        return body

    def discriminator(self, variants: list[str]) -> str | None:
        """The one field every variant requires as a distinct const, if there is one."""
        candidates = None
        for variant in variants:
            schema = self.defs[variant]
            consts = {
                f
                for f, s in schema.get("properties", {}).items()
                if "const" in s and f in schema.get("required", [])
            }
            candidates = consts if candidates is None else candidates & consts
        for field in sorted(candidates or ()):
            values = [self.defs[v]["properties"][field]["const"] for v in variants]
            if len(set(values)) == len(values):
                return field
        return None

    # -- fields and type expressions --------------------------------------------------------

    def field(self, schema: dict, ptr: str, required: bool) -> dict:
        _check_keys(schema, EXPR_KEYS | set(CONSTRAINTS), ptr)
        spec: dict = {}
        if "const" in schema:
            spec["const"] = schema["const"]
        elif "enum" in schema:
            spec["type"] = _primitive(schema, ptr)
            spec["enum"] = FlowList(schema["enum"])
        else:
            spec["type"] = self.expr(schema, ptr, top=True)
        if required:
            spec["required"] = True
        for keyword, key in CONSTRAINTS.items():
            if keyword in schema:
                spec[key] = schema[keyword]
        for key in ("format", "default"):
            if key in schema:
                spec[key] = schema[key]
        if "description" in schema:
            spec["description"] = Block(schema["description"])
            return spec
        return Flow(spec)

    def expr(self, schema: dict, ptr: str, top: bool = False) -> str:
        """The type expression of a schema; `top` allows the constraints a field carries."""
        _check_keys(schema, EXPR_KEYS | (set(CONSTRAINTS) if top else set()), ptr)
        if "$ref" in schema:
            return _ref(schema)
        if "allOf" in schema or schema.get("properties"):
            return self.inline(schema, ptr)
        if "anyOf" in schema:
            members = schema["anyOf"]
            refs = tuple(_ref(m) for m in members if "$ref" in m)
            named = self.unions.get(refs)
            exprs = [
                self.expr(m, pointer(ptr, "anyOf", str(i)))
                for i, m in enumerate(members)
                if not (named and "$ref" in m)
            ]
            return " | ".join(([named] if named else []) + exprs)
        if "const" in schema or "enum" in schema:
            raise Unsupported(f"{ptr}: a const or enum is only expressible directly on a field")
        kind = schema.get("type")
        if kind is None:
            return "any"
        if isinstance(kind, list):
            return " | ".join(_primitive({"type": k}, ptr) for k in kind)
        if kind == "array":
            return f"list<{self.expr(schema.get('items', {}), pointer(ptr, 'items'))}>"
        if kind == "object":
            values = schema.get("additionalProperties")
            if values:
                return f"map<{self.expr(values, pointer(ptr, 'additionalProperties'))}>"
            return "object"
        return _primitive(schema, ptr)

    def inline(self, schema: dict, ptr: str) -> str:
        name = INLINE_NAMES.get(ptr)
        if name is None:
            raise Unsupported(f"{ptr}: inline object needs a name in INLINE_NAMES")
        if name in self.defs:
            raise Unsupported(f"{ptr}: inline name {name} is an upstream def name")
        spec = {"kind": "object", **self.object_body(schema, ptr)}
        self.add(name, spec, ptr)
        return name


def _primitive(schema: dict, ptr: str) -> str:
    kind = schema.get("type")
    if (
        kind == "integer"
        and schema.get("minimum") == -SAFE_INT
        and schema.get("maximum") == SAFE_INT
    ):
        return "safe-integer"
    if kind in ("string", "integer", "number", "boolean"):
        return kind
    raise Unsupported(f"{ptr}: type {kind!r} not supported here")


def _ref(schema: dict) -> str:
    target = schema["$ref"]
    if not target.startswith("#/$defs/"):
        raise Unsupported(f"$ref {target} is not a local def")
    return target.removeprefix("#/$defs/")


def _refs(node) -> list[str]:
    if isinstance(node, dict):
        found = [_ref(node)] if "$ref" in node else []
        return found + [r for k, v in node.items() if k != "$ref" for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def _names_in(expr: str) -> set[str]:
    return set(re.findall(r"[A-Za-z][\w-]*", expr.replace("list<", " ").replace("map<", " ")))


def check_references(module: dict) -> None:
    """Refuse to write a module that names a type it does not define."""
    used: set[str] = set()
    for spec in module["types"].values():
        for expr in (
            spec.get("type"),
            spec.get("extra"),
            *(f.get("type") for f in spec.get("fields", {}).values()),
        ):
            used |= _names_in(expr or "")
        used |= set(spec.get("extends", [])) | set(spec.get("variants", []))
    for spec in module["methods"].values():
        used |= {spec[key] for key in ("params", "result") if key in spec}
    used |= {e["data"] for e in module["errors"].values() if "data" in e}
    missing = used - set(module["types"]) - PRIMITIVES
    if missing:
        raise Unsupported(f"undefined types referenced: {sorted(missing)}")


def _error_note(name: str, code: int) -> str:
    if -32768 <= code <= -32600:  # reserved by JSON-RPC 2.0 itself
        return "Message as in JSON-RPC 2.0, section 5.1."
    constant = re.sub(r"(?<!^)(?=[A-Z])", "_", name).upper()
    return f"Upstream defines no message text; this one spells out the code's constant, {constant}."


def build(upstream: dict) -> dict:
    defs = upstream["$defs"]
    errors = {}
    for name, (upstream_def, code, message, data, sep) in ERRORS.items():
        source = f"{UPSTREAM_NAME}#/$defs/{upstream_def}"
        errors[name] = {
            "code": code,
            "message": message,
            **({"data": data} if data else {}),
            "source": f"{sep}; {source}" if sep else source,
            "description": Block(defs[upstream_def]["description"]),
            "note": _error_note(name, code),
        }
    # ext-tasks' copy names the core commit it was taken from; keep that link in the provenance.
    origin = re.search(r"blob/([0-9a-f]{40})/(\S+)\.\s", upstream.get("$comment", ""))
    copied_from = ""
    if origin:
        copied_from = (
            f", itself modelcontextprotocol/modelcontextprotocol `{origin[2]}` at {origin[1]}"
        )
    module = {
        "module": "mcp-core",
        "title": "MCP core (vendored)",
        "maturity": "final",
        "source": f"MCP core schema draft (2026-07-28), {UPSTREAM_ORIGIN} @ {UPSTREAM_COMMIT}",
        "requires": FlowList(),
        "description": Block(
            "The core MCP types the Tasks extension references: the JSON-RPC envelopes and error "
            "object, request, result and notification metadata, client and server capabilities, "
            "multi round-trip input requests and responses, `tools/call`, `subscriptions/listen` "
            f"and `server/discover`. Translated from `{UPSTREAM_ORIGIN}` at {UPSTREAM_COMMIT}"
            f"{copied_from}, by `tools/vendor_mcp_core.py`. Every type records the upstream "
            "definition it comes from; deliberate divergences carry `decision:`."
        ),
        "types": Translator(defs).run(),
        "methods": METHODS,
        "errors": errors,
    }
    check_references(module)
    return module


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data):
        # Shared table entries (_REQUEST_ERRORS) must be written out, not as anchors.
        return True

    def increase_indent(self, flow=False, indentless=False):
        # Indent list items under their key, as the hand-written modules do.
        return super().increase_indent(flow, False)


def _text(dumper: yaml.SafeDumper, text: str):
    # Long prose as a folded block rather than a plain scalar PyYAML wraps mid-mapping.
    style = ">" if len(text) > 72 and " " in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


def _block(dumper: yaml.SafeDumper, text: Block):
    style = "|" if "\n" in text.rstrip("\n") else ">"
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(text), style=style)


_Dumper.add_representer(Block, _block)
_Dumper.add_representer(str, _text)
_Dumper.add_representer(
    Flow, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v.items(), flow_style=True)
)
_Dumper.add_representer(
    FlowList, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True)
)
_Dumper.add_representer(
    dict, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v.items(), flow_style=False)
)


def render(module: dict) -> str:
    header = (
        f"# Generated by tools/vendor_mcp_core.py from {UPSTREAM_NAME}\n"
        f"# ({UPSTREAM_ORIGIN} @ {UPSTREAM_COMMIT}).\n"
        "# Do not edit by hand: edit the script's overrides, not this file, and rerun it.\n\n"
    )
    text = header + yaml.dump(module, Dumper=_Dumper, sort_keys=False, width=88, allow_unicode=True)
    # Block scalars are only worth it if they read back exactly; PyYAML falls back silently.
    if yaml.safe_load(text) != json.loads(json.dumps(module)):
        raise Unsupported("the emitted YAML does not read back to the translated module")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    repo = Path(__file__).resolve().parent.parent
    parser.add_argument(
        "upstream", type=Path, nargs="?", default=repo / "tests/upstream" / UPSTREAM_NAME
    )
    parser.add_argument("--out", type=Path, default=repo / "spec/modules/mcp-core.yaml")
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 if the module is not what the script would write",
    )
    args = parser.parse_args(argv)

    raw = args.upstream.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != UPSTREAM_SHA256:
        print(
            f"{args.upstream}: sha256 {digest} is not the pinned {UPSTREAM_COMMIT} schema; "
            "update UPSTREAM_COMMIT and UPSTREAM_SHA256 together",
            file=sys.stderr,
        )
        return 2
    try:
        text = render(build(json.loads(raw)))
    except Unsupported as problem:
        print(f"{args.upstream}: {problem}", file=sys.stderr)
        return 2
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else None
        if current != text:
            print(f"{args.out} is stale: rerun tools/vendor_mcp_core.py", file=sys.stderr)
            return 1
        return 0
    args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
