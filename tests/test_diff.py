"""`taskbind diff` through the real command line: one spec pair per rule (diff_cases.py), the
acceptance scenarios, levels, formats, bad input, and comparing against a git ref.

Each rule case asserts the exact set of rules reported, the category of the rule under test and the
exit code (0: nothing breaking at the default level, source; 1: something).
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from diff_cases import CASES, SPARE_ERROR, SPARE_TYPE, Case, Edit, add_status_archived, core_lifecycle, flag_const, in_module, on_field, on_type, setter
from specedit import copy_spec, edit_module, lifecycle_sections, remove_lifecycle, remove_method, rename_everywhere
from taskbind.cli import app
from taskbind.diff import RULES

runner = CliRunner()


def run_diff(*args: object):
    return runner.invoke(app, ["diff", *map(str, args)])


def diff_json(old: Path, new: Path, *extra: str) -> tuple[int, dict]:
    result = run_diff(old, new, "--format", "json", *extra)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


@pytest.fixture(scope="module")
def base_spec(tmp_path_factory) -> Path:
    return copy_spec(tmp_path_factory.mktemp("diff") / "base", examples=False)


def make_side(base: Path, destination: Path, edit: Edit | None) -> Path:
    if edit is None:
        return base
    shutil.copytree(base, destination)
    edit(destination)
    return destination


def test_every_rule_has_a_case():
    assert {c.rule for c in CASES} == set(RULES)
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
def test_rule(c: Case, base_spec: Path, tmp_path: Path):
    """The full list of changes, with counts: a diff that reports one change twice, or under
    another element or category, fails, as does one that misses it.

    Planted bugs (issue 13, both missed by the set-based version of this test): the reporter
    appending the same change 20 times, and the const comparison using Python's `==` alone, so
    that a const changed from JSON `true` to `1` (True == 1) went unreported (case
    const-value-changed-true-to-1)."""
    old = make_side(base_spec, tmp_path / "old", c.old)
    new = make_side(base_spec, tmp_path / "new", c.new)
    exit_code, report = diff_json(old, new)
    reported = Counter((ch["rule"], ch["element"], ch["category"]) for ch in report["changes"])
    assert reported == Counter(c.changes), json.dumps(report["changes"], indent=1)
    assert c.category == RULES[c.rule].category
    assert exit_code == c.exit_code, report["summary"]
    assert report["breaking"] is (exit_code == 1)


@pytest.mark.parametrize(("old", "new", "shown"), [(True, 1, ("true", "1")), ("on", "off", ('"on"', '"off"'))])
def test_a_changed_const_shows_both_values_as_json(old, new, shown, base_spec: Path, tmp_path: Path):
    """The values are spec literals, so a reader sees them as the wire does: `true`, `"on"`, not
    Python's `True`, `'on'`."""
    before = make_side(base_spec, tmp_path / "old", flag_const(old))
    after = make_side(base_spec, tmp_path / "new", flag_const(new))
    _, report = diff_json(before, after)
    [change] = report["changes"]
    assert (change["old"], change["new"]) == shown


# -- the acceptance scenarios -----------------------------------------------------------------------


def line_of(path: Path, key: str, *, after: str | None = None) -> int:
    """The 1-based line of `key` (a whole line's text, indentation included) in a YAML file, the
    first one below the line `after` when given: located in the file, not taken from the diff."""
    lines = path.read_text("utf-8").splitlines()
    start = lines.index(after) if after is not None else 0
    return start + lines[start:].index(key) + 1


@pytest.fixture
def pause_removed(tmp_path: Path, monkeypatch) -> tuple[Path, Path]:
    """Relative paths "old" and "new" (cwd: tmp_path), so that the output is the same every run."""
    monkeypatch.chdir(tmp_path)
    old = copy_spec(Path("old"), examples=False)
    new = copy_spec(Path("new"), examples=False)
    remove_method(new, "tasks/pause")
    return old, new


def pause_removed_locations(old: Path, new: Path) -> dict[str, str]:
    method = line_of(old / "modules" / "interaction.yaml", "  tasks/pause:") + 1  # its body
    core = new / "modules" / "core.yaml"
    return {
        "method": f"old/modules/interaction.yaml:{method}:5",
        "working": f"new/modules/core.yaml:{line_of(core, '    working:', after='lifecycle:')}:5",
        "input_required": (
            f"new/modules/core.yaml:{line_of(core, '    input_required:', after='lifecycle:')}:5"
        ),
    }


def test_removing_tasks_pause_prints_exactly_these_lines_and_exits_1(pause_removed):
    """The whole text output, pinned: each change once, in this order, with its location."""
    at = pause_removed_locations(*pause_removed)
    result = run_diff(*pause_removed)
    assert result.exit_code == 1, result.output
    assert result.stdout == (
        f"{at['method']}: breaking WIRE method-removed: method tasks/pause: A method or "
        "notification was removed (was request client-to-server)\n"
        f"{at['working']}: breaking WIRE status-accept-removed: status working: A status no "
        "longer accepts a method (was tasks/pause)\n"
        f"{at['input_required']}: breaking WIRE status-accept-removed: status input_required: "
        "A status no longer accepts a method (was tasks/pause)\n"
        f"{at['working']}: breaking WIRE transition-removed: transition working -> paused on "
        "tasks/pause: A lifecycle transition was removed\n"
        f"{at['input_required']}: breaking WIRE transition-removed: transition input_required "
        "-> paused on tasks/pause: A lifecycle transition was removed\n"
        "5 breaking change(s) at level source (5 WIRE), 0 other change(s)\n"
    )


def test_removing_tasks_pause_in_json_is_exactly_this_document(pause_removed):
    at = {
        key: dict(zip(("file", "line", "column"), value.split(":")))
        for key, value in pause_removed_locations(*pause_removed).items()
    }

    def change(rule, element, old, message, where, side):
        location = at[where]
        return {
            "rule": rule, "category": "WIRE", "breaking": True, "element": element,
            "old": old, "new": None, "message": f"{element}: {message}",
            "file": location["file"], "line": int(location["line"]),
            "column": int(location["column"]), "side": side,
        }

    removed = "A lifecycle transition was removed"
    no_longer = "A status no longer accepts a method (was tasks/pause)"
    working, waiting = "working -> paused on tasks/pause", "input_required -> paused on tasks/pause"
    exit_code, report = diff_json(*pause_removed)
    assert exit_code == 1
    assert report == {
        "level": "source",
        "breaking": True,
        "summary": "5 breaking change(s) at level source (5 WIRE), 0 other change(s)",
        "changes": [
            change("method-removed", "method tasks/pause", "request client-to-server",
                   "A method or notification was removed (was request client-to-server)",
                   "method", "old"),
            change("status-accept-removed", "status working", "tasks/pause", no_longer,
                   "working", "new"),
            change("status-accept-removed", "status input_required", "tasks/pause", no_longer,
                   "input_required", "new"),
            change("transition-removed", f"transition {working}", f"transition {working}",
                   removed, "working", "new"),
            change("transition-removed", f"transition {waiting}", f"transition {waiting}",
                   removed, "input_required", "new"),
        ],
    }


def test_adding_an_optional_field_exits_0_and_reports_it_as_non_breaking(tmp_path: Path):
    old = copy_spec(tmp_path / "old", examples=False)
    new = copy_spec(tmp_path / "new", examples=False)
    on_type("core", "Task", lambda t: t["fields"].update({"owner": {"type": "string"}}))(new)
    result = run_diff(old, new)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and lines[0].endswith(
        ": ok NONE optional-field-added: field Task.owner: An optional field was added (string, optional)"
    ), result.stdout
    assert lines[1] == "0 breaking change(s) at level source, 1 other change(s)"


# -- levels, formats, inputs ------------------------------------------------------------------------


def test_level_wire_lets_a_source_break_through(base_spec: Path, tmp_path: Path):
    new = make_side(
        base_spec,
        tmp_path / "new",
        lambda spec: rename_everywhere(spec, "TaskSteerResult", "SteerTaskResult"),
    )
    assert run_diff(base_spec, new, "--level", "source").exit_code == 1
    result = run_diff(base_spec, new, "--level", "wire")
    assert result.exit_code == 0, result.output
    assert "ok SOURCE type-renamed: type SteerTaskResult" in result.stdout


def test_identical_and_reformatted_specs_report_nothing(base_spec: Path, tmp_path: Path):
    """YAML re-dumped (comments gone, quoting and layout changed) is the same spec."""

    def redump(spec: Path) -> None:
        for module in ("mcp-core", "core", "interaction", "subtasks", "event-sources"):
            edit_module(spec, module, lambda doc: None)

    new = make_side(base_spec, tmp_path / "new", redump)
    result = run_diff(base_spec, new)
    assert result.exit_code == 0 and result.stdout == "no changes\n"


def test_github_annotations_point_into_the_new_spec(base_spec: Path, tmp_path: Path, monkeypatch):
    new = make_side(base_spec, tmp_path / "new", on_field("ttlMs", setter(nullable=False)))
    monkeypatch.chdir(tmp_path)
    result = run_diff(base_spec, new, "--format", "github")
    assert result.exit_code == 1
    line = next(line for line in result.stdout.splitlines() if "field-made-non-nullable" in line)
    assert line.startswith("::error file=new/modules/core.yaml,line=")
    number = int(line.split("line=")[1].split(",")[0])
    # a field's location is its body's: the line of its key, or the next one for a block mapping
    lines = (new / "modules" / "core.yaml").read_text().splitlines()
    assert "ttlMs:" in lines[number - 1] or "ttlMs:" in lines[number - 2]
    assert "::field Task.ttlMs: A nullable field no longer accepts null" in line


def test_github_annotations_use_notice_for_additions(base_spec: Path, tmp_path: Path):
    new = make_side(
        base_spec, tmp_path / "new", in_module("core", lambda doc: doc["types"].update(SPARE_TYPE))
    )
    result = run_diff(base_spec, new, "--format", "github")
    assert result.exit_code == 0
    assert result.stdout.startswith("::notice file=")


def test_invalid_spec_exits_2_with_located_errors(base_spec: Path, tmp_path: Path):
    new = make_side(base_spec, tmp_path / "new", on_field("ttlMs", setter(type="NoSuchType")))
    result = run_diff(base_spec, new)
    assert result.exit_code == 2
    assert "in the new spec" in result.stderr and "modules/core.yaml:" in result.stderr


@pytest.mark.parametrize(
    "args", [[], ["only-one"], ["/nonexistent/a", "/nonexistent/b"], ["--level", "file", ".", "."]]
)
def test_bad_arguments_exit_2(args):
    assert runner.invoke(app, ["diff", *args]).exit_code == 2


def test_list_rules_names_every_rule():
    result = runner.invoke(app, ["diff", "--list-rules"])
    assert result.exit_code == 0
    assert [line.split()[:2] for line in result.stdout.splitlines()] == [
        [r.id, r.category] for r in RULES.values()
    ]


# -- against a git ref ------------------------------------------------------------------------------


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repo(tmp_path: Path, monkeypatch) -> Path:
    """A git repository whose committed spec is the real one, at spec/, with a [tool.taskbind]."""
    copy_spec(tmp_path / "spec", examples=False)
    (tmp_path / "pyproject.toml").write_text('[tool.taskbind]\nspec = "spec"\n')
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "spec")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_against_a_ref_compares_the_configured_spec_with_itself_there(repo: Path):
    remove_method(repo / "spec", "tasks/pause")
    result = run_diff("--against", "HEAD")
    assert result.exit_code == 1, result.output
    assert "method tasks/pause" in result.stdout
    # the removed element is located in the working-tree path of the file it was removed from
    assert "spec/modules/interaction.yaml:" in result.stdout
    assert run_diff("--against", "HEAD", "spec").exit_code == 1  # the same, naming the spec


def test_against_a_ref_from_a_subdirectory(repo: Path, monkeypatch):
    (repo / "sub").mkdir()
    monkeypatch.chdir(repo / "sub")
    result = run_diff("--against", "HEAD")
    assert result.exit_code == 0 and result.stdout == "no changes\n"


@pytest.mark.parametrize("ref", ["no-such-ref", "HEAD~5", "--help"])
def test_against_an_unknown_ref_exits_2(repo: Path, ref: str):
    result = run_diff(f"--against={ref}")
    assert result.exit_code == 2
    assert "unknown git ref" in result.stderr


def test_against_a_ref_without_the_spec_exits_2(repo: Path):
    shutil.copytree(repo / "spec", repo / "spec2")
    result = run_diff("--against", "HEAD", "spec2")
    assert result.exit_code == 2 and "spec2/ does not exist at HEAD" in result.stderr


def test_against_outside_a_repository_exits_2(base_spec: Path):
    result = run_diff("--against", "HEAD", base_spec)
    assert result.exit_code == 2 and "not in a git repository" in result.stderr


# The old and new values a change carries (shown in the text output and the JSON's old/new): the
# short wire descriptions of diff/shapes.py. Expected values are read off the spec YAML: Task's
# statusMessage is an optional string, ttlMs a required nullable safe-integer, CreateTaskResult's
# resultType the const "task", InputRequests an alias of map<InputRequest>, includeContext an
# optional string with the inline enum [allServers, none, thisServer]; a const field is described
# by its JSON value.
VALUES = [
    ("field-type-changed", "field Task.statusMessage", "string, optional", "integer, optional",
     on_field("statusMessage", setter(type="integer"))),
    ("field-type-changed", "field Task.ttlMs", "safe-integer, required, nullable", "integer, required, nullable",
     on_field("ttlMs", setter(type="integer"))),
    ("field-type-changed", "field CreateMessageRequestParams.includeContext",
     "string enum allServers|none|thisServer, optional", "string, optional",
     on_type("mcp-core", "CreateMessageRequestParams", lambda t: t["fields"]["includeContext"].pop("enum"))),
    ("field-constraints-changed", "field Task.statusMessage", "none", "pattern='^x', max_length=5",
     on_field("statusMessage", setter(pattern="^x", max_length=5))),
    ("field-removed", "field Task.statusMessage", "string, optional", None,
     on_type("core", "Task", lambda t: t["fields"].pop("statusMessage"))),
    ("required-field-added", "field Task.owner", None, "string, required",
     on_type("core", "Task", lambda t: t["fields"].update({"owner": {"type": "string", "required": True}}))),
    ("const-value-changed", "field CreateTaskResult.resultType", '"task"', '"créé"',
     on_field("resultType", setter(const="créé"), "CreateTaskResult")),
    ("alias-target-changed", "type InputRequests", "map<InputRequest>", "map<any>",
     on_type("mcp-core", "InputRequests", setter(type="map<any>"))),
    ("optional-field-added", "field Task.flag", None, "const true, optional", flag_const(True)),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "element", "old", "new", "edit"), VALUES, ids=[f"{v[0]}:{v[1]}" for v in VALUES])
def test_a_change_carries_the_old_and_new_values(rule, element, old, new, edit, base_spec: Path, tmp_path: Path):
    """The one change of each edit, with its values exactly (a const as JSON, non-ASCII kept)."""
    _, report = diff_json(base_spec, make_side(base_spec, tmp_path / "new", edit))
    assert [(c["rule"], c["element"], c["old"], c["new"]) for c in report["changes"]] == [(rule, element, old, new)]


def spare_types(types: dict) -> Edit:
    return in_module("core", lambda doc: doc["types"].update(types))


def enum(*values: str) -> dict:
    return {"kind": "enum", "values": {v: {"description": "x"} for v in values}}


def obj(**fields: dict) -> dict:
    return {"kind": "object", "fields": fields}


# A named type gone from the old spec and one new in the new spec are a rename when they have the
# same wire shape (type-renamed: "a new name and the same shape"), else a removal and an addition.
# Each pair differs in one part of the shape only.
RENAMED = [("type-renamed", "type Other")]
NOT_RENAMED = [("type-removed", "type Spare"), ("type-added", "type Other")]
SHAPES = [
    ("enum-same", enum("a", "b"), enum("b", "a"), RENAMED),
    ("enum-values", enum("a", "b"), enum("a", "c"), NOT_RENAMED),
    ("alias-same", {"kind": "alias", "type": "list<string>"}, {"kind": "alias", "type": "list<string>"}, RENAMED),
    ("alias-list-item", {"kind": "alias", "type": "list<string>"}, {"kind": "alias", "type": "list<integer>"}, NOT_RENAMED),
    ("object-extra", {"kind": "object", "extra": "string"}, {"kind": "object", "extra": "integer"}, NOT_RENAMED),
    ("object-field-type", obj(note={"type": "string"}), obj(note={"type": "integer"}), NOT_RENAMED),
    ("object-inline-union", obj(v={"type": "string | integer"}), obj(v={"type": "string | boolean"}), NOT_RENAMED),
    ("object-const", obj(k={"const": "a"}), obj(k={"const": "b"}), NOT_RENAMED),
    ("object-same", obj(k={"const": "a"}, n={"type": "string | integer"}), obj(n={"type": "string | integer"}, k={"const": "a"}), RENAMED),
    ("object-extra-named", {"kind": "object", "extra": "Error"}, {"kind": "object", "extra": "Error"}, RENAMED),
    ("union-variants", {"kind": "union", "variants": ["CallToolResult", "InputRequiredResult"]},
     {"kind": "union", "variants": ["CallToolResult", "CreateTaskResult"]}, NOT_RENAMED),
]  # fmt: skip


@pytest.mark.parametrize(("old_type", "new_type", "expected"), [s[1:] for s in SHAPES], ids=[s[0] for s in SHAPES])
def test_a_rename_is_recognised_by_the_whole_shape(old_type, new_type, expected, base_spec: Path, tmp_path: Path):
    old = make_side(base_spec, tmp_path / "old", spare_types({"Spare": old_type}))
    new = make_side(base_spec, tmp_path / "new", spare_types({"Other": new_type}))
    _, report = diff_json(old, new)
    assert [(c["rule"], c["element"]) for c in report["changes"]] == expected


@pytest.mark.parametrize(
    ("old", "new"),
    [("TaskStatus", "TaskState"), ("CallToolResult", "ToolCallResult"), ("InputRequests", "PendingInputs")],
    ids=["used-as-a-field-type", "used-as-a-union-variant", "an-alias-used-as-a-field-type"],
)
def test_a_renamed_type_is_one_change_wherever_it_is_used(old, new, base_spec: Path, tmp_path: Path):
    """Task.status is a TaskStatus, CallToolResult a variant of CallToolResponseResult, Task's
    inputRequests an InputRequests: the wire is unchanged, so neither the field nor the union
    reports a change of its own, only the rename does."""
    renamed = tmp_path / "new"
    shutil.copytree(base_spec, renamed)
    rename_everywhere(renamed, old, new)
    _, report = diff_json(base_spec, renamed)
    assert [(c["rule"], c["element"], c["old"], c["new"]) for c in report["changes"]] == [("type-renamed", f"type {new}", old, new)]


def test_a_union_renamed_with_its_renamed_variant_is_two_renames(base_spec: Path, tmp_path: Path):
    """The variant's rename is taken into account when the unions' shapes are compared."""
    variant = obj(note={"type": "string"}, kind={"const": "spare"})
    old = make_side(base_spec, tmp_path / "old", spare_types({
        "SpareVariant": variant, "Spare": {"kind": "union", "variants": ["SpareVariant", "CallToolResult"]}}))
    new = make_side(base_spec, tmp_path / "new", spare_types({
        "OtherVariant": variant, "Other": {"kind": "union", "variants": ["OtherVariant", "CallToolResult"]}}))
    _, report = diff_json(old, new)
    assert sorted((c["rule"], c["element"]) for c in report["changes"]) == [
        ("type-renamed", "type Other"), ("type-renamed", "type OtherVariant")]


def test_a_union_whose_variant_changes_its_discriminator_value_is_not_a_rename(base_spec: Path, tmp_path: Path):
    """A union's shape includes each variant's discriminator value: when the variant's const changes
    in the same change as the union's name, the union's wire shape is not the same, so the old name
    is removed and the new one added (the planted bug left the value out of the shape and reported a
    rename)."""
    def sides(const: str, union: str) -> dict:
        return {"SpareVariant": obj(kind={"const": const, "required": True}),
                union: {"kind": "union", "discriminator": "kind", "variants": ["SpareVariant"]}}

    old = make_side(base_spec, tmp_path / "old", spare_types(sides("a", "Spare")))
    new = make_side(base_spec, tmp_path / "new", spare_types(sides("b", "Other")))
    _, report = diff_json(old, new)
    assert sorted((c["rule"], c["element"]) for c in report["changes"]) == [
        ("const-value-changed", "field SpareVariant.kind"), ("type-added", "type Other"), ("type-removed", "type Spare")]


def test_a_renamed_type_points_at_the_new_name_and_a_removed_type_at_the_old_one(base_spec: Path, tmp_path: Path):
    """A rename is reported where the new spec declares the new name (side "new"); a removal has
    nothing to point at in the new spec, so it points at the old declaration (side "old") and
    carries the old kind as its old value (the planted bugs dropped either location or the kind)."""
    old = make_side(base_spec, tmp_path / "old", spare_types({"Spare": enum("a", "b"), "Gone": obj(x={"type": "string"})}))
    new = make_side(base_spec, tmp_path / "new", spare_types({"Other": enum("a", "b"), "Fresh": {"kind": "alias", "type": "string"}}))
    _, report = diff_json(old, new)
    seen = [(c["rule"], c["element"], c["old"], c["new"], Path(c["file"]).resolve(), c["line"], c["side"]) for c in report["changes"]]
    body = lambda side, name: line_of(side / "modules" / "core.yaml", f"  {name}:") + 1  # noqa: E731 (a type's location is its body)
    assert seen == [
        ("type-renamed", "type Other", "Spare", "Other", (new / "modules" / "core.yaml").resolve(), body(new, "Other"), "new"),
        ("type-removed", "type Gone", "object", None, (old / "modules" / "core.yaml").resolve(), body(old, "Gone"), "old"),
        ("type-added", "type Fresh", None, "alias", (new / "modules" / "core.yaml").resolve(), body(new, "Fresh"), "new"),
    ]


# A change inside a type that both specs have points at that type in the new spec.
IN_PLACE = [
    ("type-kind-changed", "type InputRequests", "alias", "object", "mcp-core", "InputRequests", None,
     in_module("mcp-core", lambda doc: doc["types"].update({"InputRequests": {"kind": "object", "extra": "object"}}))),
    ("alias-target-changed", "type InputRequests", "map<InputRequest>", "map<any>", "mcp-core", "InputRequests", None,
     on_type("mcp-core", "InputRequests", setter(type="map<any>"))),
    ("enum-value-added", "type Spare value 'c'", None, "c", "core", "Spare", spare_types({"Spare": enum("a", "b")}),
     spare_types({"Spare": enum("a", "b", "c")})),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "element", "before", "after", "module", "name", "old_edit", "new_edit"), IN_PLACE,
                         ids=[row[0] for row in IN_PLACE])
def test_a_change_inside_a_type_carries_its_values_and_points_at_the_type(
        rule, element, before, after, module, name, old_edit, new_edit, base_spec: Path, tmp_path: Path):
    """The values (the old and the new kind, the alias targets, the value added) and the location:
    the type's body in the new spec (the planted bugs dropped a value or the location)."""
    old = make_side(base_spec, tmp_path / "old", old_edit)
    new = make_side(base_spec, tmp_path / "new", new_edit)
    _, report = diff_json(old, new)
    path = new / "modules" / f"{module}.yaml"
    assert [(c["rule"], c["element"], c["old"], c["new"], Path(c["file"]).resolve(), c["line"], c["side"]) for c in report["changes"]] == [
        (rule, element, before, after, path.resolve(), line_of(path, f"  {name}:") + 1, "new")]


BASE = obj(spareInherited={"type": "string"})
OWN = {"spareOwn": {"type": "string"}}


def with_base(base: str) -> dict:
    return {"kind": "object", "extends": [base], "fields": OWN}


@pytest.mark.parametrize(
    ("old_types", "new_types", "expected"),
    [
        ({"SpareBase": BASE, "Spare": obj(**OWN)}, {"SpareBase": BASE, "Spare": with_base("SpareBase")},
         [("optional-field-added", "field Spare.spareInherited")]),
        ({"SpareBase": BASE, "Spare": with_base("SpareBase")}, {"SpareBase": BASE, "Spare": obj(**OWN)},
         [("field-removed", "field Spare.spareInherited")]),
        ({"SpareBase": BASE, "Spare": obj(**OWN)}, {"OtherBase": BASE, "Spare": with_base("OtherBase")},
         [("type-renamed", "type OtherBase"), ("optional-field-added", "field Spare.spareInherited")]),
    ],
    ids=["gains-a-base", "drops-a-base", "gains-a-renamed-base"],
)
def test_a_type_that_gains_or_drops_a_base_is_the_one_that_changed(old_types, new_types, expected, base_spec: Path, tmp_path: Path):
    """A field is named after the type that declares it (Task losing a field is one change, not
    one per subtype), except when the declaring type keeps the field on the other side: then only
    the type that gained or dropped the base changed, and the change is named after it, also when
    the base was renamed in the same change. (The planted bugs named the base instead.)"""
    old = make_side(base_spec, tmp_path / "old", spare_types(old_types))
    new = make_side(base_spec, tmp_path / "new", spare_types(new_types))
    _, report = diff_json(old, new)
    assert [(c["rule"], c["element"]) for c in report["changes"]] == expected


# Each rule's case (diff_cases.CASES) with the values and the side of every change it reports, in
# order: an added element has no old value and a removed one no new value; a change points at the
# new spec (side "new"), except a whole method, type, error, capability or status that is gone,
# which only the old spec still has. Written from the rules' meaning and each case's edit.
WIRE_VALUES = {
    "method-removed": [("request client-to-server", None, "old"), ("tasks/pause", None, "new"), ("tasks/pause", None, "new"),
                       ("transition working -> paused on tasks/pause", None, "new"),
                       ("transition input_required -> paused on tasks/pause", None, "new")],
    "method-added": [(None, "request client-to-server", "new")],
    "method-kind-changed": [("notification", "request", "new")],
    "method-direction-changed": [("client-to-server", "both", "new")],
    "method-params-changed": [("CancelTaskRequestParams", "UpdateTaskRequestParams", "new")],
    "method-params-made-required": [("optional", "required", "new")],
    "method-result-changed": [("CancelTaskResult", "GetTaskResult", "new")],
    "method-type-renamed": [("CancelTaskResult", "UpdateTaskResult", "new")],
    "method-envelope-renamed": [("GetTaskRequest", "GetTaskRequestMessage", "new")],
    "method-capability-changed": [(None, "io.modelcontextprotocol/tasks", "new")],
    "method-capability-dropped": [("io.modelcontextprotocol/tasks", None, "new")],
    "method-setting-changed": [("steer", "pause", "new")],
    "method-setting-dropped": [("steer", None, "new")],
    "method-routing-field-changed": [("taskId", None, "new")],
    "method-error-removed": [("InternalError (-32603)", None, "new")],
    "method-error-added": [(None, "MethodNotFound (-32601)", "new")],
    "removed-method-code-changed": [("-32601", "-32602", "new")],
    "type-removed": [("object", None, "old")],
    "type-renamed": [("TaskSteerResult", "SteerTaskResult", "new"), ("TaskSteerResultResponse", "SteerTaskResultResponse", "new")],
    "type-added": [(None, "object", "new")],
    "type-kind-changed": [("alias", "object", "new")],
    "alias-target-changed": [("map<InputRequest>", "map<any>", "new")],
    "field-removed": [("string, optional", None, "new")],
    "field-renamed": [("statusMessage", "statusText", "new")],
    "required-field-added": [(None, "string, required", "new")],
    "optional-field-added": [(None, "string, optional", "new")],
    "field-made-required": [("optional", "required", "new")],
    "field-made-optional": [("required", "optional", "new")],
    "field-made-non-nullable": [("nullable", "non-nullable", "new")],
    "field-made-nullable": [("non-nullable", "nullable", "new")],
    "field-type-changed": [("string, optional", "integer, optional", "new")],
    "field-constraints-changed": [("none", "max_length=100", "new")],
    "const-value-changed": [('"task"', '"created"', "new")],
    "const-value-changed-true-to-1": [("true", "1", "new")],
    "object-closed": [("open", "closed", "new")],
    "object-opened": [("closed", "open", "new")],
    "object-extra-changed": [(None, "object", "new")],
    "enum-value-removed": [("none", None, "new")],
    "enum-value-added": [(None, "stream", "new")],
    "union-variant-removed": [("CreateTaskResult", None, "new")],
    "union-variant-added": [(None, "object", "new"), (None, "OtherResult", "new")],
    "discriminator-changed": [("resultType", None, "new")],
    "error-removed": [("-32099", None, "old")],
    "error-code-changed": [("-32021", "-32099", "new")],
    "error-renamed": [("MissingRequiredClientCapability", "ClientCapabilityMissing", "new")],
    "error-data-changed": [(None, "Error", "new")],
    "error-added": [(None, "-32099", "new")],
    "capability-removed": [(None, None, "old")],
    "capability-added": [(None, None, "new")],
    "capability-declaration-changed": [("client per-request, server server/discover", "client initialize, server server/discover", "new")],
    "capability-setting-removed": [("boolean, optional", None, "new")],
    "capability-setting-added": [(None, "boolean, optional", "new")],
    "status-removed": [("archived", None, "new"), ("terminal", None, "old")],
    "status-added": [(None, "archived", "new"), (None, "terminal", "new")],
    "status-terminal-changed": [("terminal", "non-terminal", "new")],
    "status-accept-removed": [("tasks/update", None, "new")],
    "status-accept-added": [(None, "tasks/steer", "new")],
    "transition-removed": [("transition working -> input_required on server", None, "new")],
    "transition-added": [(None, "transition input_required -> completed on tasks/update", "new")],
    "refusal-code-changed": [("InvalidParams (-32602)", "InternalError (-32603)", "new")],
}  # fmt: skip


def test_every_case_has_its_values_written_out():
    assert set(WIRE_VALUES) == {c.id for c in CASES}


@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
def test_each_change_carries_its_old_and_new_values_and_a_location(c: Case, base_spec: Path, tmp_path: Path):
    """Beyond the rule and the element (test_rule): what was there before and after, and the side
    the location is in, with a line and column (the planted bugs dropped a value, swapped old and
    new, or lost the location)."""
    old = make_side(base_spec, tmp_path / "old", c.old)
    new = make_side(base_spec, tmp_path / "new", c.new)
    _, report = diff_json(old, new)
    assert [(ch["old"], ch["new"], ch["side"]) for ch in report["changes"]] == WIRE_VALUES[c.id]
    for change in report["changes"]:
        side = old if change["side"] == "old" else new
        assert Path(change["file"]).resolve().is_relative_to(side.resolve()), change
        assert change["line"] >= 1 and change["column"] >= 1, change


SPARE_BASE = {"SpareBase": obj(x={"type": "integer"})}
ON_SPARE = [
    ("extra-retyped", {"Spare": {"kind": "object", "extra": "string"}}, {"Spare": {"kind": "object", "extra": "integer"}},
     [("object-extra-changed", "type Spare", "string", "integer")]),
    ("same-extra-field-added", {"Spare": {"kind": "object", "extra": "string"}},
     {"Spare": {"kind": "object", "extra": "string", "fields": {"a": {"type": "string"}}}},
     [("optional-field-added", "field Spare.a", None, "string, optional")]),
    ("field-gone-another-of-another-type-added", {"Spare": obj(a={"type": "string"})}, {"Spare": obj(b={"type": "integer"})},
     [("field-removed", "field Spare.a", "string, optional", None), ("optional-field-added", "field Spare.b", None, "integer, optional")]),
    ("field-renamed-and-made-required", {"Spare": obj(a={"type": "string"})}, {"Spare": obj(b={"type": "string", "required": True})},
     [("field-renamed", "field Spare.b", "a", "b"), ("field-made-required", "field Spare.b", "optional", "required")]),
    ("const-became-a-type", {"Spare": obj(k={"const": "a"})}, {"Spare": obj(k={"type": "string"})},
     [("field-type-changed", "field Spare.k", 'const "a", optional', "string, optional")]),
    ("inherited-field-becomes-own-with-another-type", {**SPARE_BASE, "Spare": {"kind": "object", "extends": ["SpareBase"]}},
     {**SPARE_BASE, "Spare": obj(x={"type": "string"})},
     [("field-type-changed", "field Spare.x", "integer, optional", "string, optional")]),
    ("own-field-becomes-inherited-with-another-type", {**SPARE_BASE, "Spare": obj(x={"type": "string"})},
     {**SPARE_BASE, "Spare": {"kind": "object", "extends": ["SpareBase"]}},
     [("field-type-changed", "field Spare.x", "string, optional", "integer, optional")]),
    ("own-field-renamed-to-an-inherited-one", {**SPARE_BASE, "Spare": obj(w={"type": "integer"})},
     {**SPARE_BASE, "Spare": {"kind": "object", "extends": ["SpareBase"]}},
     [("field-renamed", "field Spare.x", "w", "x")]),
]  # fmt: skip


@pytest.mark.parametrize(("old_types", "new_types", "expected"), [row[1:] for row in ON_SPARE], ids=[row[0] for row in ON_SPARE])
def test_changes_inside_one_object_are_named_and_valued_exactly(old_types, new_types, expected, base_spec: Path, tmp_path: Path):
    """One object changed in place: an extra retyped (both values), an unchanged extra is no change,
    a field gone and another of another type added are not a rename (a rename keeps the type), a
    renamed field's other changes are named after its new name, a const that became a type is a
    type change (not a const change), and a field that moves between a type and its base, renamed
    or not, is named after the type whose wire changed. (Each row kills a planted bug in diff/types.py.)"""
    old = make_side(base_spec, tmp_path / "old", spare_types(old_types))
    new = make_side(base_spec, tmp_path / "new", spare_types(new_types))
    _, report = diff_json(old, new)
    assert [(c["rule"], c["element"], c["old"], c["new"]) for c in report["changes"]] == expected


def test_an_added_error_does_not_hide_a_change_to_an_error_after_it(base_spec: Path, tmp_path: Path):
    """Every error of the new spec is compared, also those after an added one (the planted bug
    stopped at the first added error, so a later error's new code went unreported)."""
    def edit(spec: Path) -> None:
        edit_module(spec, "mcp-core", lambda doc: doc["errors"].update(SPARE_ERROR))
        edit_module(spec, "event-sources", lambda doc: doc["errors"]["EventsNotFound"].update(code=-32098))

    _, report = diff_json(base_spec, make_side(base_spec, tmp_path / "new", edit))
    assert [(c["rule"], c["element"]) for c in report["changes"]] == [
        ("error-added", "error SpareError"), ("error-code-changed", "error EventsNotFound")]


def test_an_added_status_does_not_hide_a_change_to_a_status_after_it(base_spec: Path, tmp_path: Path):
    """Every status of the new lifecycle is compared, also those after an added one (the planted
    bug stopped at the first added status, so working's lost method went unreported)."""
    def edit(doc: dict) -> None:
        add_status_archived(doc)
        statuses = doc["lifecycle"]["statuses"]
        statuses["working"]["accepts"].remove("tasks/update")
        doc["lifecycle"]["statuses"] = {"archived": statuses.pop("archived"), **statuses}  # archived first

    _, report = diff_json(base_spec, make_side(base_spec, tmp_path / "new", in_module("core", edit)))
    assert [(c["rule"], c["element"], c["old"], c["new"]) for c in report["changes"]] == [
        ("enum-value-added", "type TaskStatus value 'archived'", None, "archived"),
        ("status-added", "status archived", None, "terminal"),
        ("status-accept-removed", "status working", "tasks/update", None),
    ]


def test_an_error_whose_data_type_changes_carries_both_types(base_spec: Path, tmp_path: Path):
    """error-data-changed from one data type to another shows the old and the new type."""
    edit = in_module("event-sources", lambda doc: doc["errors"]["EventsNotFound"].update(data="Error"))
    _, report = diff_json(base_spec, make_side(base_spec, tmp_path / "new", edit))
    assert [(c["rule"], c["element"], c["old"], c["new"]) for c in report["changes"]] == [
        ("error-data-changed", "error EventsNotFound", "EventsNotFoundData", "Error")]


def test_a_changed_refusal_points_at_the_first_status_of_the_new_lifecycle(base_spec: Path, tmp_path: Path):
    """The lifecycle's refusal has no line of its own in the report's terms: the change points at
    the first status the new lifecycle declares (working, in core.yaml)."""
    new = make_side(base_spec, tmp_path / "new", core_lifecycle(setter(refusal_error="InternalError")))
    _, report = diff_json(base_spec, new)
    core = new / "modules" / "core.yaml"
    assert [(c["rule"], Path(c["file"]).resolve(), c["line"], c["side"]) for c in report["changes"]] == [
        ("refusal-code-changed", core.resolve(), line_of(core, "    working:", after="lifecycle:"), "new")]


def test_a_routing_field_renamed_to_another_field_carries_both_names(base_spec: Path, tmp_path: Path):
    """method-routing-field-changed from one field to another shows the old and the new field (the
    rule's case drops the routing field, so its new value is no value either way)."""
    def edit(doc: dict) -> None:
        doc["types"]["GetTaskRequestParams"]["fields"]["lookupId"] = {"type": "string"}
        doc["methods"]["tasks/get"]["routing_field"] = "lookupId"

    _, report = diff_json(base_spec, make_side(base_spec, tmp_path / "new", in_module("core", edit)))
    assert [(c["rule"], c["element"], c["old"], c["new"]) for c in report["changes"]] == [
        ("optional-field-added", "field GetTaskRequestParams.lookupId", None, "string, optional"),
        ("method-routing-field-changed", "method tasks/get", "taskId", "lookupId")]


def test_a_transition_out_of_a_removed_status_points_at_the_old_spec(base_spec: Path, tmp_path: Path):
    """When the status a removed transition left from is gone too, the new spec has nothing to
    point at: the transition-removed change points at the transition in the old spec (side "old")."""
    def add_queued(doc: dict) -> None:
        doc["types"]["TaskStatus"]["values"]["queued"] = {"description": "Waiting to start."}
        doc["lifecycle"]["statuses"]["queued"] = {"terminal": False, "accepts": ["tasks/get", "tasks/cancel"]}
        doc["lifecycle"]["transitions"].append({"from": "queued", "to": "working", "trigger": "server"})

    old = make_side(base_spec, tmp_path / "old", in_module("core", add_queued))
    _, report = diff_json(old, base_spec)
    core = old / "modules" / "core.yaml"
    removed = [c for c in report["changes"] if c["rule"] == "transition-removed"]
    assert [(c["element"], Path(c["file"]).resolve(), c["line"], c["side"]) for c in removed] == [
        ("transition queued -> working on server", core.resolve(), line_of(core, "  - from: queued"), "old")]


def lifecycle_elements(spec: Path) -> list[str]:
    """Every status and transition of the spec's lifecycle, read from the YAML (not the model)."""
    sections = lifecycle_sections(spec)
    return [f"status {name}" for section in sections for name in section.get("statuses", {})] + [
        f"transition {t['from']} -> {t['to']} on {t['trigger']}" for section in sections for t in section.get("transitions", [])]


def test_a_spec_that_drops_its_lifecycle_removes_every_status_and_transition(base_spec: Path, tmp_path: Path):
    """A spec may have no lifecycle at all (no module declares one): compared with one that has a
    lifecycle, each status and transition is one removal, and in the other direction one addition
    (the planted bugs read the statuses or transitions of the side that has no lifecycle)."""
    without = make_side(base_spec, tmp_path / "without", remove_lifecycle)
    elements = lifecycle_elements(base_spec)
    assert len(elements) > 10  # the bundled spec's statuses and transitions, core and interaction
    kind = lambda element: element.split()[0]  # noqa: E731 (one line)
    _, dropped = diff_json(base_spec, without)
    assert sorted((c["rule"], c["element"]) for c in dropped["changes"]) == sorted((f"{kind(e)}-removed", e) for e in elements)
    _, added = diff_json(without, base_spec)
    assert sorted((c["rule"], c["element"]) for c in added["changes"]) == sorted((f"{kind(e)}-added", e) for e in elements)


def test_a_lifecycle_without_statuses_still_reports_its_refusal_change_with_no_location(base_spec: Path, tmp_path: Path):
    """A lifecycle section with a refusal error and no statuses is valid. Its changed refusal has
    no status to point at, so the change has no file, line or side (the planted bug took the first
    status of an empty list; an earlier version said side "old" with no file)."""
    bare = make_side(base_spec, tmp_path / "bare", lambda spec: remove_lifecycle(spec, {"refusal_error": "InternalError"}))
    _, report = diff_json(base_spec, bare)
    refusal = [c for c in report["changes"] if c["rule"] == "refusal-code-changed"]
    assert [(c["old"], c["new"], c["file"], c["line"], c["column"], c["side"]) for c in refusal] == [
        ("InvalidParams (-32602)", "InternalError (-32603)", None, None, None, None)]
    assert len(report["changes"]) == len(lifecycle_elements(base_spec)) + 1


def test_a_discriminator_moved_to_another_field_carries_both_names(base_spec: Path, tmp_path: Path):
    """discriminator-changed from one field to another shows the old and the new field (the rule's
    case drops the discriminator, so its new value is no value either way)."""
    variant = obj(kind={"const": "a", "required": True}, type={"const": "b", "required": True})

    def union(discriminator: str) -> dict:
        return {"SpareVariant": variant, "Spare": {"kind": "union", "discriminator": discriminator, "variants": ["SpareVariant"]}}

    old = make_side(base_spec, tmp_path / "old", spare_types(union("kind")))
    new = make_side(base_spec, tmp_path / "new", spare_types(union("type")))
    _, report = diff_json(old, new)
    assert [(c["rule"], c["element"], c["old"], c["new"]) for c in report["changes"]] == [
        ("discriminator-changed", "type Spare", "kind", "type")]


def test_an_inline_enum_dropped_from_a_field_points_at_the_field(base_spec: Path, tmp_path: Path):
    """A field that loses its inline enum changed type; the change points at the field's body in the
    new spec, as every change inside a field does (the planted bugs dropped the location)."""
    edit = on_type("mcp-core", "CreateMessageRequestParams", lambda t: t["fields"]["includeContext"].pop("enum"))
    new = make_side(base_spec, tmp_path / "new", edit)
    _, report = diff_json(base_spec, new)
    path = new / "modules" / "mcp-core.yaml"
    field = line_of(path, "      includeContext:", after="  CreateMessageRequestParams:")
    assert [(c["rule"], Path(c["file"]).resolve(), c["line"], c["side"]) for c in report["changes"]] == [
        ("field-type-changed", path.resolve(), field + 1, "new")]
