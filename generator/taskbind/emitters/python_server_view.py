"""Facts the Python server templates print: which requests the server handles, and which runtime
features this build has.

The runtime is module-gated: a build without `paused` has no pause code at all. Templates test
the flags computed here (`{% if py.server.pausable %}`) instead of looking for names themselves,
so that "which spec element turns a feature on" is decided in this one place.

The server templates implement the Tasks extension, so they need the roles it declares: the
lifecycle, the task, the create-task result and the request `_meta` that carries the client's
capabilities (python_view.REQUIRED_ROLES; the target refuses a selection without them).
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import ir
from ..naming import function_name
from .negotiation import events_capability
from .python_client_view import exception_name


@dataclass(frozen=True)
class HandlerView:
    """One client-to-server request the generated server base class has a handler for."""

    method: ir.Method
    function: str  # the handler's name, the same as the client's method: `tasks/get` -> get_task
    params: str  # params model class name
    result: str  # result model class name


@dataclass(frozen=True)
class ServerView:
    handlers: tuple[HandlerView, ...]
    settings: tuple[str, ...]  # capability settings that switch methods on (`steer`, `pause`)
    capability_meta_key: str  # the request `_meta` key that carries the client's capabilities
    required_capabilities: dict[str, dict]  # capability id -> `data.requiredCapabilities` of -32021
    errors: dict[str, str]  # spec error name -> its exception class in errors.py
    missing_capability: str  # exception class for "the request did not declare the capability"
    refusal: str  # exception class for "a task in this status does not accept this method"
    internal_error: str  # exception class of the internal-error role
    invalid_params: str  # exception class of the invalid-params role
    task_result_type: str  # `resultType` of a CreateTaskResult
    complete_result_type: str  # `resultType` of every other result the server returns
    pausable: bool  # status `paused` with tasks/pause and tasks/resume
    steerable: bool  # tasks/steer
    subtasks: bool  # Task.parentTaskId / Task.childTaskIds
    children_terminal_first: bool  # invariant rule: a parent ends only after its children
    cancel_propagates: bool  # invariant rule: an accepted cancel reaches every child
    events: bool  # a per-task event source (events/poll, events/stream, eventSource)
    event_stream: bool  # events/stream and its notifications
    push: bool  # task status notifications on a listen stream, filtered by task ids
    events_capability: str | None  # what a client declares to receive event sources
    invariant_rules: tuple[str, ...]  # every invariant rule of the spec, for custom templates


def extension_modules(spec: ir.Spec) -> frozenset[str]:
    """The module that defines the extension's capability and every module built on it.

    Their requests are the server's to handle; the vendored core (`tools/call`,
    `server/discover`) belongs to the host SDK.
    """
    root = next((c.provenance.module for c in spec.capabilities if c.id == spec.extension_id), None)
    if root is None:
        return frozenset()
    requires = {m.name: set(m.requires) for m in spec.modules}
    members = {root}
    changed = True
    while changed:
        changed = False
        for name, needs in requires.items():
            if name not in members and needs & members:
                members.add(name)
                changed = True
    return frozenset(members)


def _role(value: str | None, role: str) -> str:
    """A role the server needs; python_view.unsupported refused the selection if it is missing."""
    assert value is not None, f"the python target needs the {role} role"
    return value


def _capability_meta_key(spec: ir.Spec) -> str:
    meta = spec.type(_role(spec.roles.request_meta, "request_meta"))
    capabilities = ir.Ref(_role(spec.roles.client_capabilities, "client_capabilities"))
    assert isinstance(meta, ir.ObjectType)
    return next(f.wire_name for f in meta.fields if f.type == capabilities)


def _required_capabilities(capability: ir.Capability) -> dict:
    """The ClientCapabilities object naming one capability: extension ids (with a `/`) go under
    `extensions`, as the client declares them."""
    if "/" in capability.id:
        return {"extensions": {capability.id: {}}}
    return {capability.id: {}}


def _const(spec: ir.Spec, type_name: str, field: str) -> str:
    named = spec.type(type_name)
    assert isinstance(named, ir.ObjectType)
    found = named.field(field)
    assert found is not None and isinstance(
        found.const, str
    ), f"{type_name}.{field} is not a string literal"
    return found.const


def _missing_capability_error(spec: ir.Spec) -> str:
    """The error whose data names the client capabilities a request lacked (-32021)."""
    capabilities = ir.Ref(_role(spec.roles.client_capabilities, "client_capabilities"))
    for error in spec.errors:
        data = spec.type(error.data) if error.data else None
        if isinstance(data, ir.ObjectType) and any(f.type == capabilities for f in data.fields):
            return error.name
    raise ValueError("the spec defines no error carrying the required client capabilities")


def _result_of(spec: ir.Spec, method: str | None, role: str) -> str:
    result = spec.method(_role(method, role)).result
    return _role(result, f"{role} result")


def build(spec: ir.Spec) -> ServerView:
    roles = spec.roles
    members = extension_modules(spec)
    handlers = tuple(
        HandlerView(
            m, function_name(m.name, m.python_name), m.params or "RequestParams", m.result or "Result"
        )
        for m in spec.requests
        if m.direction in ("client-to-server", "both") and m.provenance.module in members
    )
    statuses = {s.name for s in spec.lifecycle.statuses} if spec.lifecycle else set()
    rules = {i.rule for i in spec.invariants}
    subtasks = roles.parent_task_field is not None and roles.child_tasks_field is not None
    invalid_params = _role(roles.invalid_params, "invalid_params")
    return ServerView(
        handlers=handlers,
        settings=tuple(dict.fromkeys(h.method.setting for h in handlers if h.method.setting)),
        capability_meta_key=_capability_meta_key(spec),
        required_capabilities={c.id: _required_capabilities(c) for c in spec.capabilities},
        errors={e.name: exception_name(e.name) for e in spec.errors},
        missing_capability=exception_name(_missing_capability_error(spec)),
        refusal=exception_name((spec.lifecycle and spec.lifecycle.refusal_error) or invalid_params),
        internal_error=exception_name(_role(roles.internal_error, "internal_error")),
        invalid_params=exception_name(invalid_params),
        task_result_type=_const(spec, _role(roles.create_task_result, "create_task_result"), "resultType"),
        complete_result_type=_const(spec, _result_of(spec, roles.update_task, "update_task"), "resultType"),
        pausable=roles.paused_status in statuses
        and roles.pause_task is not None
        and roles.resume_task is not None,
        steerable=roles.steer_task is not None,
        subtasks=subtasks,
        children_terminal_first=subtasks and "children-terminal-first" in rules,
        cancel_propagates=subtasks and "cancel-propagates" in rules,
        events=roles.poll_events is not None,
        event_stream=roles.stream_events is not None,
        push=None
        not in (
            roles.status_notification,
            roles.listen_request,
            roles.listen_acknowledged,
            roles.listen_filter_field,
            roles.subscription_id_field,
            roles.task_ids_filter_field,
        ),
        events_capability=events_capability(spec),
        invariant_rules=tuple(dict.fromkeys(i.rule for i in spec.invariants)),
    )
