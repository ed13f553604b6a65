"""A cache of datamodel-code-generator's output, by content hash.

datamodel-code-generator is most of a cold `generate` (about 1.5 ms per class: 6-7 of about 10 s at
1,000 synthetic methods, docs/performance.md), and its output depends only on the models schema and
the settings taskbind calls it with. So a generate whose types did not change (a template, a target,
the docs, another output directory) reuses the last output for the same key instead of running it.

The key is a SHA-256 of the schema text, the source of the module that holds the settings
(taskbind.emitters.python_models), and the versions of datamodel-code-generator, pydantic and
Python: anything that could change the output changes the key. Entries live in memory (a few, for
repeated generations in one process, as the test suite does) and on disk, in
`$TASKBIND_CACHE_DIR`, else `$XDG_CACHE_HOME/taskbind`, else `~/.cache/taskbind`; the newest
`_KEEP` files are kept. `TASKBIND_CACHE_DIR=` (set, empty) turns the disk cache off, as the
benchmark's cold rows do. Every entry carries the hash of its text; one that does not match it
(truncated, edited) is ignored. A cache that cannot be read or written is skipped, silently: it
only ever saves time.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from collections import OrderedDict
from pathlib import Path

_KEEP = 16  # files on disk; each is the raw models module (about 1 MB at 1,000 extra methods)
_MEMORY_KEEP = 4
_memory: OrderedDict[str, str] = OrderedDict()
_PREFIX = "dcg-"


def _versions() -> str:
    from importlib import metadata

    names = ("datamodel-code-generator", "pydantic")
    return ";".join(f"{n}={metadata.version(n)}" for n in names) + f";python={sys.version_info[:2]}"


def key(schema_text: str, settings: bytes) -> str:
    digest = hashlib.sha256()
    for part in (schema_text.encode("utf-8"), settings, _versions().encode()):
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def directory() -> Path | None:
    """Where the disk cache lives, or None when it is off."""
    configured = os.environ.get("TASKBIND_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "taskbind"


def _checked(text: str) -> str | None:
    head, _, body = text.partition("\n")
    return body if head == hashlib.sha256(body.encode("utf-8")).hexdigest() else None


def get(cache_key: str) -> str | None:
    if cache_key in _memory:
        _memory.move_to_end(cache_key)
        return _memory[cache_key]
    root = directory()
    if root is None:
        return None
    try:
        text = (root / f"{_PREFIX}{cache_key}.py").read_text("utf-8")
    except (OSError, UnicodeError):
        return None
    body = _checked(text)
    if body is not None:
        _remember(cache_key, body)
    return body


def _remember(cache_key: str, code: str) -> None:
    _memory[cache_key] = code
    _memory.move_to_end(cache_key)
    while len(_memory) > _MEMORY_KEEP:
        _memory.popitem(last=False)


def put(cache_key: str, code: str) -> None:
    _remember(cache_key, code)
    root = directory()
    if root is None:
        return
    try:
        root.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=root, prefix=".tmp-", suffix=".py")
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as file:
            file.write(hashlib.sha256(code.encode("utf-8")).hexdigest() + "\n" + code)
        os.replace(temporary, root / f"{_PREFIX}{cache_key}.py")
        entries = sorted(root.glob(f"{_PREFIX}*.py"), key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in entries[_KEEP:]:
            stale.unlink(missing_ok=True)
    except OSError:
        return


def clear_memory() -> None:
    """Forget the in-memory entries (the disk cache stays): for measuring a cold run in process."""
    _memory.clear()
