"""Build the documentation site: generated/docs -> generated/docs/site (Material for MkDocs).

    .venv/bin/pip install -q -e '.[docs]'
    .venv/bin/python tools/build_docs.py

The site renders offline: the one script it needs, Mermaid's, is copied into the pages. It comes
from the npm package `mermaid` alone (`npm pack` fetches the one tarball, verified against the
registry's integrity hash, without its dependencies), pinned here to the version the test suite's
browser check uses (tests/node/package.json), and is cached under generated/docs/pages/js/
(git-ignored), so a second build needs no network.

Options: --docs DIR (default generated/docs), --site DIR (default DIR/site).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

MERMAID_VERSION = "11.17.2"
REPO = Path(__file__).resolve().parent.parent
SCRIPT_IN_PACKAGE = "package/dist/mermaid.min.js"
VERSION_MARK = ".mermaid-version"


def fetch_mermaid(destination: Path) -> None:
    """Put mermaid.min.js of MERMAID_VERSION at `destination`, unless it is already there."""
    mark = destination.parent / VERSION_MARK
    if destination.is_file() and mark.is_file() and mark.read_text("utf-8").strip() == MERMAID_VERSION:
        return
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("build_docs: npm is needed once, to fetch the mermaid package (install Node.js 18+)")
    with tempfile.TemporaryDirectory(prefix="taskbind-mermaid-") as scratch:
        packed = subprocess.run(
            [npm, "pack", "--silent", f"mermaid@{MERMAID_VERSION}", "--pack-destination", scratch],
            capture_output=True,
            text=True,
        )
        if packed.returncode != 0:
            sys.exit(f"build_docs: npm pack mermaid@{MERMAID_VERSION} failed:\n{packed.stderr}")
        [tarball] = Path(scratch).glob("mermaid-*.tgz")
        with tarfile.open(tarball) as archive:
            member = archive.getmember(SCRIPT_IN_PACKAGE)
            source = archive.extractfile(member)
            assert source is not None
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(source.read())
    mark.write_text(MERMAID_VERSION + "\n", "utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the documentation site (mkdocs, offline Mermaid).")
    parser.add_argument("--docs", type=Path, default=REPO / "generated" / "docs", help="the generated docs folder")
    parser.add_argument("--site", type=Path, default=None, help="where the site goes (default: DOCS/site)")
    args = parser.parse_args(argv)
    config = args.docs / "mkdocs.yml"
    if not config.is_file():
        sys.exit(f"build_docs: {config} is missing: run `taskbind generate` (with the docs target) first")
    fetch_mermaid(args.docs / "pages" / "js" / "mermaid.min.js")
    site = args.site or args.docs / "site"
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f", str(config), "-d", str(site)]
    built = subprocess.run(command, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    if built.returncode != 0:
        return built.returncode
    print(f"site built: {site / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
