"""models.py of the Python target: datamodel-code-generator's models of the IR's types, arranged.

datamodel-code-generator runs on a models-specific variant of the JSON Schema, built from the same
IR and the same field and type schemas as the published one, so models and schema cannot disagree:
the only difference is that an object with bases is written `allOf: [{$ref: base}, ..., {its own
members}]`, which makes the generator write a subclass that declares only the members its spec
text introduces or narrows. The published schema keeps each object flat (one closed-or-open object
per $def), so the instances it accepts do not change.

Its output then goes through one checked transformation, `arrange`: it parses the code, checks it
is what the IR says it must be (one class or type alias per IR type and nothing else, the bases,
the members, open or closed, enums as Literal) and raises `ModelsShapeError` naming what it
expected whenever it is not; then it orders the definitions by spec module and makes the imports
isort-clean.
"""

from __future__ import annotations

import ast
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import ir
from .schema import build_schema, object_schema, ref

_ROOT_CLASS = "SchemaDocument"  # the name the generator gives the document's root; removed
_PACKAGE = "PACKAGE"  # placeholder package of the base class; its import is made relative
_BASE_CLASS = "WireModel"

_MODULE_DOCSTRING = '''"""The protocol's types as pydantic models, one per type of the spec, grouped by spec module.

A type that extends another is its subclass. Closed string sets (enums, `status`) are `Literal`
type aliases, so a parsed value is the wire string itself. Unions, maps and scalar aliases are
type aliases: validate one with `pydantic.TypeAdapter`.
"""'''


class ModelsShapeError(RuntimeError):
    """datamodel-code-generator's output is not what the IR says it must be."""


# The schema datamodel-code-generator reads ---------------------------------------------------------


def _inherited(spec: ir.Spec, t: ir.ObjectType, f: ir.Field) -> ir.Field | None:
    """The field a Python subclass of `t` would inherit under `f`'s wire name (bases in MRO order)."""
    for base in t.bases:
        named = spec.type(base)
        if isinstance(named, ir.ObjectType):
            found = named.field(f.wire_name)
            if found is not None:
                return found
    return None


def own_fields(spec: ir.Spec, t: ir.ObjectType) -> tuple[ir.Field, ...]:
    """The fields class `t` declares: those it introduces and those it narrows (redeclares)."""
    return tuple(f for f in t.fields if _inherited(spec, t, f) != f)


def _ancestors(spec: ir.Spec, name: str) -> set[str]:
    named = spec.type(name)
    found = {name}
    for base in named.bases if isinstance(named, ir.ObjectType) else ():
        found |= _ancestors(spec, base)
    return found


def _is_subtype(spec: ir.Spec, sub: ir.TypeExpr, base: ir.TypeExpr) -> bool:
    """Whether the Python type of `sub` is a subtype of that of `base` (as mypy sees them)."""
    if isinstance(base, ir.Primitive) and base.name == "any":
        return True
    if isinstance(sub, ir.UnionOf):
        return all(_is_subtype(spec, option, base) for option in sub.options)
    if isinstance(sub, ir.Ref) and isinstance(spec.type(sub.name), ir.UnionType):
        union = spec.type(sub.name)
        assert isinstance(union, ir.UnionType)
        return all(_is_subtype(spec, ir.Ref(v.type_name), base) for v in union.variants)
    if isinstance(base, ir.UnionOf):
        return any(_is_subtype(spec, sub, option) for option in base.options)
    if isinstance(sub, ir.Ref) and isinstance(base, ir.Ref):
        if isinstance(spec.type(base.name), ir.UnionType):
            union = spec.type(base.name)
            assert isinstance(union, ir.UnionType)
            return any(_is_subtype(spec, sub, ir.Ref(v.type_name)) for v in union.variants)
        return base.name in _ancestors(spec, sub.name) if spec.has_type(sub.name) else False
    return sub == base


def narrows_compatibly(spec: ir.Spec, sub: ir.Field, base: ir.Field) -> bool:
    """Whether redeclaring `base` as `sub` keeps a Python subtype: else mypy rightly objects."""
    if (sub.nullable and not base.nullable) or (base.required and not sub.required):
        return False
    if base.is_const:
        return sub.is_const and sub.const == base.const
    assert base.type is not None
    if sub.is_const:
        if isinstance(base.type, ir.Ref):
            named = spec.type(base.type.name)
            return isinstance(named, ir.EnumType) and sub.const in [v.value for v in named.values]
        primitive = {str: "string", bool: "boolean", int: "integer"}[type(sub.const)]
        names = {base.type.name} if isinstance(base.type, ir.Primitive) else set()
        return primitive in names or (primitive == "integer" and "safe-integer" in names)
    assert sub.type is not None
    return _is_subtype(spec, sub.type, base.type) and set(sub.enum) <= set(base.enum or sub.enum)


def models_schema(spec: ir.Spec) -> dict[str, Any]:
    """The published schema, except that an object with bases is its bases plus its own members."""
    schema = build_schema(spec, "")
    for t in spec.types:
        if isinstance(t, ir.ObjectType) and t.bases:
            own = object_schema(
                ir.ObjectType(
                    t.name, t.description, t.provenance, own_fields(spec, t), t.open, t.extra
                )
            )
            annotations: dict[str, Any] = {k: own.pop(k) for k in ("description", "x-module", "x-maturity") if k in own}
            schema["$defs"][t.name] = {
                "type": "object",
                **annotations,
                "allOf": [*(ref(base) for base in t.bases), own],
            }
    return schema


def generate_models(spec: ir.Spec) -> str:
    """models.py: datamodel-code-generator's output, checked and arranged."""
    return arrange(run_generator(spec), spec)


def run_generator(spec: ir.Spec) -> str:
    """datamodel-code-generator, in process, on the models schema: its output as it is.

    Its output depends on the models schema and on the settings below alone, so it is cached by the
    hash of both (taskbind.dcg_cache): a generate whose types did not change (a template, a target,
    a docs change) skips it. It is most of a cold generate: about 1.5 ms per class it writes."""
    from .. import dcg_cache

    schema_text = json.dumps(models_schema(spec))
    key = dcg_cache.key(schema_text, _SETTINGS_SOURCE)
    code = dcg_cache.get(key)
    if code is None:
        code = _run_datamodel_codegen(schema_text)
        dcg_cache.put(key, code)
    # datamodel-codegen writes descriptions into string literals and docstrings as they are, and
    # Python source cannot hold a NUL byte: written as its escape, the string's value is the same.
    return code.replace("\x00", "\\x00")


def _run_datamodel_codegen(schema_text: str) -> str:
    # Imported here: it is the slowest import of the toolkit and only this target needs it.
    import datamodel_code_generator as dcg
    from datamodel_code_generator.enums import AllOfClassHierarchy
    from datamodel_code_generator.types import StrictTypes

    code = dcg.generate(
        schema_text,
        input_file_type=dcg.InputFileType.JsonSchema,
        output_model_type=dcg.DataModelType.PydanticV2BaseModel,
        target_python_version=dcg.PythonVersion.PY_311,
        snake_case_field=True,
        remove_special_field_name_prefix=True,  # `_meta` becomes `meta`, not `field_meta`
        allow_population_by_field_name=True,
        use_annotated=True,
        field_constraints=True,
        use_union_operator=True,
        use_double_quotes=True,
        strict_nullable=True,  # required-nullable stays required; optional stays optional
        # Optional members default to pydantic's MISSING, not None: an absent member is never
        # dumped and an explicit null on a non-nullable member is rejected, as the schema says.
        use_missing_sentinel=True,
        target_pydantic_version=dcg.TargetPydanticVersion.V2_14,
        # Closed string sets are Literal aliases, not str enums: the wire carries plain strings and
        # so does every consumer (the lifecycle table, a handler's `status == "working"`); a Literal
        # is that string, hashable and printable as itself, and mypy checks exhaustiveness over it,
        # with no conversion at the wire boundary and nothing a str enum adds that the spec needs.
        enum_field_as_literal=dcg.LiteralType.All,
        # Unions, maps and scalar aliases as type aliases, never RootModel wrappers. On Python 3.11
        # (the package's floor) the generator writes them as typing_extensions.TypeAliasType, the
        # backport of PEP 695's `type X = ...`: named in pydantic's schemas, and lazily evaluated.
        use_type_alias=True,
        # A subclass may narrow a member of its base (`status: Literal["working"]`); that is a
        # conflict the default mode would answer by flattening the class.
        allof_class_hierarchy=AllOfClassHierarchy.Always,
        # Strict scalars: "5" is not an integer and 5 is not a string, as in the schema.
        strict_types=[StrictTypes.str, StrictTypes.int, StrictTypes.bool],
        use_schema_description=True,
        use_field_description=True,
        disable_timestamp=True,
        # No formatter: ruff formats models.py once, with every other generated file
        # (taskbind.format). The built-in one cost about a tenth of a generate, and it splits lines
        # a character at a time: quadratic in the longest line, 137 s on a 1 MB description.
        # Without it no configuration file is read either (the formatter read the nearest
        # pyproject.toml), so the output does not depend on the working directory.
        formatters=[],
        base_class=f"{_PACKAGE}._wire.{_BASE_CLASS}",
        class_name=_ROOT_CLASS,
    )
    return str(code)


# What the cache key holds besides the schema: this module's source (the settings above and
# everything else that shapes the call) and the generator's version.
_SETTINGS_SOURCE = Path(__file__).read_bytes()


# The checked transformation ----------------------------------------------------------------------


@dataclass
class _Member:
    python: str
    wire: str
    statement: ast.AnnAssign
    lines: tuple[int, int]  # first and last line (1-based, inclusive), its docstring included

    @property
    def annotation(self) -> str:
        """ast.dump of annotation and value, to compare declarations (only a redeclaration needs
        it: computed then, not for every member)."""
        value = self.statement.value
        return ast.dump(self.statement.annotation) + (ast.dump(value) if value is not None else "")


@dataclass
class _Definition:
    name: str
    node: ast.ClassDef | ast.Assign
    lines: tuple[int, int]
    members: list[_Member] = field(default_factory=list)
    extra: str | None = None  # model_config's `extra`, when the class sets it

    @property
    def is_class(self) -> bool:
        return isinstance(self.node, ast.ClassDef)


def _fail(expected: str, found: str) -> ModelsShapeError:
    return ModelsShapeError(
        f"datamodel-code-generator's output is not what taskbind expects: expected {expected}, "
        f"found {found}"
    )


def _is_docstring(node: ast.stmt | None) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def _end(node: ast.stmt) -> int:
    return node.end_lineno if node.end_lineno is not None else node.lineno


def _alias_name(node: ast.stmt) -> str | None:
    """`Name` of `Name = TypeAliasType("Name", value)`, else None."""
    if not (
        isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
        and isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Name)
        and node.value.func.id == "TypeAliasType"
        and len(node.value.args) == 2
        and isinstance(node.value.args[0], ast.Constant)
        and node.value.args[0].value == node.targets[0].id
    ):
        return None
    return node.targets[0].id


def _nodes(root: ast.AST) -> list[ast.AST]:
    """Every node under `root` (itself included), like ast.walk but about three times faster: the
    arrangement walks every definition of models.py, at 1,000 synthetic methods 4,000 of them."""
    found: list[ast.AST] = []
    stack = [root]
    while stack:
        node = stack.pop()
        found.append(node)
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, ast.AST):
                stack.append(value)
            elif isinstance(value, list):
                stack.extend(item for item in value if isinstance(item, ast.AST))
    return found


def _wire_name(member: ast.AnnAssign, python: str) -> str:
    for node in _nodes(member):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Field":
            for keyword in node.keywords:
                if keyword.arg == "alias" and isinstance(keyword.value, ast.Constant):
                    return str(keyword.value.value)
    return python


def _read_class(node: ast.ClassDef, definition: _Definition) -> None:
    body = node.body
    for index, statement in enumerate(body):
        if index == 0 and _is_docstring(statement):
            continue
        if _is_docstring(statement) and isinstance(body[index - 1], ast.AnnAssign):
            continue  # a member's docstring, read with the member
        if (
            isinstance(statement, ast.Assign)
            and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)
            and statement.targets[0].id == "model_config"
            and isinstance(statement.value, ast.Call)
        ):
            for keyword in statement.value.keywords:
                if keyword.arg == "extra" and isinstance(keyword.value, ast.Constant):
                    definition.extra = str(keyword.value.value)
            continue
        if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            following = body[index + 1] if index + 1 < len(body) else None
            last = _end(following) if following is not None and _is_docstring(following) else _end(statement)
            python = statement.target.id
            definition.members.append(
                _Member(python, _wire_name(statement, python), statement, (statement.lineno, last))
            )
            continue
        raise _fail(
            f"a docstring, `model_config = ConfigDict(...)` or annotated members in class {node.name}",
            f"line {statement.lineno}: {ast.unparse(statement)[:80]!r}",
        )


def _parse(code: str) -> tuple[list[ast.stmt], dict[str, _Definition], list[int]]:
    """The imports, every definition by name (in the generator's order), and the lines of both."""
    tree = ast.parse(code)
    imports: list[ast.stmt] = []
    definitions: dict[str, _Definition] = {}
    covered: list[int] = []
    body = tree.body
    index = 0
    while index < len(body):
        node = body[index]
        index += 1
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            if definitions:
                raise _fail("every import before the first definition", f"line {node.lineno}")
            imports.append(node)
            covered.extend(range(node.lineno, _end(node) + 1))
            continue
        if isinstance(node, ast.ClassDef):
            name, last = node.name, _end(node)
        elif (name := _alias_name(node)) is not None:  # type: ignore[assignment]
            last = _end(node)
            if index < len(body) and _is_docstring(body[index]):
                last = _end(body[index])  # the alias's description, written below it
                index += 1
        else:
            raise _fail(
                "an import, a class or `Name = TypeAliasType(\"Name\", ...)`",
                f"line {node.lineno}: {ast.unparse(node)[:80]!r}",
            )
        if name in definitions:
            raise _fail(f"one definition of {name}", "two")
        definition = _Definition(name, node, (node.lineno, last))  # type: ignore[arg-type]
        if isinstance(node, ast.ClassDef):
            _read_class(node, definition)
        definitions[name] = definition
        covered.extend(range(node.lineno, last + 1))
    return imports, definitions, covered


def _base_names(node: ast.ClassDef) -> list[str]:
    return [base.id if isinstance(base, ast.Name) else ast.unparse(base) for base in node.bases]


def _inherited_member(
    definitions: dict[str, _Definition], class_name: str, wire: str
) -> _Member | None:
    node = definitions[class_name].node
    assert isinstance(node, ast.ClassDef)
    for base in _base_names(node):
        if base not in definitions:
            continue
        found = next((m for m in definitions[base].members if m.wire == wire), None)
        found = found or _inherited_member(definitions, base, wire)
        if found is not None:
            return found
    return None


def _effective_extra(definitions: dict[str, _Definition], class_name: str) -> str | None:
    definition = definitions[class_name]
    if definition.extra is not None:
        return definition.extra
    assert isinstance(definition.node, ast.ClassDef)
    for base in _base_names(definition.node):
        if base in definitions and (extra := _effective_extra(definitions, base)) is not None:
            return extra
    return None


_IGNORE = (
    "  # type: ignore[assignment]  # narrowed as JSON Schema narrows; not a Python subtype of the base's"
)


def _check_object(
    spec: ir.Spec, t: ir.ObjectType, definitions: dict[str, _Definition]
) -> tuple[list[tuple[int, int]], list[int]]:
    """Check a class against its IR type. Returns the line ranges of redundant redeclarations to
    drop, and the lines of narrowings that mypy rightly sees as incompatible overrides."""
    definition = definitions[t.name]
    node = definition.node
    if not isinstance(node, ast.ClassDef):
        raise _fail(f"a class for object type {t.name}", "a type alias")
    bases = _base_names(node)
    expected_bases = list(t.bases) or [_BASE_CLASS]
    if bases != expected_bases:
        raise _fail(f"class {t.name}({', '.join(expected_bases)})", f"bases {bases}")
    expected = [f.wire_name for f in own_fields(spec, t)]
    declared = [m.wire for m in definition.members]
    missing = [name for name in expected if name not in declared]
    if missing:
        raise _fail(f"class {t.name} to declare {missing}", f"members {declared}")
    drop: list[tuple[int, int]] = []
    ignore: list[int] = []
    for member in definition.members:
        if member.wire in expected:
            own = t.field(member.wire)
            overridden = [  # mypy checks an override against every base that has the member
                found
                for base in t.bases
                if isinstance(named := spec.type(base), ir.ObjectType)
                and (found := named.field(member.wire)) is not None
            ]
            if own is not None and not all(narrows_compatibly(spec, own, b) for b in overridden):
                ignore.append(member.lines[0])
            continue
        # The generator redeclares a union's discriminator on each variant even when the variant
        # inherits exactly that Literal; such a redeclaration says nothing and goes.
        inherited = _inherited_member(definitions, t.name, member.wire)
        if inherited is None or inherited.annotation != member.annotation:
            raise _fail(
                f"class {t.name} to declare only {expected}, or to repeat an inherited member as is",
                f"member {member.wire!r} that narrows or adds to what the spec says",
            )
        drop.append(member.lines)
    extra = _effective_extra(definitions, t.name)
    wanted = "allow" if t.open else "forbid"
    if extra != wanted:
        raise _fail(f"class {t.name} with extra={wanted!r}", f"extra={extra!r}")
    return drop, ignore


def _check_alias(t: ir.NamedType, definition: _Definition) -> None:
    if isinstance(t, ir.AliasType):
        return  # a type alias, or a class where the alias names an object (JSONObject)
    if definition.is_class:
        raise _fail(f"a type alias for {t.kind} {t.name}", "a class")
    if isinstance(t, ir.EnumType):
        assert isinstance(definition.node, ast.Assign) and isinstance(definition.node.value, ast.Call)
        value = definition.node.value.args[1]
        literal = (
            isinstance(value, ast.Subscript)
            and isinstance(value.value, ast.Name)
            and value.value.id == "Literal"
        )
        elements = value.slice.elts if literal and isinstance(value.slice, ast.Tuple) else []  # type: ignore[attr-defined]
        values = [e.value for e in elements if isinstance(e, ast.Constant)]
        if values != [v.value for v in t.values]:
            raise _fail(
                f"{t.name} = Literal{[v.value for v in t.values]}", ast.unparse(value)[:120]
            )


def _uses(t: ir.NamedType) -> list[str]:
    """The named types `t`'s definition mentions."""
    if isinstance(t, ir.ObjectType):
        return [n for f in t.fields if f.type is not None for n in ir.referenced_names(f.type)]
    if isinstance(t, ir.UnionType):
        return [v.type_name for v in t.variants]
    if isinstance(t, ir.AliasType):
        return ir.referenced_names(t.type)
    return []


def _order(spec: ir.Spec) -> list[ir.NamedType]:
    """Spec modules in order; within one, spec order, except that what a type uses from its own
    module comes first (as a maintainer defines before use); a base always before its subclasses."""
    position = {m.name: index for index, m in enumerate(spec.modules)}

    def module_of(t: ir.NamedType) -> int:
        return position.get(t.provenance.module, len(position))

    placed: list[ir.NamedType] = []
    done: set[str] = set()

    def place(t: ir.NamedType) -> None:
        if t.name in done:
            return
        done.add(t.name)
        for base in t.bases if isinstance(t, ir.ObjectType) else ():
            place(spec.type(base))
        for name in _uses(t):
            if spec.has_type(name) and module_of(spec.type(name)) == module_of(t):
                place(spec.type(name))
        placed.append(t)

    for t in sorted(spec.types, key=module_of):
        place(t)
    return placed


def _names_in(node: ast.AST) -> set[str]:
    return {n.id for n in _nodes(node) if isinstance(n, ast.Name)}


def _quote(text: str, node: ast.Assign) -> str:
    """The alias statement with its value (inside Annotated, the type) as a string: it names a
    definition further down, and TypeAliasType evaluates its value when the module runs."""
    assert isinstance(node.value, ast.Call)
    value = node.value.args[1]
    target = value
    if isinstance(value, ast.Subscript) and isinstance(value.value, ast.Name) and value.value.id == "Annotated":
        assert isinstance(value.slice, ast.Tuple)
        target = value.slice.elts[0]
    expression = ast.unparse(target)
    if '"' in expression or "\n" in expression:
        raise _fail("a type expression without double quotes to quote", expression)
    lines = text.encode().splitlines(keepends=True)  # col offsets count UTF-8 bytes
    first = node.lineno
    start = sum(len(line) for line in lines[: target.lineno - first]) + target.col_offset
    assert target.end_lineno is not None and target.end_col_offset is not None
    end = sum(len(line) for line in lines[: target.end_lineno - first]) + target.end_col_offset
    data = b"".join(lines)
    return (data[:start] + f'"{expression}"'.encode() + data[end:]).decode()


def _member_key(name: str) -> tuple[int, str]:
    """isort's (and ruff's) order of the names one `from` import brings: constants, then classes,
    then the rest, each case-insensitively: `MISSING, ConfigDict, Field`."""
    kind = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    return kind, name.lower()


def _import_from(node: ast.ImportFrom) -> str:
    """One `from` import on one line, its names in isort's order (ruff format wraps it if long)."""
    names = sorted(node.names, key=lambda alias: _member_key(alias.name))
    listed = ", ".join(a.name if a.asname is None else f"{a.name} as {a.asname}" for a in names)
    return f"from {'.' * node.level}{node.module or ''} import {listed}"


def _imports(nodes: list[ast.stmt], code_lines: list[str]) -> str:
    future: list[str] = []
    local: list[str] = []
    stdlib: list[tuple[str, str]] = []
    third_party: list[tuple[str, str]] = []
    for node in nodes:
        text = "\n".join(code_lines[node.lineno - 1 : _end(node)])
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            # datamodel-code-generator writes imports unformatted (its formatter is off: ruff
            # formats models.py once, with every other file); the order of names is taskbind's.
            text = _import_from(node)
        elif isinstance(node, ast.Import):
            module = node.names[0].name
        else:
            raise _fail("an import", ast.unparse(node)[:80])
        if module == "__future__":
            future.append(text)
        elif module.startswith(f"{_PACKAGE}."):
            local.append(text.replace(f"from {_PACKAGE}.", "from .", 1))
        elif module.split(".")[0] in sys.stdlib_module_names:
            stdlib.append((module, text))
        else:
            third_party.append((module, text))
    if future != ["from __future__ import annotations"]:
        raise _fail("`from __future__ import annotations`", repr(future))
    groups = [future, [t for _, t in sorted(stdlib)], [t for _, t in sorted(third_party)], local]
    return "\n\n".join("\n".join(group) for group in groups if group)


def _section(module: ir.Module) -> str:
    source = " ".join(module.source.split(",")[0].split())
    # A comment ends at a line break and cannot hold a NUL: anything unprintable as its escape.
    source = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in source)
    return f"# --- {module.name}: {source} ({module.maturity}) ---"


def arrange(code: str, spec: ir.Spec) -> str:
    """datamodel-code-generator's `code`, checked against the IR and laid out by spec module.

    Raises ModelsShapeError, naming what was expected, when the code is not what the IR says."""
    code_lines = code.splitlines()
    imports, definitions, covered = _parse(code)
    covered_lines = set(covered)
    stray = [
        n for n, line in enumerate(code_lines, 1)
        if n not in covered_lines and line.strip() and not line.startswith("#")
    ]
    if stray:
        raise _fail("only imports and definitions", f"line {stray[0]}: {code_lines[stray[0] - 1]!r}")
    if _ROOT_CLASS not in definitions:
        raise _fail(f"the document's root {_ROOT_CLASS}, to remove", "none")
    del definitions[_ROOT_CLASS]
    names = [t.name for t in spec.types]
    if set(definitions) != set(names):
        raise _fail(
            "one definition per IR type",
            f"unexpected {sorted(set(definitions) - set(names))}, "
            f"missing {sorted(set(names) - set(definitions))}",
        )

    drop: set[int] = set()
    for t in spec.types:
        if isinstance(t, ir.ObjectType):
            ranges, ignore = _check_object(spec, t, definitions)
            for first, last in ranges:
                drop.update(range(first, last + 1))
            for line in ignore:
                if "#" in code_lines[line - 1]:
                    raise _fail(f"no comment on line {line}", repr(code_lines[line - 1]))
                code_lines[line - 1] += _IGNORE
        else:
            _check_alias(t, definitions[t.name])

    order = _order(spec)
    position = {t.name: index for index, t in enumerate(order)}
    # Definitions whose value is evaluated before a name it uses exists: a type alias (quoted, so
    # pydantic resolves it on first use) and, through it or directly, the classes rebuilt below.
    # The names each definition uses, computed once: the fixed point below revisits definitions.
    defined = set(definitions)
    # (`defined - {name}` would copy the set of every name once per definition: quadratic.)
    uses = {name: (_names_in(d.node) & defined) - {name} for name, d in definitions.items()}
    incomplete: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name in definitions:
            if name in incomplete:
                continue
            if any(position[u] > position[name] or u in incomplete for u in uses[name]):
                incomplete.add(name)
                changed = True

    modules = {m.name: m for m in spec.modules}
    parts = [_MODULE_DOCSTRING, _imports(imports, code_lines)]
    section = None
    for t in order:
        definition = definitions[t.name]
        if t.provenance.module != section:
            section = t.provenance.module
            parts.append(_section(modules[section]) if section in modules else f"# --- {section} ---")
        first, last = definition.lines
        text = "\n".join(
            line for n, line in enumerate(code_lines[first - 1 : last], first) if n not in drop
        )
        if not definition.is_class and t.name in incomplete:
            assert isinstance(definition.node, ast.Assign)
            if any(position[u] > position[t.name] for u in uses[t.name]):
                text = _quote(text, definition.node)
        parts.append(text)
    # Classes defined before a type they use need no `model_rebuild()`: WireModel defers every
    # build to first use (pydantic's defer_build), when the whole module is defined. A rebuild here
    # would build them, and all they reference, at import.
    return "\n\n\n".join(parts) + "\n"
