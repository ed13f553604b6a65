"""The docs target: Markdown reference pages and an mkdocs (Material) site, under docs/.

    docs/mkdocs.yml                 the site (docs_dir: pages; mkdocs wants it a child folder)
    docs/lifecycle.mmd              the lifecycle state diagram alone, for the README
    docs/pages/index.md             the extension, its modules, capability negotiation
    docs/pages/lifecycle.md         state diagram, statuses, transitions, accepted methods
    docs/pages/errors.md            every error code across modules
    docs/pages/add-a-target.md      how a further target (language) is added to taskbind
    docs/pages/howto/server.md      how-to: build a task server on the official SDK (runnable code)
    docs/pages/howto/client.md      how-to: build a task client on the official SDK (runnable code)
    docs/pages/interop.md           the peers the bindings are tested with, and each leniency
    docs/pages/reference/<m>.md     methods and notifications of module m, with their examples
    docs/pages/types/<m>.md         every named type of module m, one heading (anchor) each

This module builds the index and error pages and assembles the target; docs_reference builds the
module and type pages, docs_lifecycle the lifecycle page, docs_howto what the how-to pages show,
docs_common the links, rows and examples
they share, markdown the escaping. Every table cell, link and diagram line is computed in Python;
templates only print. Spec text is Markdown: paragraphs print it as written (raw HTML excepted),
table cells get a table-safe form. Anchors are the slugs python-markdown's toc and GitHub both
derive from a heading, so the pages work on the site and when browsed on GitHub.

mermaid.min.js is deliberately not an output: mkdocs.yml loads pages/js/mermaid.min.js, which whoever
builds the site copies from the npm package `mermaid` (see tests/node). As an output it would
make `taskbind generate` and `check` depend on npm.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .. import ir
from .context import GenerationContext
from .docs_common import (
    Links,
    Row,
    Table,
    index_examples,
    modules_with_types,
    reference_page,
    remark_paragraphs,
    source_cell,
    type_table,
    types_page,
)
from .docs_howto import CLIENT_PAGE, SERVER_PAGE, has_howto, howto_view
from .docs_lifecycle import lifecycle_page
from .docs_reference import module_page, type_sections
from .markdown import code, escape_text

PAGES = "docs/pages"
INTEROP_PAGE = "interop.md"  # tested peers and leniencies: about the generated package's runtime
MERMAID_SCRIPT = "js/mermaid.min.js"  # relative to PAGES; copied in, never generated
STYLESHEET = "css/taskbind.css"  # relative to PAGES
ADD_TARGET = "add-a-target.md"  # how another language is added: the same for every spec


# The index and the error codes ---------------------------------------------------------------------


@dataclass(frozen=True)
class CapabilitySection:
    heading: str
    module: str
    maturity: str
    description: str
    client: str
    server: str
    settings: str | None
    settings_table: Table | None
    gated: tuple[Row, ...]  # method, setting that enables it, maturity


def capability_section(spec: ir.Spec, c: ir.Capability, links: Links) -> CapabilitySection:
    settings = spec.type(c.settings) if c.settings else None
    has_fields = isinstance(settings, ir.ObjectType) and settings.fields
    return CapabilitySection(
        heading=code(c.id),
        module=links.module(c.provenance.module),
        maturity=c.provenance.maturity,
        description=links.prose(c.description),
        client=escape_text(c.client) if c.client else "",
        server=links.method(c.server) if c.server else "",
        settings=links.type(c.settings) if c.settings else None,
        settings_table=type_table(settings, links) if has_fields else None,
        gated=tuple(
            (links.method(m.name), code(m.setting) if m.setting else "—", m.provenance.maturity)
            for m in spec.methods
            if m.capability == c.id
        ),
    )


def extension_module(spec: ir.Spec) -> ir.Module | None:
    """The module that defines the extension's own capability: its description says what it is."""
    owner = next(
        (c.provenance.module for c in spec.capabilities if c.id == spec.extension_id), None
    )
    return spec.module(owner) if owner else None


def index_values(spec: ir.Spec) -> dict[str, object]:
    links = Links(spec, "index.md")
    owner = extension_module(spec)
    typed = modules_with_types(spec)
    return {
        "title": escape_text(spec.title),
        "overview": links.prose(owner.description) if owner else "",
        "modules": tuple(
            (
                links.module(m.name),
                escape_text(m.title),
                m.maturity,
                escape_text(m.source),
                ", ".join(links.module(r) for r in m.requires) or "—",
                f"[types]({links.to(types_page(m.name))})" if m.name in typed else "—",
            )
            for m in spec.modules
        ),
        "capabilities": tuple(capability_section(spec, c, links) for c in spec.capabilities),
        "has_lifecycle": spec.lifecycle is not None,
        "has_howto": has_howto(spec),
    }


@dataclass(frozen=True)
class ErrorSection:
    heading: str
    code: int
    message: str
    data: str | None
    maturity: str
    source: str
    description: str
    remarks: str
    raised_by: tuple[Row, ...]  # method, condition
    answers_removed: str  # removed methods a peer answers with this error
    refuses: bool  # the lifecycle's refusal error


def error_sections(spec: ir.Spec) -> tuple[ErrorSection, ...]:
    links = Links(spec, "errors.md")
    refusal = spec.lifecycle.refusal_error if spec.lifecycle else None
    return tuple(
        ErrorSection(
            heading=e.name,
            code=e.code,
            message=escape_text(e.message),
            data=links.type(e.data) if e.data else None,
            maturity=e.provenance.maturity,
            source=source_cell(e.provenance, e.provenance.module),
            description=links.prose(e.description),
            remarks=remark_paragraphs(e.provenance, links),
            raised_by=tuple(
                (links.method(m.name), links.cell(me.condition))
                for m in spec.methods
                for me in m.errors
                if me.error == e.name
            ),
            answers_removed=", ".join(
                code(r.name) for r in spec.removed_methods if r.error == e.name
            ),
            refuses=e.name == refusal,
        )
        for e in sorted(spec.errors, key=lambda e: -e.code)
    )


def error_summary(spec: ir.Spec) -> tuple[Row, ...]:
    links = Links(spec, "errors.md")
    return tuple(
        (
            code(e.code),
            links.error(e.name),
            escape_text(e.message),
            links.type(e.data) if e.data else "—",
            links.module(e.provenance.module),
            e.provenance.maturity,
        )
        for e in sorted(spec.errors, key=lambda e: -e.code)
    )


# The target ----------------------------------------------------------------------------------------


def nav(spec: ir.Spec) -> dict[str, object]:
    """The site's navigation; titles as JSON strings, which YAML reads as they are."""
    return {
        "site_name": json.dumps(spec.title, ensure_ascii=False),
        "reference": tuple((json.dumps(m.name), reference_page(m.name)) for m in spec.modules),
        "types": tuple((json.dumps(name), types_page(name)) for name in modules_with_types(spec)),
        "has_lifecycle": spec.lifecycle is not None,
        "howto": (SERVER_PAGE, CLIENT_PAGE) if has_howto(spec) else (),
        "interop": INTEROP_PAGE if has_howto(spec) else None,
        "mermaid_script": MERMAID_SCRIPT,
        "stylesheet": STYLESHEET,
    }


def emit(context: GenerationContext) -> dict[str, str]:
    spec, md = context.spec, "markdown"
    examples = index_examples(spec)
    files = {
        "docs/mkdocs.yml": context.render("docs/mkdocs.yml.j2", "yaml", **nav(spec)),
        # context.header_line knows no CSS comment style; the template frames the header itself.
        f"{PAGES}/{STYLESHEET}": context.templates.get_template("docs/taskbind.css.j2").render(
            header_text=context.header_text
        ),
        f"{PAGES}/index.md": context.render(
            "docs/index.md.j2", md, npm_package=context.npm_package, **index_values(spec)
        ),
        f"{PAGES}/{ADD_TARGET}": context.render("docs/add_target.md.j2", md),
        f"{PAGES}/errors.md": context.render(
            "docs/errors.md.j2", md, summary=error_summary(spec), errors=error_sections(spec)
        ),
    }
    if spec.lifecycle is not None:
        page = lifecycle_page(spec)
        files[f"{PAGES}/lifecycle.md"] = context.render("docs/lifecycle.md.j2", md, page=page)
        files["docs/lifecycle.mmd"] = f"%% {context.header_text}\n{page.diagram}"
    if has_howto(spec):
        howto = howto_view(spec)
        files[f"{PAGES}/{SERVER_PAGE}"] = context.render("docs/howto_server.md.j2", md, howto=howto)
        files[f"{PAGES}/{CLIENT_PAGE}"] = context.render("docs/howto_client.md.j2", md, howto=howto)
        files[f"{PAGES}/{INTEROP_PAGE}"] = context.render("docs/interop.md.j2", md, howto=howto)
    for module in spec.modules:
        page = module_page(spec, module, examples)
        files[f"{PAGES}/{reference_page(module.name)}"] = context.render(
            "docs/reference.md.j2", md, page=page
        )
    for name in modules_with_types(spec):
        files[f"{PAGES}/{types_page(name)}"] = context.render(
            "docs/types.md.j2",
            md,
            module=spec.module(name),
            types=type_sections(spec, name, examples),
            reference=f"../{reference_page(name)}",
        )
    return files
