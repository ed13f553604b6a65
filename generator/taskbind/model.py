"""Stage 3, model: merge the selected modules of a validated spec into the frozen IR.

Only called on a spec that passed validate, so lookups here do not re-check what validate checks.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from . import ir
from .diagnostics import Diagnostic, Location, SpecError, did_you_mean
from .load import LocatedDict, RawSpec
from .merge import Merged, layered
from .naming import envelope_name, response_name
from .typeexpr import parse_type

_CONSTRAINT_KEYS = ("minimum", "maximum", "pattern", "min_length", "max_length", "min_items", "max_items")


def select_modules(raw: RawSpec, requested: Iterable[str] | None) -> list[str]:
    """The requested modules and everything they require, in manifest order."""
    order = list(raw.modules)
    if requested is None:
        return order
    wanted: set[str] = set()
    stack = list(requested)
    unknown = [name for name in stack if name not in raw.modules]
    if unknown:
        where = raw.manifest.document.where("modules")
        raise SpecError([Diagnostic(where, f"--modules names unknown module(s): {', '.join(n + did_you_mean(n, order) for n in unknown)} "
                                            f"(known: {', '.join(order)})")])
    while stack:
        name = stack.pop()
        if name not in wanted:
            wanted.add(name)
            stack.extend(raw.modules[name].document.get("requires", []))
    return [name for name in order if name in wanted]


class _Builder:
    def __init__(self, raw: RawSpec, selected: list[str]):
        self.raw = raw
        self.selected = selected
        self.modules = {name: raw.modules[name].document for name in selected}
        self.merged = Merged(self.modules)
        self.flattened: dict[str, tuple[ir.Field, ...]] = {}

    def provenance(self, module: str, body: Any, where: Location) -> ir.Provenance:
        doc = self.modules[module]
        body = body if isinstance(body, dict) else {}
        return ir.Provenance(
            module=module,
            maturity=doc["maturity"],
            source=body.get("source", doc["source"]),
            location=where,
            decision=body.get("decision"),
            note=body.get("note"),
        )

    # -- types -------------------------------------------------------------------------------

    def field(self, module: str, owner: str, wire: str, body: LocatedDict) -> ir.Field:
        return ir.Field(
            wire_name=wire,
            type=parse_type(body["type"]) if "type" in body else None,
            const=body.get("const"),
            required=bool(body.get("required", False)),
            nullable=bool(body.get("nullable", False)),
            description=str(body.get("description", "")).strip(),
            provenance=self.provenance(module, body, body.location),
            enum=tuple(body.get("enum", ())),
            constraints=ir.Constraints(**{key: body[key] for key in _CONSTRAINT_KEYS if key in body}),
            format=body.get("format"),
            default=body.get("default"),
            deprecated=bool(body.get("deprecated", False)),
            declared_in=owner,
        )

    def flatten(self, bases: Iterable[str], own: list[ir.Field]) -> tuple[ir.Field, ...]:
        """`bases` fields, then `own`, by the one rule (merge.layered)."""
        layers = [((f.wire_name, f) for f in self.object_fields(base)) for base in bases]
        return tuple(layered([*layers, ((f.wire_name, f) for f in own)]).values())

    def object_fields(self, name: str) -> tuple[ir.Field, ...]:
        if name not in self.flattened:
            self.flattened[name] = tuple(
                self.field(d.module, d.owner, d.wire, d.body) for d in self.merged.object_fields(name).values()
            )
        return self.flattened[name]

    def build_types(self) -> tuple[list[ir.NamedType], dict[str, ir.ObjectType]]:
        out: list[ir.NamedType] = []
        objects: dict[str, ir.ObjectType] = {}
        for name, (module, body) in self.merged.types.items():
            prov = self.provenance(module, body, body.location)
            description = str(body.get("description", "")).strip()
            kind = body["kind"]
            if kind == "object":
                objects[name] = obj = ir.ObjectType(
                    name=name,
                    description=description,
                    provenance=prov,
                    fields=self.object_fields(name),
                    open=bool(body.get("open", True)),
                    extra=parse_type(body["extra"]) if "extra" in body else None,
                    bases=tuple(body.get("extends", [])),
                )
                out.append(obj)
            elif kind == "enum":
                values = [
                    ir.EnumValue(str(v.value), str((v.body or {}).get("description", "")).strip(), self.provenance(v.module, v.body, v.location))
                    for v in self.merged.enum_values(name)
                ]
                out.append(ir.EnumType(name, description, prov, tuple(values)))
            elif kind == "alias":
                out.append(ir.AliasType(name, description, prov, parse_type(body["type"])))
            else:
                derived = self.derived_variants(name, module, body) if "over" in body else []
                for obj in derived:
                    objects[obj.name] = obj
                out.extend(derived)
                out.append(self.union(name, module, body, objects))
        return out, objects

    def derived_variants(self, name: str, module: str, body: LocatedDict) -> list[ir.ObjectType]:
        """One object per variant of the `over` union, with the `with` bases and fields mixed in."""
        with_ = body.get("with", {})
        mixin_bases = list(with_.get("extends", []))
        mixin_fields = [self.field(module, name, wire, spec) for wire, spec in with_.get("fields", {}).items()]
        derived = []
        for variant in self.merged.variants(name):
            base_variant, variant_name = variant.base, variant.name
            assert base_variant is not None  # a union with `over` derives every variant
            variant_body = self.merged.types[base_variant][1]
            derived.append(
                ir.ObjectType(
                    name=variant_name,
                    description=str(variant_body.get("description", "")).strip(),
                    # The derived variant exists because of both modules; the variant's module is
                    # the later one (e.g. PausedTaskResult belongs to interaction).
                    provenance=self.provenance(variant.module, variant_body, variant.location),
                    fields=self.flatten([*mixin_bases, base_variant], mixin_fields),
                    open=bool(variant_body.get("open", True)),
                    bases=(*mixin_bases, base_variant),
                )
            )
        return derived

    def union(self, name: str, module: str, body: LocatedDict, objects: dict[str, ir.ObjectType]) -> ir.UnionType:
        discriminator = body.get("discriminator")
        variants = []
        for variant in self.merged.variants(name):
            value = None
            if discriminator is not None:
                fields = objects[variant.name].fields if variant.name in objects else self.object_fields(variant.name)
                value = next(f.const for f in fields if f.wire_name == discriminator)
            variants.append(ir.Variant(variant.name, value, self.provenance(variant.module, {}, variant.location)))
        return ir.UnionType(
            name=name,
            description=str(body.get("description", "")).strip(),
            provenance=self.provenance(module, body, body.location),
            variants=tuple(variants),
            discriminator=discriminator,
            over=body.get("over"),
        )

    # -- methods and envelopes ---------------------------------------------------------------

    def envelope(self, name: str, base: str, overrides: list[ir.Field], prov: ir.Provenance, description: str) -> ir.ObjectType:
        return ir.ObjectType(
            name=name,
            description=description,
            provenance=prov,
            fields=self.flatten([base], overrides),
            bases=(base,),
            role="envelope",
        )

    def build_methods(self, errors: dict[str, ir.ErrorDef], objects: dict[str, ir.ObjectType]) -> tuple[list[ir.Method], list[ir.ObjectType]]:
        methods, envelopes = [], []
        for module, doc in self.modules.items():
            for name, body in doc.get("methods", {}).items():
                prov = self.provenance(module, body, body.location)
                params = body.get("params")
                params_required = body.get("params_required")
                if params_required is None:
                    # A union of objects always needs its discriminator, hence its params.
                    params_required = bool(params) and (params not in objects or any(f.required for f in objects[params].fields))
                message = envelope_name(name, body)
                response = response_name(body) if body["kind"] == "request" else None
                method_field = ir.Field("method", None, name, True, False, "", prov, declared_in=message)
                overrides = [method_field]
                if params:
                    overrides.append(ir.Field("params", ir.Ref(params), None, params_required, False, "", prov, declared_in=message))
                base = "JSONRPCRequest" if body["kind"] == "request" else "JSONRPCNotification"
                envelopes.append(self.envelope(message, base, overrides, prov, f"The `{name}` {body['kind']}."))
                if response:
                    result_field = ir.Field("result", ir.Ref(body["result"]), None, True, False, "", prov, declared_in=response)
                    envelopes.append(self.envelope(response, "JSONRPCResultResponse", [result_field], prov, f"A successful response to `{name}`."))
                methods.append(
                    ir.Method(
                        name=name,
                        kind=body["kind"],
                        direction=body["direction"],
                        params=params,
                        params_required=params_required,
                        result=body.get("result"),
                        message=message,
                        response=response,
                        description=str(body.get("description", "")).strip(),
                        provenance=prov,
                        capability=body.get("capability"),
                        setting=body.get("setting"),
                        routing_field=body.get("routing_field"),
                        idempotent=bool(body.get("idempotent", False)),
                        python_name=body.get("python_name"),
                        errors=tuple(
                            ir.MethodError(e["error"], errors[e["error"]].code, str(e["condition"]).strip())
                            for e in body.get("errors", [])
                        ),
                    )
                )
        return methods, envelopes

    def build_errors(self) -> dict[str, ir.ErrorDef]:
        errors = {}
        for module, doc in self.modules.items():
            for name, body in doc.get("errors", {}).items():
                errors[name] = ir.ErrorDef(
                    name=name,
                    code=body["code"],
                    message=body["message"],
                    description=str(body.get("description", "")).strip(),
                    provenance=self.provenance(module, body, body.location),
                    data=body.get("data"),
                )
        return errors

    def build_removed(self, errors: dict[str, ir.ErrorDef]) -> list[ir.RemovedMethod]:
        return [
            ir.RemovedMethod(name, body["error"], errors[body["error"]].code, str(body.get("description", "")).strip(),
                             self.provenance(module, body, body.location))
            for module, doc in self.modules.items()
            for name, body in doc.get("removed_methods", {}).items()
        ]

    def build_capabilities(self) -> list[ir.Capability]:
        return [
            ir.Capability(cap, body.get("client", ""), body.get("server", ""), body.get("settings"),
                          str(body.get("description", "")).strip(), self.provenance(module, body, body.location))
            for module, doc in self.modules.items()
            for cap, body in doc.get("capabilities", {}).items()
        ]

    # -- lifecycle ---------------------------------------------------------------------------

    def build_lifecycle(self, errors: dict[str, ir.ErrorDef]) -> ir.Lifecycle | None:
        base = next(((m, d["lifecycle"]) for m, d in self.modules.items() if "lifecycle" in d), None)
        if base is None:
            return None
        sections = [(m, d["extend"]["lifecycle"]) for m, d in self.modules.items() if "lifecycle" in d.get("extend", {})]
        sections.insert(0, base)
        statuses: dict[str, dict[str, Any]] = {}
        transitions = []
        for module, section in sections:
            for status, body in section.get("statuses", {}).items():
                statuses[status] = {
                    "terminal": body["terminal"],
                    "accepts": [(method, module) for method in body.get("accepts", [])],
                    "prov": self.provenance(module, body, section["statuses"].where(status)),
                }
        for module, section in sections:
            for status, methods in section.get("accepts", {}).items():
                statuses[status]["accepts"] += [(method, module) for method in methods]
            for i, t in enumerate(section.get("transitions", [])):
                transitions.append(ir.Transition(t["from"], t["to"], t["trigger"], self.provenance(module, t, section["transitions"].where(i))))
        refusal = base[1].get("refusal_error")
        return ir.Lifecycle(
            statuses=tuple(
                ir.Status(name, s["terminal"], tuple(m for m, _ in s["accepts"]), s["prov"], tuple(s["accepts"]))
                for name, s in statuses.items()
            ),
            transitions=tuple(transitions),
            initial=tuple(base[1].get("initial", ())),
            refusal_error=refusal,
            refusal_code=errors[refusal].code if refusal else None,
        )

    def build_invariants(self) -> list[ir.Invariant]:
        return [
            ir.Invariant(inv["id"], inv["rule"], inv.get("field"), str(inv["description"]).strip(),
                         self.provenance(module, inv, doc["invariants"].where(i)))
            for module, doc in self.modules.items()
            for i, inv in enumerate(doc.get("invariants", []))
        ]

    def build_examples(self) -> list[ir.Example]:
        examples = []
        for module in self.selected:
            source = self.raw.examples.get(module)
            for i, ex in enumerate(source.document if source else []):
                examples.append(
                    ir.Example(
                        name=ex["name"],
                        module=module,
                        json_text=ex["json"],
                        value=json.loads(ex["json"]),
                        valid=ex.get("valid", True),
                        location=source.document.where(i),
                        method=ex.get("message"),
                        role=ex.get("role"),
                        type_name=ex.get("type"),
                        reason=ex.get("reason"),
                        source=ex.get("source"),
                        note=ex.get("note"),
                        title=ex.get("title"),
                    )
                )
        return examples

    def build_roles(self) -> ir.Roles:
        """The roles the selected modules declare; the others stay None."""
        found: dict[str, object] = {}
        for doc in self.modules.values():
            for role, value in doc.get("roles", {}).items():
                if ir.ROLE_KINDS[role] == "field":
                    type_name, _, wire = str(value).partition(".")
                    found[role] = ir.FieldRef(type_name, wire)
                else:
                    found[role] = str(value)
        return ir.Roles(**found)  # type: ignore[arg-type]

    def build(self) -> ir.Spec:
        errors = self.build_errors()
        types, objects = self.build_types()
        methods, envelopes = self.build_methods(errors, objects)
        manifest = self.raw.manifest.document
        return ir.Spec(
            name=manifest["name"],
            title=manifest.get("title", manifest["name"]),
            version=str(manifest["version"]),
            protocol_version=str(manifest.get("protocol_version", "")),
            extension_id=str(manifest.get("extension_id", "")),
            sha256=self.raw.sha256,
            modules=tuple(
                ir.Module(name, doc["title"], doc["maturity"], doc["source"], str(doc.get("description", "")).strip(), tuple(doc.get("requires", [])))
                for name, doc in self.modules.items()
            ),
            types=tuple(types + envelopes),
            methods=tuple(methods),
            removed_methods=tuple(self.build_removed(errors)),
            errors=tuple(errors.values()),
            capabilities=tuple(self.build_capabilities()),
            lifecycle=self.build_lifecycle(errors),
            invariants=tuple(self.build_invariants()),
            examples=tuple(self.build_examples()),
            roles=self.build_roles(),
        )


def build_model(raw: RawSpec, modules: Iterable[str] | None = None) -> ir.Spec:
    """The IR of the selected modules (all when `modules` is None) of a validated spec."""
    return _Builder(raw, select_modules(raw, modules)).build()
