"""The how-to pages: "Build a task server" and "Build a task client".

Their code blocks are programs for the generated Python package, so the facts that decide what
they show (can a task be paused, steered) are those the Python server view already computes
(python_server_view.ServerView): a build without `paused` shows no pause code, exactly as its
runtime has none. Templates test these flags; they never look for spec names.

Every ```python block carries `title="<file>"`: the file it belongs to. The blocks of one file,
in page order, are that program (tests/test_howto.py runs them).
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import ir
from . import python_server_view

SERVER_PAGE = "howto/server.md"
CLIENT_PAGE = "howto/client.md"


@dataclass(frozen=True)
class HowtoView:
    extension_id: str
    steerable: bool  # tasks/steer: checkpoint() returns the steer messages
    pausable: bool  # tasks/pause and tasks/resume: checkpoint() waits while paused
    server_page: str  # the other page, relative to the page that links it
    client_page: str
    lifecycle: str  # the lifecycle and error pages, relative to a how-to page
    errors: str


def has_howto(spec: ir.Spec) -> bool:
    """The how-to pages demonstrate the Tasks runtime: only a spec with a task lifecycle has one."""
    return spec.lifecycle is not None


def howto_view(spec: ir.Spec) -> HowtoView:
    server = python_server_view.build(spec)
    return HowtoView(
        extension_id=spec.extension_id,
        steerable=server.steerable,
        pausable=server.pausable,
        server_page="server.md",
        client_page="client.md",
        lifecycle="../lifecycle.md",
        errors="../errors.md",
    )
