"""Stage 5, format: black, in process, on Python output only."""

from __future__ import annotations


def format_outputs(files: dict[str, str]) -> dict[str, str]:
    import black  # imported lazily: a no-op `generate` never needs it

    mode = black.Mode(line_length=100, target_versions={black.TargetVersion.PY311})
    formatted = {}
    for path, text in files.items():
        if path.endswith(".py"):
            try:
                text = black.format_str(text, mode=mode)
            except black.InvalidInput as exc:  # a template produced invalid Python: say which
                raise ValueError(f"generated {path} is not valid Python: {exc}") from None
        formatted[path] = text
    return formatted
