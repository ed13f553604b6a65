"""Where the bundled spec and templates live: inside the wheel, or beside the package in a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent.parent  # generator/taskbind -> repository root


def _bundled(name: str) -> Path:
    # A wheel carries them under taskbind/_bundled (pyproject force-include); a checkout or an
    # editable install finds them at the repository root.
    for candidate in (_PACKAGE / "_bundled" / name, _CHECKOUT / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"bundled {name}/ not found beside {_PACKAGE}")


def bundled_spec() -> Path:
    return _bundled("spec")


def bundled_templates() -> Path:
    return _bundled("templates")
