"""The bad-spec corpus: one small edit of a copy of the real spec per kind of mistake, and per rule of
spec/README.md. Each case names the file the error must point at and a fragment of its message.

Table-driven: `CASES` is read by tests/test_bad_specs.py, which asserts for each case exit 2, a
`file:line:col:` location in that file, no traceback, and an untouched output directory.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import yaml

from specedit import edit_module

Edit = Callable[[Path], None]


@dataclass(frozen=True)
class Case:
    id: str
    edit: Edit
    file: str  # the file the diagnostic names, relative to the spec root
    message: str  # a fragment of the diagnostic's message


def _dump(path: Path, document: Any) -> None:
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=4096), "utf-8")


def manifest(change: Callable[[dict], None]) -> Edit:
    def edit(spec: Path) -> None:
        document = yaml.safe_load((spec / "taskbind.yaml").read_text("utf-8"))
        change(document)
        _dump(spec / "taskbind.yaml", document)

    return edit


def module(name: str, change: Callable[[dict], None]) -> Edit:
    return lambda spec: edit_module(spec, name, change)


def examples(name: str, change: Callable[[list], None]) -> Edit:
    def edit(spec: Path) -> None:
        path = spec / "examples" / f"{name}.yaml"
        document = yaml.safe_load(path.read_text("utf-8"))
        change(document)
        _dump(path, document)

    return edit


def text(relative: str, content: str | bytes) -> Edit:
    def edit(spec: Path) -> None:
        path = spec / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))

    return edit


def _set(path: str, value: Any) -> Callable[[dict], None]:
    """Set document[a][b][c] for path "a/b/c" (creating mappings on the way)."""
    keys = path.split("|")

    def change(document: dict) -> None:
        node = document
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = value

    return change


def _example(name: str, change: Callable[[dict], None]) -> Callable[[list], None]:
    def apply(document: list) -> None:
        change(next(e for e in document if e["name"] == name))

    return apply


def _ttl_as_text(example: dict) -> None:
    value = json.loads(example["json"])
    value["result"]["ttlMs"] = "sixty seconds"
    example["json"] = json.dumps(value)


def _deep_input_request(example: dict) -> None:
    value = json.loads(example["json"])
    value["result"]["pollIntervalMs"] = {"nested": [{"deeper": "not an integer"}]}
    example["json"] = json.dumps(value)


def _remove_examples_file(spec: Path) -> None:
    (spec / "examples" / "core.yaml").unlink()
    (spec / "examples" / "core.yaml").mkdir()


def _remove(relative: str) -> Edit:
    return lambda spec: (spec / relative).unlink()


def _deep_yaml(depth: int) -> str:
    return "module: core\nnote: " + "[" * depth + "]" * depth + "\n"


CORE_SETTINGS = "types|TasksExtensionCapability|fields"

CASES = [
    # The manifest and the files it lists
    Case("manifest-missing", _remove("taskbind.yaml"), "taskbind.yaml", "no spec manifest here"),
    Case("manifest-yaml-syntax", text("taskbind.yaml", "name: [unclosed\n"), "taskbind.yaml", "YAML syntax"),
    Case("manifest-unknown-key", manifest(_set("colour", "blue")), "taskbind.yaml", "colour"),
    Case("manifest-duplicate-key", text("taskbind.yaml", "name: a\nname: b\nversion: 0.1.0\nmodules: [mcp-core]\n"),
         "taskbind.yaml", "duplicate key"),
    Case("manifest-version-not-pep440", manifest(_set("version", "1.0 final")), "taskbind.yaml", "PEP 440"),
    Case("manifest-version-injection", manifest(_set("version", '0.1"""\nimport os\n')), "taskbind.yaml", "PEP 440"),
    Case("manifest-empty-title", manifest(_set("title", "  ")), "taskbind.yaml", "must not be empty"),
    Case("module-name-escapes-the-spec", manifest(_set("modules", ["mcp-core", "../../outside"])),
         "taskbind.yaml", "must match"),
    Case("module-without-file", manifest(_set("modules", ["mcp-core", "core", "nowhere"])), "taskbind.yaml", "has no file"),
    Case("module-not-utf8", text("modules/core.yaml", b"module: core\ntitle: \xff\xfe\n"), "modules/core.yaml", "not UTF-8"),
    Case("module-too-large", text("modules/core.yaml", "module: core\ndescription: " + "x" * (4 * 1024 * 1024 + 1) + "\n"),
         "modules/core.yaml", "at most"),
    Case("module-nested-10000-deep", text("modules/core.yaml", _deep_yaml(10_000)), "modules/core.yaml", "nest"),
    Case("module-nested-100-deep", text("modules/core.yaml", _deep_yaml(100)), "modules/core.yaml", "nested deeper"),
    Case("unlisted-module-file", text("modules/extra.yaml", "module: extra\n"), "modules/extra.yaml", "is not read"),
    Case("examples-path-is-a-directory", _remove_examples_file, "examples/core.yaml", "is not a file"),
    Case("module-name-differs-from-file", module("core", _set("module", "kernel")), "modules/core.yaml", "must equal the file name"),
    Case("module-bad-maturity", module("core", _set("maturity", "stable")), "modules/core.yaml", "maturity"),
    Case("requires-unknown-module", module("core", _set("requires", ["mcp-core", "nothing"])), "modules/core.yaml", "requires unknown module"),
    Case("requires-later-module", module("core", _set("requires", ["mcp-core", "interaction"])), "modules/core.yaml", "lists after"),
    # Types
    Case("duplicate-type", module("interaction", _set("types|Task", {"kind": "object"})), "modules/interaction.yaml", "duplicate type name"),
    Case("unknown-field-type", module("core", _set("types|Task|fields|extra1", {"type": "Nowhere"})), "modules/core.yaml", "unknown type 'Nowhere'"),
    Case("bad-type-expression", module("core", _set("types|Task|fields|extra1", {"type": "list<string"})), "modules/core.yaml", "Task.extra1"),
    Case("type-of-unrequired-module", module("core", _set("types|Task|fields|extra1", {"type": "PausedTask"})), "modules/core.yaml", "which 'core' does not require"),
    Case("extends-unknown", module("core", _set("types|WorkingTask|extends", ["Nowhere"])), "modules/core.yaml", "unknown type 'Nowhere'"),
    Case("extends-non-object", module("core", _set("types|WorkingTask|extends", ["TaskStatus"])), "modules/core.yaml", "not an object"),
    Case("extends-cycle", module("core", _set("types|Task|extends", ["WorkingTask"])), "modules/core.yaml", "`extends` cycle"),
    Case("enum-without-string", module("core", _set("types|Task|fields|extra1", {"type": "integer", "enum": ["a"]})),
         "modules/core.yaml", "`enum` needs `type: string`"),
    Case("nullable-const", module("core", _set("types|WorkingTask|fields|status|nullable", True)), "modules/core.yaml", "cannot be nullable"),
    Case("extra-on-closed-object", module("core", lambda d: d["types"]["Task"].update({"open": False, "extra": "object"})),
         "modules/core.yaml", "`extra` needs an open object"),
    Case("alias-cycle", module("core", lambda d: d["types"].update({"AliasA": {"kind": "alias", "type": "AliasB"},
                                                                     "AliasB": {"kind": "alias", "type": "string | AliasA"}})),
         "modules/core.yaml", "alias cycle"),
    Case("alias-of-itself", module("core", _set("types|SelfAlias", {"kind": "alias", "type": "SelfAlias"})), "modules/core.yaml", "alias cycle"),
    Case("union-lists-itself", module("core", lambda d: d["types"]["DetailedTask"]["variants"].append("DetailedTask")),
         "modules/core.yaml", "cycle"),
    Case("union-over-non-union", module("core", _set("types|GetTaskResult|over", "Task")), "modules/core.yaml", "must name a union"),
    Case("union-over-other-discriminator", module("core", _set("types|GetTaskResult|discriminator", "taskId")),
         "modules/core.yaml", "discriminator must equal"),
    Case("variant-without-const", module("core", lambda d: d["types"]["DetailedTask"]["variants"].append("CreateTaskResult")),
         "modules/core.yaml", "has no const field"),
    Case("variants-share-value", module("core", _set("types|CancelledTask|fields|status|const", "working")),
         "modules/core.yaml", "share discriminator value"),
    # Methods, errors, capabilities
    Case("params-unknown", module("core", _set("methods|tasks/get|params", "Nowhere")), "modules/core.yaml", "unknown type 'Nowhere'"),
    Case("routing-field-missing", module("core", _set("methods|tasks/get|routing_field", "jobId")), "modules/core.yaml", "routing_field"),
    Case("method-unknown-error", module("core", _set("methods|tasks/get|errors", [{"error": "Nope", "condition": "x"}])),
         "modules/core.yaml", "unknown error 'Nope'"),
    Case("method-unknown-capability", module("core", _set("methods|tasks/get|capability", "acme/none")), "modules/core.yaml", "unknown capability"),
    Case("setting-not-in-capability", module("interaction", _set("methods|tasks/steer|setting", "nudge")),
         "modules/interaction.yaml", "is not a setting"),
    Case("setting-without-capability", module("interaction", lambda d: d["methods"]["tasks/steer"].pop("capability")),
         "modules/interaction.yaml", "`setting` needs `capability`"),
    Case("setting-not-an-identifier", module("interaction", lambda d: (
        d["extend"]["types"]["TasksExtensionCapability"]["fields"].update({"steer-now": {"type": "boolean"}}))),
         "modules/interaction.yaml", "must be an ASCII identifier"),
    Case("setting-is-a-keyword", module("interaction", lambda d: (
        d["extend"]["types"]["TasksExtensionCapability"]["fields"].update({"class": {"type": "boolean"}}))),
         "modules/interaction.yaml", "must be an ASCII identifier"),
    Case("capability-settings-not-object", module("core", _set("capabilities|io.modelcontextprotocol/tasks|settings", "TaskStatus")),
         "modules/core.yaml", "settings must be an object type"),
    Case("duplicate-error-code", module("mcp-core", _set("errors|HeaderMismatch|code", -32602)), "modules/mcp-core.yaml", "reuses code"),
    Case("error-code-not-integer", module("mcp-core", _set("errors|HeaderMismatch|code", "-32602")), "modules/mcp-core.yaml", "code"),
    Case("removed-and-present", module("core", lambda d: d["removed_methods"].update({"tasks/get": {"error": "MethodNotFound"}})),
         "modules/core.yaml", "both a method and a removed method"),
    Case("python-name-keyword", module("core", _set("methods|tasks/get|python_name", "class")), "modules/core.yaml", "python_name"),
    Case("python-name-clash", module("core", _set("methods|tasks/get|python_name", "cancel_task")), "modules/core.yaml", "Python name 'cancel_task'"),
    Case("python-name-injection", module("core", _set("methods|tasks/get|python_name", "get(); import os")), "modules/core.yaml", "python_name"),
    Case("method-name-injection", module("core", lambda d: d["methods"].update({'tasks/"get': d["methods"]["tasks/get"]})),
         "modules/core.yaml", "tasks/\"get"),
    Case("envelope-clashes-with-type", module("core", _set("types|GetTaskRequest", {"kind": "object"})), "modules/core.yaml", "clashes"),
    # Extensions
    Case("extend-own-type", module("core", _set("extend|types|Task", {"fields": {"x": {"type": "string"}}})), "modules/core.yaml", "declared in this module"),
    Case("extend-fields-of-enum", module("interaction", _set("extend|types|TaskStatus|fields", {"x": {"type": "string"}})),
         "modules/interaction.yaml", "`fields` needs a object"),
    Case("extend-existing-field", module("subtasks", _set("extend|types|Task|fields|taskId", {"type": "string"})),
         "modules/subtasks.yaml", "already exists"),
    Case("extend-existing-value", module("interaction", _set("extend|types|TaskStatus|values|working", {"description": "x"})),
         "modules/interaction.yaml", "already exists"),
    # Lifecycle
    Case("transition-from-terminal", module("core", lambda d: d["lifecycle"]["transitions"].append(
        {"from": "completed", "to": "working", "trigger": "server"})), "modules/core.yaml", "terminal status never changes"),
    Case("transition-unknown-status", module("core", lambda d: d["lifecycle"]["transitions"].append(
        {"from": "working", "to": "sleeping", "trigger": "server"})), "modules/core.yaml", "unknown status 'sleeping'"),
    Case("transition-unknown-trigger", module("core", lambda d: d["lifecycle"]["transitions"].append(
        {"from": "working", "to": "failed", "trigger": "tasks/explode"})), "modules/core.yaml", "unknown method"),
    Case("accepts-unknown-method", module("core", _set("lifecycle|statuses|working|accepts", ["tasks/get", "tasks/nothing"])),
         "modules/core.yaml", "unknown method 'tasks/nothing'"),
    Case("status-not-in-enum", module("core", _set("lifecycle|statuses|sleeping", {"terminal": False, "accepts": []})),
         "modules/core.yaml", "is not a value of TaskStatus"),
    Case("second-lifecycle", module("interaction", _set("lifecycle", {"statuses": {}})), "modules/interaction.yaml", "already declared"),
    Case("unknown-refusal-error", module("core", _set("lifecycle|refusal_error", "Nope")), "modules/core.yaml", "unknown error"),
    # Invariants
    Case("invariant-unknown-rule", module("subtasks", lambda d: d["invariants"][0].update({"rule": "eventually"})),
         "modules/subtasks.yaml", "unknown rule"),
    Case("invariant-unknown-field", module("subtasks", lambda d: d["invariants"][0].update({"field": "Task.grandParent"})),
         "modules/subtasks.yaml", "has no field"),
    Case("invariant-duplicate-id", module("subtasks", lambda d: d["invariants"].append(dict(d["invariants"][0]))),
         "modules/subtasks.yaml", "duplicate invariant id"),
    # Roles
    Case("role-unknown-element", module("core", _set("roles|get_task", "tasks/fetch")), "modules/core.yaml", "role get_task"),
    Case("role-wrong-kind", module("core", _set("roles|task", "TaskStatus")), "modules/core.yaml", "the role needs a object"),
    Case("role-declared-twice", module("interaction", _set("roles|task", "Task")), "modules/interaction.yaml", "already declared"),
    Case("role-unknown-name", module("core", _set("roles|boss", "Task")), "modules/core.yaml", "boss"),
    # Examples
    Case("example-duplicate-name", examples("core", lambda d: d.append(dict(d[0]))), "examples/core.yaml", "duplicate example name"),
    Case("example-json-syntax", examples("core", _example("sep-flow-tasks-get-3", _set("json", "{not json"))),
         "examples/core.yaml", "JSON syntax"),
    Case("example-json-10000-deep", examples("core", _example("sep-flow-tasks-get-3", _set("json", "[" * 10_000 + "]" * 10_000))),
         "examples/core.yaml", "nested"),
    Case("example-unknown-method", examples("core", _example("sep-flow-tasks-get-3", _set("message", "tasks/fetch"))),
         "examples/core.yaml", "unknown method"),
    Case("example-role-mismatch", examples("core", _example("sep-flow-tasks-get-3", _set("role", "notification"))),
         "examples/core.yaml", "has no role"),
    Case("example-invalid-without-reason", examples("core", _example("sep-flow-tasks-get-3", _set("valid", False))),
         "examples/core.yaml", "reason"),
    Case("example-valid-but-wrong-type", examples("core", _example("sep-flow-tasks-get-3-working", _ttl_as_text)),
         "examples/core.yaml", "is marked valid but"),
    Case("example-valid-but-wrong-deep", examples("core", _example("sep-flow-tasks-get-3-working", _deep_input_request)),
         "examples/core.yaml", "is marked valid but"),
]
