"""Synthesise a large spec: the bundled spec plus N extra methods, for the scale rows.

    python benchmarks/synth.py 1000 /tmp/spec-1000     # writes a spec directory

Each extra method is shaped like `tasks/steer` (a client-to-server request on a task, gated by the
`steer` setting, routed by taskId) with its own params type and result type, so that every stage
(validate, model, schema, models, client, server, docs) grows with it. The methods live in the
`interaction` module; names are `tasks/synthetic<i>`, types `Synthetic<i>Params` / `Synthetic<i>Result`.
"""

from __future__ import annotations

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


if __name__ == "__main__":
    if len(sys.argv) != 3 or not sys.argv[1].isdigit():
        raise SystemExit("usage: python benchmarks/synth.py COUNT DESTINATION")
    print(synthesise(int(sys.argv[1]), Path(sys.argv[2])))
