"""What the tests need to know about a built HTML page: its ids, its links, its tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


@dataclass
class Cell:
    text: str = ""
    tags: set[str] = field(default_factory=set)  # every element inside the cell
    codes: list[tuple[str, str | None]] = field(default_factory=list)  # (code text, enclosing link)


@dataclass
class PageIndex:
    ids: set[str] = field(default_factory=set)
    hrefs: list[str] = field(default_factory=list)
    rows: list[list[Cell]] = field(default_factory=list)  # every table row, header rows included


class _Indexer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = PageIndex()
        self.stack: list[tuple[str, dict[str, str | None]]] = []
        self.cell: Cell | None = None
        self.code: list[str] | None = None

    def _link(self) -> str | None:
        return next((attrs.get("href") for tag, attrs in reversed(self.stack) if tag == "a"), None)

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = dict(attrs_list)
        for key in ("id", "name"):
            if attrs.get(key) and (key == "id" or tag == "a"):
                self.page.ids.add(attrs[key])
        if tag == "a" and attrs.get("href") is not None:
            self.page.hrefs.append(attrs["href"])
        if tag == "tr":
            self.page.rows.append([])
        elif tag in ("td", "th"):
            self.cell = Cell()
            self.page.rows[-1].append(self.cell)
        elif self.cell is not None:
            self.cell.tags.add(tag)
        if tag == "code" and self.cell is not None:
            self.code = []
        if tag not in _VOID:
            self.stack.append((tag, attrs))

    def handle_endtag(self, tag: str) -> None:
        if tag == "code" and self.code is not None and self.cell is not None:
            self.cell.codes.append(("".join(self.code), self._link()))
            self.code = None
        if tag in ("td", "th"):
            self.cell = None
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.text += data
        if self.code is not None:
            self.code.append(data)


def index_html(html: str) -> PageIndex:
    indexer = _Indexer()
    indexer.feed(html)
    indexer.close()
    return indexer.page


def is_external(href: str) -> bool:
    parts = urlsplit(href)
    return bool(parts.scheme or parts.netloc)


def resolve(page: Path, href: str) -> tuple[Path, str]:
    """The file and the fragment a relative href of `page` points to."""
    parts = urlsplit(href)
    target = page if not parts.path else (page.parent / unquote(parts.path)).resolve()
    if target.is_dir():
        target = target / "index.html"
    return target, unquote(parts.fragment)
