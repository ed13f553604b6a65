"""One spec pair per rule of `taskbind diff`: YAML edits applied to copies of the real spec.

Each case names the rule under test, its category, every rule the pair reports (a change often
implies others: removing a method also removes what its lifecycle entries said) and the exit code
at the default level, source.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from specedit import edit_module, remove_method, rename_everywhere

Doc = dict[str, Any]
Edit = Callable[[Path], None]


def in_module(module: str, change: Callable[[Doc], object]) -> Edit:
    return lambda spec: edit_module(spec, module, change)


def on_type(module: str, name: str, change: Callable[[Doc], object]) -> Edit:
    return in_module(module, lambda doc: change(doc["types"][name]))


def on_field(name: str, change: Callable[[Doc], object], type_name: str = "Task") -> Edit:
    return on_type("core", type_name, lambda t: change(t["fields"][name]))


def on_method(module: str, name: str, change: Callable[[Doc], object]) -> Edit:
    return in_module(module, lambda doc: change(doc["methods"][name]))


def core_lifecycle(change: Callable[[Doc], object]) -> Edit:
    return in_module("core", lambda doc: change(doc["lifecycle"]))


def setter(**values: Any) -> Callable[[Doc], None]:
    return lambda body: body.update(values)


def deleter(*keys: str) -> Callable[[Doc], None]:
    return lambda body: [body.pop(key) for key in keys]


def add_status_archived(doc: Doc) -> None:
    doc["types"]["TaskStatus"]["values"]["archived"] = {"description": "Kept for the record."}
    doc["lifecycle"]["statuses"]["archived"] = {"terminal": True, "accepts": ["tasks/get"]}


def rename_status_message(doc: Doc) -> None:
    fields = doc["types"]["Task"]["fields"]
    fields["statusText"] = fields.pop("statusMessage")


def add_spare_setting(doc: Doc) -> None:
    doc["extend"]["types"]["TasksExtensionCapability"]["fields"]["spare"] = {"type": "boolean"}


def add_union_variant(doc: Doc) -> None:
    doc["types"]["OtherResult"] = {
        "kind": "object",
        "extends": ["Result"],
        "fields": {"resultType": {"const": "other", "required": True}},
    }
    doc["extend"]["types"]["CallToolResponseResult"]["variants"].append("OtherResult")


SPARE_TYPE = {"Spare": {"kind": "object", "fields": {"note": {"type": "string"}}}}
SPARE_ERROR = {"SpareError": {"code": -32099, "message": "Spare"}}
SPARE_CAPABILITY = {"example/spare": {"client": "per-request", "server": "server/discover"}}
PING = {
    "tasks/ping": {
        "kind": "request",
        "direction": "client-to-server",
        "params": "GetTaskRequestParams",
        "result": "CancelTaskResult",
        "message": "PingTaskRequest",  # explicit: the default names would clash with tasks/get's
        "response": "PingTaskResultResponse",
    }
}


@dataclass(frozen=True)
class Case:
    rule: str
    category: str
    # every change the pair reports, (rule, element, category), each as often as it must appear
    changes: tuple[tuple[str, str, str], ...]
    exit_code: int
    new: Edit | None = None  # how the new spec differs from the real one
    old: Edit | None = (
        None  # how the old spec does (for "removed" rules, adding to old is simplest)
    )
    name: str = ""  # the test id, when a rule has more than one case

    @property
    def id(self) -> str:
        return self.name or self.rule


def case(
    rule: str,
    category: str,
    exit_code: int,
    element: str,
    *,
    new: Edit | None = None,
    old: Edit | None = None,
    also: tuple[tuple[str, str, str], ...] = (),
    name: str = "",
) -> Case:
    return Case(rule, category, ((rule, element, category), *also), exit_code, new, old, name)


def flag_const(value: object) -> Edit:
    """Task gains a const field `flag` (no type: the const's JSON type is the field's)."""
    return on_type("core", "Task", lambda t: t["fields"].update({"flag": {"const": value}}))


# fmt: off
CASES = [
    # methods
    case("method-removed", "WIRE", 1, "method tasks/pause", new=lambda spec: remove_method(spec, "tasks/pause"),
         also=(("status-accept-removed", "status working", "WIRE"),
               ("status-accept-removed", "status input_required", "WIRE"),
               ("transition-removed", "transition working -> paused on tasks/pause", "WIRE"),
               ("transition-removed", "transition input_required -> paused on tasks/pause", "WIRE"))),
    case("method-added", "NONE", 0, "method tasks/ping", new=in_module("core", lambda doc: doc["methods"].update(PING))),
    # A request can no longer play the status-notification role: the edit gives the role up too.
    case("method-kind-changed", "WIRE", 1, "method notifications/tasks", new=in_module("core", lambda doc: (setter(
        kind="request", result="CancelTaskResult", response="TaskStatusNotificationResultResponse")(
        doc["methods"]["notifications/tasks"]), doc["roles"].pop("status_notification")))),
    case("method-direction-changed", "WIRE", 1, "method tasks/get", new=on_method("core", "tasks/get", setter(direction="both"))),
    case("method-params-changed", "WIRE", 1, "method tasks/cancel", new=on_method("core", "tasks/cancel", setter(
        params="UpdateTaskRequestParams", message="CancelTaskRequest"))),
    case("method-params-made-required", "WIRE", 1, "method tasks/get", old=on_method("core", "tasks/get", setter(params_required=False))),
    case("method-result-changed", "WIRE", 1, "method tasks/cancel", new=on_method("core", "tasks/cancel", setter(
        result="GetTaskResult", response="CancelTaskResultResponse"))),
    case("method-type-renamed", "SOURCE", 1, "method tasks/cancel", new=on_method("core", "tasks/cancel", setter(
        result="UpdateTaskResult", response="CancelTaskResultResponse"))),
    case("method-envelope-renamed", "SOURCE", 1, "method tasks/get",
         new=on_method("core", "tasks/get", setter(message="GetTaskRequestMessage"))),
    case("method-capability-changed", "WIRE", 1, "method events/poll",
         new=on_method("event-sources", "events/poll", setter(capability="io.modelcontextprotocol/tasks"))),
    case("method-capability-dropped", "NONE", 0, "method tasks/get", new=on_method("core", "tasks/get", deleter("capability"))),
    case("method-setting-changed", "WIRE", 1, "method tasks/steer", new=on_method("interaction", "tasks/steer", setter(setting="pause"))),
    case("method-setting-dropped", "NONE", 0, "method tasks/steer", new=on_method("interaction", "tasks/steer", deleter("setting"))),
    case("method-routing-field-changed", "WIRE", 1, "method tasks/get", new=on_method("core", "tasks/get", deleter("routing_field"))),
    case("method-error-removed", "NONE", 0, "method tasks/get", new=on_method("core", "tasks/get", lambda m: m["errors"].pop())),
    case("method-error-added", "NONE", 0, "method tasks/get", new=on_method("core", "tasks/get", lambda m: m["errors"].append(
        {"error": "MethodNotFound", "condition": "Never."}))),
    case("removed-method-code-changed", "WIRE", 1, "removed method tasks/result",
         new=in_module("core", lambda doc: doc["removed_methods"]["tasks/result"].update(error="InvalidParams"))),
    # named types
    case("type-removed", "SOURCE", 1, "type Spare", old=in_module("core", lambda doc: doc["types"].update(SPARE_TYPE))),
    case("type-renamed", "SOURCE", 1, "type SteerTaskResult", new=lambda spec: rename_everywhere(spec, "TaskSteerResult", "SteerTaskResult"),
         also=(("method-envelope-renamed", "method tasks/steer", "SOURCE"),)),
    case("type-added", "NONE", 0, "type Spare", new=in_module("core", lambda doc: doc["types"].update(SPARE_TYPE))),
    case("type-kind-changed", "WIRE", 1, "type InputRequests", new=in_module("mcp-core", lambda doc: doc["types"].update(
        {"InputRequests": {"kind": "object", "extra": "object"}}))),
    case("alias-target-changed", "WIRE", 1, "type InputRequests", new=on_type("mcp-core", "InputRequests", setter(type="map<any>"))),
    # object fields
    case("field-removed", "WIRE", 1, "field Task.statusMessage", new=on_type("core", "Task", lambda t: t["fields"].pop("statusMessage"))),
    case("field-renamed", "WIRE", 1, "field Task.statusText", new=in_module("core", rename_status_message)),
    case("required-field-added", "WIRE", 1, "field Task.owner",
         new=on_type("core", "Task", lambda t: t["fields"].update({"owner": {"type": "string", "required": True}}))),
    case("optional-field-added", "NONE", 0, "field Task.owner",
         new=on_type("core", "Task", lambda t: t["fields"].update({"owner": {"type": "string"}}))),
    case("field-made-required", "WIRE", 1, "field Task.pollIntervalMs", new=on_field("pollIntervalMs", setter(required=True))),
    case("field-made-optional", "WIRE", 1, "field Task.createdAt", new=on_field("createdAt", setter(required=False))),
    case("field-made-non-nullable", "WIRE", 1, "field Task.ttlMs", new=on_field("ttlMs", setter(nullable=False))),
    case("field-made-nullable", "WIRE", 1, "field Task.createdAt", new=on_field("createdAt", setter(nullable=True))),
    case("field-type-changed", "WIRE", 1, "field Task.statusMessage", new=on_field("statusMessage", setter(type="integer"))),
    case("field-constraints-changed", "WIRE", 1, "field Task.statusMessage", new=on_field("statusMessage", setter(max_length=100))),
    case("const-value-changed", "WIRE", 1, "field CreateTaskResult.resultType", new=on_field("resultType", setter(const="created"), "CreateTaskResult")),
    # JSON true and 1 are different values (Python's True == 1 must not hide the change)
    case("const-value-changed", "WIRE", 1, "field Task.flag", old=flag_const(True), new=flag_const(1),
         name="const-value-changed-true-to-1"),
    case("object-closed", "WIRE", 1, "type Task", new=on_type("core", "Task", setter(open=False))),
    case("object-opened", "NONE", 0, "type TasksExtensionCapability", new=on_type("core", "TasksExtensionCapability", setter(open=True))),
    case("object-extra-changed", "WIRE", 1, "type Task", new=on_type("core", "Task", setter(extra="object"))),
    # enums, named and inline
    case("enum-value-removed", "WIRE", 1, "field CreateMessageRequestParams.includeContext value 'none'", new=on_type("mcp-core", "CreateMessageRequestParams",
                                                        lambda t: t["fields"]["includeContext"]["enum"].remove("none"))),
    case("enum-value-added", "NONE", 0, "type EventsNotFoundKind value 'stream'", new=on_type("event-sources", "EventsNotFoundKind",
                                                     lambda t: t["values"].update({"stream": {"description": "x"}}))),
    # unions
    case("union-variant-removed", "WIRE", 1, "type CallToolResponseResult variant CreateTaskResult",
         new=in_module("core", lambda doc: doc["extend"]["types"].pop("CallToolResponseResult"))),
    case("union-variant-added", "NONE", 0, "type CallToolResponseResult variant OtherResult", new=in_module("core", add_union_variant), also=(("type-added", "type OtherResult", "NONE"),)),
    case("discriminator-changed", "WIRE", 1, "type CallToolResponseResult", new=on_type("mcp-core", "CallToolResponseResult", deleter("discriminator"))),
    # errors
    case("error-removed", "WIRE", 1, "error SpareError", old=in_module("mcp-core", lambda doc: doc["errors"].update(SPARE_ERROR))),
    case("error-code-changed", "WIRE", 1, "error MissingRequiredClientCapability",
         new=in_module("mcp-core", lambda doc: doc["errors"]["MissingRequiredClientCapability"].update(code=-32099))),
    case("error-renamed", "SOURCE", 1, "error ClientCapabilityMissing",
         new=lambda spec: rename_everywhere(spec, "MissingRequiredClientCapability", "ClientCapabilityMissing")),
    case("error-data-changed", "WIRE", 1, "error InternalError",
         new=in_module("mcp-core", lambda doc: doc["errors"]["InternalError"].update(data="Error"))),
    case("error-added", "NONE", 0, "error SpareError", new=in_module("mcp-core", lambda doc: doc["errors"].update(SPARE_ERROR))),
    # capabilities
    case("capability-removed", "WIRE", 1, "capability example/spare", old=in_module("core", lambda doc: doc["capabilities"].update(SPARE_CAPABILITY))),
    case("capability-added", "NONE", 0, "capability example/spare", new=in_module("core", lambda doc: doc["capabilities"].update(SPARE_CAPABILITY))),
    case("capability-declaration-changed", "WIRE", 1, "capability io.modelcontextprotocol/tasks", new=in_module("core", lambda doc: doc["capabilities"][
        "io.modelcontextprotocol/tasks"].update(client="initialize"))),
    case("capability-setting-removed", "WIRE", 1, "setting io.modelcontextprotocol/tasks spare", old=in_module("interaction", add_spare_setting)),
    case("capability-setting-added", "NONE", 0, "setting io.modelcontextprotocol/tasks spare", new=in_module("interaction", add_spare_setting)),
    # lifecycle
    case("status-removed", "WIRE", 1, "status archived", old=in_module("core", add_status_archived), also=(("enum-value-removed", "type TaskStatus value 'archived'", "WIRE"),)),
    case("status-added", "NONE", 0, "status archived", new=in_module("core", add_status_archived), also=(("enum-value-added", "type TaskStatus value 'archived'", "NONE"),)),
    case("status-terminal-changed", "WIRE", 1, "status cancelled",
         new=core_lifecycle(lambda lc: lc["statuses"]["cancelled"].update(terminal=False))),
    case("status-accept-removed", "WIRE", 1, "status working",
         new=core_lifecycle(lambda lc: lc["statuses"]["working"]["accepts"].remove("tasks/update"))),
    case("status-accept-added", "NONE", 0, "status completed", new=in_module("interaction", lambda doc: doc["extend"]["lifecycle"][
        "accepts"].update({"completed": ["tasks/steer"]}))),
    case("transition-removed", "WIRE", 1, "transition working -> input_required on server", new=core_lifecycle(lambda lc: lc["transitions"].pop(0))),
    case("transition-added", "NONE", 0, "transition input_required -> completed on tasks/update", new=core_lifecycle(lambda lc: lc["transitions"].append(
        {"from": "input_required", "to": "completed", "trigger": "tasks/update"}))),
    case("refusal-code-changed", "WIRE", 1, "lifecycle refusal", new=core_lifecycle(setter(refusal_error="InternalError"))),
]
# fmt: on
