"""Stage 2, validate: the spec's meta-schema first, then the semantic rules. Every error, located.

The model stage trusts what passes here, so every rule the model relies on is checked here: names
resolve, kinds match, unions discriminate, the lifecycle is consistent with the status enum.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from .diagnostics import Diagnostic, Location, did_you_mean
from .examples_check import MAX_JSON_DEPTH, _depth, parse_example_json
from .ir import ROLE_KINDS, referenced_names
from .load import MANIFEST, LocatedDict, LocatedList, RawSpec, SourceFile
from .merge import Merged
from .naming import envelope_name, function_name, is_python_identifier, response_name
from .typeexpr import TypeExprError, parse_type

INVARIANT_RULES = {
    "immutable": "the field never changes once the task exists",
    "append-only": "the list only grows by appending; entries are never removed or reordered",
    "excludes-self": "the field never holds the task's own taskId",
    "doubly-linked": "a parent lists a child exactly when the child names that parent",
    "acyclic": "following the field never leads back to a task already visited",
    "retrievable": "every task id the field names resolves with tasks/get",
    "within-parent-lifetime": "a child is never deleted after its parent",
    "frozen-when-terminal": "the field no longer changes once the task is terminal",
    "children-terminal-first": "a task becomes terminal only after every child is terminal",
    "cancel-propagates": "an acknowledged tasks/cancel is propagated to every non-terminal child",
    "same-result-shape": "a child's result has the shape of its parent's",
    "own-input-required": "a task is input_required only for input requests of its own, never only because a child is",
}


_PEP440 = re.compile(r"(\d+!)?\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?(\+[a-z0-9]+(\.[a-z0-9]+)*)?")


@lru_cache(maxsize=1)
def metaschema() -> dict[str, Any]:
    return json.loads(resources.files(__package__).joinpath("metaschema.json").read_text("utf-8"))


def _meta_schema(definition: str) -> dict[str, Any]:
    return {"$ref": f"#/$defs/{definition}", "$defs": metaschema()["$defs"]}


@lru_cache(maxsize=None)
def _fast_validator(definition: str) -> Any:
    """jsonschema-rs's validator of one definition of the meta-schema: the quick yes."""
    import jsonschema_rs

    return jsonschema_rs.Draft202012Validator(_meta_schema(definition))


def _valid_fast(document: Any, definition: str) -> bool:
    """Whether jsonschema-rs finds `document` valid; False when it cannot tell (then the python
    validator decides, as it always did)."""
    try:
        return bool(_fast_validator(definition).is_valid(document))
    except Exception:  # noqa: BLE001 - any doubt goes to the python validator
        return False


def _check_against(source: SourceFile, definition: str) -> list[Diagnostic]:
    """The meta-schema's verdict on one file, in words (taskbind.schema_errors), each error located
    at the key or value to fix.

    A valid file, the usual case, is confirmed by jsonschema-rs (about 100x faster: the python
    validator took 0.7 s of a generate at 1,000 synthetic methods, docs/performance.md); only a file
    it rejects goes through the python validator, whose errors taskbind explains. Both implement
    draft 2020-12 and the meta-schema's patterns are plain ASCII classes, so they agree on validity;
    where they could differ (Python's `$` also matches before a final newline), the fast one is the
    stricter, and the python validator has the last word."""
    from .schema_errors import explain

    if _valid_fast(source.document, definition):
        return []
    schema = _meta_schema(definition)
    return explain(source, jsonschema.Draft202012Validator(schema).iter_errors(source.document))


@dataclass
class _Declared:
    """Something a module declared, with where and by whom."""

    module: str
    location: Location
    body: Any


@dataclass
class _Index:
    """Every declaration across all modules, for resolving references."""

    order: list[str]
    requires: dict[str, list[str]] = field(default_factory=dict)
    types: dict[str, _Declared] = field(default_factory=dict)
    derived: dict[str, _Declared] = field(default_factory=dict)  # variants and envelopes
    methods: dict[str, _Declared] = field(default_factory=dict)
    errors: dict[str, _Declared] = field(default_factory=dict)
    capabilities: dict[str, _Declared] = field(default_factory=dict)

    def visible(self, module: str) -> set[str]:
        """The module and everything it requires, transitively."""
        seen, stack = set(), [module]
        while stack:
            current = stack.pop()
            if current not in seen:
                seen.add(current)
                stack.extend(self.requires.get(current, []))
        return seen


class _Checker:
    def __init__(self, raw: RawSpec):
        self.raw = raw
        self.diagnostics: list[Diagnostic] = list(raw.problems)
        self.index = _Index(order=list(raw.modules))

    def error(self, where: Location, message: str) -> None:
        self.diagnostics.append(Diagnostic(where, message))

    # -- declarations ------------------------------------------------------------------------

    def _declare(self, table: dict[str, _Declared], kind: str, name: str, decl: _Declared) -> None:
        if name in table:
            first = table[name]
            self.error(
                decl.location,
                f"duplicate {kind} name {name!r} (first defined in module {first.module!r} at {first.location})",
            )
        else:
            table[name] = decl

    def collect(self) -> None:
        for position, (name, source) in enumerate(self.raw.modules.items()):
            doc = source.document
            if doc.get("module") != name:
                self.error(doc.where("module"), f"module name {doc.get('module')!r} must equal the file name {name!r}")
            earlier = self.index.order[:position]
            requires = list(doc.get("requires", []))
            for i, required in enumerate(requires):
                if required not in self.index.order:
                    self.error(doc["requires"].where(i), f"requires unknown module {required!r}{did_you_mean(required, self.index.order)}")
                elif required not in earlier:
                    self.error(doc["requires"].where(i), f"requires {required!r}, which the manifest lists after {name!r}")
            self.index.requires[name] = [r for r in requires if r in earlier]
            for type_name, body in doc.get("types", {}).items():
                self._declare(self.index.types, "type", type_name, _Declared(name, doc["types"].where(type_name), body))
            for method, body in doc.get("methods", {}).items():
                self._declare(self.index.methods, "method", method, _Declared(name, doc["methods"].where(method), body))
            for error_name, body in doc.get("errors", {}).items():
                self._declare(self.index.errors, "error", error_name, _Declared(name, doc["errors"].where(error_name), body))
            for cap, body in doc.get("capabilities", {}).items():
                self._declare(self.index.capabilities, "capability", cap, _Declared(name, doc["capabilities"].where(cap), body))
        self._collect_derived_names()

    def _collect_derived_names(self) -> None:
        """Names the generator will create must not clash with declared ones either."""
        def claim(name: str, decl: _Declared, what: str) -> None:
            if name in self.index.types:
                self.error(decl.location, f"{what} {name!r} clashes with the type declared at {self.index.types[name].location}")
            else:
                self._declare(self.index.derived, "derived type", name, decl)

        for method, decl in self.index.methods.items():
            body = decl.body
            if body.get("params") or body.get("message"):
                claim(envelope_name(method, body), decl, f"envelope of {method}")
            if body.get("kind") == "request" and body.get("result"):
                claim(response_name(body), decl, f"response envelope of {method}")

    # -- references --------------------------------------------------------------------------

    def _visible_names(self, table: dict[str, _Declared], module: str) -> list[str]:
        """The names of `table` that `module` can use: candidates for "did you mean"."""
        visible = self.index.visible(module)
        return [name for name, decl in table.items() if decl.module in visible]

    def _type_exists(self, name: str, module: str, where: Location, context: str) -> bool:
        decl = self.index.types.get(name)
        if decl is None:
            self.error(where, f"{context}: unknown type {name!r}{did_you_mean(name, self._visible_names(self.index.types, module))}")
            return False
        if decl.module not in self.index.visible(module):
            self.error(where, f"{context}: type {name!r} belongs to module {decl.module!r}, which {module!r} does not require")
            return False
        return True

    def _check_expr(self, text: str, module: str, where: Location, context: str) -> None:
        try:
            expr = parse_type(text)
        except TypeExprError as exc:
            self.error(where, f"{context}: {exc}")
            return
        for name in referenced_names(expr):
            self._type_exists(name, module, where, context)

    def _check_fields(self, fields: LocatedDict, module: str, owner: str) -> None:
        for wire, spec in fields.items():
            where = fields.where(wire)
            if "type" in spec:
                self._check_expr(spec["type"], module, spec.where("type"), f"{owner}.{wire}")
            if "enum" in spec and spec.get("type") != "string":
                self.error(where, f"{owner}.{wire}: `enum` needs `type: string`")
            if spec.get("nullable") and "const" in spec:
                self.error(where, f"{owner}.{wire}: a const field cannot be nullable")

    def _kind(self, name: str) -> str | None:
        decl = self.index.types.get(name)
        return decl.body.get("kind") if decl else None

    def _object_fields(self, name: str) -> dict[str, Any]:
        """The flattened fields of an object type, including every module's extensions."""
        return {wire: decl.body for wire, decl in self.merged.object_fields(name).items()}

    # -- rules -------------------------------------------------------------------------------

    def check_types(self) -> None:
        for name, decl in self.index.types.items():
            body, module, where = decl.body, decl.module, decl.location
            kind = body["kind"]
            if kind == "object":
                for i, base in enumerate(body.get("extends", [])):
                    if self._type_exists(base, module, body["extends"].where(i), f"{name} extends"):
                        if self._kind(base) != "object":
                            self.error(body["extends"].where(i), f"{name} extends {base!r}, which is not an object")
                self._check_extends_cycle(name, where)
                if "fields" in body:
                    self._check_fields(body["fields"], module, name)
                if "extra" in body:
                    self._check_expr(body["extra"], module, body.where("extra"), f"{name} extra")
                    if body.get("open") is False:
                        self.error(body.where("extra"), f"{name}: `extra` needs an open object")
            elif kind == "alias":
                self._check_expr(body["type"], module, body.where("type"), name)
            elif kind == "union":
                self._check_union(name, decl)

    def _check_extends_cycle(self, name: str, where: Location) -> None:
        stack = [(name, [name])]
        while stack:
            current, path = stack.pop()
            decl = self.index.types.get(current)
            for base in decl.body.get("extends", []) if decl else []:
                if base == name:
                    self.error(where, f"{name}: `extends` cycle {' -> '.join(path + [base])}")
                    return
                if base not in path:
                    stack.append((base, path + [base]))

    def _check_union(self, name: str, decl: _Declared) -> None:
        body, module = decl.body, decl.module
        discriminator = body.get("discriminator")
        if "over" in body:
            over = body["over"]
            if not self._type_exists(over, module, body.where("over"), f"{name} over"):
                return
            if self._kind(over) != "union":
                self.error(body.where("over"), f"{name}: `over` must name a union, {over!r} is not one")
                return
            base_discriminator = self.index.types[over].body.get("discriminator")
            if discriminator != base_discriminator:
                self.error(body.where("over"), f"{name}: discriminator must equal {over}'s ({base_discriminator!r})")
            with_ = body.get("with", LocatedDict())
            for i, base in enumerate(with_.get("extends", [])):
                self._type_exists(base, module, with_["extends"].where(i), f"{name} with.extends")
            if "fields" in with_:
                self._check_fields(with_["fields"], module, name)
            for variant in self.merged.variants(name):
                derived = variant.name
                if derived in self.index.types:
                    self.error(body.where("variant_name"), f"{name}: derived variant {derived!r} clashes with a declared type")
            return
        values: dict[Any, str] = {}
        for decl_variant in self.merged.variants(name):
            variant, declared_by, where = decl_variant.name, decl_variant.module, decl_variant.location
            if not self._type_exists(variant, declared_by, where, f"{name} variant"):
                continue
            if discriminator is None:
                continue
            if self._kind(variant) != "object":
                self.error(where, f"{name}: variant {variant!r} must be an object to carry discriminator {discriminator!r}")
                continue
            field_spec = self._object_fields(variant).get(discriminator)
            if field_spec is None or "const" not in field_spec:
                self.error(where, f"{name}: variant {variant!r} has no const field {discriminator!r}")
                continue
            value = field_spec["const"]
            if value in values:
                self.error(where, f"{name}: variants {values[value]!r} and {variant!r} share discriminator value {value!r}")
            values[value] = variant

    def check_methods(self) -> None:
        for method, decl in self.index.methods.items():
            body, module, where = decl.body, decl.module, decl.location
            params = body.get("params")
            if params and self._type_exists(params, module, body.where("params"), f"{method} params"):
                if self._kind(params) not in ("object", "union"):
                    self.error(body.where("params"), f"{method}: params {params!r} must be an object or a union of objects")
                elif body.get("routing_field") and body["routing_field"] not in self._object_fields(params):
                    self.error(body.where("routing_field"), f"{method}: routing_field {body['routing_field']!r} is not a field of {params}")
            if body.get("result"):
                self._type_exists(body["result"], module, body.where("result"), f"{method} result")
            for i, entry in enumerate(body.get("errors", [])):
                self._error_exists(entry["error"], module, body["errors"].where(i), method)
            cap = body.get("capability")
            if cap is not None:
                if cap not in self.index.capabilities:
                    self.error(body.where("capability"), f"{method}: unknown capability {cap!r}{did_you_mean(cap, self.index.capabilities)}")
                elif body.get("setting"):
                    settings = self.index.capabilities[cap].body.get("settings")
                    if body["setting"] not in self._object_fields(settings or ""):
                        self.error(body.where("setting"), f"{method}: {body['setting']!r} is not a setting of capability {cap!r}"
                                   f"{did_you_mean(body['setting'], self._object_fields(settings or ''))}")
            elif body.get("setting"):
                self.error(body.where("setting"), f"{method}: `setting` needs `capability`")

    def _error_exists(self, name: str, module: str, where: Location, context: str) -> None:
        decl = self.index.errors.get(name)
        if decl is None:
            self.error(where, f"{context}: unknown error {name!r}{did_you_mean(name, self._visible_names(self.index.errors, module))}")
        elif decl.module not in self.index.visible(module):
            self.error(where, f"{context}: error {name!r} belongs to module {decl.module!r}, which {module!r} does not require")

    def check_errors_and_capabilities(self) -> None:
        codes: dict[int, str] = {}
        for name, decl in self.index.errors.items():
            code = decl.body["code"]
            if code in codes:
                self.error(decl.location, f"error {name!r} reuses code {code} of {codes[code]!r}")
            codes[code] = name
            if "data" in decl.body:
                self._type_exists(decl.body["data"], decl.module, decl.body.where("data"), f"error {name} data")
        for cap, decl in self.index.capabilities.items():
            if "settings" in decl.body and self._type_exists(decl.body["settings"], decl.module, decl.body.where("settings"), f"capability {cap}"):
                if self._kind(decl.body["settings"]) != "object":
                    self.error(decl.body.where("settings"), f"capability {cap}: settings must be an object type")
        for module, source in self.raw.modules.items():
            for method, body in source.document.get("removed_methods", {}).items():
                self._error_exists(body["error"], module, source.document["removed_methods"].where(method), method)
                if method in self.index.methods:
                    self.error(source.document["removed_methods"].where(method), f"{method} is both a method and a removed method")

    def check_extensions(self) -> None:
        for module, source in self.raw.modules.items():
            extend = source.document.get("extend", {})
            for name, ext in extend.get("types", {}).items():
                where = extend["types"].where(name)
                if not self._type_exists(name, module, where, "extend"):
                    continue
                target = self.index.types[name]
                if target.module == module:
                    self.error(where, f"extend: {name!r} is declared in this module; edit it instead")
                kind = target.body["kind"]
                for key, wanted in (("fields", "object"), ("values", "enum"), ("variants", "union")):
                    if key in ext and kind != wanted:
                        self.error(ext.where(key), f"extend {name}: `{key}` needs a {wanted}, {name!r} is a {kind}")
                if "variants" in ext and "over" in target.body:
                    self.error(ext.where("variants"), f"extend {name}: variants of a derived union follow {target.body['over']}")
                if "fields" in ext:
                    self._check_fields(ext["fields"], module, name)
                    own = target.body.get("fields", {})
                    for wire in ext["fields"]:
                        if wire in own:
                            self.error(ext["fields"].where(wire), f"extend {name}: field {wire!r} already exists; extensions only add")
                for value in ext.get("values", {}):
                    if value in target.body.get("values", {}):
                        self.error(ext["values"].where(value), f"extend {name}: value {value!r} already exists")
                for i, variant in enumerate(ext.get("variants", [])):
                    self._type_exists(variant, module, ext["variants"].where(i), f"extend {name} variant")

    def check_lifecycle(self) -> None:
        statuses: dict[str, tuple[str, Any]] = {}
        owner = None
        for module, source in self.raw.modules.items():
            doc = source.document
            for section, is_extension in ((doc.get("lifecycle"), False), (doc.get("extend", {}).get("lifecycle"), True)):
                if section is None:
                    continue
                if not is_extension:
                    if owner is not None:
                        self.error(doc.where("lifecycle"), f"lifecycle already declared by module {owner!r}; use extend.lifecycle")
                    owner = module
                for status, body in section.get("statuses", {}).items():
                    if status in statuses:
                        # The first declaration stays: the others' references must not be blamed on this one.
                        self.error(section["statuses"].where(status), f"status {status!r} already declared by {statuses[status][0]!r}")
                        continue
                    statuses[status] = (module, body)
        for module, source in self.raw.modules.items():
            doc = source.document
            for section in (doc.get("lifecycle"), doc.get("extend", {}).get("lifecycle")):
                if section is not None:
                    self._check_lifecycle_section(module, section, statuses)
        if owner is None:
            return
        lifecycle = self.raw.modules[owner].document["lifecycle"]
        status_type = lifecycle.get("status_type")
        if status_type and self._kind(status_type) == "enum":
            values = {v.value for v in self.merged.enum_values(status_type)}
            missing, extra = values - set(statuses), set(statuses) - values
            for status in sorted(missing):
                self.error(lifecycle.where("statuses"), f"lifecycle: enum {status_type} has {status!r}, which no lifecycle status declares")
            for status in sorted(extra):
                self.error(lifecycle.where("statuses"), f"lifecycle: status {status!r} is not a value of {status_type}")

    def _check_lifecycle_section(self, module: str, section: LocatedDict, statuses: dict) -> None:
        visible = self.index.visible(module)

        def known_status(name: str, where: Location, context: str) -> None:
            if name not in statuses:
                self.error(where, f"{context}: unknown status {name!r}{did_you_mean(name, statuses)}")
            elif statuses[name][0] not in visible:
                self.error(where, f"{context}: status {name!r} belongs to module {statuses[name][0]!r}, which {module!r} does not require")

        def known_method(name: str, where: Location, context: str) -> None:
            decl = self.index.methods.get(name)
            if decl is None:
                self.error(where, f"{context}: unknown method {name!r}{did_you_mean(name, self._visible_names(self.index.methods, module))}")
            elif decl.module not in visible:
                self.error(where, f"{context}: method {name!r} belongs to module {decl.module!r}, which {module!r} does not require")

        for status, body in section.get("statuses", {}).items():
            for i, method in enumerate(body.get("accepts", [])):
                known_method(method, body["accepts"].where(i), f"status {status} accepts")
        for status, methods in section.get("accepts", {}).items():
            known_status(status, section["accepts"].where(status), "accepts")
            for i, method in enumerate(methods):
                known_method(method, methods.where(i), f"accepts {status}")
                if status in statuses and method in statuses[status][1].get("accepts", []):
                    self.error(methods.where(i), f"accepts {status}: {method!r} is already accepted")
        for i, transition in enumerate(section.get("transitions", [])):
            where = section["transitions"].where(i)
            known_status(transition["from"], where, "transition from")
            known_status(transition["to"], where, "transition to")
            if transition["trigger"] != "server":
                known_method(transition["trigger"], where, "transition trigger")
            source = statuses.get(transition["from"])
            if source and source[1].get("terminal"):
                self.error(where, f"transition from terminal status {transition['from']!r}: a terminal status never changes")
        for i, status in enumerate(section.get("initial", [])):
            known_status(status, section["initial"].where(i), "initial")
        if "refusal_error" in section:
            self._error_exists(section["refusal_error"], module, section.where("refusal_error"), "lifecycle refusal_error")
        if "status_type" in section:
            self._type_exists(section["status_type"], module, section.where("status_type"), "lifecycle status_type")

    def check_invariants(self) -> None:
        seen: dict[str, Location] = {}
        for module, source in self.raw.modules.items():
            invariants = source.document.get("invariants", [])
            for i, invariant in enumerate(invariants):
                where = invariants.where(i)
                if invariant["id"] in seen:
                    self.error(where, f"duplicate invariant id {invariant['id']!r} (first at {seen[invariant['id']]})")
                seen[invariant["id"]] = where
                if invariant["rule"] not in INVARIANT_RULES:
                    self.error(where, f"invariant {invariant['id']}: unknown rule {invariant['rule']!r} (known: {', '.join(INVARIANT_RULES)})")
                if "field" in invariant:
                    type_name, wire = invariant["field"].split(".", 1)
                    if self._type_exists(type_name, module, where, f"invariant {invariant['id']}"):
                        if wire not in self._object_fields(type_name):
                            self.error(where, f"invariant {invariant['id']}: {type_name} has no field {wire!r}"
                                       f"{did_you_mean(wire, self._object_fields(type_name))}")

    def check_examples(self) -> None:
        for module, source in self.raw.examples.items():
            names: dict[str, Location] = {}
            for i, example in enumerate(source.document or []):
                where = source.document.where(i)
                if example["name"] in names:
                    self.error(where, f"duplicate example name {example['name']!r} (first at {names[example['name']]})")
                names[example["name"]] = where
                value, problem = parse_example_json(example["json"])
                if problem is not None:
                    self.error(example.where("json"), f"example {example['name']}: {problem}")
                elif _depth(value) > MAX_JSON_DEPTH:
                    self.error(example.where("json"), f"example {example['name']}: JSON nested deeper than {MAX_JSON_DEPTH} levels")
                visible = self.index.visible(module)
                if "message" in example:
                    decl = self.index.methods.get(example["message"])
                    removed = any(example["message"] in self.raw.modules[m].document.get("removed_methods", {}) for m in visible)
                    if decl is None and not removed:
                        self.error(example.where("message"), f"example {example['name']}: unknown method {example['message']!r}"
                                   f"{did_you_mean(example['message'], self._visible_names(self.index.methods, module))}")
                    elif decl is not None:
                        if decl.module not in visible:
                            self.error(example.where("message"), f"example {example['name']}: method {example['message']!r} belongs to module {decl.module!r}")
                        kind, role = decl.body["kind"], example["role"]
                        if (kind == "notification") != (role == "notification"):
                            self.error(example.where("role"), f"example {example['name']}: a {kind} has no role {role!r}")
                if "type" in example:
                    self._type_exists(example["type"], module, example.where("type"), f"example {example['name']}")

    def check_alias_cycles(self) -> None:
        """An alias that leads back to itself, and a union that lists itself (directly or through
        aliases and unions), name no value at all: the schema and the models would recurse."""
        def members(name: str) -> list[str]:
            decl = self.index.types.get(name)
            if decl is None:
                return []
            kind = decl.body.get("kind")
            if kind == "alias":
                try:
                    return sorted(set(referenced_names(parse_type(decl.body["type"]))) & self._bare_names(decl.body["type"]))
                except TypeExprError:
                    return []
            if kind == "union" and "over" not in decl.body:
                return [v.name for v in self.merged.variants(name)]
            return []

        for name, decl in self.index.types.items():
            if decl.body.get("kind") not in ("alias", "union"):
                continue
            stack = [(name, [name])]
            while stack:
                current, path = stack.pop()
                for member in members(current):
                    if member == name:
                        what = "alias" if decl.body["kind"] == "alias" else "union"
                        self.error(decl.location, f"{name}: {what} cycle {' -> '.join(path + [member])} (a type cannot consist of itself)")
                        stack = []
                        break
                    if member not in path:
                        stack.append((member, path + [member]))

    @staticmethod
    def _bare_names(text: str) -> set[str]:
        """Names a type expression refers to as itself (not inside list<> or map<>, which stay finite)."""
        import re

        return {part.strip() for part in re.sub(r"(list|map)<[^<>]*(<[^<>]*>)*[^<>]*>", "", text).split("|") if part.strip()}

    def check_setting_names(self) -> None:
        """Capability settings become keyword arguments and attributes: identifiers everywhere."""
        for cap, decl in self.index.capabilities.items():
            settings = decl.body.get("settings")
            if not settings or self._kind(settings) != "object":
                continue
            for wire, field_decl in self.merged.object_fields(settings).items():
                if not is_python_identifier(wire) or not wire.isascii():
                    self.error(field_decl.location, f"capability {cap}: setting {wire!r} of {settings} must be an ASCII identifier, "
                               "not a keyword (it becomes a Python keyword argument)")

    def check_manifest(self) -> None:
        doc = self.raw.manifest.document
        version = doc.get("version")
        if isinstance(version, str) and not _PEP440.fullmatch(version):
            self.error(doc.where("version"), f"version {version!r} must be a PEP 440 version such as 1.2.0 or 0.1.0rc1 "
                       "(it is the generated package's version)")
        for key in ("name", "title", "protocol_version", "extension_id"):
            if isinstance(doc.get(key), str) and not doc[key].strip():
                self.error(doc.where(key), f"{key} must not be empty")

    def check_python_names(self) -> None:
        """Every method's Python name (derived or `python_name:`) is an identifier and unique."""
        seen: dict[str, str] = {}
        for method, decl in self.index.methods.items():
            given = decl.body.get("python_name")
            if given is not None and not is_python_identifier(given):
                self.error(decl.body.where("python_name"), f"{method}: python_name {given!r} is not a Python identifier (or is a keyword)")
                continue
            name = function_name(method, given)
            if name in seen:
                self.error(decl.location, f"{method}: Python name {name!r} is also {seen[name]}'s; give one of them `python_name:`")
            seen.setdefault(name, method)

    def check_roles(self) -> None:
        """Each role is declared once, and names a visible element of the kind the role needs."""
        declared: dict[str, Location] = {}
        statuses = self._statuses()
        for module, source in self.raw.modules.items():
            roles = source.document.get("roles", {})
            for role, value in roles.items():
                where = roles.where(role)
                if role in declared:
                    self.error(where, f"role {role} is already declared at {declared[role]}")
                    continue
                declared[role] = where
                self._check_role(role, ROLE_KINDS[role], str(value), module, where, statuses)

    def _statuses(self) -> dict[str, str]:
        """Every lifecycle status -> the module that declared it."""
        found: dict[str, str] = {}
        for module, source in self.raw.modules.items():
            doc = source.document
            for section in (doc.get("lifecycle"), doc.get("extend", {}).get("lifecycle")):
                for status in (section or {}).get("statuses", {}):
                    found.setdefault(status, module)
        return found

    def _check_role(self, role: str, kind: str, value: str, module: str, where: Location, statuses: dict[str, str]) -> None:
        context, visible = f"role {role}", self.index.visible(module)
        if kind == "module":
            if value not in visible:
                self.error(where, f"{context}: {value!r} is not this module or one it requires")
        elif kind in ("object", "union"):
            if self._type_exists(value, module, where, context) and self._kind(value) != kind:
                self.error(where, f"{context}: {value!r} is a {self._kind(value)}, the role needs a {kind}")
        elif kind in ("request", "notification"):
            decl = self.index.methods.get(value)
            if decl is None or decl.module not in visible:
                self.error(where, f"{context}: no method {value!r} in this module or one it requires"
                           f"{did_you_mean(value, self._visible_names(self.index.methods, module))}")
            elif decl.body.get("kind") != kind:
                self.error(where, f"{context}: {value!r} is a {decl.body.get('kind')}, the role needs a {kind}")
        elif kind == "status":
            if statuses.get(value) not in visible:
                self.error(where, f"{context}: no lifecycle status {value!r} in this module or one it requires"
                           f"{did_you_mean(value, [s for s, owner in statuses.items() if owner in visible])}")
        elif kind == "field":
            type_name, _, wire = value.partition(".")
            if not wire:
                self.error(where, f"{context}: {value!r} must name a field as Type.field")
            elif self._type_exists(type_name, module, where, context) and wire not in self._object_fields(type_name):
                self.error(where, f"{context}: {type_name} has no field {wire!r}{did_you_mean(wire, self._object_fields(type_name))}")
        elif kind == "error":
            self._error_exists(value, module, where, context)

    def run(self) -> list[Diagnostic]:
        files = [(self.raw.manifest, "manifest")]
        files += [(source, "module") for source in self.raw.modules.values()]
        files += [(source, "examples") for source in self.raw.examples.values()]
        for source, definition in files:
            self.diagnostics += _check_against(source, definition)
        for path in self.raw.unlisted:
            # An error, not a warning: a file that is never read looks like part of the spec.
            self.error(Location(path, 1, 1), f"{path} is not read: the manifest ({MANIFEST}) does not list "
                       f"module {Path(path).stem!r} (a module file is modules/<name>.yaml, its examples examples/<name>.yaml)")
        if len(self.diagnostics) > len(self.raw.problems):
            # Semantic rules assume well-formed documents; report the shape problems first.
            return self.diagnostics
        self.merged = Merged({name: source.document for name, source in self.raw.modules.items()})
        self.collect()
        self.check_types()
        self.check_extensions()
        self.check_methods()
        self.check_errors_and_capabilities()
        self.check_lifecycle()
        self.check_invariants()
        self.check_examples()
        self.check_python_names()
        self.check_roles()
        self.check_alias_cycles()
        self.check_setting_names()
        self.check_manifest()
        return self.diagnostics


def validate(raw: RawSpec) -> list[Diagnostic]:
    """Every problem of the spec as a whole (all modules), sorted by location."""
    return sorted(set(_Checker(raw).run()), key=lambda d: (d.location, d.message))

