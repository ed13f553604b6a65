"""The template environment: StrictUndefined, and user overrides in front of the built-in templates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jinja2

from .resources import bundled_templates

# The version of the template context (templates/CONTEXT.md): every variable, attribute and filter a
# template can use. A change that removes or renames any of them bumps the major number; adding
# one bumps the minor. Templates see it as `template_api_version`, so that an override can check it.
TEMPLATE_API_VERSION = "1.1"


def pyrepr(value: Any) -> str:
    """A Python literal for a JSON scalar, string or tuple: text from the spec lands literally."""
    return repr(value)


def jsonify(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def jsdoc(text: str, indent: str = "") -> str:
    """A JSDoc comment (TypeScript) for spec text, or nothing for no text; `*/` cannot end it early."""
    from .emitters.typescript_view import doc

    return doc(text or "", indent)


def make_environment(overrides: Path | None = None) -> jinja2.Environment:
    """Templates are looked up by relative path in `overrides` first, then in the built-in set."""
    loaders: list[jinja2.BaseLoader] = []
    if overrides is not None:
        loaders.append(jinja2.FileSystemLoader(str(overrides)))
    loaders.append(jinja2.FileSystemLoader(str(bundled_templates())))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["py"] = pyrepr
    env.filters["json"] = jsonify
    env.filters["jsdoc"] = jsdoc
    env.globals["template_api_version"] = TEMPLATE_API_VERSION
    return env
