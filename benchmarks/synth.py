"""Synthesise a large spec: the bundled spec plus N extra methods, for the scale rows; or the bundled
spec with one very long description, for the description row.

    python benchmarks/synth.py 1000 /tmp/spec-1000              # writes a spec directory
    python benchmarks/synth.py --description 1000000 /tmp/spec-1mb

Each extra method is shaped like `tasks/steer` (a client-to-server request on a task, gated by the
`steer` setting, routed by taskId) with its own params type and result type, so that every stage
(validate, model, schema, models, client, server, docs) grows with it. The methods live in the
`interaction` module; names are `tasks/synthetic<i>`, types `Synthetic<i>Params` / `Synthetic<i>Result`.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

BUNDLED = Path(__file__).resolve().parent.parent / "spec"
MODULE = "modules/interaction.yaml"


def _type(i: int) -> str:
    return f"""  Synthetic{i}Params:
    kind: object
    source: synthetic benchmark
    description: Parameters of `tasks/synthetic{i}`.
    fields:
      _meta:
        type: RequestMetaObject
        description: Request metadata.
      taskId:
        type: string
        required: true
        description: The task.
      note{i}:
        type: string
        description: A member only this method has.
  Synthetic{i}Result:
    kind: object
    extends: [Result]
    source: synthetic benchmark
    description: The acknowledgement of `tasks/synthetic{i}`.
    fields:
      resultType: {{const: complete, required: true, description: Always `complete`.}}
"""


def _method(i: int) -> str:
    return f"""  tasks/synthetic{i}:
    idempotent: true
    kind: request
    direction: client-to-server
    params: Synthetic{i}Params
    result: Synthetic{i}Result
    capability: io.modelcontextprotocol/tasks
    setting: steer
    routing_field: taskId
    source: synthetic benchmark
    description: Synthetic method {i}, for the scale benchmark.
    errors:
      - error: InvalidParams
        condition: The taskId is unknown.
"""


def synthesise(count: int, destination: Path, source: Path = BUNDLED) -> Path:
    """A copy of `source` with `count` extra methods; returns `destination`."""
    if destination.exists():
        shutil.rmtree(destination)
    shutil.copytree(source, destination, ignore=shutil.ignore_patterns("*.md"))
    module = destination / MODULE
    text = module.read_text("utf-8")
    for key, block in (("types", _type), ("methods", _method)):
        marker = f"\n{key}:\n"
        if marker not in text:
            raise SystemExit(f"{module}: no top-level `{key}:` to extend")
        text = text.replace(marker, marker + "".join(block(i) for i in range(count)), 1)
    module.write_text(text, "utf-8")
    return destination


_DESCRIBED = "modules/core.yaml"
_DESCRIPTION_LINE = (
    "        description: A human-readable message about the current status; may be shown to the "
    "user or the model.\n"
)


def long_description(size: int, destination: Path, source: Path = BUNDLED) -> Path:
    """A copy of `source` whose `Task.statusMessage` description is `size` characters of prose on
    one line (a pasted document: the worst case for anything that works line by line)."""
    if destination.exists():
        shutil.rmtree(destination)
    shutil.copytree(source, destination, ignore=shutil.ignore_patterns("*.md"))
    piece = "It's one long line of prose, with \"quotes\", a \\ backslash, `code` and | pipes. "
    text = (piece * (size // len(piece) + 1))[:size].rstrip()
    module = destination / _DESCRIBED
    document = module.read_text("utf-8")
    if _DESCRIPTION_LINE not in document:
        raise SystemExit(f"{module}: Task.statusMessage's description is not where it was")
    module.write_text(document.replace(_DESCRIPTION_LINE, f"        description: {json.dumps(text)}\n", 1), "utf-8")
    return destination


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--description" and sys.argv[2].isdigit():
        print(long_description(int(sys.argv[2]), Path(sys.argv[3])))
    elif len(sys.argv) == 3 and sys.argv[1].isdigit():
        print(synthesise(int(sys.argv[1]), Path(sys.argv[2])))
    else:
        raise SystemExit("usage: python benchmarks/synth.py COUNT DESTINATION | --description SIZE DESTINATION")
