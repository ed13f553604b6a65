"""Stale files: generate removes what it wrote before and no longer writes (the manifest says what
it wrote), and never touches a file it did not write."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml

from conftest import GENERATED
from generation import runner, tree
from specedit import copy_spec, module_path
from taskbind.cli import app
from taskbind.write import MANIFEST_NAME

# A module that exists only in this test, so that its names appear nowhere else in any output.
FROBNICATE = {
    "module": "frobnicate",
    "title": "Frobnication",
    "maturity": "draft",
    "source": "test",
    "requires": ["core"],
    "description": "A module that exists only in a test.",
    "types": {
        "FrobnicateTaskRequestParams": {
            "kind": "object",
            "description": "Which task to work on.",
            "fields": {"taskId": {"type": "string", "required": True}},
        },
        "FrobnicateTaskResult": {
            "kind": "object",
            "extends": ["Result"],
            "fields": {"resultType": {"const": "complete", "required": True}},
        },
    },
    "methods": {
        "tasks/frobnicate": {
            "kind": "request",
            "direction": "client-to-server",
            "params": "FrobnicateTaskRequestParams",
            "result": "FrobnicateTaskResult",
        }
    },
}
HAND_PLACED = {
    "NOTES.md": "mine\n",
    "python/mcp_tasks/custom.py": "VALUE = 1\n",
    "docs/pages/extra.md": "# Mine\n",
    "mine/keep.txt": "kept\n",
}


def copy_generated(out: Path) -> None:
    shutil.copytree(GENERATED, out, ignore=shutil.ignore_patterns("__pycache__"))


def set_modules(spec: Path, modules: list[str]) -> None:
    manifest = spec / "taskbind.yaml"
    document = yaml.safe_load(manifest.read_text("utf-8"))
    document["modules"] = modules
    manifest.write_text(yaml.safe_dump(document, sort_keys=False), "utf-8")


def regenerate(spec: Path, out: Path, *args: str) -> str:
    result = runner.invoke(app, ["generate", "--spec", str(spec), "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def mentioning(out: Path, *needles: str) -> list[str]:
    return sorted(
        path for path, data in tree(out).items() if any(n.encode() in data for n in needles)
    )


def place_by_hand(out: Path) -> None:
    for path, text in HAND_PLACED.items():
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        (out / path).write_text(text)


def assert_hand_placed_files_survive(out: Path) -> None:
    for path, text in HAND_PLACED.items():
        assert (out / path).read_text() == text, path


def test_a_removed_method_leaves_no_file_that_mentions_it(tmp_path: Path):
    spec = copy_spec(tmp_path / "spec")
    out = tmp_path / "out"
    copy_generated(out)
    regenerate(spec, out)  # the copy of generated/ as this spec makes it
    baseline = tree(out)
    place_by_hand(out)

    # A spec with one more module, holding one more method.
    module_path(spec, "frobnicate").write_text(yaml.safe_dump(FROBNICATE, sort_keys=False))
    manifest_text = (spec / "taskbind.yaml").read_text()
    set_modules(spec, [*yaml.safe_load(manifest_text)["modules"], "frobnicate"])
    regenerate(spec, out)
    assert mentioning(out, "tasks/frobnicate"), "the method is in the output"
    added = set(tree(out)) - set(baseline) - set(HAND_PLACED)

    # Remove the method (its module and types stay): nothing mentions the method any more.
    document = yaml.safe_load(module_path(spec, "frobnicate").read_text())
    del document["methods"]
    module_path(spec, "frobnicate").write_text(yaml.safe_dump(document, sort_keys=False))
    regenerate(spec, out)
    assert (
        mentioning(
            out,
            "tasks/frobnicate",
            "FrobnicateTaskRequest\n",
            "FrobnicateTaskRequest(",
            "frobnicate_task",
        )
        == []
    )
    assert_hand_placed_files_survive(out)

    # Remove the whole module: every file it brought is removed, the rest is as before.
    module_path(spec, "frobnicate").unlink()
    (spec / "taskbind.yaml").write_text(
        manifest_text
    )  # byte for byte: the spec's hash is in every header
    output = regenerate(spec, out)
    assert mentioning(out, "frobnicate", "Frobnicate") == []
    assert output.count("\nremoved ") + output.startswith("removed ") == len(added)
    assert_hand_placed_files_survive(out)
    after = tree(out)
    for path in HAND_PLACED:
        del after[path]
    assert after == baseline


def test_files_of_a_target_no_longer_generated_are_removed_and_hand_placed_ones_survive(
    tmp_path: Path,
):
    out = tmp_path / "out"
    copy_generated(out)
    spec = copy_spec(tmp_path / "spec")
    regenerate(spec, out)
    place_by_hand(out)
    written = set(json.loads((out / MANIFEST_NAME).read_text())["files"])

    regenerate(spec, out, "--target", "schema")

    files = set(tree(out))
    assert files == {MANIFEST_NAME, "schema/mcp-tasks.schema.json", *HAND_PLACED}
    assert written - files, "files of the python and docs targets were removed"
    assert_hand_placed_files_survive(out)
    # Directories that only held generated files are gone; ones with a file of the user's stay.
    assert (
        not (out / "python" / "mcp_tasks" / "models.py").exists()
        and (out / "python" / "mcp_tasks").is_dir()
    )
    assert not (out / "docs" / "pages" / "reference").exists()


def test_an_edited_manifest_cannot_make_generate_delete_files_elsewhere(tmp_path: Path):
    out = tmp_path / "work" / "out"
    spec = copy_spec(tmp_path / "spec", examples=False)
    regenerate(spec, out, "--target", "schema")
    victims = [
        tmp_path / "work" / "victim.txt",
        tmp_path / "absolute.txt",
        tmp_path / "linked" / "x.txt",
    ]
    for victim in victims:
        victim.parent.mkdir(parents=True, exist_ok=True)
        victim.write_text("not taskbind's\n")
    (out / "link").symlink_to(tmp_path / "linked")
    manifest = json.loads((out / MANIFEST_NAME).read_text())
    manifest["files"].update({"../victim.txt": "0", str(victims[1]): "0", "link/x.txt": "0"})
    (out / MANIFEST_NAME).write_text(json.dumps(manifest))

    output = regenerate(spec, out, "--target", "schema")
    assert output.endswith(", 0 removed\n")
    assert all(victim.read_text() == "not taskbind's\n" for victim in victims)
