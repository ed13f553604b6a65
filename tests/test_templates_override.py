"""Custom templates (`--templates DIR`) and the documented template context (templates/CONTEXT.md)."""

from __future__ import annotations

import dataclasses
import json
import re
from fnmatch import fnmatch
from pathlib import Path

import jinja2.meta
import pytest

from generation import generate, runner, tree
from taskbind import ir
from taskbind.cli import app
from taskbind.render import TEMPLATE_API_VERSION, make_environment
from taskbind.resources import bundled_templates
from taskbind.write import MANIFEST_NAME

CONTEXT_DOC = bundled_templates() / "CONTEXT.md"
OVERRIDDEN = "python/project/README.md.j2"
OVERRIDDEN_OUTPUT = "python/README.md"


@pytest.fixture(scope="module")
def default_output(tmp_path_factory) -> dict[str, bytes]:
    return generate(tmp_path_factory.mktemp("default") / "out")


def override(directory: Path, template: str, text: str) -> Path:
    target = directory / template
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, "utf-8")
    return directory


def test_overriding_one_template_changes_that_output_only(default_output, tmp_path: Path):
    built_in = (bundled_templates() / OVERRIDDEN).read_text("utf-8")
    templates = override(
        tmp_path / "templates", OVERRIDDEN, built_in + "\nContext API {{ template_api_version }}.\n"
    )
    out = tmp_path / "out"
    custom = generate(out, "--templates", templates)

    assert sorted(custom) == sorted(default_output)
    changed = sorted(path for path in custom if custom[path] != default_output[path])
    assert changed == [OVERRIDDEN_OUTPUT]
    assert (
        custom[OVERRIDDEN_OUTPUT]
        == default_output[OVERRIDDEN_OUTPUT] + f"\nContext API {TEMPLATE_API_VERSION}.\n".encode()
    )
    # The manifest records the override, so that `check` sees it change.
    manifest = json.loads((out / MANIFEST_NAME).read_text())
    assert manifest["inputs"]["template_overrides"] is not None
    assert (
        runner.invoke(app, ["check", "--out", str(out), "--templates", str(templates)]).exit_code
        == 0
    )
    assert runner.invoke(app, ["check", "--out", str(out)]).exit_code == 1


def test_an_override_can_add_a_python_module(tmp_path: Path):
    templates = override(
        tmp_path / "templates",
        "python/package/extra.py.j2",
        "{{ header }}\nPACKAGE = {{ package | py }}\n",
    )
    files = generate(tmp_path / "out", "--target", "python", "--templates", templates)
    assert files["python/mcp_tasks/extra.py"].decode().splitlines()[1:] == ['PACKAGE = "mcp_tasks"']


def test_typescript_templates_and_verbatim_files_can_be_overridden(default_output, tmp_path: Path):
    """The TypeScript target renders every template under typescript/package/ and copies every
    `.ts` there: an override replaces either kind, or adds a file, and changes nothing else."""
    readme, verbatim = "typescript/package/README.md.j2", "typescript/package/src/client_base.ts"
    templates = override(
        tmp_path / "templates", readme, (bundled_templates() / readme).read_text("utf-8") + "\nHouse rules.\n"
    )
    override(templates, verbatim, (bundled_templates() / verbatim).read_text("utf-8") + "// house rule\n")
    override(templates, "typescript/package/src/extra.ts.j2", '{{ header }}\nexport const NAME = {{ npm_package | json }};\n')
    custom = generate(tmp_path / "out", "--templates", templates, "--npm-package", "@acme/tasks")

    plain = generate(tmp_path / "plain", "--npm-package", "@acme/tasks")
    assert sorted(custom) == sorted([*plain, "typescript/src/extra.ts"])
    changed = sorted(path for path in plain if custom[path] != plain[path])
    assert changed == ["typescript/README.md", "typescript/src/client_base.ts"]
    assert custom["typescript/README.md"].endswith(b"House rules.\n")
    assert custom["typescript/src/client_base.ts"].endswith(b"// house rule\n")
    assert custom["typescript/src/extra.ts"].decode().splitlines()[1:] == ['export const NAME = "@acme/tasks";']
    assert b'"name": "@acme/tasks"' in custom["typescript/package.json"]
    assert sorted(default_output) == sorted(plain)


def test_a_broken_override_exits_2_naming_the_template_and_leaves_the_output_alone(tmp_path: Path):
    out = tmp_path / "out"
    before = generate(out, "--target", "python")
    templates = override(
        tmp_path / "templates", OVERRIDDEN, "{{ header }}\n\n{{ spec.no_such_attribute }}\n"
    )
    result = runner.invoke(
        app, ["generate", "--out", str(out), "--target", "python", "--templates", str(templates)]
    )
    assert result.exit_code == 2
    assert (
        f"{OVERRIDDEN}:3: template error:" in result.stderr and "no_such_attribute" in result.stderr
    )
    after = tree(out)
    after.pop(MANIFEST_NAME)
    assert after == before


def test_a_template_syntax_error_exits_2_with_its_line(tmp_path: Path):
    templates = override(tmp_path / "templates", OVERRIDDEN, "{{ header }}\n{% if %}\n")
    result = runner.invoke(
        app,
        [
            "generate",
            "--out",
            str(tmp_path / "out"),
            "--target",
            "python",
            "--templates",
            str(templates),
        ],
    )
    assert result.exit_code == 2 and f"{OVERRIDDEN}:2: template error:" in result.stderr


# -- the documented context ------------------------------------------------------------------------


def documented_variables() -> list[tuple[list[str], set[str]]]:
    """The rows of CONTEXT.md's per-template table: (template globs, variable names)."""
    text = CONTEXT_DOC.read_text("utf-8")
    section = text.split("## Variables of each template", 1)[1].split("\n### ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 2 and cells[0].startswith("`"):
            rows.append(
                (re.findall(r"`([^`]+)`", cells[0]), set(re.findall(r"`([^`]+)`", cells[1])))
            )
    return rows


COMMON = {"spec", "package", "header", "template_api_version"}


def test_every_built_in_template_uses_only_documented_variables():
    env = make_environment()
    rows = documented_variables()
    jinja_globals = set(jinja2.Environment().globals)  # range, dict, namespace, ...
    for name in env.list_templates(extensions=["j2"]):
        allowed = COMMON | jinja_globals
        matched = [names for globs, names in rows if any(fnmatch(name, glob) for glob in globs)]
        assert matched, f"{name} is not listed in templates/CONTEXT.md"
        allowed |= set().union(*matched)
        used = jinja2.meta.find_undeclared_variables(env.parse(env.loader.get_source(env, name)[0]))
        assert (
            used <= allowed
        ), f"{name} uses {sorted(used - allowed)}, not documented in templates/CONTEXT.md"


def test_the_context_documents_every_attribute_of_the_ir():
    text = CONTEXT_DOC.read_text("utf-8").split("## The IR", 1)[1]
    named = set(re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)(?:\(\w*\))?`", text))
    classes = [
        c for c in vars(ir).values() if dataclasses.is_dataclass(c) and c.__module__ == ir.__name__
    ]
    for cls in classes:
        members = {f.name for f in dataclasses.fields(cls) if not f.name.startswith("_")}
        members |= {
            n
            for n, v in vars(cls).items()
            if not n.startswith("_") and (isinstance(v, property) or callable(v))
        }
        missing = sorted(members - named)
        assert cls.__name__ in named, f"templates/CONTEXT.md does not document {cls.__name__}"
        assert (
            not missing
        ), f"templates/CONTEXT.md does not document {cls.__name__}.{', '.join(missing)}"
    assert f"API version {TEMPLATE_API_VERSION}" in CONTEXT_DOC.read_text("utf-8")


def test_every_template_sees_the_api_version():
    env = make_environment()
    assert env.from_string("{{ template_api_version }}").render() == TEMPLATE_API_VERSION
