"""Configuration values read through the manifest reader (`yaml.tree.locate`),
where that gives exactly what ruamel.yaml's safe loader gives.

Why: a run reads its configuration before any manifest, and ruamel's loader
costs its whole package import at every start, while `locate` is the reader
every run has anyway.  The safe loader (YAML 1.2) resolves plain scalars to
null, booleans, numbers and timestamps; `locate` keeps them as strings with
their style, and keys as plain strings whose style is gone.  So only what is
certain is converted here: null and the YAML 1.2 booleans, everything else a
string.  Whatever could read otherwise is refused (None), and ruamel decides
and reports: a plain scalar or any key that could be a number, a timestamp, a
merge key or null or a boolean when quoted; tags, directives and flow
collections (the bundled libyaml and ruamel's pure parser, which `locate` may
fall back to, disagree on some of these); anchors (ruamel refuses a reused
one, `locate` does not) and so aliases; and any parse error.
"""

from __future__ import annotations

from typing import Any

_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
_BOOLEANS = {"true": True, "True": True, "TRUE": True,
             "false": False, "False": False, "FALSE": False}
# First characters of YAML 1.2 numbers, timestamps, `<<` and `=` (ruamel's
# implicit resolvers), and of `!&*`, which never start a plain scalar.
_DOUBTFUL_START = frozenset("-+.0123456789<=!&*")
# Tags, directives, flow collections, merge keys, anchors: ruamel decides.
_REFUSED_TEXT = ("!", "%", "{", "[", "<<", "&")


class _Doubt(Exception):
    """The text may not read as the safe loader reads it."""


class Loaded:
    """The value read, in a box: None is a value a configuration can hold."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def read_located(text: str) -> Loaded | None:
    """The value ruamel's safe loader gives for `text`, or None when in doubt."""
    if any(marker in text for marker in _REFUSED_TEXT):
        return None
    from ..yaml.tree import locate

    try:
        return Loaded(_plain(locate(text).root))
    except Exception:  # a LocateError, a doubt, or anything else: ruamel decides
        return None


def _plain(root: Any) -> Any:
    """The tree as dict, list, str, bool and None, iteratively (no depth limit
    of our own); a node met twice is an alias, which is refused."""
    seen: set[int] = set()

    def convert(node: Any) -> Any:
        if id(node) in seen:
            raise _Doubt
        seen.add(id(node))
        if isinstance(node, dict):
            copy: dict[str, Any] = {}
            pending.append((node, copy))
            return copy
        if isinstance(node, list):
            items: list[Any] = []
            pending.append((node, items))
            return items
        return _scalar(node)

    pending: list[tuple[Any, Any]] = []
    value = convert(root)
    while pending:
        source, target = pending.pop()
        if isinstance(source, dict):
            for key, item in source.items():
                target[_key(key)] = convert(item)
        else:
            target.extend(convert(item) for item in source)
    return value


def _scalar(node: Any) -> Any:
    if node is None:
        return None
    style = getattr(node, "style", None)
    if style is None or not isinstance(node, str):
        raise _Doubt
    if style:  # quoted or a block scalar: a string (`!!binary` needs a tag)
        return str(node)
    if node in _NULLS:
        return None
    if node in _BOOLEANS:
        return _BOOLEANS[node]
    if node[0] in _DOUBTFUL_START:
        raise _Doubt
    return str(node)


def _key(key: Any) -> str:
    """A key as a string, unless its style (which `locate` does not keep)
    could matter: `"true"` is a string, `true` a boolean."""
    if type(key) is not str or key in _NULLS or key in _BOOLEANS \
            or key[0] in _DOUBTFUL_START:
        raise _Doubt
    return key
