"""Named types and their fields: what changed between the two specs' type systems.

Types are matched by name; a removed and an added type of the same shape are one renamed type.
Fields are matched by wire name; a removed and an added field of the same type in one object are
one field renamed on the wire.
"""

from __future__ import annotations

from .. import ir
from ..diagnostics import Location
from .rules import Reporter
from .shapes import describe_constraints, describe_field, json_literal, renamed, type_shape


def user_types(spec: ir.Spec) -> dict[str, ir.NamedType]:
    # Envelopes are derived from methods; their changes are the methods' changes.
    return {t.name: t for t in spec.types if getattr(t, "role", "type") != "envelope"}


def find_renames(old: dict[str, ir.NamedType], new: dict[str, ir.NamedType]) -> dict[str, str]:
    """Pair removed and added types of equal shape, one to one. Repeat: renaming one type can make
    equal the shapes of the types that refer to it."""
    removed = [name for name in old if name not in new]
    added = [name for name in new if name not in old]
    renames: dict[str, str] = {}
    while True:
        new_shapes: dict[tuple, list[str]] = {}
        for name in added:
            if name not in renames.values():
                new_shapes.setdefault(type_shape(new[name], {}), []).append(name)
        old_shapes: dict[tuple, list[str]] = {}
        for name in removed:
            if name not in renames:
                old_shapes.setdefault(type_shape(old[name], renames), []).append(name)
        # Only unambiguous pairs: two empty objects removed and two added could be paired any way.
        found = {
            olds[0]: new_shapes[shape][0]
            for shape, olds in old_shapes.items()
            if len(olds) == 1 and len(new_shapes.get(shape, ())) == 1
        }
        if not found:
            return renames
        renames.update(found)


class TypeComparison:
    def __init__(self, old: ir.Spec, new: ir.Spec, report: Reporter):
        self.old_types, self.new_types = user_types(old), user_types(new)
        self.renames = find_renames(self.old_types, self.new_types)  # old name -> new name
        self.report = report
        # A capability's settings object: its fields are settings, with rules of their own.
        self.settings_of = {c.settings: c.id for c in new.capabilities if c.settings}

    def renamed(self, old_name: str | None) -> str | None:
        return self.renames.get(old_name, old_name) if old_name is not None else None

    def same_shape(self, old_name: str | None, new_name: str | None) -> bool:
        # No name (a method without params on that side) finds no type: `get(None)` is None.
        before, after = self.old_types.get(old_name), self.new_types.get(new_name)
        return (
            before is not None
            and after is not None
            and type_shape(before, self.renames) == type_shape(after, {})
        )

    def same_expr(self, old: ir.TypeExpr | None, new: ir.TypeExpr | None) -> bool:
        return renamed(old, self.renames) == new

    def run(self) -> None:
        renamed_to = set(self.renames.values())
        for name, t in self.old_types.items():
            if name in self.renames:
                after = self.new_types[self.renames[name]]
                self.report(
                    "type-renamed",
                    f"type {after.name}",
                    name,
                    after.name,
                    at=after.provenance.location,
                )
            elif name not in self.new_types:
                self.report(
                    "type-removed", f"type {name}", t.kind, None, old_at=t.provenance.location
                )
        for name, t in self.new_types.items():
            if name not in self.old_types and name not in renamed_to:
                self.report("type-added", f"type {name}", None, t.kind, at=t.provenance.location)
        for name, t in self.new_types.items():
            if name in self.old_types:
                self.compare_type(self.old_types[name], t)

    def compare_type(self, old: ir.NamedType, new: ir.NamedType) -> None:
        element, at = f"type {new.name}", new.provenance.location
        if old.kind != new.kind:
            self.report("type-kind-changed", element, old.kind, new.kind, at=at)
        elif isinstance(new, ir.ObjectType):
            self.compare_object(old, new)
        elif isinstance(new, ir.EnumType):
            self.compare_values(
                element, [v.value for v in old.values], [v.value for v in new.values], at
            )
        elif isinstance(new, ir.AliasType):
            if not self.same_expr(old.type, new.type):
                self.report("alias-target-changed", element, str(old.type), str(new.type), at=at)
        else:
            self.compare_union(old, new)

    def compare_values(self, element: str, old: list[str], new: list[str], at: Location) -> None:
        for value in old:
            if value not in new:
                self.report("enum-value-removed", f"{element} value {value!r}", value, None, at=at)
        for value in new:
            if value not in old:
                self.report("enum-value-added", f"{element} value {value!r}", None, value, at=at)

    def compare_union(self, old: ir.UnionType, new: ir.UnionType) -> None:
        element, at = f"type {new.name}", new.provenance.location
        if old.discriminator != new.discriminator:
            self.report(
                "discriminator-changed", element, old.discriminator, new.discriminator, at=at
            )
        before = [self.renamed(v.type_name) for v in old.variants]
        after = {v.type_name: v for v in new.variants}
        for variant in old.variants:
            if self.renamed(variant.type_name) not in after:
                self.report(
                    "union-variant-removed",
                    f"{element} variant {variant.type_name}",
                    variant.type_name,
                    None,
                    at=at,
                )
        for name, variant in after.items():
            if name not in before:
                self.report(
                    "union-variant-added",
                    f"{element} variant {name}",
                    None,
                    name,
                    at=variant.provenance.location,
                )

    # -- object fields -------------------------------------------------------------------------

    def one_sided_field(
        self,
        obj: ir.ObjectType,
        f: ir.Field,
        other: dict[str, ir.NamedType],
        renames: dict[str, str],
    ) -> str:
        """Name a field that `obj` has on one side only. A field is named after the type that
        declares it, so that Task losing ttlMs is reported once, not once per subtype; but when the
        declaring type keeps the field on the other side, only `obj` changed (it gained or dropped
        a base), and the change is named after `obj`."""
        if not f.declared_in or f.declared_in == obj.name:
            return f"field {obj.name}.{f.wire_name}"
        declaring = other.get(renames.get(f.declared_in, f.declared_in))
        if isinstance(declaring, ir.ObjectType) and declaring.field(f.wire_name) is not None:
            return f"field {obj.name}.{f.wire_name}"
        return f"field {f.declared_in}.{f.wire_name}"

    def two_sided_field(self, obj: ir.ObjectType, old: ir.Field, new: ir.Field) -> str:
        """Name a field present on both sides: after its declaring type unless that moved."""
        if new.declared_in and self.renamed(old.declared_in) == new.declared_in:
            return f"field {new.declared_in}.{new.wire_name}"
        return f"field {obj.name}.{new.wire_name}"

    def compare_object(self, old: ir.ObjectType, new: ir.ObjectType) -> None:
        element, at = f"type {new.name}", new.provenance.location
        if old.open and not new.open:
            self.report("object-closed", element, "open", "closed", at=at)
        elif new.open and not old.open:
            self.report("object-opened", element, "closed", "open", at=at)
        if not self.same_expr(old.extra, new.extra):
            self.report("object-extra-changed", element, old.extra, new.extra, at=at)

        before = {f.wire_name: f for f in old.fields}
        after = {f.wire_name: f for f in new.fields}
        removed = [f for name, f in before.items() if name not in after]
        added = [f for name, f in after.items() if name not in before]
        setting_of = self.settings_of.get(new.name)
        for gone in removed:
            twin = next(
                (f for f in added if f.const == gone.const and self.same_expr(gone.type, f.type)),
                None,
            )
            if setting_of is not None:
                self.report(
                    "capability-setting-removed",
                    f"setting {setting_of} {gone.wire_name}",
                    describe_field(gone),
                    None,
                    at=at,
                )
            elif twin is not None:
                added.remove(twin)
                field = self.two_sided_field(new, gone, twin)
                self.report(
                    "field-renamed",
                    field,
                    gone.wire_name,
                    twin.wire_name,
                    at=twin.provenance.location,
                )
                self.compare_field(field, gone, twin)
            else:
                field = self.one_sided_field(old, gone, self.new_types, self.renames)
                self.report("field-removed", field, describe_field(gone), None, at=at)
        inverse = {new_name: old_name for old_name, new_name in self.renames.items()}
        for f in added:
            if setting_of is not None and not f.required:
                rule, field = "capability-setting-added", f"setting {setting_of} {f.wire_name}"
            else:
                rule = "required-field-added" if f.required else "optional-field-added"
                field = self.one_sided_field(new, f, self.old_types, inverse)
            self.report(rule, field, None, describe_field(f), at=f.provenance.location)
        for name, f in after.items():
            if name in before:
                self.compare_field(self.two_sided_field(new, before[name], f), before[name], f)

    def compare_field(self, element: str, old: ir.Field, new: ir.Field) -> None:
        at = new.provenance.location
        if old.is_const and new.is_const:
            if old.const != new.const or type(old.const) is not type(new.const):
                self.report("const-value-changed", element, json_literal(old.const), json_literal(new.const), at=at)
        elif old.is_const != new.is_const or not self.same_expr(old.type, new.type):
            self.report(
                "field-type-changed", element, describe_field(old), describe_field(new), at=at
            )
        if new.required and not old.required:
            self.report("field-made-required", element, "optional", "required", at=at)
        elif old.required and not new.required:
            self.report("field-made-optional", element, "required", "optional", at=at)
        if old.nullable and not new.nullable:
            self.report("field-made-non-nullable", element, "nullable", "non-nullable", at=at)
        elif new.nullable and not old.nullable:
            self.report("field-made-nullable", element, "non-nullable", "nullable", at=at)
        if old.enum and new.enum:
            self.compare_values(element, list(old.enum), list(new.enum), at)
        elif old.enum != new.enum:  # an inline enum appeared or disappeared: another type
            self.report(
                "field-type-changed", element, describe_field(old), describe_field(new), at=at
            )
        if old.constraints != new.constraints:
            self.report(
                "field-constraints-changed",
                element,
                describe_constraints(old.constraints),
                describe_constraints(new.constraints),
                at=at,
            )
