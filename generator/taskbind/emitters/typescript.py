"""The TypeScript target: an npm package (ESM, strict tsconfig) under typescript/.

templates/typescript/package/X.j2 -> typescript/X and templates/typescript/package/X.ts ->
typescript/X.ts: generated files are templates fed from the IR (types, zod schemas, the METHODS
registry, the lifecycle table, error classes, the server's handler interface); code that does not
depend on the spec (the dispatcher, the client, messages) is real TypeScript, copied verbatim and
type-checked by tsc where it lands, reading what the spec decides from the generated `spec.ts`.
"""

from __future__ import annotations

from . import typescript_view
from .context import GenerationContext

PACKAGE_DIR = "typescript/package"
# tsconfig.json is JSON with comments; package.json carries the header as its "//" member and
# package-lock.json has none (npm owns its shape).
_STYLES = {"tsconfig.json": "typescript", ".ts": "typescript", ".md": "markdown", ".json": "json"}


def _templates_in(context: GenerationContext, suffix: str) -> list[str]:
    prefix = PACKAGE_DIR + "/"
    return sorted(
        name
        for name in context.templates.list_templates(extensions=[suffix])
        if name.startswith(prefix)
    )


def _style(output: str) -> str:
    return next((style for suffix, style in _STYLES.items() if output.endswith(suffix)), "typescript")


def emit(context: GenerationContext) -> dict[str, str]:
    view = typescript_view.build(context.spec)
    files: dict[str, str] = {}
    for template in _templates_in(context, "j2"):
        output = template[len(PACKAGE_DIR) + 1 : -len(".j2")]
        files[f"typescript/{output}"] = context.render(
            template, _style(output), ts=view, npm_package=context.npm_package
        )
    for source in _templates_in(context, "ts"):
        text, _, _ = context.templates.loader.get_source(context.templates, source)
        output = source[len(PACKAGE_DIR) + 1 :]
        files[f"typescript/{output}"] = f"{context.header_line('typescript')}\n{text}"
    return files
