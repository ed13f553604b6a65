"""Line endings: every hash taskbind compares is taken over text with LF line endings.

A checkout with git's `core.autocrlf` (Windows) turns every LF of the spec, the templates, taskbind's
own code and the committed output into CRLF. YAML, Jinja and Python read both the same way, so the
output does not change; the hashes that decide whether anything changed must not change either.
"""

from __future__ import annotations


def lf(data: bytes) -> bytes:
    """`data` with CRLF and lone CR line endings turned into LF."""
    if b"\r" not in data:
        return data
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
