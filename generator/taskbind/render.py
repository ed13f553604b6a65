"""The template environment: StrictUndefined, escaping filters per output language, user overrides
in front of the built-in templates, and rendered Python that must compile.

Spec text is data. It reaches generated code only through the filter of the language it lands in
(`py`, `doc`, `toml`, `yaml`, `json`, `jsdoc`, `md`, `cell`, `prose`, `codespan`), or as a name the
filter `ident` (Python) or `tsident` (TypeScript) has checked; `markdown`, `code` and `tscode` pass
text a view already built (escaped Markdown; a Python type expression made of checked names; a
TypeScript type or zod expression made of checked names and JSON literals). tests/test_template_escaping.py fails when a template prints an
expression without one of these filters. Every filter fails on an undefined value: StrictUndefined
must not be turned into the text "Undefined" by `repr`.
"""

from __future__ import annotations

import functools
import json
import keyword
import re
from pathlib import Path
from typing import Any, Callable

import jinja2

from .resources import bundled_templates

# The version of the template context (templates/CONTEXT.md): every variable, attribute and filter a
# template can use. A change that removes or renames any of them bumps the major number; adding
# one bumps the minor. Templates see it as `template_api_version`, so that an override can check it.
TEMPLATE_API_VERSION = "1.1"


class TemplateOutputError(jinja2.TemplateError):
    """A template rendered text its language cannot hold (Python that does not compile)."""

    def __init__(self, message: str, location: str):
        super().__init__(message)
        self.location = location  # template-file:line (or the file alone when no line is known)


def _defined(filter_function: Callable[..., str]) -> Callable[..., str]:
    """Make a filter fail on an undefined value, the way printing it would."""

    @functools.wraps(filter_function)
    def checked(value: Any, *args: Any, **kwargs: Any) -> str:
        if type(value) is not str:  # text, by far the most common value, is never undefined
            _reject_undefined(value)
        return filter_function(value, *args, **kwargs)

    return checked


def _reject_undefined(value: Any) -> None:
    if isinstance(value, jinja2.Undefined):
        value._fail_with_undefined_error()
    if isinstance(value, (list, tuple)):
        for item in value:
            _reject_undefined(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _reject_undefined(key)
            _reject_undefined(item)


def _text(value: Any, filter_name: str) -> str:
    if not isinstance(value, str):
        raise jinja2.TemplateRuntimeError(f"filter {filter_name} takes text, got {type(value).__name__} {value!r}")
    return value


_LITERAL_TYPES = (str, int, float, bool, type(None))


def _check_literal(value: Any) -> None:
    if isinstance(value, (list, tuple)):
        for item in value:
            _check_literal(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_literal(key)
            _check_literal(item)
    elif not isinstance(value, _LITERAL_TYPES):
        raise jinja2.TemplateRuntimeError(f"filter py cannot write a {type(value).__name__} as a Python literal")


@_defined
def pyrepr(value: Any) -> str:
    """A Python literal of a string, number, boolean, None, or a tuple, list or dict of them (`repr`
    escapes quotes, backslashes, newlines and control characters)."""
    _check_literal(value)
    return repr(value)


@_defined
def jsonify(value: Any) -> str:
    """A JSON literal (non-ASCII kept as is)."""
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise jinja2.TemplateRuntimeError(f"filter json: {exc}") from None


_DOC_QUOTES = re.compile(r'"(?=")|"$')
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@_defined
def jsdoc(value: Any, indent: str = "") -> str:
    """A JSDoc comment (TypeScript) for spec text, or nothing for no text; `*/` cannot end it early."""
    from .emitters.typescript_view import doc

    return doc(_text("" if value is None else value, "jsdoc"), indent)


@_defined
def docstring(value: Any) -> str:
    """Text inside a triple-quoted Python docstring: backslashes doubled, every quote that could
    end or start the closing triple escaped, control characters (but newline and tab) as escapes."""
    text = _text(value, "doc").replace("\\", "\\\\")
    text = _DOC_QUOTES.sub('\\\\"', text)
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


_TOML_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


@_defined
def toml_string(value: Any) -> str:
    """A TOML basic string (double-quoted, one line)."""
    out = []
    for char in _text(value, "toml"):
        if char in _TOML_ESCAPES:
            out.append(_TOML_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F or 0xD800 <= ord(char) <= 0xDFFF:
            out.append(f"\\u{ord(char):04X}" if not 0xD800 <= ord(char) <= 0xDFFF else "\\uFFFD")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


@_defined
def yaml_string(value: Any) -> str:
    """A YAML double-quoted scalar. JSON's escapes are YAML's; ASCII only, so that no Unicode line
    break (NEL, U+2028) ends the scalar."""
    return json.dumps(_text(value, "yaml"), ensure_ascii=True)


@_defined
def oneline(value: Any) -> str:
    """Whitespace runs (newlines included) as one space: for one-line fields (a package summary)."""
    return " ".join(_text(value, "oneline").split())


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
# A Python type expression or value a view composed from checked names: names, dots, brackets,
# unions, commas, spaces, and digits.
_CODE = re.compile(r"[A-Za-z0-9_.,\[\]| ]*")


@_defined
def identifier(value: Any) -> str:
    """A name printed into code as is (a class, function, attribute or package name): an ASCII
    identifier or a dotted path of them, never a keyword. Anything else fails the render."""
    text = _text(value, "ident")
    if not _DOTTED.fullmatch(text) or any(keyword.iskeyword(part) for part in text.split(".")):
        raise jinja2.TemplateRuntimeError(f"filter ident: {text!r} is not an identifier")
    return text


@_defined
def code(value: Any) -> str:
    """A Python expression a view built from checked names (`models.Task | None`, `True`, `-32602`)."""
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return repr(value)
    text = _text(value, "code")
    if not _CODE.fullmatch(text):
        raise jinja2.TemplateRuntimeError(f"filter code: {text!r} is not made of names alone")
    return text


_TS_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*)*")


@_defined
def ts_identifier(value: Any) -> str:
    """A TypeScript name printed as is (a type, schema, method or property name; dotted allowed):
    ASCII identifier syntax, `$` included. Reserved words pass: they are valid member names, and
    TypeScript, not Python, decides what else they may name."""
    text = _text(value, "tsident")
    if not _TS_IDENTIFIER.fullmatch(text):
        raise jinja2.TemplateRuntimeError(f"filter tsident: {text!r} is not a TypeScript identifier")
    return text


# Outside string literals, the first thing that matters: a whole literal (skipped), a quote that
# opens one never closed, or a marker that would start a comment or template literal.
_TS_TOKEN = re.compile(r""""(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|["']|`|\$\{|//|/\*|\*/""", re.S)


def _ts_code_problem(text: str) -> str | None:
    """What makes `text` unfit to print as one line of TypeScript code, or None. String literals
    (single or double quotes, backslash escapes) are skipped: they may hold anything but a line
    break. Outside them: no comment (`//`, `/*`, `*/`), no template literal (a backtick, `${`)."""
    if "\n" in text or "\r" in text or "\u2028" in text or "\u2029" in text:
        return "a line break"
    for match in _TS_TOKEN.finditer(text):
        token = match.group()
        if len(token) > 1 and token[0] in "\"'":
            continue  # a complete string literal
        if token in ("\"", "'"):
            return "an unterminated string"
        return "a backtick" if token == "`" else repr(token)
    return None


@_defined
def ts_code(value: Any) -> str:
    """A TypeScript type or zod expression a view composed from checked names and JSON literals
    (`Task | null`, `z.strictObject({ ... })`), one line of it: refuses line breaks, backticks,
    `${`, and comment markers outside string literals, so nothing it prints can start a comment or
    a template literal or end the line early."""
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return json.dumps(value)
    text = _text(value, "tscode")
    problem = _ts_code_problem(text)
    if problem is not None:
        raise jinja2.TemplateRuntimeError(f"filter tscode: {text!r} holds {problem}")
    return text


_PATH = re.compile(r"[A-Za-z0-9_.#/-]+")


@_defined
def relative_path(value: Any) -> str:
    """A relative path or link taskbind made (`js/mermaid.min.js`, `types/core.md#task`): safe in
    Markdown links, YAML and comments as is. Anything else fails the render."""
    text = _text(value, "path")
    if not _PATH.fullmatch(text) or text.startswith("/"):
        raise jinja2.TemplateRuntimeError(f"filter path: {text!r} is not a relative path")
    return text


def _markdown_filters() -> dict[str, Callable[..., str]]:
    from .emitters import markdown

    @_defined
    def md(value: Any) -> str:
        """Spec text in a Markdown paragraph, printed exactly as written, on one line."""
        return markdown.escape_text(_text(value, "md"))

    @_defined
    def cell(value: Any) -> str:
        """Spec prose in a Markdown table cell: pipes, HTML and line breaks harmless."""
        return markdown.cell(_text(value, "cell"))

    @_defined
    def prose(value: Any) -> str:
        """Spec prose as a Markdown block: raw HTML shows as text."""
        return markdown.prose(_text(value, "prose"))

    @_defined
    def built_markdown(value: Any) -> str:
        """Markdown a docs view already built from escaped pieces (docs_*.py): passed as is."""
        if isinstance(value, (int, bool)):
            return str(value)
        return _text(value, "markdown")

    @_defined
    def codespan(value: Any) -> str:
        """Spec text as an inline code span, shown exactly (also in a table cell)."""
        return markdown.code(_text(value, "codespan"))

    return {"md": md, "cell": cell, "prose": prose, "markdown": built_markdown, "codespan": codespan}


ESCAPING_FILTERS = frozenset(
    {
        "py", "json", "doc", "toml", "yaml", "ident", "code", "md", "cell", "prose", "markdown",
        "codespan", "path", "jsdoc", "tsident", "tscode",
    }
)  # fmt: skip


class CheckedTemplate(jinja2.Template):
    """A template whose Python output must compile: a template (or an override) that renders
    invalid Python fails here, naming the template, not later in ruff format."""

    def render(self, *args: Any, **kwargs: Any) -> str:
        text = super().render(*args, **kwargs)
        if (self.name or "").endswith(".py.j2"):
            try:
                compile(text, self.name or "<template>", "exec", dont_inherit=True)
            except (SyntaxError, ValueError) as exc:
                line = getattr(exc, "lineno", None) or 0
                rendered = text.splitlines()[line - 1] if 0 < line <= len(text.splitlines()) else ""
                where = f"{self.filename or self.name}:{_template_line(self, rendered) or 1}"
                raise TemplateOutputError(
                    f"renders Python that does not compile: {getattr(exc, 'msg', exc)} "
                    f"(rendered line {line}: {rendered.strip()[:120]!r})",
                    where,
                ) from None
        return text


def _template_line(template: jinja2.Template, rendered: str) -> int | None:
    """The line of the template that most likely printed `rendered`: the first whose literal parts
    (outside {{ }} and {% %}) all appear in it, preferring the line with the most literal text."""
    try:
        source = Path(template.filename or "").read_text("utf-8")
    except OSError:
        return None
    best, best_score = None, 0
    for number, line in enumerate(source.splitlines(), 1):
        pieces = [p.strip() for p in re.split(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", line) if p.strip()]
        if pieces and all(piece in rendered for piece in pieces):
            score = sum(len(p) for p in pieces)
            if score > best_score:
                best, best_score = number, score
    return best


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
    env.template_class = CheckedTemplate
    env.filters.update(
        py=pyrepr,
        json=jsonify,
        doc=docstring,
        toml=toml_string,
        yaml=yaml_string,
        oneline=oneline,
        ident=identifier,
        code=code,
        tsident=ts_identifier,
        tscode=ts_code,
        path=relative_path,
        jsdoc=jsdoc,
        **_markdown_filters(),
    )
    env.globals["template_api_version"] = TEMPLATE_API_VERSION
    return env
