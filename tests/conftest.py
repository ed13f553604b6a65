"""Shared fixtures: the repository's paths, the bundled spec's IR, and the generated package."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SPEC_DIR = REPO / "spec"
GENERATED = REPO / "generated"
SCHEMA_PATH = GENERATED / "schema" / "mcp-tasks.schema.json"

# The generated package is what users import; tests import it the same way, from generated/.
if str(GENERATED / "python") not in sys.path:
    sys.path.insert(0, str(GENERATED / "python"))


@pytest.fixture(scope="session")
def spec_ir():
    from taskbind.load import load_spec
    from taskbind.model import build_model

    return build_model(load_spec(SPEC_DIR))


@pytest.fixture(scope="session")
def generated_schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text("utf-8"))
