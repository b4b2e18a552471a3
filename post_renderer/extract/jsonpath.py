"""jsonpath-ng expressions: compiled on first use and cached, because
compiling is the expensive part (~0.5 ms each) and a run meets few kinds.
Dotted/`[*]` paths (all the built-in ones) never reach jsonpath-ng: `paths`
walks them, which keeps jsonpath-ng out of start-up.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from .paths import find_simple, join_path, simple_steps


@cache
def _parser() -> Any:
    from jsonpath_ng.parser import JsonPathParser

    return JsonPathParser()


@cache
def compile_path(expression: str) -> Any:
    """Compile a jsonpath-ng expression once per process."""
    return _parser().parse(expression)


def check_path(expression: str) -> str | None:
    """The reason an expression does not compile, or None."""
    if simple_steps(expression) is not None:
        return None  # valid jsonpath by construction; no need to load jsonpath-ng
    try:
        compile_path(expression)
    except Exception as err:  # jsonpath-ng raises bare Exception subclasses
        return " ".join(str(err).split()) or type(err).__name__
    return None


def render_path(path: Any) -> str:
    """jsonpath-ng's `full_path` as `spec.containers[0].image`."""
    from jsonpath_ng.jsonpath import Child, Fields, Index, Root, This

    parts: list[str] = []
    stack = [path]
    while stack:
        node = stack.pop()
        if isinstance(node, Child):
            stack.append(node.right)
            stack.append(node.left)
        elif isinstance(node, Fields):
            parts.append("." + ".".join(node.fields))
        elif isinstance(node, Index):
            parts.append("".join(f"[{i}]" for i in node.indices))
        elif isinstance(node, (Root, This)):
            continue
        else:
            parts.append("." + str(node))
    return "".join(parts).lstrip(".")


def find(root: Any, expression: str, prefix: str) -> list[tuple[str, Any]]:
    """(rendered path, value) of each match of `expression` under `root`."""
    steps = simple_steps(expression)
    if steps is not None:
        found = find_simple(root, steps)
        # find_simple's paths are never empty: with no prefix, they are final
        return [(join_path(prefix, path), value) for path, value in found] if prefix else found
    return [(join_path(prefix, render_path(match.full_path)), match.value)
            for match in compile_path(expression).find(root)]
