"""The no-op fast path (taskbind.noop): same answers as the full command line, without its imports.

A no-op `generate` / `check` must print and exit exactly as the full path does (TASKBIND_NO_FASTPATH=1
forces that path), must not import typer, yaml, jinja2 or pydantic, and must step aside whenever the
output is stale or the command line is anything but plain flags.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import GENERATED, REPO

HEAVY = ("typer", "yaml", "jinja2", "pydantic")


def run(*args: str, full: bool = False, cwd: Path = REPO) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "TASKBIND_NO_FASTPATH"}
    if full:
        env["TASKBIND_NO_FASTPATH"] = "1"
    return subprocess.run([sys.executable, "-m", "taskbind", *args], cwd=cwd, env=env, capture_output=True, text=True)


@pytest.fixture(scope="module")
def output(tmp_path_factory) -> Path:
    """A copy of the committed output: up to date, and free to edit."""
    out = tmp_path_factory.mktemp("noop") / "generated"
    shutil.copytree(GENERATED, out, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    return out


@pytest.mark.parametrize("command", ["check", "generate"])
def test_fast_and_full_paths_answer_alike(output, command):
    fast, full = run(command, "--out", str(output)), run(command, "--out", str(output), full=True)
    assert (fast.returncode, fast.stdout, fast.stderr) == (full.returncode, full.stdout, full.stderr)
    assert fast.returncode == 0 and fast.stdout.strip()


def test_the_fast_path_imports_nothing_heavy(output):
    probe = (
        "import sys; from taskbind.noop import run; "
        f"code = run(['check', '--out', {str(output)!r}]); "
        f"print(code, sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True)
    assert done.stdout.split("\n")[-2:] == ["0 []", ""], done.stdout + done.stderr


def test_a_stale_output_takes_the_full_path(output, tmp_path):
    stale = tmp_path / "generated"
    shutil.copytree(output, stale)
    edited = stale / "python" / "mcp_tasks" / "lifecycle.py"
    edited.write_text(edited.read_text() + "# a hand edit\n")
    result = run("check", "--out", str(stale))
    assert result.returncode == 1 and "-# a hand edit" in result.stdout


@pytest.mark.parametrize(
    "argv",
    [["check", "--verbose"], ["check", "--out"], ["check", "--out", "a", "--out", "b"], ["generate", "--help"], ["validate"], []],
)
def test_anything_but_plain_flags_is_left_to_the_full_command_line(argv):
    from taskbind.noop import run as fast

    assert fast(argv) is None


def test_the_fast_path_shares_the_pipeline_constants():
    from taskbind import fingerprint, noop, pipeline, write

    assert noop.DEFAULT_PACKAGE == pipeline.DEFAULT_PACKAGE
    assert fingerprint.MANIFEST_NAME == write.MANIFEST_NAME


# In-process tests of taskbind.noop.run. The subprocess tests above hold the fast path to the full
# command line; these call it directly, so that a mutation tester (which only sees what runs in its
# own process) can tell which of them reach the code. The output directory is what `generate`
# leaves: files and a manifest with their LF hashes and the fingerprint of the inputs, built here
# from the inputs each test names. Expected answers are the full path's wording, pinned above.


def fake_output(out: Path, **inputs) -> int:
    """Two files and a manifest recording them for these inputs (defaults: as with no flags)."""
    import hashlib
    import json

    from taskbind.fingerprint import MANIFEST_NAME, input_fingerprint
    from taskbind.resources import bundled_spec

    files = {"a.txt": "one\n", "sub/b.txt": "two\n"}
    for name, text in files.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(text)
    given = {"spec_dir": bundled_spec(), "templates": None, "modules": None, "targets": None,
             "package": "mcp_tasks", "npm_package": "mcp-tasks", **inputs}  # fmt: skip
    manifest = {"inputs": input_fingerprint(**given),
                "files": {n: hashlib.sha256(t.encode()).hexdigest() for n, t in files.items()}}  # fmt: skip
    (out / MANIFEST_NAME).write_text(json.dumps(manifest))
    return len(files)


@pytest.fixture
def here(tmp_path, monkeypatch) -> Path:
    """A working directory with no pyproject.toml above it (tmp is outside the repository)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TASKBIND_NO_FASTPATH", raising=False)
    return tmp_path


def fast(argv: list[str], capsys) -> tuple[int | None, str]:
    from taskbind.noop import run as fast_run

    code = fast_run(argv)
    return code, capsys.readouterr().out


def test_check_says_up_to_date_with_the_count_and_a_path_relative_to_the_working_directory(here, capsys):
    fake_output(here / "gen")
    assert fast(["check", "--out", "gen"], capsys) == (0, "gen is up to date (2 files)\n")
    (here / "elsewhere").mkdir()
    os.chdir(here / "elsewhere")
    assert fast(["check", f"--out={here / 'gen'}"], capsys) == (0, "../gen is up to date (2 files)\n")


def test_generate_reports_nothing_written_and_every_file_unchanged(here, capsys):
    fake_output(here / "gen")
    assert fast(["generate", "--out", "gen"], capsys) == (0, "0 written, 2 unchanged, 0 removed\n")


@pytest.mark.parametrize("command", ["check", "generate"])
@pytest.mark.parametrize("quiet", ["-q", "--quiet"])
def test_quiet_prints_nothing(here, capsys, command, quiet):
    fake_output(here / "gen")
    assert fast([command, quiet, "--out", "gen"], capsys) == (0, "")


def test_without_flags_or_configuration_the_output_is_generated_in_the_working_directory(here, capsys):
    fake_output(here / "generated")
    assert fast(["check"], capsys) == (0, "generated is up to date (2 files)\n")


def test_the_configuration_supplies_what_the_flags_do_not(here, capsys):
    (here / "pyproject.toml").write_text(
        '[tool.taskbind]\nout = "build/gen"\ntargets = ["python"]\nmodules = "core, extra"\n'
        'package = "pkg"\nnpm_package = "pkg-js"\ndistribution = "dist"\ndistribution_version = "1.2"\n'
    )
    (here / "build" / "gen").mkdir(parents=True)
    fake_output(here / "build" / "gen", targets=("python",), modules=("core", "extra"), package="pkg",
                npm_package="pkg-js", distribution="dist", distribution_version="1.2")  # fmt: skip
    assert fast(["check"], capsys) == (0, "build/gen is up to date (2 files)\n")
    assert fast(["check", "--package", "other"], capsys) == (None, "")


def test_an_unusable_configuration_is_left_to_the_full_command_line(here, capsys):
    fake_output(here / "generated")
    (here / "pyproject.toml").write_text('[tool.taskbind]\nunknown = 1\n')
    assert fast(["check"], capsys) == (None, "")


@pytest.mark.parametrize(
    ("inputs", "argv"),
    [
        ({"targets": ("python",)}, ["--target", "python"]),
        ({"targets": ("python", "typescript")}, ["--target", " python, typescript ,"]),
        ({"modules": ("core", "extra")}, ["--modules=core,extra"]),
        ({"package": "pkg"}, ["--package", "pkg"]),
        ({"npm_package": "pkg-js"}, ["--npm-package", "pkg-js"]),
        ({"distribution": "dist", "distribution_version": "2.0"}, ["--distribution", "dist", "--distribution-version", "2.0"]),
    ],
)
def test_each_flag_is_an_input_of_the_fingerprint(here, capsys, inputs, argv):
    """With the flag the manifest's inputs match; without it they do not, so the output is stale."""
    fake_output(here / "gen", **inputs)
    assert fast(["check", "--out", "gen", *argv], capsys) == (0, "gen is up to date (2 files)\n")
    assert fast(["check", "--out", "gen"], capsys) == (None, "")


def test_spec_and_templates_flags_name_directories(here, capsys):
    from taskbind.resources import bundled_spec

    (here / "overrides").mkdir()
    (here / "overrides" / "x.j2").write_text("x")
    fake_output(here / "gen", spec_dir=bundled_spec(), templates=here / "overrides")
    argv = ["check", "--out", "gen", "--spec", str(bundled_spec()), "--templates", "overrides"]
    assert fast(argv, capsys) == (0, "gen is up to date (2 files)\n")
    assert fast(["check", "--out", "gen", "--templates", "missing"], capsys) == (None, "")
    assert fast(["check", "--out", "gen", "--spec", "missing", "--templates", "overrides"], capsys) == (None, "")


def test_a_package_name_that_is_not_an_identifier_is_left_to_the_full_command_line(here, capsys):
    fake_output(here / "gen", package="not-a-name")
    assert fast(["check", "--out", "gen", "--package", "not-a-name"], capsys) == (None, "")


@pytest.mark.parametrize("damage", ["edit", "delete", "no manifest"])
def test_stale_output_is_left_to_the_full_command_line(here, capsys, damage):
    fake_output(here / "gen")
    if damage == "edit":
        (here / "gen" / "sub" / "b.txt").write_text("two, edited\n")
    elif damage == "delete":
        (here / "gen" / "a.txt").unlink()
    else:
        (here / "gen" / ".taskbind-manifest.json").unlink()
    assert fast(["check", "--out", "gen"], capsys) == (None, "")


def test_a_crlf_checkout_is_not_stale(here, capsys):
    fake_output(here / "gen")
    (here / "gen" / "a.txt").write_bytes(b"one\r\n")
    assert fast(["check", "--out", "gen"], capsys) == (0, "gen is up to date (2 files)\n")


@pytest.mark.parametrize("argv", [["check", "--out", "-q"], ["check", "--out=gen", "--out", "gen"], ["diff", "--out", "gen"]])
def test_odd_command_lines_are_left_to_the_full_command_line(here, capsys, argv):
    fake_output(here / "gen")
    assert fast(argv, capsys) == (None, "")


def test_taskbind_no_fastpath_turns_it_off(here, capsys, monkeypatch):
    fake_output(here / "gen")
    monkeypatch.setenv("TASKBIND_NO_FASTPATH", "1")
    assert fast(["check", "--out", "gen"], capsys) == (None, "")


def test_main_exits_with_the_fast_answer(here, capsys, monkeypatch):
    from taskbind.noop import main

    fake_output(here / "gen")
    monkeypatch.setattr(sys, "argv", ["taskbind", "check", "--out", "gen"])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 0
    assert capsys.readouterr().out == "gen is up to date (2 files)\n"


def test_a_flag_value_that_looks_like_a_flag_is_left_to_the_full_command_line(here, capsys):
    """Even when a directory of that name holds up-to-date output: `--out -q` is more likely a
    forgotten value than a directory named -q, and the full command line says which."""
    fake_output(here / "-q")
    assert fast(["check", "--out", "-q"], capsys) == (None, "")
    assert fast(["check", "--out=-q"], capsys) == (0, "-q is up to date (2 files)\n")


def test_main_answers_a_no_op_without_starting_the_full_command_line(here, capsys, monkeypatch):
    import taskbind.cli

    fake_output(here / "gen")
    monkeypatch.setattr(taskbind.cli, "main", lambda: pytest.fail("the full command line ran"))
    monkeypatch.setattr(sys, "argv", ["taskbind", "check", "--out", "gen"])
    with pytest.raises(SystemExit) as exited:
        main_of_noop()
    assert (exited.value.code, capsys.readouterr().out) == (0, "gen is up to date (2 files)\n")


def test_main_hands_anything_else_to_the_full_command_line(here, capsys, monkeypatch):
    import taskbind.cli

    ran = []
    monkeypatch.setattr(taskbind.cli, "main", lambda: ran.append(sys.argv[1:]))
    monkeypatch.setattr(sys, "argv", ["taskbind", "check", "--out", "gen"])  # no output there: stale
    main_of_noop()
    assert ran == [["check", "--out", "gen"]] and capsys.readouterr().out == ""


def main_of_noop() -> None:
    from taskbind.noop import main

    main()
