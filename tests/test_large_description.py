"""A 200 KB description (one line, as a pasted document would be) generates, and reaches the schema
and models.py intact.

How long it takes is a row of the benchmark table (docs/performance.md, the 1 MB row), never
asserted here: datamodel-code-generator's formatter once made generate quadratic in the longest
line (137 s at 1 MB), which is why taskbind turns it off.
"""

from __future__ import annotations

import ast
import json

from generation import generate
from specedit import copy_spec, edit_module

SIZE = 200_000


def _long_text() -> str:
    piece = "It's one long line of text: \"quotes\", a \\ backslash, `code`, <tags> and | pipes. "
    return (piece * (SIZE // len(piece) + 1))[:SIZE].rstrip()


def _member_docstring(models: str, class_name: str, member: str) -> str:
    """The docstring written under `member` of `class_name`, as Python reads it."""
    tree = ast.parse(models)
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == class_name)
    for statement, following in zip(cls.body, cls.body[1:]):
        if isinstance(statement, ast.AnnAssign) and getattr(statement.target, "id", None) == member:
            assert isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant)
            return str(following.value.value)
    raise AssertionError(f"{class_name}.{member} has no docstring")


def test_a_200_kb_description_generates_intact(tmp_path):
    text = _long_text()
    spec = copy_spec(tmp_path / "spec")

    def lengthen(document):
        document["types"]["Task"]["fields"]["statusMessage"]["description"] = text

    edit_module(spec, "core", lengthen)
    files = generate(tmp_path / "out", "--spec", spec, "--target", "schema,python")

    schema = json.loads(files["schema/mcp-tasks.schema.json"])
    assert schema["$defs"]["Task"]["properties"]["statusMessage"]["description"] == text
    models = files["python/mcp_tasks/models.py"].decode("utf-8")
    assert _member_docstring(models, "Task", "status_message").strip() == text
