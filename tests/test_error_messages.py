"""Error messages a person can act on (issue 12): every kind of spec mistake is reported at the
line and column of the thing to fix, in words (never jsonschema's own prose), with the nearest known
name when a name is misspelt; paths are printed once.

Expected locations are found in the edited file itself (the line holding the edited text), never
taken from the code under test.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from conftest import SPEC_DIR
from taskbind.cli import app
from taskbind.load import load_yaml
from taskbind.schema_errors import explain

runner = CliRunner()

# Phrases of jsonschema's messages: none may reach a user.
JSONSCHEMA_PROSE = (
    "is valid under each of",
    "is not valid under any of",
    "Additional properties",
    "was unexpected",
    "is a required property",
    "does not match '",
    "is not of type",
    "{'required'",
)


def spec_with(tmp_path: Path, module: str, old: str, new: str) -> tuple[Path, Path]:
    """A copy of the spec with one text edit in modules/<module>.yaml; (spec dir, edited file)."""
    spec = tmp_path / "spec"
    shutil.copytree(SPEC_DIR, spec)
    path = spec / "modules" / f"{module}.yaml"
    text = path.read_text("utf-8")
    assert text.count(old) >= 1, old
    path.write_text(text.replace(old, new, 1), "utf-8")
    return spec, path


def line_of(path: Path, fragment: str, *, whole: bool = False) -> tuple[int, int]:
    """1-based line and column where `fragment` (or the line that is exactly `fragment`) starts."""
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if (line == fragment) if whole else (fragment in line):
            return number, line.index(fragment) + 1
    raise AssertionError(f"{fragment!r} not in {path}")


def errors(spec: Path, *args: str) -> list[str]:
    result = runner.invoke(app, ["validate", "--spec", str(spec), *args])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if re.match(r".+:\d+:\d+: ", line)]
    for line in lines:
        assert not any(phrase in line for phrase in JSONSCHEMA_PROSE), line
    return lines


def only_error(spec: Path) -> tuple[str, int, int, str]:
    [line] = errors(spec)
    path, number, column, message = line.split(":", 3)
    return path, int(number), int(column), message.strip()


# Meta-schema failures, on the real spec ----------------------------------------------------------


def test_a_misspelt_key_is_located_at_itself_with_the_nearest_key(tmp_path):
    spec, path = spec_with(
        tmp_path, "core", "    description: The state of one task", "    desciption: The state of one task"
    )
    where, line, column, message = only_error(spec)
    assert where.endswith("modules/core.yaml")
    assert (line, column) == line_of(path, "desciption:")  # the key, not the type holding it
    assert message == "types/Task/desciption: unknown key 'desciption' (did you mean 'description'?)"


def test_an_unknown_key_with_no_near_name_lists_the_allowed_keys(tmp_path):
    spec, path = spec_with(
        tmp_path, "core", "    description: The state of one task", "    colour: blue\n    description: The state of one task"
    )
    _, line, _, message = only_error(spec)
    assert line == line_of(path, "colour:")[0]
    assert message.startswith("types/Task/colour: unknown key 'colour'; allowed: `kind`, `description`")


def test_wrong_indentation_reads_as_a_sentence(tmp_path):
    """The case from the issue: a field's `required: true` dedented one level becomes a field named
    `required` whose value is `true`; jsonschema said `True is valid under each of {...}`."""
    spec, path = spec_with(
        tmp_path, "core",
        "      status:\n        type: TaskStatus",
        "      required: true\n      status:\n        type: TaskStatus",
    )
    _, line, column, message = only_error(spec)
    assert line == line_of(path, "      required: true", whole=True)[0] and column == 7
    assert message == "types/Task/fields/required: expected a mapping, found true"


def test_an_empty_value_hints_at_the_indentation(tmp_path):
    spec, path = spec_with(tmp_path, "core", "    kind: object\n    source: SEP-2663, Task\n", "    kind: object\n    source:\n")
    _, line, _, message = only_error(spec)
    assert line == line_of(path, "source:\n".rstrip())[0] or "source" in message
    assert "expected a string, found an empty value (is the indentation right?)" in message


def test_a_misspelt_enum_value_suggests_the_nearest(tmp_path):
    spec, path = spec_with(tmp_path, "core", "  TaskStatus:\n    kind: enum", "  TaskStatus:\n    kind: enumm")
    _, line, _, message = only_error(spec)
    assert line == line_of(path, "kind: enumm")[0]
    assert message == "types/TaskStatus/kind: 'enumm' is not one of 'object', 'enum', 'alias', 'union' (did you mean 'enum'?)"


def test_a_missing_required_key(tmp_path):
    spec, path = spec_with(tmp_path, "core", "  TaskStatus:\n    kind: enum\n", "  TaskStatus:\n")
    _, line, _, message = only_error(spec)
    assert line == line_of(path, "  TaskStatus:")[0]
    assert message == "types/TaskStatus: missing required key `kind`"


def test_a_badly_formed_name_is_located_at_the_key(tmp_path):
    spec, path = spec_with(tmp_path, "core", "\n  TaskStatus:\n", "\n  taskStatus:\n")
    lines = errors(spec)
    bad = [line for line in lines if "'taskStatus' is not a valid key here" in line]
    assert bad, lines
    assert f":{line_of(path, 'taskStatus:')[0]}:" in bad[0]
    assert "a capitalised name of letters and digits" in bad[0]


def test_a_union_with_neither_form_says_what_it_needs(tmp_path):
    spec, _ = spec_with(tmp_path, "core", "    over: DetailedTask\n    variant_name: \"{variant}Result\"\n", "")
    _, _, _, message = only_error(spec)
    assert message == (
        "types/GetTaskResult: needs `variants` (without `over`, `with`, `variant_name`); "
        "or `over` and `variant_name` (without `variants`)"
    )


def test_a_scalar_of_the_wrong_type(tmp_path):
    spec, path = spec_with(tmp_path, "core", "    kind: object\n    source: SEP-2663, Task\n", "    kind: object\n    open: maybe\n    source: SEP-2663, Task\n")
    _, line, _, message = only_error(spec)
    assert line == line_of(path, "open: maybe")[0]
    assert message == "types/Task/open: expected true or false, found the string 'maybe'"


@pytest.mark.parametrize(
    ("tagged", "found"),
    [("!!binary VGFza3M=", "binary data (a !!binary value)"), ("!!timestamp 2001-12-14", "the date 2001-12-14 (a !!timestamp value)")],
)
def test_a_tagged_scalar_is_not_called_a_string(tmp_path, tagged, found):
    """An explicit YAML tag makes bytes or a date (a plain date stays text): the message says which,
    where it used to call either one "the string b'Tasks'" or "the string datetime.date(...)"."""
    spec, path = spec_with(tmp_path, "core", "title: Tasks extension\n", f"title: {tagged}\n")
    _, line, _, message = only_error(spec)
    assert line == line_of(path, f"title: {tagged}")[0]
    assert message == f"title: expected a string, found {found}"


@pytest.mark.parametrize(
    ("schema", "document", "expected"),
    [
        ({"const": "x"}, "y", "top level: must be 'x', found the string 'y'"),
        ({"type": "array", "minItems": 1}, "[]", "top level: needs at least 1 item"),
        ({"type": "object", "minProperties": 2}, "{a: 1}", "top level: needs at least 2 entries"),
        ({"type": "array", "uniqueItems": True}, "[a, a]", "top level: lists the same item more than once"),
        ({"type": "integer", "minimum": 0}, "-1", "top level: must be at least 0, found -1"),
        ({"type": "string", "minLength": 1}, "''", "top level: must not be empty"),
        ({"type": "string", "pattern": "^[a-z][a-z0-9-]*$"}, "Bad", "top level: 'Bad' is not lower-case letters, digits and hyphens, starting with a letter"),
        ({"type": "string", "pattern": "^x+$"}, "y", "top level: 'y' must be text matching `^x+$`"),
        ({"type": "object", "not": {"required": ["b"]}}, "{a: 1, b: 2}", "b: `b` is not allowed here (see spec/README.md for what goes together)"),
        (
            {"type": "object", "oneOf": [{"required": ["a"]}, {"required": ["b"]}]},
            "{a: 1, b: 2}",
            "top level: give only one of: `a`; or `b`",
        ),
    ],
)
def test_every_other_meta_schema_keyword_has_words(tmp_path, schema, document, expected):
    import jsonschema

    (tmp_path / "doc.yaml").write_text(document + "\n", "utf-8")
    source, problems = load_yaml(tmp_path, "doc.yaml")
    assert problems == []
    found = explain(source, jsonschema.Draft202012Validator(schema).iter_errors(source.document))
    assert [d.message for d in found] == [expected]
    assert all(d.location.path == "doc.yaml" and d.location.line == 1 for d in found)


def test_the_meta_schema_uses_no_keyword_without_words():
    """Every keyword the spec's meta-schema uses has a sentence above (a new keyword must get one)."""
    from taskbind.validate import metaschema

    used: set[str] = set()

    def walk(schema):
        if isinstance(schema, list):
            for item in schema:
                walk(item)
        if not isinstance(schema, dict):
            return
        for key, value in schema.items():
            used.add(key)
            if key in ("properties", "patternProperties"):
                for sub in value.values():
                    walk(sub)
            elif key not in ("enum", "const", "required", "default"):
                walk(value)

    # `provenance` is not a schema but a table of property schemas that the definitions repeat.
    walk([schema for name, schema in metaschema()["$defs"].items() if name != "provenance"])
    structural = {"$schema", "$id", "$defs", "$ref", "title", "description", "properties", "patternProperties",
                  "items", "allOf", "if", "then", "else", "propertyNames", "additionalProperties"}
    worded = {"type", "enum", "const", "pattern", "minLength", "minItems", "minProperties", "uniqueItems",
              "minimum", "maximum", "required", "oneOf", "anyOf", "not"}
    assert used - structural <= worded, used - structural - worded


# Semantic rules: unknown names with the nearest known one -----------------------------------------


def test_an_unknown_type_suggests_the_nearest(tmp_path):
    """The issue's example: `unknown type 'DetailedTsk'` said nothing more."""
    spec, path = spec_with(tmp_path, "core", "    over: DetailedTask\n", "    over: DetailedTsk\n")
    _, line, _, message = only_error(spec)
    assert line == line_of(path, "over: DetailedTsk")[0]
    assert message == "GetTaskResult over: unknown type 'DetailedTsk' (did you mean 'DetailedTask'?)"


def test_an_unknown_method_suggests_the_nearest(tmp_path):
    spec, path = spec_with(tmp_path, "core", "accepts: [tasks/get, tasks/update, tasks/cancel]", "accepts: [tasks/gett, tasks/update, tasks/cancel]")
    lines = errors(spec)
    assert any("unknown method 'tasks/gett' (did you mean 'tasks/get'?)" in line for line in lines), lines


def test_an_unknown_module_and_target_on_the_command_line(tmp_path):
    result = runner.invoke(app, ["generate", "--modules", "cor", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "unknown module(s): cor (did you mean 'core'?)" in result.stderr
    result = runner.invoke(app, ["generate", "--target", "pyton", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "unknown target(s) pyton (did you mean 'python'?)" in result.stderr
    assert not any((tmp_path).iterdir())


def test_an_unknown_configuration_key_suggests_the_nearest(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text('[tool.taskbind]\nmodles = ["core"]\n', "utf-8")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 2
    assert "unknown key(s) in [tool.taskbind]: modles (did you mean 'modules'?)" in result.stderr


# Paths -------------------------------------------------------------------------------------------


def test_an_empty_folder_names_the_missing_manifest_once(tmp_path, monkeypatch):
    """The issue saw `emptyspec/emptyspec/taskbind.yaml`."""
    (tmp_path / "emptyspec").mkdir()
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["validate", "--spec", "emptyspec"])
    assert result.exit_code == 2
    first = result.stderr.splitlines()[0]
    assert first.startswith("emptyspec/taskbind.yaml:1:1: "), first
    assert "taskbind.yaml" in first.split(": ", 1)[1]


def test_every_bundled_example_of_a_message_is_yaml_clean():
    """The spec the edits above start from validates: every error above comes from its one edit."""
    assert yaml.safe_load((SPEC_DIR / "taskbind.yaml").read_text("utf-8"))
    assert runner.invoke(app, ["validate", "--spec", str(SPEC_DIR)]).exit_code == 0
