"""Running what the docs tests check: the taskbind CLI, mkdocs, a local HTTP server, the browser."""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

REPO = Path(__file__).resolve().parents[2]
NODE_MODULES = REPO / "tests" / "node" / "node_modules"
MERMAID_JS = NODE_MODULES / "mermaid" / "dist" / "mermaid.min.js"
DIAGRAM_SCRIPT = Path(__file__).parent / "diagram_text.cjs"
CHROMIUM = Path("/usr/bin/chromium")


def taskbind(command: str, out: Path, spec: Path, *args: str) -> subprocess.CompletedProcess:
    """`taskbind COMMAND --target docs`, run beside `out` so that no [tool.taskbind] applies."""
    argv = [command, "--out", str(out), "--spec", str(spec), "--target", "docs", *args]
    return subprocess.run(
        [sys.executable, "-m", "taskbind", *argv],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=out.parent,
    )


def generate_docs(out: Path, spec: Path, *args: str) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    result = taskbind("generate", out, spec, *args)
    assert result.returncode == 0, result.stderr
    return out / "docs"


def build_site(docs: Path, work: Path) -> Path:
    """`mkdocs build --strict` on a copy of `docs`, with mermaid.min.js copied in as a user would."""
    from conftest import require

    require("mermaid (npm)", MERMAID_JS.is_file(), "npm ci --prefix tests/node")
    copy = work / "docs"
    shutil.copytree(docs, copy)
    (copy / "pages" / "js").mkdir()
    shutil.copy(MERMAID_JS, copy / "pages" / "js" / "mermaid.min.js")
    site = work / "site"
    command = ["build", "--strict", "-f", str(copy / "mkdocs.yml"), "-d", str(site)]
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", *command],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return site


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@contextmanager
def served(directory: Path) -> Iterator[str]:
    """Serve `directory` on 127.0.0.1 (a free port) for the block; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def rendered_diagrams(url: str) -> dict:
    """Open `url` in headless Chromium; the labels of every Mermaid diagram drawn, and every URL
    the page requested (see diagram_text.cjs)."""
    from conftest import require

    require("chromium", CHROMIUM.is_file(), "sudo apt-get install -y chromium (or run tests/run.sh as root)")
    require("node", shutil.which("node") is not None, "install Node.js 18 or later")
    require("playwright-core (npm)", (NODE_MODULES / "playwright-core").is_dir(), "npm ci --prefix tests/node")
    result = subprocess.run(
        ["node", str(DIAGRAM_SCRIPT), url, str(CHROMIUM)],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "NODE_PATH": str(NODE_MODULES)},
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)
