"""Turn one document's text into plain dicts and lists whose leaves know where
they are in the text.

libyaml (through ruamel.yaml.clib) emits events with character offsets; we
build the tree from those events ourselves instead of using a constructor, so
that every scalar is a `Scalar` (a `str` carrying its span and style) that
jsonpath-ng can navigate like any string, and so that aliases are shared
references, never expanded copies (an alias bomb stays linear).

This is the hot loop of a run (issue 6): every event of every document that
may hold an image passes through `_build`.  So the parser is libyaml's
`CParser` used directly (ruamel's `YAML.parse` builds a loader class per
call), events are told apart by class identity, and mapping keys stay plain
`str` (only values need a span).
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

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


class NodeSpan(NamedTuple):
    """Where a mapping or sequence sits, for inserting into it (pull secrets).

    `inner` is where its content starts: the first key or `-` of a block
    node, the character after `{`/`[` of a flow node (properties skipped).
    """

    inner: int
    flow: bool


class Located(NamedTuple):
    """A parsed document: its root node (dict, list, Scalar or None), and, when
    asked for, the span of each mapping and sequence keyed by `id()`."""

    root: Any
    spans: dict[int, NodeSpan]


class LocateError(Exception):
    """The document is not valid YAML; `line` is 0-based within the document."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def locate(text: str, *, spans: bool = False) -> Located:
    """Parse one document's text into a tree of dict/list/Scalar (None when empty).

    With `spans`, also record where each mapping and sequence starts (costs a
    little; only the pull-secret stage needs it).

    Raises LocateError for malformed YAML, duplicate keys, or a second document.
    """
    # Imported here, not at module level: a run whose documents hold no image
    # never pays for libyaml's binding.
    from _ruamel_yaml import CParser
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    # libyaml skips a byte-order mark without counting it: parse past it and
    # shift every offset back onto the original text.
    offset = 1 if text.startswith("\ufeff") else 0
    parser = CParser(text[offset:] if offset else text)
    try:
        return _build(text, parser, offset, {} if spans else None)
    except MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        problem = err.problem or err.context or "invalid YAML"
        raise LocateError(f"{problem}", mark.line if mark is not None else None) from None
    except YAMLError as err:
        raise LocateError(" ".join(str(err).split()), None) from None
    finally:
        parser.dispose()


def _build(text: str, parser: Any, offset: int, spans: dict[int, NodeSpan] | None) -> Located:
    """Assemble the tree iteratively (no recursion: nesting depth is unbounded)."""
    from ruamel.yaml.events import (
        AliasEvent,
        DocumentStartEvent,
        MappingEndEvent,
        MappingStartEvent,
        ScalarEvent,
        SequenceEndEvent,
        SequenceStartEvent,
    )

    anchors: dict[str, Any] = {}
    # Each frame: [container, pending key (None: a key comes next), line of that key].
    stack: list[list[Any]] = []
    root: Any = None
    documents = 0
    check_event, get_event = parser.check_event, parser.get_event
    properties = _PROPERTIES.match
    new_str = str.__new__
    frame: list[Any] | None = None  # stack[-1], or None at the top level
    while check_event():
        event = get_event()
        cls = event.__class__
        if cls is ScalarEvent:
            anchor = event.anchor
            if frame is not None and frame[1] is None and anchor is None \
                    and frame[0].__class__ is dict:
                # A mapping key: a plain str is enough (its line is kept for
                # a duplicate-key message); only values need a span.
                frame[1] = event.value
                frame[2] = event.start_mark.line
                continue
            mark = event.start_mark
            start = mark.index + offset
            if anchor is not None or event.ctag is not None:
                start = properties(text, start).end()  # type: ignore[union-attr]
            node: Any = new_str(Scalar, event.value)
            node.__dict__ = {"start": start, "end": event.end_mark.index + offset,
                             "style": event.style or "", "line": mark.line}
            if anchor is not None:
                anchors[anchor] = node
        elif cls is MappingStartEvent or cls is SequenceStartEvent:
            container: Any = {} if cls is MappingStartEvent else []
            if event.anchor is not None:
                anchors[event.anchor] = container
            if spans is not None:
                spans[id(container)] = _node_span(text, event, offset)
            frame = [container, None, event.start_mark.line]
            stack.append(frame)
            continue
        elif cls is MappingEndEvent or cls is SequenceEndEvent:
            node = stack.pop()[0]
            frame = stack[-1] if stack else None
        elif cls is AliasEvent:
            if event.anchor not in anchors:
                raise LocateError(f"undefined alias *{event.anchor}", event.start_mark.line)
            node = anchors[event.anchor]
        elif cls is DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise LocateError("more than one document in a chunk", event.start_mark.line)
            continue
        else:
            continue
        if frame is None:
            root = node
            continue
        parent = frame[0]
        if parent.__class__ is list:
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
    return Located(root, spans or {})


def _node_span(text: str, event: Any, offset: int) -> NodeSpan:
    start = event.start_mark.index + offset
    if event.anchor or event.ctag:
        start = _PROPERTIES.match(text, start).end()  # type: ignore[union-attr]
    flow = bool(event.flow_style)
    return NodeSpan(start + 1 if flow else start, flow)


class _Unhashable:
    """Stands in for a non-scalar mapping key (rare in manifests)."""


def _key(node: Any) -> Any:
    if isinstance(node, str):
        return str(node)
    return _Unhashable()
