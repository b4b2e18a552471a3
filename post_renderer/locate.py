"""Turn one document's text into plain dicts and lists whose leaves know where
they are in the text.

libyaml (through ruamel.yaml.clib) emits events with character offsets; we
build the tree from those events ourselves instead of using a constructor, so
that every scalar is a `Scalar` (a `str` carrying its span and style) that
jsonpath-ng can navigate like any string, and so that aliases are shared
references, never expanded copies (an alias bomb stays linear).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_NULL = re.compile(r"(?:~|null|Null|NULL)?")
# Plain scalars that Kubernetes' YAML 1.1 decoder (sigs.k8s.io/yaml) reads as
# booleans or numbers, not strings: such an `image:` is not an image to rewrite.
_NOT_A_STRING = re.compile(
    r"y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF"
    r"|[-+]?(?:0b[01_]+|0x[0-9a-fA-F_]+|0[0-7_]+|(?:0|[1-9][0-9_]*)(?::[0-5]?[0-9])*)"
    r"|[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
)
_PROPERTIES = re.compile(r"(?:[&!][^\s]*\s+)*")


class Scalar(str):
    """A scalar value with its place in the document text.

    `start`/`end` delimit the scalar itself (anchor and tag excluded); `style`
    is libyaml's: '' plain, "'" single, '"' double, '|' literal, '>' folded.
    """

    start: int
    end: int
    style: str
    line: int  # 0-based line within the document

    def __new__(cls, value: str, start: int, end: int, style: str, line: int) -> Scalar:
        obj = super().__new__(cls, value)
        obj.start, obj.end, obj.style, obj.line = start, end, style, line
        return obj

    @property
    def is_null(self) -> bool:
        return not self.style and _NULL.fullmatch(self) is not None

    @property
    def is_string(self) -> bool:
        """False for a plain scalar that resolves to null, a boolean or a number."""
        return bool(self.style) or not (self.is_null or _NOT_A_STRING.fullmatch(self))


@dataclass(frozen=True, slots=True)
class Located:
    """A parsed document: its root node (dict, list, Scalar or None)."""

    root: Any


class LocateError(Exception):
    """The document is not valid YAML; `line` is 0-based within the document."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def _parser() -> Any:
    from ruamel.yaml import YAML

    return YAML(typ="safe", pure=False)


_YAML: Any = None


def locate(text: str) -> Located:
    """Parse one document's text into a tree of dict/list/Scalar (None when empty).

    Raises LocateError for malformed YAML, duplicate keys, or a second document.
    """
    global _YAML
    if _YAML is None:
        _YAML = _parser()
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    # libyaml skips a byte-order mark without counting it: parse past it and
    # shift every offset back onto the original text.
    offset = 1 if text.startswith("\ufeff") else 0
    try:
        return _build(text, _YAML.parse(text[offset:] if offset else text), offset)
    except MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        problem = err.problem or err.context or "invalid YAML"
        return _raise(f"{problem}", mark.line if mark is not None else None)
    except YAMLError as err:
        return _raise(" ".join(str(err).split()), None)


def _raise(message: str, line: int | None) -> Located:
    raise LocateError(message, line)


def _build(text: str, events: Any, offset: int) -> Located:
    """Assemble the tree iteratively (no recursion: nesting depth is unbounded)."""
    anchors: dict[str, Any] = {}
    # Each frame: [container, pending key (None: a key comes next), line of that key].
    stack: list[list[Any]] = []
    root: Any = None
    documents = 0
    for event in events:
        name = type(event).__name__
        if name == "ScalarEvent":
            start = event.start_mark.index + offset
            if event.anchor or event.tag:
                start = _PROPERTIES.match(text, start).end()  # type: ignore[union-attr]
            node: Any = Scalar(event.value, start, event.end_mark.index + offset,
                               event.style or "", event.start_mark.line)
            if event.anchor:
                anchors[event.anchor] = node
        elif name == "AliasEvent":
            if event.anchor not in anchors:
                raise LocateError(f"undefined alias *{event.anchor}", event.start_mark.line)
            node = anchors[event.anchor]
        elif name in ("MappingStartEvent", "SequenceStartEvent"):
            container: Any = {} if name == "MappingStartEvent" else []
            if event.anchor:
                anchors[event.anchor] = container
            stack.append([container, None, event.start_mark.line])
            continue
        elif name in ("MappingEndEvent", "SequenceEndEvent"):
            node = stack.pop()[0]
        elif name == "DocumentStartEvent":
            documents += 1
            if documents > 1:
                raise LocateError("more than one document in a chunk", event.start_mark.line)
            continue
        else:
            continue
        if not stack:
            root = node
            continue
        frame = stack[-1]
        parent = frame[0]
        if isinstance(parent, list):
            parent.append(node)
        elif frame[1] is None:
            frame[1] = _key(node)
            frame[2] = event.start_mark.line
        else:
            key = frame[1]
            if key in parent:
                raise LocateError(f"duplicate key {key!r}", frame[2])
            parent[key] = node
            frame[1] = None
    return Located(root)


class _Unhashable:
    """Stands in for a non-scalar mapping key (rare in manifests)."""


def _key(node: Any) -> Any:
    if isinstance(node, str):
        return str(node)
    return _Unhashable()
