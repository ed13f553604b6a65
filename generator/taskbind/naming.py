"""Names the generator derives from the spec, in one place: envelope types, Python identifiers.

validate checks that derived names clash with nothing; model creates the types under them; the
views print the Python names. Nothing else derives a name.

The Python name of a method (client method, server handler, notification handler):

1. its `python_name:` when the spec gives one (validate checks it is an identifier, not a keyword,
   and unique);
2. a notification, `notifications/<rest>`, is `on_<rest>` with the segments joined by `_`, a segment
   that only repeats the previous one in the singular dropped: `notifications/tasks` -> `on_tasks`,
   `notifications/events/event` -> `on_event`, `notifications/events/active` -> `on_events_active`;
3. a request `<namespace>/<verb>` is verb first, then the namespace's object:
   - a plural namespace (`tasks`, `tools`, `events`) names the kind of object: in the singular when
     the verb acts on one (`tasks/get` -> `get_task`, `tools/call` -> `call_tool`), kept plural
     for the verbs that read a collection, COLLECTION_VERBS (`events/poll` -> `poll_events`,
     `tasks/list` -> `list_tasks`);
   - any other namespace is a subsystem or a vendor prefix, not an object, and is dropped
     (`acme/archive` -> `archive`, `server/discover` -> `discover`);
   - a method without a namespace is its own snake_case name.
Where the rule reads badly, the spec says `python_name:`; it is a rule for the common case, not an
attempt to understand English.
"""

from __future__ import annotations

import keyword
import re
import sys
from typing import Any

COLLECTION_VERBS = frozenset({"list", "poll", "stream"})
_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|[^A-Za-z0-9]+")


def envelope_name(method: str, body: Any) -> str:
    """The JSON-RPC envelope type of a method: explicit, or the params name without "Params"."""
    if body.get("message"):
        return body["message"]
    params = body.get("params") or ""
    return params[: -len("Params")] if params.endswith("Params") else params + "Message"


def response_name(body: Any) -> str:
    return body.get("response") or f"{body['result']}Response"


def snake_name(wire: str) -> str:
    """`taskId` -> `task_id`, `_meta` -> `meta`, `io.modelcontextprotocol/x` -> `io_modelcontextprotocol_x`."""
    name = "_".join(part.lower() for part in _BOUNDARY.split(wire) if part)
    name = name or "value"
    if name[0].isdigit():
        name = f"f_{name}"
    return f"{name}_" if keyword.iskeyword(name) else name


def _singular(word: str) -> str | None:
    """The singular of a plural namespace (`tasks` -> `task`), None when it is not one."""
    if word.endswith("s") and not word.endswith("ss") and len(word) > 1:
        return word[:-1]
    return None


def _notification_name(segments: list[str]) -> str:
    kept: list[str] = []
    for segment in segments:
        if kept and _singular(kept[-1]) == segment:
            kept[-1] = segment  # `events/event` says `event` once
        else:
            kept.append(segment)
    return "on_" + snake_name("_".join(kept))


def function_name(method: str, python_name: str | None = None) -> str:
    """The Python name of a method: `python_name` when given, else the rule in this module's doc."""
    if python_name:
        return python_name
    segments = [s for s in method.split("/") if s]
    if segments and segments[0] == "notifications" and len(segments) > 1:
        return _notification_name(segments[1:])
    if len(segments) < 2:
        return snake_name(method)
    namespace, verb = segments[0], snake_name("_".join(segments[1:]))
    singular = _singular(namespace)
    if singular is None:
        return verb
    noun = namespace if verb in COLLECTION_VERBS else singular
    return snake_name(f"{verb}_{noun}")


def is_python_identifier(name: str) -> bool:
    """A name a spec may give with `python_name:`: an identifier, not a keyword, not private."""
    return name.isidentifier() and not keyword.iskeyword(name) and not name.startswith("_")


PACKAGE_NAME = re.compile(r"[a-z_][a-z0-9_]*")


def package_name_problem(name: str) -> str | None:
    """Why `name` cannot be the generated package's import name, or None. The rule (spec/README.md,
    "Names"): lowercase ASCII letters, digits and `_`, not starting with a digit; not a Python
    keyword or soft keyword; not a standard-library module (`os`, `json`: the package would shadow
    it); not starting with `_`. The distribution name is the same with `-` for `_`."""
    if not name.isidentifier():
        return "is not a Python identifier"
    if not PACKAGE_NAME.fullmatch(name):
        return "is not a package name: lowercase ASCII letters, digits and _, not starting with a digit"
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        return "is a Python keyword"
    if name in sys.stdlib_module_names:
        return "is a standard-library module; the generated package would shadow it"
    if name.startswith("_"):
        return "starts with _ (a private name)"
    return None
