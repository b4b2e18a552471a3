"""Evaluate the simple jsonpath expressions of the extractor table without jsonpath-ng.

Every built-in extractor expression is a dotted field path with optional
`[*]` (`spec.template.spec`, `spec.templates[*].container`).  jsonpath-ng is a
general engine: importing it and building its PLY parser, and compiling each
expression, cost more start-up than parsing a whole chart's YAML.  This module
walks such paths directly; anything outside that subset still goes to
jsonpath-ng, so user extractors keep the whole language.

On well-formed manifests the walk finds exactly what jsonpath-ng finds.
Where jsonpath-ng's releases disagree with each other — `[*]` applied to
something that is not a list: 1.8 treats a mapping or a string as a list of
one, 1.16 yields a mapping's values and nothing for a string — the walk takes
the Kubernetes reading instead of either quirk:
- `a.b` matches a key that is present, whatever its value (even null);
- `[*]` yields each item of a list, and nothing for anything else (a
  `containers:` that is not a list holds no container; the audit still sees an
  `image` key inside it and says so);
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
    """(path, value) of every match of `steps` in a tree of dict/list/str/None.

    A mapping or list reached twice (aliases share nodes) is kept once, at
    its first path: `[*]` over lists of aliases would otherwise multiply at
    each step, exponential in the nesting of an alias bomb.
    """
    if steps and (not isinstance(root, dict) or steps[0][0] not in root):
        return []  # the usual answer (no `initContainers`), before any list is built
    current: list[tuple[str, Any]] = [("", root)]
    for name, star in steps:
        found: list[tuple[str, Any]] = []
        seen: set[int] = set()
        for path, node in current:
            if not isinstance(node, dict):
                continue
            child = node.get(name, _MISSING)
            if child is _MISSING:
                continue
            child_path = f"{path}.{name}" if path else name
            if not star:
                found.append((child_path, child))
            elif isinstance(child, list) and id(child) not in seen:
                seen.add(id(child))
                found += [(f"{child_path}[{i}]", item) for i, item in enumerate(child)]
        if not found:
            return found
        if star or len(found) > 1:  # one node met by a plain step is met once
            found = [(path, node) for path, node in found
                     if not isinstance(node, (dict, list)) or _first(seen, node)]
        current = found
    return current


_MISSING = object()


def _first(seen: set[int], node: Any) -> bool:
    """True the first time `node` is met (and remember it)."""
    if id(node) in seen:
        return False
    seen.add(id(node))
    return True


def join_path(prefix: str, path: str) -> str:
    if not prefix:
        return path
    if not path:
        return prefix
    return prefix + path if path.startswith("[") else f"{prefix}.{path}"
