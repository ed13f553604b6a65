"""generate swaps in the whole new tree or nothing: a failure at any point leaves --out
byte-identical, with no temporary files beside it."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from conftest import SPEC_DIR
from generation import runner
from taskbind.cli import app
from taskbind import write
from taskbind.pipeline import Options, generate


def run_cli(*args: str):
    return runner.invoke(app, list(args))


def snapshot(root: Path) -> dict[str, str]:
    """Every file and directory under `root` (and beside it) with its content hash."""
    found = {}
    for path in sorted(root.parent.rglob("*")):
        relative = path.relative_to(root.parent).as_posix()
        found[relative] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
    return found


@pytest.fixture(scope="module")
def old_tree(tmp_path_factory) -> Path:
    """An output directory generated from the core module, with a file of the user's in it."""
    out = tmp_path_factory.mktemp("atomic") / "out"
    generate(Options(spec=SPEC_DIR, out=out, modules=("core",), targets=("schema", "python")))
    (out / "NOTES.txt").write_text("mine\n", "utf-8")
    return out


@pytest.mark.parametrize("fail_at", [1, 5, 20, "manifest", "swap"])
def test_a_failure_midway_leaves_out_byte_identical(old_tree, tmp_path, monkeypatch, fail_at) -> None:
    out = tmp_path / "out"
    import shutil

    shutil.copytree(old_tree, out)
    before = snapshot(out)
    calls = {"n": 0}
    real_write, real_swap = write._write_file, write._swap_in

    def failing_write(target: Path, text: str) -> None:
        calls["n"] += 1
        if calls["n"] == fail_at or (fail_at == "manifest" and target.name == write.MANIFEST_NAME):
            raise OSError(28, "No space left on device", str(target))
        real_write(target, text)

    def failing_swap(stage: Path, target: Path) -> None:
        raise OSError(5, "Input/output error", str(target))

    monkeypatch.setattr(write, "_write_file", failing_write)
    if fail_at == "swap":
        monkeypatch.setattr(write, "_swap_in", failing_swap)
    # Every module: the new tree differs from the old one in many files.
    with pytest.raises(write.WriteError, match="is unchanged"):
        generate(Options(spec=SPEC_DIR, out=out, targets=("schema", "python")))
    assert calls["n"] > 0 or fail_at == "swap"
    assert snapshot(out) == before
    monkeypatch.setattr(write, "_write_file", real_write)
    monkeypatch.setattr(write, "_swap_in", real_swap)


def test_a_successful_swap_keeps_the_users_files_and_leaves_nothing_beside(old_tree, tmp_path) -> None:
    import shutil

    out = tmp_path / "out"
    shutil.copytree(old_tree, out)
    result = generate(Options(spec=SPEC_DIR, out=out, targets=("schema", "python")))
    assert result.written
    assert (out / "NOTES.txt").read_text("utf-8") == "mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    for path in result.written:
        assert (out / path).read_text("utf-8") == result.files[path]
    # The old tree it was hard-linked from is untouched by the new content.
    assert (old_tree / "python/mcp_tasks/__init__.py").read_text("utf-8") != (out / "python/mcp_tasks/__init__.py").read_text("utf-8")


def test_a_directory_where_a_file_goes_is_exit_2_and_changes_nothing(old_tree, tmp_path) -> None:
    import shutil

    out = tmp_path / "out"
    shutil.copytree(old_tree, out)
    (out / "python/mcp_tasks/steer_here.py").mkdir()
    blocker = out / "python/mcp_tasks/client.py"
    blocker.unlink()
    blocker.mkdir()
    (blocker / "keep").write_text("x", "utf-8")
    before = snapshot(out)
    result = run_cli("generate", "--spec", str(SPEC_DIR), "--out", str(out), "--target", "schema,python")
    assert result.exit_code == 2, result.output
    assert "client.py" in result.output and "Traceback" not in result.output
    assert snapshot(out) == before


@pytest.mark.parametrize("where", ["file", "spec", "inside-spec"])
def test_out_that_is_a_file_or_the_spec_is_refused(tmp_path, where) -> None:
    import shutil

    spec = shutil.copytree(SPEC_DIR, tmp_path / "spec")
    out = {"file": tmp_path / "a-file", "spec": spec, "inside-spec": spec / "modules" / "gen"}[where]
    if where == "file":
        out.write_text("not a directory\n", "utf-8")
    before = snapshot(spec) | snapshot(tmp_path / "a-file")
    result = run_cli("generate", "--spec", str(spec), "--out", str(out))
    assert result.exit_code == 2, result.output
    assert f"--out {out}" in result.output and "Traceback" not in result.output
    assert snapshot(spec) | snapshot(tmp_path / "a-file") == before


@pytest.mark.parametrize("fail_at", [1, 2, 3])
def test_a_rename_failing_midway_leaves_one_whole_tree_and_nothing_beside(
    old_tree, tmp_path, monkeypatch, fail_at
) -> None:
    """The swap without renameat2 (other systems, or file systems without RENAME_EXCHANGE) takes
    two renames, out -> old and stage -> out (undone by old -> out when it fails). `os.rename`
    raises on the Nth call. Failing at the first two, --out must be byte-identical and the error
    must say so; no call may fail after the swap (a third rename, old -> stage, once did: the error
    said "unchanged" over the new tree and left the old one beside it), so --out must then be
    exactly the new tree. Never a mix, never a `.out.taskbind-*` directory left beside it.

    Planted bug this catches (issue 13): `apply` writing each file straight into --out instead of
    into the stage (a direct, non-atomic write): the first rename then moves a half-new tree, and
    the snapshot of --out no longer matches the old one.
    """
    import os
    import shutil

    out = tmp_path / "out"
    shutil.copytree(old_tree, out)
    before = snapshot(out)
    expected = tmp_path.parent / f"{tmp_path.name}-expected"  # the new tree, by an undisturbed run
    shutil.copytree(old_tree, expected / "out")
    generate(Options(spec=SPEC_DIR, out=expected / "out", targets=("schema", "python")))
    after = snapshot(expected / "out")
    shutil.rmtree(expected)

    real_rename, calls = os.rename, {"n": 0}

    def failing_rename(source, destination) -> None:
        calls["n"] += 1
        if calls["n"] == fail_at:
            raise OSError(5, "Input/output error", str(source))
        real_rename(source, destination)

    monkeypatch.setattr(write, "_exchange", lambda first, second: False)
    monkeypatch.setattr(os, "rename", failing_rename)
    if fail_at < 3:
        with pytest.raises(write.WriteError) as raised:
            generate(Options(spec=SPEC_DIR, out=out, targets=("schema", "python")))
        # the path renamed when it failed: --out itself, then the stage beside it
        failed = re.escape(str(out)) if fail_at == 1 else re.escape(f"{tmp_path}/.out.taskbind-new-") + r"\w+"
        assert re.fullmatch(
            rf"cannot write {re.escape(str(out))}: Input/output error \({failed}\); "
            rf"{re.escape(str(out))} is unchanged",
            str(raised.value),
        ), str(raised.value)
        assert snapshot(out) == before
    else:
        generate(Options(spec=SPEC_DIR, out=out, targets=("schema", "python")))
        assert snapshot(out) == after
    # 1: out -> old fails; 2: stage -> out fails, old -> out puts it back; 3: there is no third
    # rename (the old tree is deleted in place once the swap is done)
    assert calls["n"] == {1: 1, 2: 3, 3: 2}[fail_at]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no stage, no old tree


def test_a_rename_failing_on_a_fresh_out_leaves_nothing(tmp_path, monkeypatch) -> None:
    """No --out yet: the stage is renamed to it; when that fails, nothing is left at all."""
    import os

    def failing_rename(source, destination) -> None:
        raise OSError(28, "No space left on device", str(destination))

    monkeypatch.setattr(os, "rename", failing_rename)
    out = tmp_path / "out"
    with pytest.raises(write.WriteError) as raised:
        generate(Options(spec=SPEC_DIR, out=out, modules=("core",), targets=("schema",)))
    assert str(raised.value) == (
        f"cannot write {out}: No space left on device ({out}); {out} is unchanged"
    )
    assert list(tmp_path.iterdir()) == []
