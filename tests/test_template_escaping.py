"""Spec text is data: every template prints an expression only through an escaping filter of the
language it lands in, and every filter refuses what it cannot hold (undefined values included)."""

from __future__ import annotations

import ast
import json
import tomllib
from pathlib import Path

import jinja2
import pytest
import yaml
from jinja2 import nodes

from taskbind.render import ESCAPING_FILTERS, TemplateOutputError, make_environment

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# Printed without a filter: taskbind's own header line (generator version, spec sha256, command,
# whose --package and --modules values are checked names), never spec text.
UNFILTERED_NAMES = {"header", "header_text"}

HOSTILE = [
    '"""; import os; os.system("x") #',
    "'''\\",
    'ends with a quote"',
    'two quotes at the end""',
    "back\\slash \\N{BULLET} \\x00",
    "{{ 7*7 }} {% if true %}x{% endif %}",
    "line\nbreak\r\nand\ttab",
    "nul\x00char and del\x7f",
    "</script><script>alert(1)</script>",
    "a | table | cell",
    'toml = "x" [tool] \\u0000',
    "yaml: [x] {y: z} & *a ! %tag # comment\n- item",
    "\u2028\u0085 unicode line breaks",
]


def _printed(template: nodes.Template):
    for output in template.find_all(nodes.Output):
        for child in output.nodes:
            if not isinstance(child, nodes.TemplateData):
                yield child


def _acceptable(node: nodes.Node) -> bool:
    if isinstance(node, nodes.Filter):
        return node.name in ESCAPING_FILTERS
    if isinstance(node, nodes.Name):
        return node.name in UNFILTERED_NAMES
    if isinstance(node, nodes.Call):  # a macro call: the macro's own template is checked too
        return isinstance(node.node, (nodes.Getattr, nodes.Name)) and not isinstance(node.node, nodes.Filter)
    if isinstance(node, nodes.CondExpr):
        return _acceptable(node.expr1) and (node.expr2 is None or _acceptable(node.expr2))
    return False


def template_files() -> list[Path]:
    return sorted(p for p in TEMPLATES.rglob("*.j2"))


@pytest.mark.parametrize("path", template_files(), ids=lambda p: p.relative_to(TEMPLATES).as_posix())
def test_every_interpolation_goes_through_an_escaping_filter(path: Path) -> None:
    env = make_environment()
    tree = env.parse(path.read_text("utf-8"), name=path.name, filename=str(path))
    bad = [f"{path.relative_to(TEMPLATES)}:{node.lineno}" for node in _printed(tree) if not _acceptable(node)]
    assert not bad, f"printed without an escaping filter ({', '.join(sorted(ESCAPING_FILTERS))}): {bad}"


def test_the_check_catches_a_raw_interpolation() -> None:
    tree = make_environment().parse('x = "{{ spec.title }}"\ny = {{ spec.title | py }}\n')
    assert [node.lineno for node in _printed(tree) if not _acceptable(node)] == [1]


@pytest.mark.parametrize("name", sorted(ESCAPING_FILTERS))
def test_every_filter_fails_on_an_undefined_value(name: str) -> None:
    env = make_environment()
    with pytest.raises(jinja2.UndefinedError, match="no_such_variable"):
        env.from_string(f"{{{{ no_such_variable | {name} }}}}").render()


@pytest.mark.parametrize("text", HOSTILE)
def test_python_filters_keep_text_as_data(text: str) -> None:
    env = make_environment()
    module = env.from_string('"""{{ t | doc }}"""\nVALUE = {{ t | py }}\n').render(t=text)
    tree = ast.parse(module)
    assert ast.get_docstring(tree, clean=False) == text.replace("\x00", "\x00")
    assert [type(n).__name__ for n in tree.body] == ["Expr", "Assign"]
    assert tree.body[1].value.value == text


@pytest.mark.parametrize("text", HOSTILE)
def test_toml_yaml_json_filters_keep_text_as_data(text: str) -> None:
    env = make_environment()
    toml = env.from_string("[t]\nv = {{ t | toml }}\n").render(t=text)
    assert tomllib.loads(toml) == {"t": {"v": text}}
    document = env.from_string("v: {{ t | yaml }}\n").render(t=text)
    assert yaml.safe_load(document) == {"v": text}
    assert json.loads(env.from_string("{{ t | json }}").render(t=text)) == text


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_filters_keep_tables_whole(text: str) -> None:
    env = make_environment()
    row = env.from_string("| {{ t | md }} | {{ t | cell }} |").render(t=text)
    assert "\n" not in row
    assert row.count("|") - row.count("\\|") == 3
    assert "<script" not in row


@pytest.mark.parametrize("bad", ["os; import x", "class", "a-b", "a.b c", "1x", ""])
def test_ident_refuses_what_is_not_a_name(bad: str) -> None:
    with pytest.raises(jinja2.TemplateRuntimeError, match="not an identifier"):
        make_environment().from_string("{{ n | ident }}").render(n=bad)


def test_rendered_python_that_does_not_compile_names_the_template(tmp_path: Path) -> None:
    (tmp_path / "bad.py.j2").write_text("x = 1\nif True\n    y = {{ 2 | py }}\n", "utf-8")
    with pytest.raises(TemplateOutputError) as caught:
        make_environment(tmp_path).get_template("bad.py.j2").render()
    assert caught.value.location == f"{tmp_path / 'bad.py.j2'}:2"


@pytest.mark.parametrize("bad", ["a-b", "1x", "", "a b", "x;y", "a..b", "Task */"])
def test_tsident_refuses_what_is_not_a_typescript_name(bad: str) -> None:
    with pytest.raises(jinja2.TemplateRuntimeError, match="not a TypeScript identifier"):
        make_environment().from_string("{{ n | tsident }}").render(n=bad)


@pytest.mark.parametrize("name", ["import", "from", "None", "$ref", "T.Task", "_x9"])
def test_tsident_takes_names_python_would_refuse(name: str) -> None:
    assert make_environment().from_string("{{ n | tsident }}").render(n=name) == name


@pytest.mark.parametrize(
    "bad",
    [
        "Task\n| null",
        "Task\r",
        "Task\u2028",
        "`x`",
        "${x}",
        "z.string() // x",
        "z.string() /* x",
        "x */ y",
        'z.literal("open',
        'z.literal("a\\")',
    ],
)
def test_tscode_refuses_what_could_escape_one_line_of_code(bad: str) -> None:
    with pytest.raises(jinja2.TemplateRuntimeError, match="filter tscode"):
        make_environment().from_string("{{ c | tscode }}").render(c=bad)


@pytest.mark.parametrize(
    "good",
    [
        "Task | null",
        "{ [key: string]: unknown }",
        'z.literal("a // b /* c */ `d` ${e}")',
        "z.literal('it\\'s')",
        'z.string().regex(new RegExp("^a\\\\/b$", "u"))',
        "z.lazy(() => TaskSchema)",
        '"a-b": z.string().optional(),',
    ],
)
def test_tscode_passes_code_with_anything_inside_its_string_literals(good: str) -> None:
    assert make_environment().from_string("{{ c | tscode }}").render(c=good) == good


@pytest.mark.parametrize("text", HOSTILE)
def test_typescript_filters_keep_spec_text_out_of_the_code(text: str) -> None:
    env = make_environment()
    rendered = env.from_string('{{ t | jsdoc }}export const X = {{ t | json }};\n').render(t=text)
    comment, _, code = rendered.rpartition("*/")
    assert "*/" not in comment
    assert code.startswith("\nexport const X = ") and code.count("\n") == 2
    with pytest.raises(jinja2.TemplateRuntimeError, match="filter tsident"):
        env.from_string("{{ t | tsident }}").render(t=text)
