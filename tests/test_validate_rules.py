"""Every semantic check of taskbind.validate (and of examples_check), one broken spec each: the exact
diagnostics it must give, with the file and line they point at.

Table-driven: each `Rule` edits a copy of the bundled spec (with tests/bad_specs/cases.py's helpers;
where the bad-spec corpus already has the edit, the corpus case is reused by id) and lists every
diagnostic the edit must produce, no more and no fewer: the file, the place (fragments of the
edited file, searched in order: the line of the last one, found in the file itself, never taken from
the code under test) and the message (a regex that must match all of it; locations inside a message
are \\d+). test_bad_specs.py checks the same corpus end to end through the CLI; this file pins the
words and the lines, in-process, so that it runs quickly and under a mutation tester.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "bad_specs"))

from cases import CASES, Edit, _example, _set, _ttl_as_text, examples, manifest, module
from specedit import copy_spec
from taskbind.diagnostics import Diagnostic, Location
from taskbind.load import load_spec
from taskbind.validate import validate

CASE = {case.id: case.edit for case in CASES}
LOC = r"modules/[a-z-]+\.yaml:\d+:\d+"  # a location quoted inside a message


@dataclass(frozen=True)
class Expect:
    file: str  # relative to the spec root
    at: tuple[str, ...]  # fragments searched one after the other: the line of the last one
    message: str  # regex, fullmatch


@dataclass(frozen=True)
class Rule:
    id: str
    edit: Edit
    expected: tuple[Expect, ...]


def rule(id: str, edit: Edit, file: str, at: tuple[str, ...] | str, message: str, *more: Expect) -> Rule:
    return Rule(id, edit, (Expect(file, (at,) if isinstance(at, str) else at, message), *more))


def combine(*edits: Edit) -> Edit:
    def edit(spec: Path) -> None:
        for one in edits:
            one(spec)

    return edit


def _append(path: str, *values) -> callable:
    keys = path.split("|")

    def change(document: dict) -> None:
        node = document
        for key in keys:
            node = node[key]
        node.extend(values)

    return change


def _deep_json(depth: int) -> str:
    return json.dumps({"jsonrpc": "2.0", "id": 3, "method": "tasks/get", "params": {"taskId": "t", "x": json.loads("[" * depth + "]" * depth)}})


CORE, INTERACTION, SUBTASKS, EVENTS, MCP = (
    "modules/core.yaml", "modules/interaction.yaml", "modules/subtasks.yaml", "modules/event-sources.yaml", "modules/mcp-core.yaml")
EXAMPLES = "examples/core.yaml"
GET_3 = ("- name: sep-flow-tasks-get-3",)
# With the settings type gone, no method's `setting` resolves.
SETTINGS_GONE = (
    Expect(INTERACTION, ("  tasks/steer:", "    setting: steer"), r"tasks/steer: 'steer' is not a setting of capability 'io\.modelcontextprotocol/tasks'"),
    Expect(INTERACTION, ("  tasks/pause:", "    setting: pause"), r"tasks/pause: 'pause' is not a setting of capability 'io\.modelcontextprotocol/tasks'"),
    Expect(INTERACTION, ("  tasks/resume:", "    setting: pause"), r"tasks/resume: 'pause' is not a setting of capability 'io\.modelcontextprotocol/tasks'"),
)

RULES = [
    # -- collect: names, modules, requires -------------------------------------------------------
    rule("duplicate-type", CASE["duplicate-type"], INTERACTION, ("types:", "  Task:"),
         rf"duplicate type name 'Task' \(first defined in module 'core' at {LOC}\)"),
    rule("duplicate-method", module("interaction", lambda d: d["methods"].update({"tasks/get": dict(d["methods"]["tasks/steer"])})),
         INTERACTION, ("methods:", "  tasks/get:"), rf"duplicate method name 'tasks/get' \(first defined in module 'core' at {LOC}\)"),
    rule("duplicate-error", module("event-sources", _set("errors|InvalidParams", {"code": -32099, "message": "x"})),
         EVENTS, ("errors:", "  InvalidParams:"), rf"duplicate error name 'InvalidParams' \(first defined in module 'mcp-core' at {LOC}\)"),
    rule("duplicate-capability", module("interaction", _set("capabilities|io.modelcontextprotocol/tasks", {"client": "per-request"})),
         INTERACTION, ("capabilities:", "  io.modelcontextprotocol/tasks:"),
         rf"duplicate capability name 'io.modelcontextprotocol/tasks' \(first defined in module 'core' at {LOC}\)"),
    # the second capability of its module: the error points at its key, not at the `capabilities:` mapping
    rule("duplicate-capability-after-another", module("event-sources", _set("capabilities|io.modelcontextprotocol/tasks", {"client": "per-request"})),
         EVENTS, ("capabilities:", "  events:", "  io.modelcontextprotocol/tasks:"),
         rf"duplicate capability name 'io.modelcontextprotocol/tasks' \(first defined in module 'core' at {LOC}\)"),
    rule("duplicate-derived-envelope", module("interaction", _set("methods|tasks/steer|message", "GetTaskRequest")),
         INTERACTION, ("methods:", "  tasks/steer:"),
         rf"duplicate derived type name 'GetTaskRequest' \(first defined in module 'core' at {LOC}\)"),
    # a method without params still has an envelope when it names one
    rule("duplicate-envelope-of-a-method-without-params", module("interaction", _set("methods|notifications/tasks/ping",
         {"kind": "notification", "direction": "server-to-client", "message": "TaskStatusNotification"})),
         INTERACTION, ("methods:", "  notifications/tasks/ping:"),
         rf"duplicate derived type name 'TaskStatusNotification' \(first defined in module 'core' at {LOC}\)"),
    rule("module-name-differs-from-file", CASE["module-name-differs-from-file"], CORE, "module: kernel",
         r"module name 'kernel' must equal the file name 'core'"),
    # `module:` moved to the end of the file: the error points at the key, not at the top of the document
    rule("module-name-differs-below-the-first-line", module("core", lambda d: (d.pop("module"), d.update(module="kernel"))), CORE,
         "module: kernel", r"module name 'kernel' must equal the file name 'core'"),
    rule("module-without-requires", module("mcp-core", lambda d: d.pop("requires")), MCP, "", ""),  # `requires` is optional
    rule("requires-unknown-module", CASE["requires-unknown-module"], CORE, ("requires:", "- nothing"),
         r"requires unknown module 'nothing'"),
    rule("requires-misspelt-module", module("core", _set("requires", ["mcp-core", "subtask"])), CORE, ("requires:", "- subtask"),
         r"requires unknown module 'subtask' \(did you mean 'subtasks'\?\)"),
    rule("requires-later-module", CASE["requires-later-module"], CORE, ("requires:", "- interaction"),
         r"requires 'interaction', which the manifest lists after 'core'"),
    rule("envelope-clashes-with-type", CASE["envelope-clashes-with-type"], CORE, ("methods:", "  tasks/get:"),
         rf"envelope of tasks/get 'GetTaskRequest' clashes with the type declared at {LOC}"),
    rule("response-envelope-clashes-with-type", module("core", _set("types|GetTaskResultResponse", {"kind": "object"})),
         CORE, ("methods:", "  tasks/get:"),
         rf"response envelope of tasks/get 'GetTaskResultResponse' clashes with the type declared at {LOC}"),
    # -- types -----------------------------------------------------------------------------------
    rule("unknown-field-type", CASE["unknown-field-type"], CORE, ("  Task:", "    extra1:", "type: Nowhere"),
         r"Task\.extra1: unknown type 'Nowhere'"),
    # `type:` is not the field's first key: the error points at `type:`, not at the field
    rule("field-type-below-its-description", module("core", _set("types|Task|fields|extra1", {"description": "x", "type": "Nowhere"})), CORE,
         ("  Task:", "    extra1:", "type: Nowhere"), r"Task\.extra1: unknown type 'Nowhere'"),
    rule("misspelt-field-type", module("core", _set("types|Task|fields|extra1", {"type": "TaskStatu"})), CORE,
         ("  Task:", "    extra1:", "type: TaskStatu"), r"Task\.extra1: unknown type 'TaskStatu' \(did you mean 'TaskStatus'\?\)"),
    rule("bad-type-expression", CASE["bad-type-expression"], CORE, ("  Task:", "    extra1:", "type: list<string"),
         r"Task\.extra1: unbalanced '<' in 'list<string'"),
    rule("alias-bad-expression", module("core", _set("types|Alias1", {"kind": "alias", "type": "list<string"})), CORE,
         ("  Alias1:", "    type: list<string"), r"Alias1: unbalanced '<' in 'list<string'"),
    rule("type-of-unrequired-module", CASE["type-of-unrequired-module"], CORE, ("  Task:", "    extra1:", "type: PausedTask"),
         r"Task\.extra1: type 'PausedTask' belongs to module 'interaction', which 'core' does not require"),
    rule("enum-without-string", CASE["enum-without-string"], CORE, ("  Task:", "    extra1:"),
         r"Task\.extra1: `enum` needs `type: string`"),
    rule("nullable-const", CASE["nullable-const"], CORE, ("  WorkingTask:", "      status:"),
         r"WorkingTask\.status: a const field cannot be nullable"),
    rule("extends-unknown", CASE["extends-unknown"], CORE, ("  WorkingTask:", "- Nowhere"),
         r"WorkingTask extends: unknown type 'Nowhere'"),
    rule("extends-non-object", CASE["extends-non-object"], CORE, ("  WorkingTask:", "- TaskStatus"),
         r"WorkingTask extends 'TaskStatus', which is not an object"),
    # the second base: the error points at its item, not at the `extends:` list
    rule("extends-unknown-second-base", module("core", _append("types|WorkingTask|extends", "Nowhere")), CORE, ("  WorkingTask:", "- Nowhere"),
         r"WorkingTask extends: unknown type 'Nowhere'"),
    rule("extends-non-object-second-base", module("core", _append("types|WorkingTask|extends", "TaskStatus")), CORE,
         ("  WorkingTask:", "- TaskStatus"), r"WorkingTask extends 'TaskStatus', which is not an object"),
    # a base the module cannot see is reported once: not also for its kind
    rule("extends-type-of-unrequired-module", module("core", _append("types|WorkingTask|extends", "EventDeliveryMode")), CORE,
         ("  WorkingTask:", "- EventDeliveryMode"),
         r"WorkingTask extends: type 'EventDeliveryMode' belongs to module 'event-sources', which 'core' does not require"),
    rule("extends-cycle", CASE["extends-cycle"], CORE, ("types:", "  Task:"), r"Task: `extends` cycle Task -> WorkingTask -> Task",
         Expect(CORE, ("types:", "  WorkingTask:"), r"WorkingTask: `extends` cycle WorkingTask -> Task -> WorkingTask")),
    rule("extra-on-closed-object", CASE["extra-on-closed-object"], CORE, ("  Task:", "    extra: object"),
         r"Task: `extra` needs an open object"),
    rule("extra-unknown-type", module("core", lambda d: d["types"]["Task"].update({"extra": "Nowhere"})), CORE,
         ("  Task:", "    extra: Nowhere"), r"Task extra: unknown type 'Nowhere'"),
    rule("extra-of-a-declared-type-is-fine", module("core", lambda d: d["types"]["Task"].update({"extra": "TaskStatus"})), CORE, "", ""),
    rule("extra-type-of-unrequired-module", module("core", lambda d: d["types"]["Task"].update({"extra": "PausedTask"})), CORE,
         ("  Task:", "    extra: PausedTask"), r"Task extra: type 'PausedTask' belongs to module 'interaction', which 'core' does not require"),
    rule("alias-unknown-type", module("core", _set("types|Alias1", {"kind": "alias", "type": "string | Nowhere"})), CORE,
         ("  Alias1:", "    type: string | Nowhere"), r"Alias1: unknown type 'Nowhere'"),
    rule("union-over-unknown", module("core", _set("types|GetTaskResult|over", "Nowhere")), CORE, ("  GetTaskResult:", "    over: Nowhere"),
         r"GetTaskResult over: unknown type 'Nowhere'"),
    rule("union-over-non-union", CASE["union-over-non-union"], CORE, ("  GetTaskResult:", "    over: Task"),
         r"GetTaskResult: `over` must name a union, 'Task' is not one"),
    rule("union-over-other-discriminator", CASE["union-over-other-discriminator"], CORE, ("  GetTaskResult:", "    over: DetailedTask"),
         r"GetTaskResult: discriminator must equal DetailedTask's \('status'\)"),
    rule("union-with-extends-unknown", module("core", _set("types|GetTaskResult|with|extends", ["Nowhere"])), CORE,
         ("  GetTaskResult:", "- Nowhere"), r"GetTaskResult with\.extends: unknown type 'Nowhere'"),
    rule("union-with-field-unknown-type", module("core", _set("types|GetTaskResult|with|fields", {"extra1": {"type": "Nowhere"}})), CORE,
         ("  GetTaskResult:", "extra1:", "type: Nowhere"), r"GetTaskResult\.extra1: unknown type 'Nowhere'"),
    # `with` and its `extends` are optional: a derived union without them is fine
    rule("derived-union-without-with", module("core", lambda d: d["types"]["GetTaskResult"].pop("with")), CORE, "", ""),
    rule("derived-union-with-fields-only", module("core", lambda d: d["types"]["GetTaskResult"]["with"].pop("extends")), CORE, "", ""),
    rule("union-with-extends-unknown-second-base", module("core", _append("types|GetTaskResult|with|extends", "Nowhere")), CORE,
         ("  GetTaskResult:", "- Nowhere"), r"GetTaskResult with\.extends: unknown type 'Nowhere'"),
    rule("union-with-field-type-of-unrequired-module", module("core", _set("types|GetTaskResult|with|fields|extra1", {"type": "PausedTask"})), CORE,
         ("  GetTaskResult:", "extra1:", "type: PausedTask"),
         r"GetTaskResult\.extra1: type 'PausedTask' belongs to module 'interaction', which 'core' does not require"),
    rule("derived-variant-clashes", module("core", _set("types|WorkingTaskResult", {"kind": "object"})), CORE,
         ("  GetTaskResult:", "variant_name:"), r"GetTaskResult: derived variant 'WorkingTaskResult' clashes with a declared type"),
    rule("union-variant-unknown", module("core", _append("types|DetailedTask|variants", "Nowhere")), CORE,
         ("  DetailedTask:", "- Nowhere"), r"DetailedTask variant: unknown type 'Nowhere'"),
    # every bad variant is reported, not only the first: unknown, without the const, not an object, unknown again
    rule("union-every-bad-variant", module("core", _append("types|DetailedTask|variants", "Nowhere", "CreateTaskResult", "TaskStatus", "Elsewhere")),
         CORE, ("  DetailedTask:", "- Nowhere"), r"DetailedTask variant: unknown type 'Nowhere'",
         Expect(CORE, ("  DetailedTask:", "- CreateTaskResult"), r"DetailedTask: variant 'CreateTaskResult' has no const field 'status'"),
         Expect(CORE, ("  DetailedTask:", "- TaskStatus"), r"DetailedTask: variant 'TaskStatus' must be an object to carry discriminator 'status'"),
         Expect(CORE, ("  DetailedTask:", "- Elsewhere"), r"DetailedTask variant: unknown type 'Elsewhere'"),
         Expect(CORE, ("  TaskStatusNotificationParams:", "variant_name:"),
                r"TaskStatusNotificationParams: derived variant 'TaskStatusNotificationParams' clashes with a declared type")),
    # a union without a discriminator still checks every variant
    rule("undiscriminated-union-variant-unknown", module("mcp-core", _append("types|ElicitRequestParams|variants", "Nowhere")), MCP,
         ("  ElicitRequestParams:", "- Nowhere"), r"ElicitRequestParams variant: unknown type 'Nowhere'"),
    rule("variant-not-an-object", module("core", _append("types|DetailedTask|variants", "TaskStatus")), CORE,
         ("  DetailedTask:", "- TaskStatus"), r"DetailedTask: variant 'TaskStatus' must be an object to carry discriminator 'status'",
         # a union over DetailedTask derives a variant per variant: this one's name is taken
         Expect(CORE, ("  TaskStatusNotificationParams:", "variant_name:"),
                r"TaskStatusNotificationParams: derived variant 'TaskStatusNotificationParams' clashes with a declared type")),
    rule("variant-without-const", CASE["variant-without-const"], CORE, ("  DetailedTask:", "- CreateTaskResult"),
         r"DetailedTask: variant 'CreateTaskResult' has no const field 'status'"),
    rule("variants-share-value", CASE["variants-share-value"], CORE, ("  DetailedTask:", "- CancelledTask"),
         r"DetailedTask: variants 'WorkingTask' and 'CancelledTask' share discriminator value 'working'"),
    rule("alias-cycle", CASE["alias-cycle"], CORE, "  AliasA:",
         r"AliasA: alias cycle AliasA -> AliasB -> AliasA \(a type cannot consist of itself\)",
         Expect(CORE, ("  AliasB:",), r"AliasB: alias cycle AliasB -> AliasA -> AliasB \(a type cannot consist of itself\)")),
    # `|` without spaces around it separates the options just the same
    rule("alias-cycle-without-spaces", module("core", lambda d: d["types"].update(
        {"AliasA": {"kind": "alias", "type": "AliasB"}, "AliasB": {"kind": "alias", "type": "string|AliasA"}})), CORE, "  AliasA:",
         r"AliasA: alias cycle AliasA -> AliasB -> AliasA \(a type cannot consist of itself\)",
         Expect(CORE, ("  AliasB:",), r"AliasB: alias cycle AliasB -> AliasA -> AliasB \(a type cannot consist of itself\)")),
    rule("alias-of-itself", CASE["alias-of-itself"], CORE, "  SelfAlias:",
         r"SelfAlias: alias cycle SelfAlias -> SelfAlias \(a type cannot consist of itself\)"),
    rule("alias-inside-a-list-is-no-cycle", module("core", _set("types|Tree", {"kind": "alias", "type": "string | list<Tree>"})), CORE, "", ""),
    # the `|` inside list<...> separates the list's options, not the alias's
    rule("alias-inside-a-list-of-options-is-no-cycle", module("core", _set("types|Tree", {"kind": "alias", "type": "list<string | Tree | integer>"})),
         CORE, "", ""),
    # what list<...> leaves behind names no type, whatever the alias is called
    rule("alias-named-like-a-placeholder-inside-a-list-is-no-cycle", module("core", _set("types|XXXX", {"kind": "alias", "type": "string | list<XXXX>"})),
         CORE, "", ""),
    rule("union-lists-itself", CASE["union-lists-itself"], CORE, ("types:", "  DetailedTask:"),
         r"DetailedTask: union cycle DetailedTask -> DetailedTask \(a type cannot consist of itself\)",
         # a union is not an object: it cannot carry the discriminator either
         Expect(CORE, ("types:", "  DetailedTask:", "- DetailedTask"), r"DetailedTask: variant 'DetailedTask' must be an object to carry discriminator 'status'")),
    # -- methods, errors, capabilities ------------------------------------------------------------
    rule("params-unknown", CASE["params-unknown"], CORE, ("  tasks/get:", "    params: Nowhere"), r"tasks/get params: unknown type 'Nowhere'"),
    rule("params-not-an-object", module("core", _set("methods|tasks/get|params", "TaskStatus")), CORE,
         ("  tasks/get:", "    params: TaskStatus"), r"tasks/get: params 'TaskStatus' must be an object or a union of objects"),
    rule("routing-field-missing", CASE["routing-field-missing"], CORE, ("  tasks/get:", "    routing_field: jobId"),
         r"tasks/get: routing_field 'jobId' is not a field of GetTaskRequestParams"),
    rule("result-unknown", module("core", _set("methods|tasks/get|result", "Nowhere")), CORE, ("  tasks/get:", "    result: Nowhere"),
         r"tasks/get result: unknown type 'Nowhere'"),
    rule("method-unknown-error", CASE["method-unknown-error"], CORE, ("  tasks/get:", "    errors:", "- error: Nope"),
         r"tasks/get: unknown error 'Nope'"),
    # the method's third error: the diagnostic points at that entry, not at the list
    rule("method-unknown-error-after-others", module("core", _append("methods|tasks/get|errors", {"error": "Nope", "condition": "x"})),
         CORE, ("  tasks/get:", "    errors:", "- error: Nope"), r"tasks/get: unknown error 'Nope'"),
    rule("method-error-of-unrequired-module", module("core", _set("methods|tasks/get|errors", [{"error": "EventsNotFound", "condition": "x"}])),
         CORE, ("  tasks/get:", "    errors:", "- error: EventsNotFound"),
         r"tasks/get: error 'EventsNotFound' belongs to module 'event-sources', which 'core' does not require"),
    rule("method-unknown-capability", CASE["method-unknown-capability"], CORE, ("  tasks/get:", "    capability: acme/none"),
         r"tasks/get: unknown capability 'acme/none'"),
    rule("method-misspelt-capability", module("core", _set("methods|tasks/get|capability", "io.modelcontextprotocol/task")), CORE,
         ("  tasks/get:", "    capability: io.modelcontextprotocol/task"),
         r"tasks/get: unknown capability 'io.modelcontextprotocol/task' \(did you mean 'io.modelcontextprotocol/tasks'\?\)"),
    rule("setting-not-in-capability", CASE["setting-not-in-capability"], INTERACTION, ("  tasks/steer:", "    setting: nudge"),
         r"tasks/steer: 'nudge' is not a setting of capability 'io.modelcontextprotocol/tasks'"),
    rule("setting-misspelt", module("interaction", _set("methods|tasks/steer|setting", "steers")), INTERACTION,
         ("  tasks/steer:", "    setting: steers"),
         r"tasks/steer: 'steers' is not a setting of capability 'io.modelcontextprotocol/tasks' \(did you mean 'steer'\?\)"),
    rule("setting-without-capability", CASE["setting-without-capability"], INTERACTION, ("  tasks/steer:", "    setting: steer"),
         r"tasks/steer: `setting` needs `capability`"),
    # a capability without `settings:` has no settings at all: no declared type stands in for them, whatever
    # its name (XXXX here: a name a placeholder for "no type" could take)
    Rule("capability-without-settings-has-none", combine(
        module("core", lambda d: d["capabilities"]["io.modelcontextprotocol/tasks"].pop("settings")),
        module("core", _set("types|XXXX", {"kind": "object", "fields": {"steer": {"type": "boolean"}, "pause": {"type": "boolean"}}}))),
         SETTINGS_GONE),
    # the setting's name is what to fix: the error points at its key, not at the body below it
    rule("setting-not-an-identifier", CASE["setting-not-an-identifier"], INTERACTION, ("TasksExtensionCapability:", "        steer-now:"),
         r"capability io\.modelcontextprotocol/tasks: setting 'steer-now' of TasksExtensionCapability must be an ASCII identifier, "
         r"not a keyword \(it becomes a Python keyword argument\)"),
    rule("setting-is-a-keyword", CASE["setting-is-a-keyword"], INTERACTION, ("TasksExtensionCapability:", "        class:"),
         r"capability io\.modelcontextprotocol/tasks: setting 'class' of TasksExtensionCapability must be an ASCII identifier, .*"),
    rule("setting-not-ascii", module("interaction", lambda d: (
        d["extend"]["types"]["TasksExtensionCapability"]["fields"].update({"paüse": {"type": "boolean"}}))),
         INTERACTION, ("TasksExtensionCapability:", "        paüse:"),  # the meta-schema's wire-name rule comes first
         r"extend/types/TasksExtensionCapability/fields: 'paüse' is not a valid key here: it must be a wire name \(letters, digits, _ \$ \. / -\)"),
    # jsonschema-rs cannot take bytes (it raises): the python validator then decides, and refuses them
    rule("binary-value-checked-by-the-python-validator", module("core", _set("title", b"Tasks")), CORE, "title: !!binary",
         r"title: expected a string, found binary data \(a !!binary value\)"),
    rule("capability-settings-unknown", module("core", _set("capabilities|io.modelcontextprotocol/tasks|settings", "Nowhere")),
         CORE, ("capabilities:", "    settings: Nowhere"), r"capability io\.modelcontextprotocol/tasks: unknown type 'Nowhere'", *SETTINGS_GONE),
    rule("capability-settings-not-object", CASE["capability-settings-not-object"], CORE, ("capabilities:", "    settings: TaskStatus"),
         r"capability io\.modelcontextprotocol/tasks: settings must be an object type", *SETTINGS_GONE),
    # a capability without settings is skipped, not the end of the check: the next one's settings still are
    rule("setting-names-after-a-capability-without-settings", combine(
        module("core", lambda d: d["capabilities"]["io.modelcontextprotocol/tasks"].pop("settings")),
        module("event-sources", _set("types|EventsCapability|fields|class", {"type": "boolean"}))),
         EVENTS, ("  EventsCapability:", "      class:"),
         r"capability events: setting 'class' of EventsCapability must be an ASCII identifier, not a keyword \(it becomes a Python keyword argument\)",
         *SETTINGS_GONE),
    rule("duplicate-error-code", CASE["duplicate-error-code"], MCP, ("errors:", "  HeaderMismatch:"),
         r"error 'HeaderMismatch' reuses code -32602 of 'InvalidParams'"),
    rule("error-data-unknown", module("event-sources", _set("errors|EventsNotFound|data", "Nowhere")), EVENTS,
         ("  EventsNotFound:", "    data: Nowhere"), r"error EventsNotFound data: unknown type 'Nowhere'"),
    rule("removed-and-present", CASE["removed-and-present"], CORE, ("removed_methods:", "  tasks/get:"),
         r"tasks/get is both a method and a removed method"),
    rule("removed-unknown-error", module("core", _set("removed_methods|tasks/list|error", "Nope")), CORE,
         ("removed_methods:", "  tasks/list:"), r"tasks/list: unknown error 'Nope'"),
    rule("python-name-keyword", CASE["python-name-keyword"], CORE, ("  tasks/get:", "    python_name: class"),
         r"tasks/get: python_name 'class' is not a Python identifier \(or is a keyword\)"),
    # a bad python_name is skipped, not the end of the check: a later method's is still checked
    rule("python-name-keyword-twice", combine(module("core", _set("methods|tasks/get|python_name", "class")),
                                              module("core", _set("methods|tasks/cancel|python_name", "def"))),
         CORE, ("  tasks/get:", "    python_name: class"), r"tasks/get: python_name 'class' is not a Python identifier \(or is a keyword\)",
         Expect(CORE, ("  tasks/cancel:", "    python_name: def"), r"tasks/cancel: python_name 'def' is not a Python identifier \(or is a keyword\)")),
    rule("python-name-clash", CASE["python-name-clash"], CORE, ("methods:", "  tasks/cancel:"),
         r"tasks/cancel: Python name 'cancel_task' is also tasks/get's; give one of them `python_name:`"),
    # -- extensions -------------------------------------------------------------------------------
    rule("extend-unknown-type", module("interaction", _set("extend|types|Nowhere", {"fields": {"x": {"type": "string"}}})),
         INTERACTION, ("extend:", "    Nowhere:"), r"extend: unknown type 'Nowhere'"),
    # an extension of an unknown type is skipped, not the end of the module's extensions
    rule("extend-unknown-type-before-a-bad-extension", module("interaction", lambda d: (
        d["extend"].update(types={"Nowhere": {"fields": {"x": {"type": "string"}}}, **d["extend"]["types"]}),
        d["extend"]["types"]["TaskStatus"]["values"].update(working={"description": "x"}))),
         INTERACTION, ("extend:", "    Nowhere:"), r"extend: unknown type 'Nowhere'",
         Expect(INTERACTION, ("extend:", "    TaskStatus:", "        working:"), r"extend TaskStatus: value 'working' already exists")),
    rule("extend-own-type", CASE["extend-own-type"], CORE, ("extend:", "    Task:"), r"extend: 'Task' is declared in this module; edit it instead"),
    rule("extend-fields-of-enum", CASE["extend-fields-of-enum"], INTERACTION, ("    TaskStatus:", "      fields:"),
         r"extend TaskStatus: `fields` needs a object, 'TaskStatus' is a enum"),
    rule("extend-values-of-object", module("interaction", _set("extend|types|TasksExtensionCapability|values", {"x": {"description": "x"}})),
         INTERACTION, ("    TasksExtensionCapability:", "      values:"), r"extend TasksExtensionCapability: `values` needs a enum, 'TasksExtensionCapability' is a object"),
    rule("extend-variants-of-object", module("interaction", _set("extend|types|TasksExtensionCapability|variants", ["PausedTask"])),
         INTERACTION, ("    TasksExtensionCapability:", "      variants:"),
         r"extend TasksExtensionCapability: `variants` needs a union, 'TasksExtensionCapability' is a object"),
    rule("extend-variants-of-derived-union", module("interaction", _set("extend|types|GetTaskResult", {"variants": ["PausedTask"]})),
         INTERACTION, ("    GetTaskResult:", "      variants:"), r"extend GetTaskResult: variants of a derived union follow DetailedTask"),
    # with `values:` above it, `variants:` is not the extension's first line: each error points at its own key
    rule("extend-derived-union-values-and-variants", module("interaction", _set("extend|types|GetTaskResult",
         {"values": {"x": {"description": "x"}}, "variants": ["PausedTask"]})),
         INTERACTION, ("    GetTaskResult:", "      values:"), r"extend GetTaskResult: `values` needs a enum, 'GetTaskResult' is a union",
         Expect(INTERACTION, ("    GetTaskResult:", "      variants:"), r"extend GetTaskResult: variants of a derived union follow DetailedTask")),
    rule("extend-unknown-variant", module("interaction", _append("extend|types|DetailedTask|variants", "Nowhere")),
         INTERACTION, ("    DetailedTask:", "- Nowhere"), r"extend DetailedTask variant: unknown type 'Nowhere'",
         Expect(INTERACTION, ("    DetailedTask:", "- Nowhere"), r"DetailedTask variant: unknown type 'Nowhere'")),
    rule("extend-field-unknown-type", module("subtasks", _set("extend|types|Task|fields|extra1", {"type": "Nowhere"})),
         SUBTASKS, ("extend:", "extra1:", "type: Nowhere"), r"Task\.extra1: unknown type 'Nowhere'"),
    rule("extend-existing-field", CASE["extend-existing-field"], SUBTASKS, ("extend:", "        taskId:"),
         r"extend Task: field 'taskId' already exists; extensions only add"),
    rule("extend-existing-value", CASE["extend-existing-value"], INTERACTION, ("    TaskStatus:", "        working:"),
         r"extend TaskStatus: value 'working' already exists"),
    # -- lifecycle --------------------------------------------------------------------------------
    rule("second-lifecycle", CASE["second-lifecycle"], INTERACTION, "=lifecycle:",  # top level, not extend's
         r"lifecycle already declared by module 'core'; use extend\.lifecycle"),
    # the duplicate comes first: the statuses after it in the same section still count
    rule("duplicate-status", module("interaction", lambda d: d["extend"]["lifecycle"].update(
        statuses={"working": {"terminal": False, "accepts": []}, **d["extend"]["lifecycle"]["statuses"]})),
         INTERACTION, ("  lifecycle:", "      working:"), r"status 'working' already declared by 'core'"),
    rule("status-without-accepts", module("interaction", lambda d: d["extend"]["lifecycle"]["statuses"]["paused"].pop("accepts")),
         INTERACTION, "", ""),
    # ... whose methods an `accepts` section then lists
    rule("status-without-accepts-given-them-later", module("interaction", lambda d: d["extend"]["lifecycle"]["accepts"].update(
        paused=d["extend"]["lifecycle"]["statuses"]["paused"].pop("accepts"))), INTERACTION, "", ""),
    rule("duplicate-status-after-another", module("interaction", _set("extend|lifecycle|statuses|working", {"terminal": False, "accepts": []})),
         INTERACTION, ("  lifecycle:", "      working:"), r"status 'working' already declared by 'core'"),
    rule("extend-lifecycle-without-statuses", module("subtasks", _set("extend|lifecycle", {"transitions": [{"from": "working", "to": "failed", "trigger": "server"}]})), SUBTASKS, "", ""),
    rule("enum-value-without-status", module("core", _set("types|TaskStatus|values|archived", {"description": "x"})), CORE,
         ("lifecycle:", "  statuses:"), r"lifecycle: enum TaskStatus has 'archived', which no lifecycle status declares"),
    rule("status-not-in-enum", CASE["status-not-in-enum"], CORE, ("lifecycle:", "  statuses:"),
         r"lifecycle: status 'sleeping' is not a value of TaskStatus"),
    rule("status-type-unknown", module("core", lambda d: (d["lifecycle"].pop("status_type"), d["lifecycle"].update(status_type="Nowhere"))),
         CORE, ("lifecycle:", "  status_type: Nowhere"),  # last in the section: the error points at it, not at the section
         r"lifecycle status_type: unknown type 'Nowhere'"),
    rule("transition-from-terminal", CASE["transition-from-terminal"], CORE, ("  transitions:", "- from: completed"),
         r"transition from terminal status 'completed': a terminal status never changes"),
    rule("transition-unknown-status", CASE["transition-unknown-status"], CORE, ("  transitions:", "to: sleeping", "<- from:"),
         r"transition to: unknown status 'sleeping'"),
    rule("transition-misspelt-source", module("core", _append("lifecycle|transitions", {"from": "workin", "to": "failed", "trigger": "server"})),
         CORE, ("  transitions:", "=  - from: workin"), r"transition from: unknown status 'workin' \(did you mean 'working'\?\)"),
    rule("transition-status-of-unrequired-module", module("core", _append("lifecycle|transitions", {"from": "working", "to": "paused", "trigger": "server"})),
         CORE, ("  transitions:", "to: paused", "<- from:"), r"transition to: status 'paused' belongs to module 'interaction', which 'core' does not require"),
    rule("transition-unknown-trigger", CASE["transition-unknown-trigger"], CORE, ("  transitions:", "trigger: tasks/explode", "<- from:"),
         r"transition trigger: unknown method 'tasks/explode' \(did you mean 'tasks/update'\?\)"),
    rule("accepts-unknown-method", CASE["accepts-unknown-method"], CORE, ("    working:", "- tasks/nothing"),
         r"status working accepts: unknown method 'tasks/nothing' \(did you mean 'tasks/get'\?\)"),
    rule("accepts-method-of-unrequired-module", module("core", _append("lifecycle|statuses|working|accepts", "tasks/steer")),
         CORE, ("    working:", "- tasks/steer"), r"status working accepts: method 'tasks/steer' belongs to module 'interaction', which 'core' does not require",
         Expect(INTERACTION, ("=      working: [tasks/steer, tasks/pause]",), r"accepts working: 'tasks/steer' is already accepted")),
    rule("extend-accepts-already-accepted", module("interaction", _append("extend|lifecycle|accepts|working", "tasks/get")),
         INTERACTION, ("    accepts:", "      working:", "- tasks/get"), r"accepts working: 'tasks/get' is already accepted"),
    rule("extend-accepts-unknown-status", module("interaction", _set("extend|lifecycle|accepts|sleeping", ["tasks/steer"])),
         INTERACTION, ("    accepts:", "      sleeping:"), r"accepts: unknown status 'sleeping'"),
    rule("extend-accepts-unknown-method", module("interaction", _append("extend|lifecycle|accepts|working", "tasks/stear")),
         INTERACTION, ("    accepts:", "      working:", "- tasks/stear"), r"accepts working: unknown method 'tasks/stear' \(did you mean 'tasks/steer'\?\)"),
    rule("initial-unknown-status", module("core", _append("lifecycle|initial", "sleeping")), CORE, ("  initial:", "- sleeping"),
         r"initial: unknown status 'sleeping'"),
    rule("unknown-refusal-error", CASE["unknown-refusal-error"], CORE, ("lifecycle:", "  refusal_error: Nope"),
         r"lifecycle refusal_error: unknown error 'Nope'"),
    # -- invariants -------------------------------------------------------------------------------
    rule("invariant-unknown-rule", CASE["invariant-unknown-rule"], SUBTASKS, ("invariants:", "- id: parent-task-id-immutable"),
         r"invariant parent-task-id-immutable: unknown rule 'eventually' \(known: immutable, append-only, excludes-self, doubly-linked, "
         r"acyclic, retrievable, within-parent-lifetime, frozen-when-terminal, children-terminal-first, cancel-propagates, "
         r"same-result-shape, own-input-required\)"),
    rule("invariant-unknown-field", CASE["invariant-unknown-field"], SUBTASKS, ("invariants:", "- id: parent-task-id-immutable"),
         r"invariant parent-task-id-immutable: Task has no field 'grandParent'"),
    rule("invariant-misspelt-field", module("subtasks", lambda d: d["invariants"][0].update({"field": "Task.parentTaskID"})),
         SUBTASKS, ("invariants:", "- id: parent-task-id-immutable"),
         r"invariant parent-task-id-immutable: Task has no field 'parentTaskID' \(did you mean 'parentTaskId'\?\)"),
    rule("invariant-unknown-type", module("subtasks", lambda d: d["invariants"][0].update({"field": "Tusk.parentTaskId"})),
         SUBTASKS, ("invariants:", "- id: parent-task-id-immutable"),
         r"invariant parent-task-id-immutable: unknown type 'Tusk' \(did you mean 'Task'\?\)"),
    rule("invariant-duplicate-id", CASE["invariant-duplicate-id"], SUBTASKS, ("invariants:", "- id: parent-task-id-immutable", "- id: parent-task-id-immutable"),
         r"duplicate invariant id 'parent-task-id-immutable' \(first at modules/subtasks\.yaml:\d+:\d+\)"),
    # -- roles ------------------------------------------------------------------------------------
    rule("module-without-roles", module("subtasks", lambda d: d.pop("roles")), SUBTASKS, "", ""),  # `roles` is optional
    rule("role-declared-twice", CASE["role-declared-twice"], INTERACTION, ("roles:", "  task: Task"),
         r"role task is already declared at modules/core\.yaml:\d+:\d+"),
    # a role declared twice is skipped, not the end of the module's roles: the next one is still checked
    rule("role-declared-twice-then-a-bad-one", module("interaction", lambda d: d.update(
        roles={"task": "Task", **d["roles"], "steer_task": "tasks/stear"})),
         INTERACTION, ("roles:", "  task: Task"), r"role task is already declared at modules/core\.yaml:\d+:\d+",
         Expect(INTERACTION, ("roles:", "  steer_task: tasks/stear"),
                r"role steer_task: no method 'tasks/stear' in this module or one it requires \(did you mean 'tasks/steer'\?\)")),
    rule("role-module-not-visible", module("mcp-core", _set("roles|base_protocol", "core")), MCP, ("roles:", "  base_protocol: core"),
         r"role base_protocol: 'core' is not this module or one it requires"),
    rule("role-wrong-kind", CASE["role-wrong-kind"], CORE, ("roles:", "  task: TaskStatus"),
         r"role task: 'TaskStatus' is a enum, the role needs a object"),
    rule("role-union-wrong-kind", module("core", _set("roles|detailed_task", "Task")), CORE, ("roles:", "  detailed_task: Task"),
         r"role detailed_task: 'Task' is a object, the role needs a union"),
    rule("role-unknown-type", module("core", _set("roles|task", "Tusk")), CORE, ("roles:", "  task: Tusk"),
         r"role task: unknown type 'Tusk' \(did you mean 'Task'\?\)"),
    rule("role-unknown-element", CASE["role-unknown-element"], CORE, ("roles:", "  get_task: tasks/fetch"),
         r"role get_task: no method 'tasks/fetch' in this module or one it requires( \(did you mean '[^']+'\?\))?"),
    rule("role-method-of-unrequired-module", module("core", _set("roles|get_task", "tasks/steer")), CORE, ("roles:", "  get_task: tasks/steer"),
         r"role get_task: no method 'tasks/steer' in this module or one it requires \(did you mean 'tasks/get'\?\)"),
    rule("role-notification-for-request", module("core", _set("roles|get_task", "notifications/tasks")), CORE,
         ("roles:", "  get_task: notifications/tasks"), r"role get_task: 'notifications/tasks' is a notification, the role needs a request"),
    rule("role-request-for-notification", module("core", _set("roles|status_notification", "tasks/get")), CORE,
         ("roles:", "  status_notification: tasks/get"), r"role status_notification: 'tasks/get' is a request, the role needs a notification"),
    rule("role-status-not-visible", module("core", _set("roles|paused_status", "paused")), CORE, ("roles:", "  paused_status: paused"),
         r"role paused_status: no lifecycle status 'paused' in this module or one it requires",
         # interaction declares the role too: the second declaration is the duplicate
         Expect(INTERACTION, ("roles:", "  paused_status: paused"), r"role paused_status is already declared at modules/core\.yaml:\d+:\d+")),
    rule("role-misspelt-status", module("core", _set("roles|working_status", "workin")), CORE, ("roles:", "  working_status: workin"),
         r"role working_status: no lifecycle status 'workin' in this module or one it requires \(did you mean 'working'\?\)"),
    rule("role-field-without-type", module("subtasks", _set("roles|parent_task_field", "parentTaskId")), SUBTASKS,
         ("roles:", "  parent_task_field: parentTaskId"), r"role parent_task_field: 'parentTaskId' must name a field as Type\.field"),
    rule("role-field-unknown", module("subtasks", _set("roles|parent_task_field", "Task.parentTaskID")), SUBTASKS,
         ("roles:", "  parent_task_field: Task.parentTaskID"), r"role parent_task_field: Task has no field 'parentTaskID' \(did you mean 'parentTaskId'\?\)"),
    rule("role-field-of-unknown-type", module("subtasks", _set("roles|parent_task_field", "Tusk.parentTaskId")), SUBTASKS,
         ("roles:", "  parent_task_field: Tusk.parentTaskId"), r"role parent_task_field: unknown type 'Tusk' \(did you mean 'Task'\?\)"),
    rule("role-error-unknown", module("event-sources", _set("roles|events_not_found", "EventsNotFund")), EVENTS,
         ("roles:", "  events_not_found: EventsNotFund"), r"role events_not_found: unknown error 'EventsNotFund' \(did you mean 'EventsNotFound'\?\)"),
    rule("role-error-of-unrequired-module", module("core", _set("roles|events_not_found", "EventsNotFound")), CORE,
         ("roles:", "  events_not_found: EventsNotFound"),
         r"role events_not_found: error 'EventsNotFound' belongs to module 'event-sources', which 'core' does not require",
         Expect(EVENTS, ("roles:", "  events_not_found: EventsNotFound"), r"role events_not_found is already declared at modules/core\.yaml:\d+:\d+")),
    # -- examples ---------------------------------------------------------------------------------
    rule("example-duplicate-name", CASE["example-duplicate-name"], EXAMPLES, ("- name: sep-tools-call-get-weather", "- name: sep-tools-call-get-weather"),
         r"duplicate example name 'sep-tools-call-get-weather' \(first at examples/core\.yaml:\d+:\d+\)"),
    rule("example-json-syntax", CASE["example-json-syntax"], EXAMPLES, (*GET_3, "json:"),
         r"example sep-flow-tasks-get-3: JSON syntax: Expecting property name enclosed in double quotes: line 1 column 2 \(char 1\)"),
    rule("example-json-10000-deep", CASE["example-json-10000-deep"], EXAMPLES, (*GET_3, "json:"),
         r"example sep-flow-tasks-get-3: JSON nested too deeply to read"),
    rule("example-json-65-deep", examples("core", _example("sep-flow-tasks-get-3", _set("json", _deep_json(63)))), EXAMPLES, (*GET_3, "json:"),
         r"example sep-flow-tasks-get-3: JSON nested deeper than 64 levels"),
    rule("example-json-64-deep-is-fine", examples("core", _example("sep-flow-tasks-get-3", _set("json", _deep_json(62)))), EXAMPLES, "", ""),
    rule("example-unknown-method", CASE["example-unknown-method"], EXAMPLES, (*GET_3, "message: tasks/fetch"),
         r"example sep-flow-tasks-get-3: unknown method 'tasks/fetch'( \(did you mean '[^']+'\?\))?"),
    rule("example-misspelt-method", examples("core", _example("sep-flow-tasks-get-3", _set("message", "tasks/gett"))),
         EXAMPLES, (*GET_3, "message: tasks/gett"), r"example sep-flow-tasks-get-3: unknown method 'tasks/gett' \(did you mean 'tasks/get'\?\)"),
    rule("example-method-of-unrequired-module", examples("core", _example("sep-flow-tasks-get-3", _set("message", "tasks/steer"))),
         EXAMPLES, (*GET_3, "message: tasks/steer"), r"example sep-flow-tasks-get-3: method 'tasks/steer' belongs to module 'interaction'"),
    rule("example-of-a-removed-method", examples("core", _example("sep-flow-tasks-get-3", _set("message", "tasks/result"))),
         EXAMPLES, "", ""),
    rule("example-role-mismatch", CASE["example-role-mismatch"], EXAMPLES, (*GET_3, "role: notification"),
         r"example sep-flow-tasks-get-3: a request has no role 'notification'"),
    rule("example-notification-as-request", examples("core", lambda d: next(e for e in d if e.get("message") == "notifications/tasks").update(role="request")),
         EXAMPLES, ("message: notifications/tasks", "role: request"), r"example [\w-]+: a notification has no role 'request'"),
    rule("example-unknown-type", examples("core", _example("task-value", _set("type", "Tusk"))), EXAMPLES, ("- name: task-value", "type: Tusk"),
         r"example task-value: unknown type 'Tusk' \(did you mean 'Task'\?\)"),
    # -- the manifest -----------------------------------------------------------------------------
    rule("manifest-version-not-pep440", CASE["manifest-version-not-pep440"], "taskbind.yaml", "version:",
         r"version '1\.0 final' must be a PEP 440 version such as 1\.2\.0 or 0\.1\.0rc1 \(it is the generated package's version\)"),
    rule("manifest-version-pep440-rc", manifest(_set("version", "1.2.0rc1")), "taskbind.yaml", "", ""),
    rule("manifest-empty-title", CASE["manifest-empty-title"], "taskbind.yaml", "title:", r"title must not be empty"),
    rule("manifest-empty-name", manifest(_set("name", "")), "taskbind.yaml", "name:", r"name must not be empty"),
    rule("manifest-empty-protocol-version", manifest(_set("protocol_version", " ")), "taskbind.yaml", "protocol_version:",
         r"protocol_version must not be empty"),
    rule("manifest-empty-extension-id", manifest(_set("extension_id", "")), "taskbind.yaml", "extension_id:", r"extension_id must not be empty"),
    # title, protocol_version and extension_id are optional: absent is not empty
    rule("manifest-without-optional-keys", manifest(lambda d: [d.pop(key) for key in ("title", "protocol_version", "extension_id")]),
         "taskbind.yaml", "", ""),
    rule("manifest-unknown-key", CASE["manifest-unknown-key"], "taskbind.yaml", "colour: blue",
         r"colour: unknown key 'colour'; allowed: `name`, `title`, `version`, `protocol_version`, `extension_id`, `modules`"),
    rule("unlisted-module-file", CASE["unlisted-module-file"], "modules/extra.yaml", "module: extra",
         r"modules/extra\.yaml is not read: the manifest \(taskbind\.yaml\) does not list module 'extra' "
         r"\(a module file is modules/<name>\.yaml, its examples examples/<name>\.yaml\)"),
]


def diagnostics(spec: Path) -> list[Diagnostic]:
    """What `taskbind validate` reports, in-process: load, then validate (examples_check is covered
    by test_bad_specs.py's cases, which need the model stage)."""
    return validate(load_spec(spec))


def line_of(path: Path, fragments: tuple[str, ...]) -> int:
    """Each fragment is searched after the line of the previous one; "<" before a fragment searches
    backwards (the item a nested line belongs to), "=" matches a whole line."""
    lines = path.read_text("utf-8").splitlines()
    number = -1
    for fragment in fragments:
        if fragment.startswith("<"):
            candidates, fragment = range(number, -1, -1), fragment[1:]
        else:
            candidates = range(number + 1, len(lines))
        if fragment.startswith("="):
            whole = fragment[1:]
            number = next((n for n in candidates if lines[n] == whole), None)
        else:
            number = next((n for n in candidates if fragment in lines[n]), None)
        assert number is not None, f"{fragment!r} (after {fragments}) not in {path}"
    return number + 1


def test_every_rule_has_a_unique_id():
    assert len({r.id for r in RULES}) == len(RULES)


@pytest.mark.parametrize("case", RULES, ids=lambda case: case.id)
def test_each_broken_spec_gives_exactly_its_diagnostics(case: Rule, tmp_path: Path) -> None:
    spec = copy_spec(tmp_path / "spec")
    case.edit(spec)
    found = sorted((d.location.path, d.location.line, d.message) for d in diagnostics(spec))
    expected = [e for e in case.expected if e.message]
    if not expected:  # the edit is valid: nothing may be reported
        assert found == []
        return
    shown = "\n".join(f"  {p}:{n}: {m}" for p, n, m in found)
    assert len(found) == len(expected), f"expected {len(expected)} diagnostic(s), got:\n{shown}"
    unmatched = list(found)
    for want in expected:
        line = line_of(spec / want.file, want.at)
        hit = next((f for f in unmatched if f[0] == want.file and f[1] == line and re.fullmatch(want.message, f[2])), None)
        assert hit is not None, f"no {want.file}:{line}: {want.message!r} in:\n{shown}"
        unmatched.remove(hit)



def test_an_unlisted_file_is_reported_at_its_first_character(tmp_path: Path) -> None:
    """A file the manifest does not list has no key to point at: the whole file is the mistake, so the
    diagnostic names its first line and first column (the table above checks lines only; a column
    of 2, or none, would send an editor to the wrong place or nowhere)."""
    spec = copy_spec(tmp_path / "spec")
    CASE["unlisted-module-file"](spec)
    assert [d.location for d in diagnostics(spec)] == [Location("modules/extra.yaml", 1, 1)]

# -- examples_check: examples marked valid, against the generated JSON Schema (after the model) ------

EXAMPLE_RULES = [
    rule("example-valid-but-wrong-type", CASE["example-valid-but-wrong-type"], EXAMPLES, "- name: sep-flow-tasks-get-3-working",
         r"example sep-flow-tasks-get-3-working is marked valid but is not a valid GetTaskResultResponse: at result: "
         r"\{.*'ttlMs': 'sixty seconds'.* \(fix the JSON, or mark it `valid: false` with a `reason`\)"),
    rule("example-valid-but-wrong-deep", CASE["example-valid-but-wrong-deep"], EXAMPLES, "- name: sep-flow-tasks-get-3-working",
         r"example sep-flow-tasks-get-3-working is marked valid but is not a valid GetTaskResultResponse: at result: "
         r"\{'resultType': 'complete', .+ \(fix the JSON, or mark it `valid: false` with a `reason`\)"),
    rule("example-invalid-is-not-checked", examples("core", _example("sep-flow-tasks-get-3-working", lambda e: (
        _ttl_as_text(e), e.update(valid=False, reason="a text TTL")))), EXAMPLES, "", ""),
    # a removed method has no envelope type: only the JSON-RPC shape is known, nothing more to check
    rule("example-of-a-removed-method-is-not-checked", examples("core", _example("sep-flow-tasks-get-3-working", lambda e: (
        _ttl_as_text(e), e.update(message="tasks/result")))), EXAMPLES, "", ""),
    rule("example-type-checked-whole", examples("core", _example("task-value", _set("json", '{"taskId": 7}'))), EXAMPLES,
         "- name: task-value", r"example task-value is marked valid but is not a valid Task: at \(the whole value\): 'status' is a required property "
         r"\(fix the JSON, or mark it `valid: false` with a `reason`\)"),
]


@pytest.mark.parametrize("case", EXAMPLE_RULES, ids=lambda case: case.id)
def test_each_wrong_example_gives_exactly_its_diagnostics(case: Rule, tmp_path: Path) -> None:
    from taskbind.examples_check import check_examples
    from taskbind.model import build_model

    spec = copy_spec(tmp_path / "spec")
    case.edit(spec)
    raw = load_spec(spec)
    assert validate(raw) == []
    found = [(d.location.path, d.location.line, d.message) for d in check_examples(build_model(raw))]
    expected = [(e.file, line_of(spec / e.file, e.at), e.message) for e in case.expected if e.message]
    assert len(found) == len(expected), found
    for (path, line, message), (want_path, want_line, pattern) in zip(sorted(found), sorted(expected)):
        assert (path, line) == (want_path, want_line) and re.fullmatch(pattern, message), (found, expected)
