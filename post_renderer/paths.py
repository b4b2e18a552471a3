"""Evaluate the simple jsonpath expressions of the extractor table without jsonpath-ng.

Every built-in extractor expression is a dotted field path with optional
`[*]` (`spec.template.spec`, `spec.templates[*].container`).  jsonpath-ng is a
general engine: importing it and building its PLY parser costs ~30 ms, and
compiling each expression another ~2 ms, which on the shared corpus was more
than parsing all its YAML (issue 6).  This module walks such paths directly;
anything outside that subset still goes to jsonpath-ng, so user extractors
keep the whole language.

The walk reproduces jsonpath-ng 1.x exactly, quirks included, so that the
fast path never changes what is found or how its path is written:
- `a.b` matches a key that is present, whatever its value (even null);
- `[*]` yields each item of a list; a mapping or a string is treated as a
  list of one (jsonpath-ng's Slice "hack"), found at `[0]`; null yields
  nothing;
- paths render as `a.b[0].c`, and matches come in document order.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

# jsonpath-ng's identifiers also allow `-` and `@`, and reserve `where`/`wherenot`:
# those (rare) expressions simply take the jsonpath-ng route.
_STEP = r"[A-Za-z_][A-Za-z0-9_]*(?:\[\*\])?"
_SIMPLE = re.compile(rf"{_STEP}(?:\.{_STEP})*")
_RESERVED = frozenset({"where", "wherenot"})

Steps = tuple[tuple[str, bool], ...]


@cache
def simple_steps(expression: str) -> Steps | None:
    """The (field, is `[*]`) steps of a simple expression, or None when the
    expression needs jsonpath-ng."""
    if not _SIMPLE.fullmatch(expression):
        return None
    steps = []
    for part in expression.split("."):
        star = part.endswith("[*]")
        name = part[:-3] if star else part
        if name in _RESERVED:
            return None
        steps.append((name, star))
    return tuple(steps)


def find_simple(root: Any, steps: Steps) -> list[tuple[str, Any]]:
    """(path, value) of every match of `steps` in a tree of dict/list/str/None."""
    current: list[tuple[str, Any]] = [("", root)]
    for name, star in steps:
        found: list[tuple[str, Any]] = []
        for path, node in current:
            if not isinstance(node, dict) or name not in node:
                continue
            child = node[name]
            child_path = f"{path}.{name}" if path else name
            if not star:
                found.append((child_path, child))
            elif isinstance(child, list):
                found.extend((f"{child_path}[{i}]", item) for i, item in enumerate(child))
            elif child is not None:
                found.append((f"{child_path}[0]", child))
        if not found:
            return found
        current = found
    return current
