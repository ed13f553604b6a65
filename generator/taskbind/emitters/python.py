"""The Python target: the installable package `mcp_tasks` (name configurable).

models.py comes from datamodel-code-generator run on the JSON Schema target's output, so the models
and the schema cannot disagree; every other module is a template fed from the IR.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from .. import ir
from . import python_view
from .context import GenerationContext
from .schema import build_schema

# templates/python/package/X.j2 -> python/<package>/X and templates/python/project/X.j2 -> python/X:
# the template folders mirror the output one to one, so adding a module is adding a template.
PACKAGE_DIR = "python/package"
PROJECT_DIR = "python/project"
_STYLES = {".py": "python", ".toml": "toml", ".md": "markdown"}


_ROOT_CLASS = "SchemaDocument"
_FORMAT_SETTINGS = Path(__file__).resolve().parent / "models_format"


def generate_models(spec: ir.Spec) -> str:
    """Run datamodel-code-generator in process on the spec's JSON Schema."""
    # Imported here: it is the slowest import of the toolkit and only this target needs it.
    import datamodel_code_generator as dcg
    from datamodel_code_generator.format import Formatter
    from datamodel_code_generator.types import StrictTypes

    code = dcg.generate(
        json.dumps(build_schema(spec, "")),
        input_file_type=dcg.InputFileType.JsonSchema,
        output_model_type=dcg.DataModelType.PydanticV2BaseModel,
        target_python_version=dcg.PythonVersion.PY_311,
        snake_case_field=True,
        remove_special_field_name_prefix=True,  # `_meta` becomes `meta`, not `field_meta`
        allow_population_by_field_name=True,
        use_annotated=True,
        field_constraints=True,
        use_union_operator=True,
        use_double_quotes=True,
        strict_nullable=True,  # required-nullable stays required; optional stays optional
        # Optional members default to pydantic's MISSING, not None: an absent member is never
        # dumped and an explicit null on a non-nullable member is rejected, as the schema says.
        use_missing_sentinel=True,
        target_pydantic_version=dcg.TargetPydanticVersion.V2_14,
        enum_field_as_literal=dcg.LiteralType.All,
        # Strict scalars: "5" is not an integer and 5 is not a string, as in the schema.
        strict_types=[StrictTypes.str, StrictTypes.int, StrictTypes.bool],
        use_schema_description=True,
        use_field_description=True,
        disable_timestamp=True,
        formatters=[Formatter.BUILTIN],
        settings_path=_FORMAT_SETTINGS,  # not the working directory: output must not depend on it
        base_class="PACKAGE._wire.WireModel",
        class_name=_ROOT_CLASS,
    )
    return _tidy_models(code)


def _tidy_models(code: str) -> str:
    # The schema document's root accepts anything, so the generator emits a catch-all root model
    # for it; nothing uses it. The base class import is made relative so that renaming the
    # package changes nothing in this file.
    code = re.sub(rf"\nclass {_ROOT_CLASS}\(RootModel\[Any\]\):\n    root: Any\n\n", "\n", code)
    code = code.replace("from PACKAGE._wire import WireModel", "from ._wire import WireModel")
    lines = code.splitlines()
    while lines and lines[0].startswith("#"):
        lines.pop(0)  # datamodel-codegen's own banner; ours replaces it
    return "\n".join(lines).lstrip("\n") + "\n"


def _templates_in(context: GenerationContext, folder: str, suffix: str) -> list[str]:
    prefix = folder + "/"
    return sorted(
        name
        for name in context.templates.list_templates(extensions=[suffix])
        if name.startswith(prefix)
    )


def _verbatim(context: GenerationContext, name: str) -> str:
    """A hand-written `.py` file of the package, copied as it is (behind the header line).

    Code that does not depend on the spec lives as real Python, so that ruff and mypy see it where
    it is written; it reads what the spec decides from the generated modules beside it."""
    source, _, _ = context.templates.loader.get_source(context.templates, name)
    return f"{context.header_line('python')}\n{source}"


def _style(output: str) -> str:
    return next((style for suffix, style in _STYLES.items() if output.endswith(suffix)), "python")


def emit(context: GenerationContext) -> dict[str, str]:
    spec, package = context.spec, context.package
    view = python_view.build(spec)
    files: dict[str, str] = {}
    models = generate_models(spec)
    files[f"python/{package}/models.py"] = f"{context.header_line('python')}\n\n{models}"
    files[f"python/{package}/py.typed"] = context.header_line("python") + "\n"
    for folder, destination in ((PACKAGE_DIR, f"python/{package}"), (PROJECT_DIR, "python")):
        for template in _templates_in(context, folder, "j2"):
            output = template[len(folder) + 1 : -len(".j2")]
            files[f"{destination}/{output}"] = context.render(template, _style(output), py=view)
        for source in _templates_in(context, folder, "py"):
            files[f"{destination}/{source[len(folder) + 1 :]}"] = _verbatim(context, source)
    return files
