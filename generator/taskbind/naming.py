"""Names the generator derives from the spec (envelope types), in one place.

validate checks that they clash with nothing; model creates the types under them.
"""

from __future__ import annotations

from typing import Any


def envelope_name(method: str, body: Any) -> str:
    """The JSON-RPC envelope type of a method: explicit, or the params name without "Params"."""
    if body.get("message"):
        return body["message"]
    params = body.get("params") or ""
    return params[: -len("Params")] if params.endswith("Params") else params + "Message"


def response_name(body: Any) -> str:
    return body.get("response") or f"{body['result']}Response"
