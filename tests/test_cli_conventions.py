"""The conventions people bring from ruff, black and pip (issue 12): --version, -h, shell completion,
help with an example for every command, -q / -v with per-step progress, a regenerate hint that
repeats only what was typed, and `[tool.taskbind]` keys for the generated distribution."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import GENERATED, REPO, SPEC_DIR
from taskbind.cli import app

runner = CliRunner()
COMMANDS = ("generate", "check", "validate", "diff")


def taskbind(*args: str, env: dict | None = None, cwd: Path = REPO) -> subprocess.CompletedProcess:
    """The real entry point (`python -m taskbind`), as a shell runs it."""
    return subprocess.run(
        [sys.executable, "-m", "taskbind", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
    )


def test_version_prints_the_distribution_version():
    version = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]["version"]
    for flag in ("--version", "-V"):
        result = taskbind(flag)
        assert result.returncode == 0, result.stderr
        assert result.stdout == f"taskbind {version}\n"


@pytest.mark.parametrize("command", [(), *((c,) for c in COMMANDS)])
@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_help_is_clean_for_every_command(command, flag):
    result = runner.invoke(app, [*command, flag], prog_name="taskbind")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith(f"Usage: taskbind {' '.join(command)}".rstrip())
    assert "<bool>" not in text and "<str>" not in text and "<path>" not in text  # no type metavars
    assert "-h, --help" in text
    if command:
        # An example per command, printed as written (not re-wrapped into one paragraph).
        examples = text.split("Examples:\n", 1)[1].splitlines()
        assert examples and all(line.strip().startswith(f"taskbind {command[0]}") for line in examples if line)
        if command[0] != "diff":
            assert "-q, --quiet" in text and "-v, --verbose" in text
    else:
        for name in COMMANDS:
            assert re.search(rf"^  {name}  +\S", text, re.M), name


def test_diff_help_names_its_arguments_for_what_they_are():
    """The issue: the positional `old` meant the new spec when --against was given."""
    text = runner.invoke(app, ["diff", "-h"], prog_name="taskbind").stdout
    assert "Usage: taskbind diff [OPTIONS] [SPEC]..." in text
    assert "Spec directories: OLD NEW; with --against REF, NEW alone" in " ".join(text.split())


def test_shell_completion_is_offered_and_answers():
    script = Path(sys.executable).parent / "taskbind"  # the console script: completion keys on its name

    def run(*args: str, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(script), *args], env={**os.environ, **env}, capture_output=True, text=True)

    top = run("-h").stdout
    assert "--install-completion" in top and "--show-completion" in top
    shown = run("--show-completion", "bash")
    assert shown.returncode == 0 and "_TASKBIND_COMPLETE" in shown.stdout
    # What bash asks when the user presses TAB after `taskbind gen` and `taskbind generate --mo`.
    asked = {"_TASKBIND_COMPLETE": "complete_bash", "COMP_WORDS": "taskbind gen", "COMP_CWORD": "1"}
    assert run(**asked).stdout.split() == ["generate"]
    asked |= {"COMP_WORDS": "taskbind generate --mo", "COMP_CWORD": "2"}
    assert run(**asked).stdout.split() == ["--modules"]


# -q and -v ----------------------------------------------------------------------------------------


def test_generate_reports_progress_per_step_and_timings_under_verbose(tmp_path):
    out = tmp_path / "out"
    default = runner.invoke(app, ["generate", "--target", "schema", "--out", str(out)])
    assert default.exit_code == 0, default.output
    assert default.stderr == ""  # not a terminal: results only, no progress in logs
    assert default.stdout.splitlines()[-1] == "1 written, 0 unchanged, 0 removed"

    shutil.rmtree(out)
    verbose = runner.invoke(app, ["generate", "--target", "schema", "--out", str(out), "-v"])
    assert verbose.exit_code == 0, verbose.output
    steps = [re.fullmatch(r"(.+?) +(\d+\.\d\d) s", line) for line in verbose.stderr.splitlines()]
    assert all(steps), verbose.stderr
    assert [m.group(1) for m in steps] == ["reading the spec", "rendering schema", "formatting Python (ruff)"]
    assert re.fullmatch(r"1 written, 0 unchanged, 0 removed in \d+\.\d s", verbose.stdout.splitlines()[-1])

    again = runner.invoke(app, ["generate", "--target", "schema", "--out", str(out), "-v"])
    assert again.stderr == ""  # nothing rendered: the manifest answered
    assert re.search(r"^unchanged .*schema/mcp-tasks\.schema\.json$", again.stdout, re.M)
    assert "nothing rendered" in again.stdout


def test_on_a_terminal_each_step_is_announced_as_it_starts(capsys, monkeypatch):
    from taskbind.console import Report

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    report = Report(quiet=False, verbose=False)
    for step in ("spec", "python"):
        report.progress(step, None)
        report.progress(step, 1.5)
    assert capsys.readouterr().err.splitlines() == ["reading the spec...", "rendering python..."]
    quiet = Report(quiet=True, verbose=False)
    quiet.progress("spec", None)
    assert capsys.readouterr().err == ""


def test_quiet_prints_nothing_on_success_and_errors_still(tmp_path):
    out = tmp_path / "out"
    quiet = runner.invoke(app, ["generate", "--target", "schema", "--out", str(out), "-q"])
    assert quiet.exit_code == 0 and quiet.stdout == "" and quiet.stderr == ""
    assert (out / "schema" / "mcp-tasks.schema.json").is_file()
    assert runner.invoke(app, ["check", "--target", "schema", "--out", str(out), "-q"]).stdout == ""
    assert runner.invoke(app, ["validate", "-q"]).stdout == ""
    failing = runner.invoke(app, ["generate", "--target", "pyton", "--out", str(out), "-q"])
    assert failing.exit_code == 2 and "unknown target" in failing.stderr


def test_quiet_and_verbose_exclude_each_other(tmp_path):
    result = runner.invoke(app, ["generate", "--out", str(tmp_path), "-q", "-v"])
    assert result.exit_code == 2 and "-q and -v" in result.stderr


def test_diff_quiet_answers_with_the_exit_code_only():
    result = runner.invoke(app, ["diff", str(SPEC_DIR), str(SPEC_DIR), "-q"])
    assert result.exit_code == 0 and result.stdout == ""


# The regenerate hint ------------------------------------------------------------------------------


def test_the_check_hint_repeats_only_the_flags_given(tmp_path, monkeypatch):
    """The issue: the hint repeated modules from the configuration and dropped --templates."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[tool.taskbind]\nmodules = ["core"]\ntargets = ["schema"]\nout = "gen"\n', "utf-8"
    )
    overrides = project / "my templates"
    overrides.mkdir()
    monkeypatch.chdir(project)
    assert runner.invoke(app, ["generate", "-q"]).exit_code == 0
    stale = runner.invoke(app, ["check", "--templates", "my templates", "--package", "acme"])
    assert stale.exit_code == 1
    hint = re.search(r"Run `([^`]+)`", stale.stderr).group(1)
    assert hint == "taskbind generate --package acme --templates 'my templates'"
    # ...and running it makes check pass.
    assert runner.invoke(app, ["generate", "--package", "acme", "--templates", "my templates", "-q"]).exit_code == 0
    assert runner.invoke(app, ["check", "--templates", "my templates", "--package", "acme"]).exit_code == 0


def test_the_readme_never_generates_over_the_committed_output():
    """The issue: the README's `generate --modules core` overwrote generated/ (then check failed)."""
    readme = (REPO / "README.md").read_text("utf-8")
    commands = re.findall(r"^\s*(?:\.venv/bin/)?taskbind generate([^\n#]*)", readme, re.M)
    assert commands
    for flags in commands:
        if any(flag in flags for flag in ("--modules", "--target", "--package", "--distribution")):
            assert "--out" in flags, flags


# The generated distribution -----------------------------------------------------------------------


def test_distribution_name_and_version_from_flags_and_configuration(tmp_path, monkeypatch):
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        ["generate", "--target", "python", "--out", str(out), "-q",
         "--distribution", "acme-tasks", "--distribution-version", "2.1.0rc1"],
    )
    assert result.exit_code == 0, result.output
    project = tomllib.loads((out / "python" / "pyproject.toml").read_text("utf-8"))["project"]
    assert (project["name"], project["version"]) == ("acme-tasks", "2.1.0rc1")
    header = (out / "python" / "pyproject.toml").read_text("utf-8").splitlines()[0]
    assert "--distribution acme-tasks --distribution-version 2.1.0rc1" in header

    (tmp_path / "pyproject.toml").write_text(
        '[tool.taskbind]\ntargets = ["python"]\ndistribution = "acme-bindings"\ndistribution_version = "3.0"\n',
        "utf-8",
    )
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["generate", "--out", "configured", "-q"]).exit_code == 0
    project = tomllib.loads((tmp_path / "configured/python/pyproject.toml").read_text("utf-8"))["project"]
    assert (project["name"], project["version"]) == ("acme-bindings", "3.0")


def test_the_default_distribution_is_the_package_and_the_spec_version():
    project = tomllib.loads((GENERATED / "python" / "pyproject.toml").read_text("utf-8"))["project"]
    spec_version = __import__("yaml").safe_load((SPEC_DIR / "taskbind.yaml").read_text("utf-8"))["version"]
    assert (project["name"], project["version"]) == ("mcp-tasks", spec_version)


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--distribution", "-acme", "is not a distribution name"),
        ("--distribution", "acme tasks", "is not a distribution name"),
        ("--distribution-version", "one", "is not a PEP 440 version"),
        ("--distribution-version", "1.0-beta", "is not a PEP 440 version"),
    ],
)
def test_a_bad_distribution_is_refused_before_anything_is_written(tmp_path, flag, value, message):
    result = runner.invoke(app, ["generate", "--out", str(tmp_path / "out"), flag, value])
    assert result.exit_code == 2
    assert result.stderr == f"error: {flag} {value!r} {message}" + result.stderr.split(message, 1)[1]
    assert not (tmp_path / "out").exists()
