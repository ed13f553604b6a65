"""The docs target: the Markdown it writes, the mkdocs site built from it, the diagram a browser draws.

Needs, beyond the Python test dependencies: `npm ci --prefix tests/node` (the npm package `mermaid`,
whose script the site bundles, and `playwright-core`, which drives the browser) and Debian's
chromium (`apt-get install -y chromium`). Every list of elements checked here comes from the IR of
the bundled spec, never from a hand-written list.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import json
from collections import Counter

import markdown
import pytest
import yaml
from markdown_it import MarkdownIt

from conftest import REPO, SPEC_DIR
from docs_helpers.html_index import index_html, is_external, resolve
from docs_helpers.site import build_site, generate_docs, rendered_diagrams, served, taskbind
from taskbind.emitters.docs_common import reference_page, types_page
from taskbind.emitters.markdown import cell, code, escape_text, mermaid_ids, mermaid_label, slug
from taskbind.load import load_spec
from taskbind.model import build_model

SPEC = build_model(load_spec(SPEC_DIR))
CORE_ONLY = build_model(load_spec(SPEC_DIR), ["core"])


@pytest.fixture(scope="module")
def docs(tmp_path_factory) -> Path:
    return generate_docs(tmp_path_factory.mktemp("generated"), SPEC_DIR)


@pytest.fixture(scope="module")
def pages(docs) -> dict[str, str]:
    return {
        p.relative_to(docs / "pages").as_posix(): p.read_text("utf-8")
        for p in (docs / "pages").rglob("*.md")
    }


@pytest.fixture(scope="module")
def site(docs, tmp_path_factory) -> Path:
    return build_site(docs, tmp_path_factory.mktemp("site"))


def html_page(site: Path, markdown_page: str):
    return index_html((site / markdown_page.replace(".md", ".html")).read_text("utf-8"))


# Spec text in Markdown: one small function each, checked on both renderers ------------------------

NASTY = [
    "a | b || c",
    "x*y*z and **not bold**",
    "_under_ score__d__",
    "<T> & <script>alert(1)</script> &amp;",
    "`tick` and ``double ` tick`` and a lone ` one",
    "line\nbreak\n\nnew paragraph",
    "back\\slash \\| escaped pipe \\",
    "[not](a-link) ![nor](an-image)",
    "# not a heading",
    "list<string> | map<Task>",
    "`a|b` in code",
]


def rendered_cells(middle: str) -> list:
    """The middle cell of a one-row table, as python-markdown (mkdocs) and markdown-it (GFM) render it."""
    source = f"| left | middle | right |\n|---|---|---|\n| l | {middle} | r |\n"
    outputs = [
        markdown.markdown(source, extensions=["tables"]),
        MarkdownIt("commonmark").enable("table").render(source),
    ]
    rows = [index_html(html).rows[1] for html in outputs]
    assert all(len(row) == 3 and row[0].text == "l" and row[2].text == "r" for row in rows), (
        middle,
        outputs,
    )
    return [row[1] for row in rows]


@pytest.mark.parametrize("text", NASTY)
def test_escaped_text_prints_exactly_as_written(text):
    for rendered in rendered_cells(escape_text(text)):
        assert rendered.text == " ".join(text.split())
        assert rendered.tags == set()


@pytest.mark.parametrize("text", NASTY)
def test_code_span_shows_exactly_the_text(text):
    flat = " ".join(text.splitlines())
    for rendered in rendered_cells(code(text)):
        assert rendered.codes == [(flat, None)]
        assert rendered.text == flat


@pytest.mark.parametrize("text", NASTY)
def test_prose_cell_keeps_its_markdown_and_never_breaks_the_table(text):
    for rendered in rendered_cells(cell(text)):
        assert rendered.tags <= {
            "code",
            "em",
            "strong",
            "br",
            "a",
            "img",
        }  # Markdown, never raw HTML


def test_prose_cell_shows_html_and_pipes_as_text_and_code_exactly():
    html_cell, gfm_cell = rendered_cells(cell("a | b <T> `x|y` *em*"))
    for rendered in (html_cell, gfm_cell):
        assert rendered.text == "a | b <T> x|y em"
        assert rendered.codes == [("x|y", None)]


def test_prose_cell_links_code_spans_that_name_a_definition():
    linked = cell(
        "see `Task` and `other`", lambda name: "types/core.md#task" if name == "Task" else None
    )
    assert linked == "see [`Task`](types/core.md#task) and `other`"


@pytest.mark.parametrize(
    "heading",
    [
        "`tasks/get`",
        "TaskStatus",
        "`io.modelcontextprotocol/tasks`",
        "input_required x",
        "Error codes",
        "A -- B",
    ],
)
def test_slug_is_the_id_mkdocs_gives_the_heading(heading):
    html = markdown.markdown(f"## {heading}", extensions=["toc"])
    assert f'id="{slug(heading.replace("`", ""))}"' in html


def test_mermaid_labels_and_ids_survive_any_name():
    assert mermaid_label('a;b#c:d"e%') == "a#59;b#35;c#58;d#34;e#37;"
    assert mermaid_ids(["working", "end", "in-progress", "input_required"]) == {
        "working": "working",
        "end": "s1",
        "in-progress": "s2",
        "input_required": "input_required",
    }


# The pages, checked against the IR ----------------------------------------------------------------


def test_every_generated_file_starts_with_the_header(docs):
    for path in docs.rglob("*"):
        if path.is_file():
            first = path.read_text("utf-8").splitlines()[0]
            assert re.match(r"^(<!-- |# |%% |/\* )Generated by taskbind ", first), path


@pytest.mark.node  # the site loads mermaid from tests/node
def test_every_method_type_and_error_has_its_anchor(site):
    for module in SPEC.module_names:
        reference_ids = html_page(site, reference_page(module)).ids
        assert {
            slug(m.name) for m in SPEC.methods if m.provenance.module == module
        } <= reference_ids
        assert {
            slug(r.name) for r in SPEC.removed_methods if r.provenance.module == module
        } <= reference_ids
        types = {slug(t.name) for t in SPEC.types if t.provenance.module == module}
        if types:  # a module that defines no type gets no types page
            assert types <= html_page(site, types_page(module)).ids
    errors = html_page(site, "errors.md")
    assert {slug(e.name) for e in SPEC.errors} <= errors.ids
    summary = {row[0].text: row[1].text for row in errors.rows if len(row) == 6}
    assert {str(e.code): e.name for e in SPEC.errors}.items() <= summary.items()


def table(page, header: list[str]) -> list[list[str]]:
    """The body rows (cell texts) of the table of `page` whose header row is `header`."""
    rows, found = [], False
    for row in page.rows:
        texts = [c.text.strip() for c in row]
        if texts == header:
            found, rows = True, []
        elif found and len(texts) == len(header) and texts[0] != header[0]:
            rows.append(texts)
    assert found, header
    return rows


@pytest.mark.node  # the site loads mermaid from tests/node
def test_lifecycle_page_lists_every_status_transition_and_accepted_method(site):
    lifecycle = SPEC.lifecycle
    page = html_page(site, "lifecycle.md")
    statuses = table(page, ["Status", "Terminal", "Initial", "Meaning", "Maturity", "Source"])
    assert [(r[0], r[1], r[4]) for r in statuses] == [
        (s.name, "yes" if s.terminal else "no", s.provenance.maturity) for s in lifecycle.statuses
    ]
    transitions = table(page, ["From", "To", "Trigger", "Maturity", "Source"])
    assert [tuple(r[:4]) for r in transitions] == [
        (
            t.source,
            t.target,
            "the server" if t.trigger == "server" else t.trigger,
            t.provenance.maturity,
        )
        for t in lifecycle.transitions
    ]
    methods = list(lifecycle.governed_methods)
    accepts = table(page, ["Status", *methods])
    assert [[cell_text.startswith("accepted") for cell_text in r[1:]] for r in accepts] == [
        [m in s.accepts for m in methods] for s in lifecycle.statuses
    ]


def test_every_example_is_printed_literally_and_invalid_ones_are_labelled(pages):
    everything = "\n".join(pages.values())
    labels = {
        m[2]: m[1]
        for m in re.finditer(r"^\*\*(Example|Invalid):\*\* `([^`]+)` · ", everything, re.M)
    }
    for ex in SPEC.examples:
        assert ex.json_text.rstrip("\n") in everything, ex.name
        assert labels.get(ex.name) == ("Example" if ex.valid else "Invalid"), ex.name


@pytest.mark.node  # the site loads mermaid from tests/node
def test_every_internal_link_resolves(site):
    checked = 0
    indexes: dict[Path, set[str]] = {}
    # 404.html is served at any path, so Material links it from the site's root: not a relative page.
    for page in sorted(p for p in site.rglob("*.html") if p.name != "404.html"):
        for href in index_html(page.read_text("utf-8")).hrefs:
            if is_external(href):
                continue
            target, fragment = resolve(page.resolve(), href)
            assert target.is_file(), f"{page.relative_to(site)}: {href}"
            if fragment and target.suffix == ".html":
                if target not in indexes:
                    indexes[target] = index_html(target.read_text("utf-8")).ids
                assert fragment in indexes[target], f"{page.relative_to(site)}: {href}"
            checked += 1
    assert checked > 1000


@pytest.mark.node  # the site loads mermaid from tests/node
def test_every_type_named_in_a_table_links_to_its_definition(site):
    names = {t.name: t.provenance.module for t in SPEC.types}
    mentions = 0
    for page in sorted(site.rglob("*.html")):
        for row in index_html(page.read_text("utf-8")).rows:
            for cell_ in row:
                for text, href in cell_.codes:
                    if text in names:
                        definition = (
                            site / types_page(names[text]).replace(".md", ".html")
                        ).resolve(), slug(text)
                        assert (
                            href is not None and resolve(page.resolve(), href) == definition
                        ), f"{page.relative_to(site)}: {text} -> {href}"
                        mentions += 1
    assert mentions > len(names)


def test_lifecycle_diagram_draws_every_status_and_trigger(docs):
    lifecycle = SPEC.lifecycle
    diagram = (docs / "lifecycle.mmd").read_text("utf-8")
    body = diagram.split("\n", 1)[1]
    assert body in (docs / "pages" / "lifecycle.md").read_text("utf-8")  # the page draws the same
    edges = {
        (m[1], m[2]): m[3] for m in re.finditer(r"^    (\S+) --> (\S+) : (.*)$", diagram, re.M)
    }
    for t in lifecycle.transitions:
        label = edges[(t.source, t.target)]
        assert t.trigger in label
        if t.provenance.maturity != "final":
            assert f"({t.provenance.maturity})" in label
    for s in lifecycle.statuses:
        assert re.search(rf"\b{s.name}\b", diagram)
        if s.provenance.maturity != "final":
            assert re.search(
                rf"^    class (\S+,)*{s.name}(,\S+)* {s.provenance.maturity}$", diagram, re.M
            ), s.name


# A second route to what the docs must show: the YAML itself (yaml.safe_load), not taskbind's model,
# so that an element the model drops cannot vanish from both the docs and the expectations.


def raw_modules() -> dict[str, dict]:
    names = yaml.safe_load((SPEC_DIR / "taskbind.yaml").read_text("utf-8"))["modules"]
    return {m: yaml.safe_load((SPEC_DIR / "modules" / f"{m}.yaml").read_text("utf-8")) for m in names}


def raw_lifecycle() -> tuple[list[str], list[tuple[str, str, str]]]:
    """Statuses and (from, to, trigger) of every module: `lifecycle`, or `extend: lifecycle`."""
    statuses, transitions = [], []
    for document in raw_modules().values():
        for section in (document.get("lifecycle"), (document.get("extend") or {}).get("lifecycle")):
            if section:
                statuses += list(section.get("statuses", {}))
                transitions += [(t["from"], t["to"], t["trigger"]) for t in section.get("transitions", [])]
    return statuses, transitions


def test_the_lifecycle_docs_hold_against_the_yaml(docs):
    statuses, transitions = raw_lifecycle()
    assert [s.name for s in SPEC.lifecycle.statuses] == statuses
    assert Counter((t.source, t.target, t.trigger) for t in SPEC.lifecycle.transitions) == Counter(
        transitions
    )
    diagram = (docs / "lifecycle.mmd").read_text("utf-8")
    edges = {(m[1], m[2]): m[3] for m in re.finditer(r"^    (\S+) --> (\S+) : (.*)$", diagram, re.M)}
    for source, target, trigger in transitions:
        assert trigger in edges[(source, target)], (source, target, trigger)
    page = (docs / "pages" / "lifecycle.md").read_text("utf-8")
    for status in statuses:
        assert re.search(rf"\b{status}\b", diagram) and f"`{status}`" in page, status


def test_every_example_of_the_yaml_is_in_the_docs(pages):
    everything = "\n".join(pages.values())
    raw = []
    for module in raw_modules():
        raw += yaml.safe_load((SPEC_DIR / "examples" / f"{module}.yaml").read_text("utf-8")) or []
    assert sorted(e["name"] for e in raw) == sorted(e.name for e in SPEC.examples)
    for entry in raw:
        json.loads(entry["json"])  # well-formed: what the page prints is the wire text
        label = "Example" if entry.get("valid", True) else "Invalid"
        assert f"**{label}:** `{entry['name']}` · " in everything, entry["name"]
        assert entry["json"].rstrip("\n") in everything, entry["name"]


def test_readme_shows_the_generated_lifecycle_diagram(docs):
    readme = (REPO / "README.md").read_text("utf-8")
    blocks = re.findall(r"^```mermaid\n(.*?)^```", readme, re.M | re.S)
    if not blocks:
        pytest.skip("README.md shows no lifecycle diagram")

    def statements(diagram: str) -> list[str]:
        return [
            line.strip()
            for line in diagram.splitlines()
            if line.strip() and not line.strip().startswith("%%")
        ]

    assert statements(blocks[0]) == statements((docs / "lifecycle.mmd").read_text("utf-8"))


# Subsets, staleness, and the browser --------------------------------------------------------------


def test_docs_of_core_alone_have_no_trace_of_other_modules(tmp_path):
    docs = generate_docs(tmp_path / "generated", SPEC_DIR, "--modules", "core")
    text = "\n".join(p.read_text("utf-8") for p in docs.rglob("*") if p.is_file())
    for word in ("paused", "steer", "parentTaskId", "eventSource"):
        assert word.lower() not in text.lower(), word
    selected = set(CORE_ONLY.module_names)
    foreign = [m.name for m in SPEC.methods if m.provenance.module not in selected]
    foreign += [t.name for t in SPEC.types if t.provenance.module not in selected]
    foreign += [f"reference/{m}.md" for m in SPEC.module_names if m not in selected]
    assert foreign, "the bundled spec has modules beyond core"
    word = r"(?<![\w/]){}(?![\w/])"
    assert [name for name in foreign if re.search(word.format(re.escape(name)), text)] == []
    diagram_states = set(
        re.findall(r"^    (\w+) --> ", (docs / "lifecycle.mmd").read_text("utf-8"), re.M)
    ) - {"[*]"}
    assert diagram_states <= {s.name for s in CORE_ONLY.lifecycle.statuses}
    build_site(docs, tmp_path)  # links of a subset resolve too


def test_a_changed_description_makes_the_docs_stale_until_regenerated(tmp_path):
    spec = tmp_path / "spec"
    shutil.copytree(SPEC_DIR, spec)
    out = tmp_path / "generated"
    generate_docs(out, spec)
    assert taskbind("check", out, spec).returncode == 0

    module = spec / "modules" / "core.yaml"
    before = "Reads a task. A pure, idempotent read"
    after = "Reads | one <task> *now*. A pure, idempotent read"
    assert before in module.read_text("utf-8")
    module.write_text(module.read_text("utf-8").replace(before, after), "utf-8")
    # In a paragraph, spec text keeps its Markdown; raw HTML shows as text.
    printed = "Reads | one &lt;task> *now*."

    stale = taskbind("check", out, spec)
    assert stale.returncode == 1
    assert "+++ b/docs/pages/reference/core.md" in stale.stdout and printed in stale.stdout
    generate_docs(out, spec)
    assert taskbind("check", out, spec).returncode == 0
    assert printed in (out / "docs" / "pages" / "reference" / "core.md").read_text("utf-8")


@pytest.mark.browser
@pytest.mark.node
def test_lifecycle_diagram_renders_offline_in_headless_chromium(site):
    with served(site) as base:
        report = rendered_diagrams(f"{base}/lifecycle.html")
    [diagram] = report["diagrams"]
    assert {label for label in diagram["nodes"] if label} == {
        s.name for s in SPEC.lifecycle.statuses
    }
    drawn_edges = " ".join(diagram["edges"])
    assert all(t.trigger in drawn_edges for t in SPEC.lifecycle.transitions)
    assert any("(proposed)" in label for label in diagram["edges"]) == any(
        t.provenance.maturity == "proposed" for t in SPEC.lifecycle.transitions
    )
    # Everything, mermaid.min.js included, came from the local server: no CDN, no web font.
    assert [url for url in report["requested"] if not url.startswith(f"{base}/")] == []
    assert f"{base}/js/mermaid.min.js" in report["requested"]
