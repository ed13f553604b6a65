"""The Python target: the installable package `mcp_tasks` (name configurable).

models.py comes from datamodel-code-generator run on the JSON Schema target's types (see
python_models), so the models and the schema cannot disagree; every other module is a template fed
from the IR.
"""

from __future__ import annotations

from . import python_models, python_view
from .context import GenerationContext

# templates/python/package/X.j2 -> python/<package>/X and templates/python/project/X.j2 -> python/X:
# the template folders mirror the output one to one, so adding a module is adding a template.
PACKAGE_DIR = "python/package"
PROJECT_DIR = "python/project"
_STYLES = {".py": "python", ".toml": "toml", ".md": "markdown"}


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
    models = python_models.generate_models(spec)
    files[f"python/{package}/models.py"] = f"{context.header_line('python')}\n\n{models}"
    files[f"python/{package}/py.typed"] = context.header_line("python") + "\n"
    project = {
        "distribution": context.distribution or package.replace("_", "-"),
        "distribution_version": context.distribution_version or spec.version,
    }
    for folder, destination, extra in ((PACKAGE_DIR, f"python/{package}", {}), (PROJECT_DIR, "python", project)):
        for template in _templates_in(context, folder, "j2"):
            output = template[len(folder) + 1 : -len(".j2")]
            files[f"{destination}/{output}"] = context.render(template, _style(output), py=view, **extra)
        for source in _templates_in(context, folder, "py"):
            files[f"{destination}/{source[len(folder) + 1 :]}"] = _verbatim(context, source)
    return files
