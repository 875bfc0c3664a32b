"""The hook reference in ``docs/plugins.md``, generated from ``hookspecs``.

``python -m sidcontent.plugin_docs docs/plugins.md`` rewrites the part
between the markers; a test fails when the committed text is stale, so the
docstrings stay the one place a hook is described.
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

from sidcontent import hookspecs

START = "<!-- hook reference: generated from src/sidcontent/hookspecs.py; do not edit -->"
END = "<!-- end of hook reference -->"


def hook_names() -> list[str]:
    """Every hook, in the order ``hookspecs`` defines them."""
    marker = f"{hookspecs.PROJECT}_spec"
    return [
        name
        for name, func in vars(hookspecs).items()
        if inspect.isfunction(func) and hasattr(func, marker)
    ]


def reference() -> str:
    parts = [START, ""]
    for name in hook_names():
        func = getattr(hookspecs, name)
        arguments = ", ".join(inspect.signature(func).parameters)
        parts += [f"### `{name}({arguments})`", "", inspect.getdoc(func) or "", ""]
    parts.append(END)
    return "\n".join(parts)


def render(text: str) -> str:
    """``text`` with its hook reference replaced by the current one."""
    before, start, rest = text.partition(START)
    _, end, after = rest.partition(END)
    if not start or not end:
        raise ValueError("the hook reference markers are missing")
    return before + reference() + after


def main(argv: list[str]) -> int:
    path = Path(argv[1] if len(argv) > 1 else "docs/plugins.md")
    path.write_text(render(path.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote the hook reference into {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
