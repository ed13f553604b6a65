"""Stage 5, format: `ruff format`, pinned exactly, once per generation, on Python output only.

One ruff process formats every Python file of a generation together: 19 files take about 30 ms,
where black took 2.5 s in process. models.py comes from datamodel-code-generator unformatted (its
own formatter is off, see taskbind.emitters.python_models): this is its only formatting pass.
ruff runs isolated (no configuration file is read: a user's [tool.ruff] must
not leak into the output) with the settings below, which are the whole style of generated code.
See docs/performance.md for the measurements behind the choice.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

LINE_LENGTH = 100
TARGET_VERSION = "py311"


def _ruff() -> str:
    from ruff.__main__ import find_ruff_bin  # the binary pinned with taskbind, never one on PATH

    return str(find_ruff_bin())


def format_outputs(files: dict[str, str]) -> dict[str, str]:
    """`files` with every `.py` file formatted; raises ValueError naming a file that is not Python."""
    python = sorted(path for path in files if path.endswith(".py"))
    if not python:
        return dict(files)
    with tempfile.TemporaryDirectory(prefix="taskbind-format-") as scratch:
        root = Path(scratch)
        staged = {}
        for index, path in enumerate(python):  # flat names: output paths need no directories here
            staged[path] = root / f"f{index}.py"
            staged[path].write_bytes(files[path].encode("utf-8"))
        command = [
            _ruff(), "format", "--isolated", "--no-cache",
            f"--line-length={LINE_LENGTH}", f"--target-version={TARGET_VERSION}",
            *(str(file) for file in staged.values()),
        ]
        done = subprocess.run(command, capture_output=True, cwd=root, check=False)
        if done.returncode != 0:
            message = (done.stderr or done.stdout).decode("utf-8", "replace").strip()
            for path, file in staged.items():  # name the generated file, not the scratch copy
                message = message.replace(str(file), path).replace(f"{file.name}:", f"{path}:")
            raise ValueError(f"generated Python is not valid: {message}")
        formatted = dict(files)
        for path, file in staged.items():
            formatted[path] = file.read_bytes().decode("utf-8")
    return formatted
