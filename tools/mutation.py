"""Mutation score of the modules that decide behaviour: `python tools/mutation.py [MODULE...]`.

Not part of the test run (it takes minutes per module). For each module it runs mutmut 3 (the
`mutation` extra) in a scratch directory mutants/<module>/, with only the tests that cover that
module, prints module, mutants, killed, survived, timeout and score, lists the survivors, and writes
the report to docs/mutation.md (the sections of modules not run this time are kept).

How the mutated copy is the one the tests import: mutmut copies the module's package to
mutants/<module>/mutants/ and runs pytest there. The generated package (mcp_tasks) is put first on
sys.path by tests/conftest.py, which resolves the repository as the directory above tests/, here the
copy; the generator (taskbind) is put first with PYTHONPATH, ahead of the editable install. mutmut's
own forced-fail run (every mutated function raises) then proves that the selected tests reach the
copy: it aborts the run if they still pass.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRATCH = ROOT / "mutants"
REPORT = ROOT / "docs" / "mutation.md"
PACKAGE = "generated/python/mcp_tasks"  # the generated package; its runtime files are copied verbatim from templates/python/package
GENERATOR = "generator/taskbind"


@dataclass(frozen=True)
class Module:
    name: str
    package: str  # the package mutmut copies (whole, so that the rest of it imports)
    files: tuple[str, ...]  # the files of it that are mutated
    tests: tuple[str, ...]  # the tests that cover them, the only ones run (pytest arguments)
    note: str = ""
    only: tuple[str, ...] = ()  # mutant name globs: a part of the files (mutmut's own names)


MODULES = {
    m.name: m
    for m in (
        Module(
            "guard",
            PACKAGE,
            ("guard.py", "lifecycle.py"),
            ("tests/test_guard.py", "tests/test_lifecycle_oracle.py", "tests/test_runtime.py", "tests/test_server_dispatcher.py"),
            "guard.py is templates/python/package/guard.py copied verbatim; lifecycle.py is the "
            "rendering of templates/python/package/lifecycle.py.j2 for the bundled spec (mutmut "
            "mutates functions, not the module-level tables)",
        ),
        Module(
            "write",
            GENERATOR,
            ("write.py",),
            ("tests/test_write_rules.py",),
            "only the fast function-level tests: tests/test_atomic_write.py and tests/test_stale_files.py "
            "run a whole `generate` per case, which made a run take over an hour on 2 shared cores",
        ),
        Module("fingerprint", GENERATOR, ("fingerprint.py",), ("tests/test_fingerprint_rules.py", "tests/test_fingerprint.py")),
        Module(
            "noop",
            GENERATOR,
            ("noop.py",),
            ("tests/test_noop.py",),
            "mutmut only counts what runs in its own process, so the subprocess tests at the top of "
            "tests/test_noop.py reach nothing here; the in-process tests below them (every flag, the "
            "configuration, quiet, stale output, main) do the killing",
        ),
        Module(
            "validate",
            GENERATOR,
            ("validate.py",),
            ("tests/test_validate_rules.py",),
            "every case loads and validates the whole spec (about 1 s on 2 shared cores), so a survivor "
            "costs minutes: the whole module is a run of hours; validate_lifecycle is the part that fits",
        ),
        Module(
            "validate_lifecycle",
            GENERATOR,
            ("validate.py",),
            ("tests/test_validate_rules.py", "-k", "lifecycle or transition or accepts or status or initial or refusal"),
            "the lifecycle checks of validate.py only (check_lifecycle and _check_lifecycle_section), "
            "with the rules about the lifecycle",
            ("taskbind.validate.xǁ_Checkerǁcheck_lifecycle__mutmut_*", "taskbind.validate.xǁ_Checkerǁ_check_lifecycle_section__mutmut_*"),
        ),
        Module(
            "dispatcher",
            PACKAGE,
            ("dispatcher.py",),
            ("tests/test_dispatcher_units.py", "tests/test_dispatcher_paths.py", "tests/test_server_dispatcher.py"),
        ),
        Module(
            "store",
            PACKAGE,
            ("store_base.py", "store.py", "runtime.py"),
            ("tests/test_runtime.py", "tests/test_limits.py", "tests/test_authorization.py", "tests/test_lifecycle_oracle.py",
             "tests/test_server_dispatcher.py", "tests/test_no_silent_noops.py", "tests/test_error_paths.py",
             "tests/test_runtime_paths.py", "-k", "not redis"),
            "the in-memory store (store.py), the logic both stores share (store_base.py) and the runtime; the "
            "Redis store (redis_store.py) is not mutated, so its test cases are left out (`-k 'not redis'`): the "
            "in-memory cases run the same runtime code",
        ),
        Module(
            "diff",
            GENERATOR,
            ("diff/rules.py", "diff/types.py", "diff/surface.py", "diff/shapes.py"),
            ("tests/test_diff.py",),
        ),
        Module(
            "diff_rules",
            GENERATOR,
            ("diff/rules.py",),
            ("tests/test_diff.py",),
            "the rule table's code (Change, Reporter). Each file of the diff package is a module of its "
            "own (the `diff` module runs them together): every case of tests/test_diff.py runs `taskbind "
            "diff` on two whole specs, so one survivor costs about a minute on 2 shared cores",
        ),
        Module(
            "diff_shapes",
            GENERATOR,
            ("diff/shapes.py",),
            ("tests/test_diff.py",),
            "wire shapes (renames are recognised by shape) and the values a change prints",
        ),
        Module(
            "diff_types",
            GENERATOR,
            ("diff/types.py",),
            ("tests/test_diff.py",),
            "the comparison of named types and fields (which rule a type or field change is)",
        ),
        Module(
            "diff_surface",
            GENERATOR,
            ("diff/surface.py",),
            ("tests/test_diff.py",),
            "the comparison of methods, errors, capabilities, settings and the lifecycle",
        ),
    )
}

# What the tests read beside the package: the spec, the templates, the generated tree.
ALSO_COPY = ("spec", "templates", "generated", "generator", "examples")


def _setup(module: Module, workdir: Path) -> None:
    """A fresh scratch directory: links to the repository, the package under src/ (mutmut names a
    mutant after its path below src/, which must be the name the tests import), and the config."""
    if workdir.exists():
        shutil.rmtree(workdir)
    (workdir / "src").mkdir(parents=True)
    for name in ("generator", "generated", "spec", "templates", "tests", "examples", "pyproject.toml"):
        (workdir / name).symlink_to(ROOT / name)
    package = Path(module.package).name
    (workdir / "src" / package).symlink_to(ROOT / module.package)
    only = "\n    ".join(f"src/{package}/{f}" for f in module.files)
    tests = "\n    ".join(module.tests)
    also = "\n    ".join(ALSO_COPY)
    (workdir / "setup.cfg").write_text(
        "[mutmut]\n"
        f"source_paths = src/{package}\n"
        f"only_mutate =\n    {only}\n"
        f"also_copy =\n    {also}\n"
        f"pytest_add_cli_args_test_selection =\n    {tests}\n"
        "pytest_add_cli_args =\n    -p\n    no:cacheprovider\n"
        "use_git_change_detection = false\n",
        "utf-8",
    )
    # Present before Python starts, so that PYTHONPATH's entries are not cached as missing.
    for path in ("src", "generated/python"):
        (workdir / "mutants" / path).mkdir(parents=True, exist_ok=True)


def _env(workdir: Path) -> dict[str, str]:
    """mutants/src (the mutated package) first, for subprocesses too; the copy's generated/python
    next, so that tests/conftest.py, which adds it unless present, does not put it first."""
    copy = (workdir / "mutants").resolve()
    paths = [str(copy / "src"), str(copy / "generated" / "python")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths + [os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
    env.pop("CI", None)  # mutmut's own output is not a CI test run
    return env


def _mutmut(workdir: Path, *args: str, log: Path | None = None, append: bool = False) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "mutmut", *args]
    if log is None:
        return subprocess.run(command, cwd=workdir, env=_env(workdir), capture_output=True, text=True, check=False)
    with log.open("a" if append else "w") as out:
        return subprocess.run(command, cwd=workdir, env=_env(workdir), stdout=out, stderr=subprocess.STDOUT, text=True, check=False)


def _results(workdir: Path) -> dict[str, str]:
    """mutant name -> status, from `mutmut results --all true`."""
    listed = _mutmut(workdir, "results", "--all", "true").stdout
    return dict(re.findall(r"^\s+(\S+): (.+)$", listed, re.MULTILINE))


def _diff(workdir: Path, name: str) -> str:
    shown = _mutmut(workdir, "show", name).stdout
    return "\n".join(line for line in shown.splitlines()[1:] if line.startswith(("+", "-")) and not line.startswith(("+++", "---")))


# How run_module treats the scratch directory of the last run: start over there, continue a
# stopped run, run its survivors again after tests were added, or only read its results.
MODES = ("fresh", "resume", "rerun", "report")


def run_module(module: Module, max_children: int, only: list[str], mode: str = "fresh") -> dict:
    """Run mutmut on one module, in one of MODES. "resume" runs the mutants the last run did not
    reach (mutmut skips those with a result); "rerun" runs its survivors and untested mutants again
    (mutmut collects the new tests' coverage itself; they must be new test functions in the files
    the module already lists, since changing the list makes mutmut start over); "report" reads the
    results as they are (the mutants not reached count as not run)."""
    workdir = SCRATCH / module.name
    log = workdir / "mutmut.log"
    started = time.monotonic()
    if mode != "fresh" and not log.exists():
        raise SystemExit(f"no earlier run of {module.name} in {workdir}")
    mutants = only
    if mode == "fresh":
        _setup(module, workdir)
    elif mode == "rerun":
        mutants = [name for name, status in _results(workdir).items() if status in ("survived", "no tests")]
    if mode == "report" or (mode == "rerun" and not mutants):
        done = subprocess.CompletedProcess([], 0)
    else:
        done = _mutmut(workdir, "run", "--max-children", str(max_children), *mutants, log=log, append=mode != "fresh")
    seconds = float("nan") if mode == "report" else time.monotonic() - started
    if done.returncode != 0:
        tail = "\n".join(log.read_text("utf-8", "replace").splitlines()[-30:])
        raise SystemExit(f"mutmut failed on {module.name} (exit {done.returncode}); the end of {log}:\n{tail}")
    statuses = _results(workdir)
    counts = {status: list(statuses.values()).count(status) for status in set(statuses.values())}
    survivors = [(name, _diff(workdir, name)) for name, status in sorted(statuses.items()) if status == "survived"]
    return {"module": module, "statuses": statuses, "counts": counts, "survivors": survivors, "seconds": seconds, "only": only,
            "mode": mode}


def _row(result: dict) -> str:
    """Score = (killed + timeout) / mutants run: a mutant that makes the tests hang is caught, since
    the suite would fail on it too. A mutant no selected test reaches ("no tests") counts as not
    killed; one left out by --only ("not checked") is not run and not counted."""
    counts, total = result["counts"], len(result["statuses"])
    caught, not_run = counts.get("killed", 0) + counts.get("timeout", 0), counts.get("not checked", 0)
    run = total - not_run
    score = f"{100 * caught / run:.1f}%" if run else "n/a"
    return (f"| {result['module'].name} | {total} | {not_run} | {counts.get('killed', 0)} | {counts.get('survived', 0)} | "
            f"{counts.get('timeout', 0)} | {counts.get('no tests', 0)} | {score} |")


HEADER = ("| module | mutants | not run | killed | survived | timeout | no tests | score |\n"
          "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")


def _section(result: dict) -> str:
    module = result["module"]
    lines = [f"## {module.name}", ""]
    took = "" if result["seconds"] != result["seconds"] else f" Took {result['seconds']:.0f} s."  # NaN: not timed
    if result["mode"] in ("rerun", "resume"):
        again = "Survivors re-run after new tests" if result["mode"] == "rerun" else "Resumed"
        took = f"{result.get('took_before', '')} {again}: {result['seconds']:.0f} s."
    lines.append(f"Mutated: {', '.join(f'`{module.package}/{f}`' for f in module.files)}. "
                 f"Tests: `{' '.join(module.tests)}`.{took}")
    if module.note:
        lines += ["", f"Note: {module.note}."]
    lines += ["", HEADER, _row(result), ""]
    if result["counts"].get("no tests"):
        lines += [(f"{result['counts']['no tests']} mutants are in code that none of these tests runs (listed by "
                  f"`mutmut results` in mutants/{module.name}/); they count as not killed."), ""]
    if result["only"]:
        lines += [f"Only the mutants matching {', '.join(f'`{g}`' for g in result['only'])} were run.", ""]
    others = {s: n for s, n in result["counts"].items() if s not in ("killed", "survived", "timeout", "no tests", "not checked")}
    if others:
        lines += [f"Other statuses: {', '.join(f'{s} {n}' for s, n in sorted(others.items()))}.", ""]
    if result["survivors"]:
        lines += ["Surviving mutants:", ""]
        for name, diff in result["survivors"]:
            lines += [f"- `{name}`", "", "  ```diff", *("  " + line for line in diff.splitlines()), "  ```", ""]
    else:
        lines += ["No surviving mutants.", ""]
    lines.append("<!-- end " + module.name + " -->")
    return "\n".join(lines)


def _write_report(results: list[dict]) -> None:
    """Replace the sections of the modules run; keep the others as they were."""
    old = REPORT.read_text("utf-8") if REPORT.exists() else ""
    sections = {m.group(1): m.group(0) for m in re.finditer(r"(?ms)^## (\w+)\n.*?^<!-- end \1 -->$", old)}
    for result in results:
        if result["mode"] in ("rerun", "resume") and result["module"].name in sections:  # keep the full run's time
            before = re.search(r" Took \d+ s\.", sections[result["module"].name])
            result["took_before"] = before.group(0) if before else ""
        sections[result["module"].name] = _section(result)
    notes = ""
    match = re.search(r"(?ms)^## Equivalent mutants\n.*\Z", old)
    if match:
        notes = match.group(0)
    ordered = [sections[name] for name in MODULES if name in sections]
    rows = [re.search(r"^\| \w+ \| \d+.*$", s, re.MULTILINE).group(0) for s in ordered]  # each section's own row
    text = [
        "# Mutation score",
        "",
        "Made by `python tools/mutation.py [MODULE...]` (mutmut 3, the `mutation` extra); not part of",
        "the test run. Each module is mutated alone and tested with only the tests listed in its",
        "section. Score = (killed + timeout) / mutants run: a mutant that hangs the tests is caught; a",
        "mutant no selected test reaches counts as not killed.",
        "Survivors are listed with their diff; the ones that cannot be killed are explained under",
        "\"Equivalent mutants\". A stopped run continues with `--resume`; after tests are added,",
        "`--rerun-survivors` runs only the last run's survivors again, keeping the other results.",
        "",
        "The tests run against the mutated copy, not the editable install: mutmut's forced-fail run (every",
        "mutated function raises) must fail them before any mutant is tried, and a planted mutant was",
        "checked by hand (`MUTANT_UNDER_TEST=mcp_tasks.lifecycle.x_can_transition__mutmut_7` makes",
        "tests/test_guard.py fail in mutants/guard/mutants/, and pass without it).",
        "",
        HEADER,
        *rows,
        "",
        "\n\n".join(ordered),
        "",
    ]
    if notes:
        text.append(notes.rstrip("\n"))
        text.append("")
    REPORT.write_text("\n".join(text), "utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", metavar="MODULE",
                        help=f"one or more of {', '.join(MODULES)} (default: all, one at a time)")
    parser.add_argument("--max-children", type=int, default=1, help="parallel mutants (default 1)")
    parser.add_argument("--no-report", action="store_true", help="print only; leave docs/mutation.md alone")
    parser.add_argument("--from-last-run", action="store_true",
                        help="do not run mutmut: report the results left in mutants/<module>/ by the last run")
    parser.add_argument("--rerun-survivors", action="store_true",
                        help="keep the last run's results; run again only its survivors and untested mutants (after adding tests)")
    parser.add_argument("--resume", action="store_true",
                        help="keep the results of a run that was stopped; run only the mutants it did not reach")
    parser.add_argument("--only", action="append", default=[], metavar="GLOB",
                        help="run only the mutants whose name matches (e.g. 'taskbind.validate.*lifecycle*'); repeatable")
    args = parser.parse_args(argv)
    unknown = [name for name in args.modules if name not in MODULES]
    if unknown:
        parser.error(f"unknown module {', '.join(unknown)} (known: {', '.join(MODULES)})")
    results = []
    print(HEADER.splitlines()[0])
    for name in args.modules or list(MODULES):
        mode = "report" if args.from_last_run else "rerun" if args.rerun_survivors else "resume" if args.resume else "fresh"
        result = run_module(MODULES[name], args.max_children, args.only or list(MODULES[name].only), mode)
        results.append(result)
        print(_row(result), flush=True)
        if not args.no_report:  # after each module: a run stopped later keeps the earlier ones
            _write_report([result])
    for result in results:
        for name, diff in result["survivors"]:
            print(f"\nsurvived: {name}\n{diff}")
    if not args.no_report:
        print(f"\nreport: {REPORT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
