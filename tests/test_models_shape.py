"""models.py reads as hand-written: Literal statuses, subclasses, no RootModel, lint- and type-clean.

Expected answers come from the spec (its examples, the SEP-2663 task statuses, the `bases` the spec
declares), not from the generated code.
"""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from pathlib import Path

import mcp_tasks
import pydantic
import pytest
from conftest import GENERATED
from mcp_tasks import lifecycle, models

MODELS_PY = GENERATED / "python" / "mcp_tasks" / "models.py"
BIN = Path(sys.executable).parent


def _example(spec_ir, name):
    return next(e for e in spec_ir.examples if e.name == name)


def test_a_parsed_task_status_is_its_wire_string(spec_ir):
    # SEP-2663's worked flow: `tasks/get` while the task is working.
    example = _example(spec_ir, "sep-flow-tasks-get-3-working")
    response = mcp_tasks.parse_message(example.value, request_method="tasks/get")
    task = response.result
    assert task.status == "working"
    assert isinstance(task.status, str) and hash(task.status) == hash("working")
    assert lifecycle.is_terminal(task.status) is False
    assert isinstance(task, models.Task)


def test_a_terminal_status_is_terminal(spec_ir):
    # SEP-2663: completed, failed and cancelled are terminal.
    for status in ("completed", "failed", "cancelled"):
        assert lifecycle.is_terminal(status)
    assert not lifecycle.is_terminal("working")


def test_a_status_variant_is_a_subclass_of_its_base():
    task = models.WorkingTask(
        task_id="t-1", status="working", created_at="2026-07-28T10:00:00Z",
        last_updated_at="2026-07-28T10:00:00Z", ttl_ms=None,
    )
    assert isinstance(task, models.Task)
    assert task.to_wire() == {
        "taskId": "t-1", "status": "working", "createdAt": "2026-07-28T10:00:00Z",
        "lastUpdatedAt": "2026-07-28T10:00:00Z", "ttlMs": None,
    }


def test_every_spec_base_is_a_python_base(spec_ir):
    for t in spec_ir.types:
        if t.kind == "object" and t.bases:
            cls = getattr(models, t.name)
            for base in t.bases:
                assert issubclass(cls, getattr(models, base)), (t.name, base)


def test_no_root_model_and_no_schema_document():
    classes = [c for _, c in inspect.getmembers(models, inspect.isclass) if c.__module__ == models.__name__]
    assert classes
    assert not [c.__name__ for c in classes if issubclass(c, pydantic.RootModel)]
    assert not hasattr(models, "SchemaDocument")
    assert "RootModel" not in MODELS_PY.read_text("utf-8")


def test_task_id_is_declared_once_on_the_base(spec_ir):
    # inspect.get_annotations(cls) is the `__annotations__` in the class `__dict__`: its own only.
    declaring = [
        name for name, cls in inspect.getmembers(models, inspect.isclass)
        if cls.__module__ == models.__name__ and "task_id" in inspect.get_annotations(cls)
        and issubclass(cls, models.Task)
    ]
    assert declaring == ["Task"]
    # ... and a variant redeclares only what it narrows: `status`, and what it adds.
    assert set(inspect.get_annotations(models.WorkingTask)) == {"status"}
    assert set(inspect.get_annotations(models.CompletedTask)) == {"status", "result"}


def test_enums_are_literal_aliases(spec_ir):
    status = spec_ir.type("TaskStatus")
    adapter = pydantic.TypeAdapter(models.TaskStatus)
    for value in status.values:
        assert adapter.validate_python(value.value) == value.value
    with pytest.raises(pydantic.ValidationError):
        adapter.validate_python("not-a-status")


def test_unions_stay_discriminated():
    # A union alias keeps the discriminator: a wrong `status` names the tag, not every variant.
    adapter = pydantic.TypeAdapter(models.GetTaskResult)
    with pytest.raises(pydantic.ValidationError) as info:
        adapter.validate_python({"status": "nope"})
    assert "union_tag_invalid" in str(info.value.errors()[0]["type"])


def test_classes_are_grouped_by_spec_module_with_bases_first(spec_ir):
    tree = ast.parse(MODELS_PY.read_text("utf-8"))
    defined = [n.name for n in tree.body if isinstance(n, ast.ClassDef)]
    module_of = {t.name: t.provenance.module for t in spec_ir.types}
    order = {m: i for i, m in enumerate(spec_ir.module_names)}
    sequence = [order[module_of[name]] for name in defined]
    assert sequence == sorted(sequence)
    for index, name in enumerate(defined):
        for base in getattr(spec_ir.type(name), "bases", ()):
            assert defined.index(base) < index
    text = MODELS_PY.read_text("utf-8")
    for module in spec_ir.module_names:  # a section per module that defines types
        assert (f"# --- {module}: " in text) == (module in module_of.values())


def test_arrange_raises_on_unexpected_input(spec_ir):
    from taskbind.emitters.python_models import ModelsShapeError, arrange, run_generator

    with pytest.raises(ModelsShapeError, match="SchemaDocument"):
        arrange("from __future__ import annotations\n", spec_ir)
    with pytest.raises(ModelsShapeError, match="expected an import, a class"):
        arrange("from __future__ import annotations\n\nprint('surprise')\n", spec_ir)
    raw = run_generator(spec_ir)
    assert "SchemaDocument" not in arrange(raw, spec_ir)
    # A class that lacks a member the spec declares on it.
    # (datamodel-code-generator's raw output: single quotes; ruff format makes them double later)
    declaration = "    task_id: Annotated[StrictStr, Field(alias='taskId')]\n"
    start = raw.index("class Task(WireModel):")
    at = raw.index(declaration, start)
    with pytest.raises(ModelsShapeError, match=r"class Task to declare \['taskId'"):
        arrange(raw[:at] + raw[raw.index("    status: TaskStatus", at):], spec_ir)  # and its docstring
    # A subclass generated flat, off its base.
    with pytest.raises(ModelsShapeError, match=r"class WorkingTask\(Task\)"):
        arrange(raw.replace("class WorkingTask(Task):", "class WorkingTask(WireModel):"), spec_ir)
    # An open object generated closed.
    with pytest.raises(ModelsShapeError, match="extra='allow'"):
        closed = "model_config = ConfigDict(\n        extra='forbid',"
        arrange(raw.replace(closed.replace("forbid", "allow"), closed, 1), spec_ir)


def test_models_are_mypy_strict_clean():
    result = subprocess.run(
        [str(BIN / "mypy"), "--strict", "--no-incremental", str(MODELS_PY)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_models_are_ruff_clean():
    result = subprocess.run(
        [str(BIN / "ruff"), "check", "--no-cache", "--extend-select", "I,UP,B", str(MODELS_PY)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_to_wire_leaves_out_unset_members_of_any_wire_model():
    """Generated models dump without exclude_unset (every optional member defaults to MISSING,
    which is never dumped: the same wire, faster); a hand-written subclass with another default
    keeps it, so its default never appears on the wire."""
    import mcp_tasks.models as models
    from mcp_tasks._wire import WireModel, dump_wire

    class Handwritten(WireModel):
        a: int
        b: int = 3

    assert Handwritten.from_wire({"a": 1}).to_wire() == {"a": 1}
    assert dump_wire(Handwritten.from_wire({"a": 1})) == {"a": 1}
    assert Handwritten.from_wire({"a": 1, "b": 3}).to_wire() == {"a": 1, "b": 3}
    flagged = [
        name for name, value in vars(models).items()
        if isinstance(value, type) and issubclass(value, WireModel) and value.__wire_exclude_unset__
    ]
    assert flagged == []
    task = models.Task.from_wire(
        {"taskId": "t", "status": "working", "createdAt": "a", "lastUpdatedAt": "b", "ttlMs": None}
    )
    assert task.to_wire() == {
        "taskId": "t", "status": "working", "createdAt": "a", "lastUpdatedAt": "b", "ttlMs": None
    }
