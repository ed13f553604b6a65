"""Text for Markdown and Mermaid: spec text that prints exactly as written, and never breaks a table.

Targets two renderers at once: python-markdown (mkdocs) and GitHub's, so the generated pages read
the same on the site and in the repository.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Callable, Iterable

# name -> the href of its definition, or None: turns a code span naming a type or method into a link
Linker = Callable[[str], "str | None"]

# Markdown text -------------------------------------------------------------------------------------

_ENTITIES = {c: f"&#{ord(c)};" for c in "&<>|*_`\\[]"}
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)
_TEXT_ESCAPES = re.compile(r"([\\`*_\[\]{}#|!])")


def escape_text(text: object) -> str:
    """Plain text that prints exactly as written, on one line: in a paragraph or a table cell."""
    flat = " ".join(str(text).split())
    flat = flat.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _TEXT_ESCAPES.sub(r"\\\1", flat)


def code(text: object) -> str:
    """An inline code span showing `text` exactly, also inside a table cell."""
    flat = " ".join(str(text).splitlines())
    if flat and flat == flat.strip() and not any(c in flat for c in "|`"):
        return f"`{flat}`"
    # Backticks cannot hold a pipe in a table on both GitHub and python-markdown; inline HTML can,
    # once every character either would interpret is an entity.
    return "<code>" + "".join(_ENTITIES.get(c, c) for c in flat) + "</code>"


def _split_code(text: str) -> Iterable[tuple[bool, str]]:
    """(is_code, piece) pieces of Markdown text; a code piece keeps its backtick fences."""
    position = 0
    for match in _CODE_SPAN.finditer(text):
        yield False, text[position : match.start()]
        yield True, match.group(0)
        position = match.end()
    yield False, text[position:]


def _code_content(span: str) -> str:
    fence = len(span) - len(span.lstrip("`"))
    inner = span[fence:-fence]
    return inner[1:-1] if inner.startswith(" ") and inner.endswith(" ") and inner.strip() else inner


def _linked(markdown: str, name: str, link: Linker | None) -> str:
    href = link(name) if link is not None and "\n" not in name else None
    return f"[{markdown}]({href})" if href else markdown


def prose(text: str, link: Linker | None = None) -> str:
    """Spec prose as a Markdown block: printed as written, except that raw HTML shows as text and
    a code span naming a defined element links to it."""
    return "".join(
        _linked(piece, _code_content(piece), link) if is_code else piece.replace("<", "&lt;")
        for is_code, piece in _split_code(text.strip())
    )


def _cell_piece(is_code: bool, piece: str, link: Linker | None) -> str:
    if is_code:
        inner = _code_content(piece)
        return _linked(code(inner), inner, link)
    piece = piece.replace("\\|", "|")  # an author's escaped pipe: still just a pipe
    return (
        piece.replace("|", "&#124;").replace("<", "&lt;").replace(">", "&gt;").replace("`", "\\`")
    )


def cell(text: str, link: Linker | None = None) -> str:
    """Spec prose in one table cell: its Markdown kept, pipes, HTML and line breaks made harmless,
    code spans naming a defined element linked."""
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text.strip())]
    return "<br><br>".join(
        "".join(_cell_piece(*piece, link) for piece in _split_code(p)) for p in paragraphs if p
    )


@lru_cache(maxsize=None)
def slug(heading: str) -> str:
    """The id that mkdocs (python-markdown's toc) and GitHub both give a heading with this text."""
    text = unicodedata.normalize("NFKD", heading).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def fenced(text: str, language: str) -> str:
    """A fenced code block holding `text` literally, whatever backtick runs it contains."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text.rstrip(chr(10))}\n{fence}"


# Mermaid -------------------------------------------------------------------------------------------

_MERMAID_KEYWORDS = {
    "state",
    "end",
    "note",
    "direction",
    "class",
    "classdef",
    "style",
    "as",
    "click",
    "default",
}


def mermaid_label(text: str) -> str:
    """Text for a Mermaid label: characters that end a statement or open an entity as entity codes."""
    return "".join(f"#{ord(c)};" if c in '#;%"\n:' else c for c in str(text))


def mermaid_ids(statuses: Iterable[str]) -> dict[str, str]:
    """A Mermaid state id per status: the status itself where Mermaid accepts it, else s<n>."""
    ids = {}
    for index, name in enumerate(statuses):
        plain = (
            re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name) and name.lower() not in _MERMAID_KEYWORDS
        )
        ids[name] = name if plain else f"s{index}"
    return ids
