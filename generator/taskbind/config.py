"""Project configuration: the `[tool.taskbind]` table of a pyproject.toml.

Found the way ruff finds `[tool.ruff]`: walk up from the working directory and take the first
pyproject.toml that has a `[tool.taskbind]` table. A pyproject.toml without the table does not stop
the search (unlike black, which stops at the first project root), so running taskbind from inside
a nested package of the project (for example `generated/python`, which has its own pyproject.toml)
still finds the project's settings.

    [tool.taskbind]
    spec = "spec"                  # spec directory (default: the spec bundled with taskbind)
    out = "generated"              # output directory (default: "generated")
    modules = ["core"]             # modules to include, with what they require (default: all)
    targets = ["schema", "python"] # targets to generate (default: all)
    package = "mcp_tasks"          # import name of the generated Python package
    templates = "my-templates"     # directory of template overrides
    distribution = "acme-tasks"    # distribution name of the generated Python project
    distribution_version = "1.4.0" # its version (default: the spec's version)

Relative paths are relative to the directory of that pyproject.toml, so the result does not depend
on where taskbind runs; so is the default `out` when a configuration is found. Command-line flags
override the configuration (and their paths are relative to the working directory, as usual).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .diagnostics import did_you_mean

PYPROJECT = "pyproject.toml"
KEYS = ("spec", "out", "modules", "targets", "package", "npm_package", "templates", "distribution", "distribution_version")

# PEP 508 project names and PEP 440 public versions (with an optional local part), as pip takes them.
_DISTRIBUTION = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)
_VERSION = re.compile(
    r"^v?(\d+!)?\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?(\+[a-z0-9]+(\.[a-z0-9]+)*)?$", re.IGNORECASE
)


def valid_distribution(name: str) -> str | None:
    """Why `name` cannot name a Python distribution, or None when it can."""
    if _DISTRIBUTION.match(name):
        return None
    return "is not a distribution name (letters, digits, . _ -, starting and ending with a letter or digit)"


def valid_version(version: str) -> str | None:
    """Why `version` is not a PEP 440 version, or None when it is."""
    return None if _VERSION.match(version) else "is not a PEP 440 version (like 1.2.0, 2.0rc1 or 1.0.post1)"


class ConfigError(ValueError):
    """A [tool.taskbind] table that cannot be used; the message names the file."""


@dataclass(frozen=True)
class Config:
    path: Path | None  # the pyproject.toml it came from; None when there is none
    spec: Path | None = None
    out: Path | None = None
    modules: tuple[str, ...] | None = None
    targets: tuple[str, ...] | None = None
    package: str | None = None
    npm_package: str | None = None
    templates: Path | None = None
    distribution: str | None = None
    distribution_version: str | None = None

    @property
    def root(self) -> Path | None:
        """The project directory: where relative paths and the default output are anchored."""
        return self.path.parent if self.path is not None else None


NO_CONFIG = Config(path=None)


def find_pyproject(start: Path) -> tuple[Path, dict[str, Any]] | None:
    """The first pyproject.toml at or above `start` with a [tool.taskbind] table, and that table."""
    for directory in (start, *start.parents):
        candidate = directory / PYPROJECT
        if not candidate.is_file():
            continue
        try:
            document = tomllib.loads(candidate.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            raise ConfigError(f"{candidate}: cannot read: {error}") from None
        table = document.get("tool", {}).get("taskbind")
        if table is not None:
            if not isinstance(table, dict):
                raise ConfigError(f"{candidate}: [tool.taskbind] must be a table")
            return candidate, table
    return None


def _names(path: Path, key: str, value: Any) -> tuple[str, ...]:
    # A list, or one comma-separated string as on the command line.
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{path}: [tool.taskbind] {key} must be a list of strings")
    return tuple(item.strip() for item in value if item.strip())


def _text(path: Path, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{path}: [tool.taskbind] {key} must be a non-empty string")
    return value


def parse_config(path: Path, table: dict[str, Any]) -> Config:
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise ConfigError(
            f"{path}: unknown key(s) in [tool.taskbind]: {', '.join(k + did_you_mean(k, KEYS) for k in unknown)} "
            f"(known: {', '.join(KEYS)})"
        )
    root = path.parent.resolve()
    paths = {
        key: root / Path(_text(path, key, table[key])).expanduser()
        for key in ("spec", "out", "templates")
        if key in table
    }
    return Config(
        path=path,
        modules=_names(path, "modules", table["modules"]) if "modules" in table else None,
        targets=_names(path, "targets", table["targets"]) if "targets" in table else None,
        package=_text(path, "package", table["package"]) if "package" in table else None,
        npm_package=_text(path, "npm_package", table["npm_package"]) if "npm_package" in table else None,
        **{key: _text(path, key, table[key]) for key in ("distribution", "distribution_version") if key in table},
        **paths,
    )


def load_config(start: Path | None = None) -> Config:
    """The configuration that applies in `start` (default: the working directory)."""
    found = find_pyproject((start or Path.cwd()).resolve())
    return parse_config(*found) if found is not None else NO_CONFIG
