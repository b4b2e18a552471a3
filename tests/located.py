"""What a `Located` is, as plain comparable data: the differential tests of
the fast reader (tests/test_fast_reader.py, fuzz/fuzz_fast_reader.py) compare
it with libyaml's reading of the same text."""

from __future__ import annotations

from typing import Any

from post_renderer.yaml.errors import LocateError
from post_renderer.yaml.fast import read
from post_renderer.yaml.nodes import Located, Scalar
from post_renderer.yaml.tree import locate_libyaml


def shape(located: Located, *, spans: bool) -> Any:
    """Every node in document order: its kind, value, span, style and line;
    mapping keys with their exact type; collection spans when asked."""
    seen: dict[int, int] = {}

    def walk(node: Any) -> Any:
        if isinstance(node, (dict, list)):
            if id(node) in seen:
                return ("shared", seen[id(node)])
            seen[id(node)] = len(seen)
            span = tuple(located.spans[id(node)]) if spans else None
            if isinstance(node, dict):
                return ("map", span, [(type(k).__name__, k, walk(v)) for k, v in node.items()])
            return ("seq", span, [walk(v) for v in node])
        if isinstance(node, Scalar):
            return ("scalar", str(node), node.start, node.end, node.style, node.line,
                    sorted(vars(node)))
        return ("other", type(node).__name__, node)

    return walk(located.root), (len(located.spans) if spans else located.spans)


def check(text: str) -> bool:
    """Assert that whenever the fast reader accepts `text` (with and without
    spans), libyaml accepts it too and builds the same Located; True when
    it accepted."""
    accepted = False
    for spans in (False, True):
        fast = read(text, spans)
        if fast is None:
            continue
        accepted = True
        try:
            slow = locate_libyaml(text, spans=spans)
        except LocateError as err:
            raise AssertionError(f"fast reader accepted what libyaml refuses: {err}") from None
        assert shape(fast, spans=spans) == shape(slow, spans=spans), text
    return accepted
