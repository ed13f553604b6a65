"""taskbind.write function by function, on small trees (no generation): what a plan says, what apply
leaves on disk, which manifest entries it may delete, what the diff shows, which --out it refuses.

Fast, so that tools/mutation.py's `write` run can use it; test_atomic_write.py covers the same
through the CLI with injected failures. Expected answers come from write's contract (its module
docstring and the README's `generate` / `check`), written by hand.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import sys
from pathlib import Path

import pytest
from taskbind import write
from taskbind.write import (
    MANIFEST_NAME,
    Plan,
    WriteError,
    apply,
    check_out,
    manifest_diff,
    manifest_text,
    plan,
    unified_diff,
)

INPUTS = {"spec": "s1"}


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def files_of(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def generate(out: Path, files: dict[str, str], inputs=INPUTS) -> Plan:
    result = plan(out, files, inputs)
    apply(result)
    return result


# -- manifest_text ---------------------------------------------------------------------------------


def test_the_manifest_lists_every_file_with_its_sha256_and_the_inputs():
    text = manifest_text({"b.py": "B\n", "a/x.py": "é\n"}, {"spec": "s", "generator": "1"})
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert json.loads(text) == {"inputs": {"spec": "s", "generator": "1"}, "files": {"a/x.py": sha("é\n"), "b.py": sha("B\n")}}
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True) + "\n"  # stable, diff-friendly
    assert write.sha256_text("é") == hashlib.sha256("é".encode()).hexdigest()


# -- plan --------------------------------------------------------------------------------------------


def test_into_an_empty_directory_everything_is_written(tmp_path):
    result = plan(tmp_path / "out", {"b.py": "B", "a.py": "A"}, INPUTS)
    assert (result.written, result.unchanged, result.removed, result.clean) == (["a.py", "b.py"], [], [], False)
    assert result.manifest_text == manifest_text({"b.py": "B", "a.py": "A"}, INPUTS)
    assert result.from_manifest is False


def test_a_second_plan_of_the_same_files_is_clean(tmp_path):
    out = tmp_path / "out"
    generate(out, {"a.py": "A\n", "d/b.py": "B\n"})
    again = plan(out, {"a.py": "A\n", "d/b.py": "B\n"}, INPUTS)
    assert (again.written, again.unchanged, again.removed, again.clean) == ([], ["a.py", "d/b.py"], [], True)


def test_a_changed_file_is_written_and_a_crlf_copy_of_the_same_text_is_not(tmp_path):
    out = tmp_path / "out"
    generate(out, {"a.py": "A\nB\n", "c.py": "C\n"})
    (out / "c.py").write_bytes(b"C\r\n")
    result = plan(out, {"a.py": "A\nX\n", "c.py": "C\n"}, INPUTS)
    assert (result.written, result.unchanged) == (["a.py"], ["c.py"])


def test_a_file_written_before_and_no_longer_generated_is_removed_and_a_foreign_one_never(tmp_path):
    out = tmp_path / "out"
    generate(out, {"a.py": "A", "old/b.py": "B"})
    (out / "mine.txt").write_text("not taskbind's", "utf-8")
    result = plan(out, {"a.py": "A"}, INPUTS)
    assert (result.written, result.removed, result.clean) == ([], ["old/b.py"], False)
    apply(result)
    assert files_of(out) == {"a.py": b"A", "mine.txt": b"not taskbind's", MANIFEST_NAME: result.manifest_text.encode()}
    assert not (out / "old").exists()  # the emptied directory goes too


@pytest.mark.parametrize("entry", ["../outside.txt", "/etc/hostname", "link/x.txt", "gone.py", "sub", "bad\x00name"])
def test_a_manifest_entry_outside_out_or_not_a_file_is_never_removed(tmp_path, entry):
    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "outside.txt").write_text("keep", "utf-8")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "x.txt").write_text("keep", "utf-8")
    (out / "link").symlink_to(tmp_path / "elsewhere")
    (out / "sub").mkdir()
    (out / MANIFEST_NAME).write_text(json.dumps({"files": {entry: "0"}}), "utf-8")
    assert plan(out, {}, INPUTS).removed == []


def test_an_entry_inside_out_that_is_a_file_is_removed(tmp_path):
    out = tmp_path / "out"
    (out / "d").mkdir(parents=True)
    (out / "d" / "x.py").write_text("x", "utf-8")
    (out / MANIFEST_NAME).write_text(json.dumps({"files": {"d/x.py": "0", "d/../d/x.py": "0"}}), "utf-8")
    assert plan(out, {}, INPUTS).removed == ["d/../d/x.py", "d/x.py"]


def test_an_unreadable_manifest_removes_nothing(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.py").write_text("A", "utf-8")
    (out / MANIFEST_NAME).write_text("{broken", "utf-8")
    assert write.read_manifest(out) == {}
    assert plan(out, {}, INPUTS).removed == []


# -- apply -------------------------------------------------------------------------------------------


def test_apply_writes_the_tree_and_the_manifest_byte_for_byte(tmp_path):
    out = tmp_path / "new" / "deeper" / "out"  # missing parents are made
    result = generate(out, {"a.py": "A\n", "pkg/b.py": "é\n", "x/y/z.py": "deep\n"})
    assert files_of(out) == {
        "a.py": b"A\n", "pkg/b.py": "é\n".encode(), "x/y/z.py": b"deep\n", MANIFEST_NAME: result.manifest_text.encode()}
    assert sorted(p.name for p in out.parent.iterdir()) == ["out"]  # no stage left beside it
    again = generate(out, {"a.py": "A\n", "pkg/b.py": "é\n", "x/y/z.py": "deep\n", "new/dir/c.py": "C"})
    assert (out / "new" / "dir" / "c.py").read_text("utf-8") == "C" and again.written == ["new/dir/c.py"]


def test_the_stage_is_a_hidden_directory_beside_out(tmp_path, monkeypatch):
    """Beside --out: the swap is a rename, which cannot cross file systems. Hidden and named after
    --out: a listing of the parent shows no second tree, and a leftover says whose it is."""
    out = tmp_path / "out"
    generate(out, {"a.py": "A"})
    staged = []
    real = write._swap_in
    monkeypatch.setattr(write, "_swap_in", lambda stage, target: (staged.append(stage), real(stage, target))[1])
    generate(out, {"a.py": "B"})
    [stage] = staged
    assert stage.parent == tmp_path and stage.name.startswith(".out.taskbind-new-")


def test_unchanged_files_keep_their_inode_and_a_foreign_symlink_stays_a_symlink(tmp_path):
    """Unchanged files are linked into the new tree, not copied (cheap, and their timestamps stay);
    a symlink the user put in --out is carried over as the link it is."""
    out = tmp_path / "out"
    generate(out, {"a.py": "A", "b.py": "B"})
    (tmp_path / "elsewhere").mkdir()
    (out / "docs").symlink_to(tmp_path / "elsewhere")
    inode = (out / "a.py").stat().st_ino
    generate(out, {"a.py": "A", "b.py": "B2"})
    assert (out / "a.py").stat().st_ino == inode
    assert (out / "docs").is_symlink() and os.readlink(out / "docs") == str(tmp_path / "elsewhere")


def test_where_files_cannot_be_linked_they_are_copied(tmp_path, monkeypatch):
    out = tmp_path / "out"
    generate(out, {"a.py": "A", "b.py": "B"})

    def no_link(source, destination):
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(os, "link", no_link)
    result = generate(out, {"a.py": "A", "b.py": "B2"})
    assert files_of(out) == {"a.py": b"A", "b.py": b"B2", MANIFEST_NAME: result.manifest_text.encode()}


def test_removing_every_file_keeps_outs_permissions(tmp_path):
    out = tmp_path / "out"
    generate(out, {"d/a.py": "A"})
    out.chmod(0o750)
    generate(out, {})
    assert files_of(out) == {MANIFEST_NAME: manifest_text({}, INPUTS).encode()}
    assert stat.S_IMODE(out.stat().st_mode) == 0o750


def test_a_new_output_directory_gets_the_umask_permissions(tmp_path):
    out = tmp_path / "out"
    old = os.umask(0o027)
    try:
        generate(out, {"a.py": "A"})
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o750
    assert write._umask() == old


def test_apply_replaces_changed_files_keeps_foreign_ones_and_leaves_no_stage(tmp_path):
    out = tmp_path / "out"
    generate(out, {"a.py": "A", "b.py": "B"})
    (out / "notes.md").write_text("mine", "utf-8")
    result = generate(out, {"a.py": "A2", "b.py": "B"})
    assert files_of(out) == {"a.py": b"A2", "b.py": b"B", "notes.md": b"mine", MANIFEST_NAME: result.manifest_text.encode()}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_file_linked_from_the_old_tree_is_never_written_through(tmp_path):
    """Unchanged files are hard-linked into the stage: writing a changed file must replace the link,
    not write into the inode the old tree (or a user's hard link) shares."""
    out = tmp_path / "out"
    generate(out, {"a.py": "A"})
    os.link(out / "a.py", tmp_path / "users-link.py")
    generate(out, {"a.py": "changed"})
    assert (tmp_path / "users-link.py").read_text("utf-8") == "A"
    assert (out / "a.py").read_text("utf-8") == "changed"


def test_a_clean_plan_with_the_same_manifest_touches_nothing(tmp_path):
    out = tmp_path / "out"
    generate(out, {"a.py": "A"})
    inode = (out / "a.py").stat().st_ino
    generate(out, {"a.py": "A"})
    assert (out / "a.py").stat().st_ino == inode


def test_a_clean_plan_with_other_inputs_rewrites_only_the_manifest(tmp_path):
    out = tmp_path / "out"
    generate(out, {"a.py": "A"})
    result = generate(out, {"a.py": "A"}, {"spec": "s2"})
    assert json.loads((out / MANIFEST_NAME).read_text("utf-8"))["inputs"] == {"spec": "s2"}
    assert (out / MANIFEST_NAME).read_text("utf-8") == result.manifest_text


def test_a_missing_manifest_is_written_even_when_the_files_are_unchanged(tmp_path):
    out = tmp_path / "out"
    generate(out, {"a.py": "A"})
    (out / MANIFEST_NAME).unlink()
    result = generate(out, {"a.py": "A"})
    assert (out / MANIFEST_NAME).read_text("utf-8") == result.manifest_text


def test_out_through_a_symlink_replaces_the_directory_it_names(tmp_path):
    real = tmp_path / "real"
    generate(real, {"a.py": "A"})
    link = tmp_path / "link"
    link.symlink_to(real)
    generate(link, {"a.py": "B"})
    assert link.is_symlink() and (real / "a.py").read_text("utf-8") == "B"


def test_without_an_atomic_exchange_the_rename_fallback_gives_the_same_tree(tmp_path, monkeypatch):
    monkeypatch.setattr(write, "_exchange", lambda first, second: False)
    out = tmp_path / "out"
    generate(out, {"a.py": "A"})
    result = generate(out, {"a.py": "B", "c.py": "C"})
    assert files_of(out) == {"a.py": b"B", "c.py": b"C", MANIFEST_NAME: result.manifest_text.encode()}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_the_fallback_puts_the_old_tree_back_when_the_second_rename_fails(tmp_path, monkeypatch):
    monkeypatch.setattr(write, "_exchange", lambda first, second: False)
    out = tmp_path / "out"
    generate(out, {"a.py": "A"})
    before = files_of(out)
    real_rename = os.rename
    calls = []

    def rename(source, target):
        calls.append((Path(source), Path(target)))
        if len(calls) == 2:  # the stage onto --out
            raise OSError(28, "No space left on device", str(target))
        real_rename(source, target)

    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(WriteError, match=r"No space left on device .*is unchanged"):
        apply(plan(out, {"a.py": "B"}, INPUTS))
    monkeypatch.setattr(os, "rename", real_rename)
    assert files_of(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    # the old tree was moved aside beside --out (same file system), under a hidden name
    assert calls[0][0] == out.resolve() and calls[0][1].parent == tmp_path.resolve()
    assert calls[0][1].name.startswith(".out.taskbind-old-")


def _two_directories(tmp_path: Path) -> tuple[Path, Path]:
    first, second = tmp_path / "one", tmp_path / "two"
    first.mkdir()
    second.mkdir()
    (first / "1").write_text("1", "utf-8")
    (second / "2").write_text("2", "utf-8")
    return first, second


@pytest.mark.skipif(sys.platform != "linux", reason="renameat2 is Linux's (glibc 2.28 and later)")
def test_on_linux_the_exchange_swaps_two_directories_in_one_step(tmp_path):
    first, second = _two_directories(tmp_path)
    assert write._exchange(first, second) is True
    assert [p.name for p in first.iterdir()] == ["2"] and [p.name for p in second.iterdir()] == ["1"]
    assert write._exchange(first, tmp_path / "missing") is False
    assert [p.name for p in first.iterdir()] == ["2"]


@pytest.mark.skipif(sys.platform != "linux", reason="renameat2 is Linux's")
def test_on_linux_an_existing_out_is_replaced_without_a_rename(tmp_path, monkeypatch):
    """With the exchange, readers never find --out missing: no rename of it happens at all."""
    out = tmp_path / "out"
    generate(out, {"a.py": "A"})

    def no_rename(source, target):
        raise AssertionError(f"renamed {source} -> {target}")

    monkeypatch.setattr(os, "rename", no_rename)
    generate(out, {"a.py": "B"})
    assert (out / "a.py").read_text("utf-8") == "B"


@pytest.mark.skipif(sys.platform != "linux", reason="renameat2 is Linux's")
def test_the_exchange_takes_relative_paths_too(tmp_path, monkeypatch):
    _two_directories(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert write._exchange(Path("one"), Path("two")) is True
    assert [p.name for p in (tmp_path / "one").iterdir()] == ["2"]


def test_elsewhere_or_without_renameat2_there_is_no_exchange(tmp_path, monkeypatch):
    first, second = _two_directories(tmp_path)
    monkeypatch.setattr(write.sys, "platform", "darwin")
    assert write._exchange(first, second) is False
    monkeypatch.setattr(write.sys, "platform", "linux")

    def no_libc(name, use_errno=False):
        raise OSError("no C library")

    monkeypatch.setattr(write.ctypes, "CDLL", no_libc)
    assert write._exchange(first, second) is False
    assert [p.name for p in first.iterdir()] == ["1"]  # nothing moved


def test_a_failed_write_names_the_directory_and_leaves_it_as_it_was(tmp_path, monkeypatch):
    out = tmp_path / "out"
    generate(out, {"a.py": "A"})
    before = files_of(out)

    def full(target, text):
        raise OSError(28, "No space left on device", str(target))

    monkeypatch.setattr(write, "_write_file", full)
    with pytest.raises(WriteError) as failed:
        apply(plan(out, {"a.py": "B"}, INPUTS))
    assert re.fullmatch(rf"cannot write {re.escape(str(out))}: No space left on device \({re.escape(str(tmp_path))}/\.out\.taskbind-new-\w+/a\.py\); "
                        rf"{re.escape(str(out))} is unchanged", str(failed.value)), str(failed.value)
    assert files_of(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_failure_without_a_file_name_says_so_without_one(tmp_path, monkeypatch):
    out = tmp_path / "out"
    generate(out, {"a.py": "A"})

    def full(target, text):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(write, "_write_file", full)
    with pytest.raises(WriteError) as failed:
        apply(plan(out, {"a.py": "B"}, INPUTS))
    assert str(failed.value) == f"cannot write {out}: No space left on device (); {out} is unchanged"


# -- check_out ---------------------------------------------------------------------------------------


def test_out_must_be_a_directory(tmp_path):
    (tmp_path / "file").write_text("x", "utf-8")
    with pytest.raises(WriteError, match=r"^--out .*file is not a directory$"):
        check_out(tmp_path / "file")
    check_out(tmp_path / "missing")  # created later
    check_out(tmp_path)


def test_out_never_goes_into_the_spec(tmp_path):
    spec = tmp_path / "spec"
    spec.mkdir()
    with pytest.raises(WriteError) as same:
        check_out(spec, spec)
    assert str(same.value) == f"--out {spec} is the spec folder {spec}; generated files never go into the spec"
    with pytest.raises(WriteError) as inside:
        check_out(spec / "out", spec)
    assert str(inside.value) == f"--out {spec / 'out'} is inside the spec folder {spec}; generated files never go into the spec"
    check_out(tmp_path / "out", spec)  # beside it is fine
    check_out(tmp_path / "spec-out", spec)  # a name that only starts like it is fine


# -- unified_diff ------------------------------------------------------------------------------------


def test_the_diff_shows_changed_new_and_removed_files(tmp_path):
    out = tmp_path / "out"
    generate(out, {"a.py": "one\ntwo\n", "gone.py": "bye\n"})
    result = plan(out, {"a.py": "one\n2\n", "new.py": "hi"}, INPUTS)
    assert unified_diff(result) == (
        "--- a/a.py\n+++ b/a.py\n@@ -1,2 +1,2 @@\n one\n-two\n+2\n"
        "--- a/new.py\n+++ b/new.py\n@@ -0,0 +1 @@\n+hi\n"
        "--- a/gone.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-bye\n"
    )


def test_the_diff_of_an_undecodable_old_file_shows_it_as_new(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.py").write_bytes(b"\xff\xfe")
    assert unified_diff(plan(out, {"a.py": "x\n"}, INPUTS)) == "--- a/a.py\n+++ b/a.py\n@@ -0,0 +1 @@\n+x\n"


def test_a_removed_file_that_is_not_utf8_shows_with_replacement_characters(tmp_path):
    out = tmp_path / "out"
    generate(out, {"a.py": "A\n", "gone.py": "x\n"})
    (out / "gone.py").write_bytes(b"caf\xe9\n")
    assert unified_diff(plan(out, {"a.py": "A\n"}, INPUTS)) == "--- a/gone.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-caf\ufffd\n"


def test_a_clean_plan_has_an_empty_diff(tmp_path):
    out = tmp_path / "out"
    generate(out, {"a.py": "A\n"})
    assert unified_diff(plan(out, {"a.py": "A\n"}, INPUTS)) == ""


def test_pruning_stops_at_the_stage_and_at_a_directory_with_files(tmp_path):
    (tmp_path / "a" / "b" / "c").mkdir(parents=True)
    (tmp_path / "a" / "keep.txt").write_text("k", "utf-8")
    write._prune_empty_dirs(tmp_path / "a" / "b" / "c", tmp_path)
    assert (tmp_path / "a").is_dir() and not (tmp_path / "a" / "b").exists()
    (tmp_path / "x").mkdir()
    write._prune_empty_dirs(tmp_path / "x", tmp_path / "x")
    assert (tmp_path / "x").is_dir()


def test_a_failure_removing_the_old_tree_after_the_swap_does_not_fail_the_write(tmp_path, monkeypatch):
    """Once the new tree is in place the write has succeeded; the old tree set aside by the rename
    fallback only has to go, and a failure deleting it (a busy directory, say) is not the write's."""
    monkeypatch.setattr(write, "_exchange", lambda first, second: False)
    out = tmp_path / "out"
    generate(out, {"a.py": "A"})
    real_rmdir, seen = os.rmdir, set()

    def rmdir(path, *args, **kwargs):
        # The first rmdir of the old tree's name frees the name mkdtemp reserved; the next one
        # is the removal after the swap.
        if ".out.taskbind-old-" in str(path) and path in seen:
            raise OSError(16, "Device or resource busy", str(path))
        seen.add(path)
        real_rmdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "rmdir", rmdir)
    result = generate(out, {"a.py": "B"})
    assert files_of(out) == {"a.py": b"B", MANIFEST_NAME: result.manifest_text.encode()}


# -- manifest_diff -----------------------------------------------------------------------------------


def test_the_manifest_alone_is_stale_when_only_the_inputs_changed(tmp_path):
    """Same files, other inputs (taskbind's code changed, say): nothing to write but the manifest,
    so the plan is not clean and the manifest's diff shows the inputs' line."""
    out = tmp_path / "out"
    generate(out, {"a.py": "A\n"})
    result = plan(out, {"a.py": "A\n"}, {"spec": "s2"})
    assert (result.written, result.removed, result.manifest_changed, result.clean) == ([], [], True, False)
    diff = manifest_diff(result)
    assert diff.startswith(f"--- a/{MANIFEST_NAME}\n+++ b/{MANIFEST_NAME}\n")
    assert [line for line in diff.splitlines()[2:] if line[:1] in "+-"] == ['-    "spec": "s1"', '+    "spec": "s2"']
    apply(result)
    assert (out / MANIFEST_NAME).read_text("utf-8") == result.manifest_text
    again = plan(out, {"a.py": "A\n"}, {"spec": "s2"})
    assert (again.manifest_changed, again.clean, manifest_diff(again)) == (False, True, "")


def test_a_missing_manifest_is_stale_and_its_diff_adds_it_whole(tmp_path):
    out = tmp_path / "out"
    generate(out, {"a.py": "A\n"})
    (out / MANIFEST_NAME).unlink()
    result = plan(out, {"a.py": "A\n"}, INPUTS)
    assert (result.written, result.manifest_changed, result.clean) == ([], True, False)
    added = [line[1:] for line in manifest_diff(result).splitlines()[3:]]
    assert "\n".join(added) + "\n" == manifest_text({"a.py": "A\n"}, INPUTS)
