"""Turn one document's text into plain dicts and lists whose leaves know where
they are in the text.

libyaml (through ruamel.yaml.clib) emits events with character offsets; we
build the tree from those events ourselves instead of using a constructor, so
that every scalar is a `Scalar` (a `str` carrying its span and style) that
jsonpath-ng can navigate like any string, and so that aliases are shared
references, never expanded copies (an alias bomb stays linear).

This is the hot loop of a run: every event of every document that
may hold an image passes through `_build`.  So the parser is libyaml's
`CParser` used directly (ruamel's `YAML.parse` builds a loader class per
call), events are told apart by class identity, and mapping keys stay plain
`str` (only values need a span).
"""

from __future__ import annotations

import gc
import re
from typing import Any

from .binary import BINARY_STYLE, BINARY_TAG, decode_binary
from .bounds import (
    MAX_FLOW_DEPTH,
    MERGE,
    MERGE_BUDGET,
    MERGE_TAGS,
    MergeError,
    merge,
    too_deep,
)
from .errors import LocateError as LocateError
from .errors import malformed, unreadable
from .fast import read
from .nodes import Located as Located
from .nodes import NodeSpan as NodeSpan
from .nodes import Scalar as Scalar

_PROPERTIES = re.compile(r"(?:[&!][^\s]*\s+)*")


def locate(text: str, *, spans: bool = False) -> Located:
    """Parse one document's text into a tree of dict/list/Scalar (None when empty).

    With `spans`, also record where each mapping and sequence starts (costs a
    little; only the pull-secret stage needs it).

    Raises LocateError for malformed YAML, duplicate keys, or a second document.
    """
    # The cyclic collector pauses while the tree grows (it would walk it again
    # and again, finding nothing to free: an alias cycle waits till it resumes).
    collecting = gc.isenabled()
    gc.disable()
    try:
        located = read(text, spans)
    finally:
        if collecting:
            gc.enable()
    return located if located is not None else locate_libyaml(text, spans=spans)


def locate_libyaml(text: str, *, spans: bool = False) -> Located:
    """`locate` through libyaml's events, whatever the text: the reading that
    counts wherever the fast reader refuses (and its tests' oracle)."""
    # Imported here, not at module level: a run whose documents the fast
    # reader takes never pays for libyaml's binding.
    from _ruamel_yaml import CParser
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    # libyaml skips a byte-order mark without counting it: parse past it and
    # shift every offset back onto the original text.
    offset = 1 if text.startswith("\ufeff") else 0
    body = text[offset:] if offset else text
    try:
        parser = CParser(body)
    except UnicodeEncodeError:  # a lone surrogate: not text that came from UTF-8
        raise LocateError("not valid UTF-8 text", None) from None
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _build(text, parser, offset, {} if spans else None)
    except MarkedYAMLError as err:
        if not _flow_scalar_limit(err):
            raise malformed(body, err) from None
    except YAMLError as err:
        raise unreadable(body, err, in_bytes=True) from None
    finally:
        parser.dispose()
        if collecting:
            gc.enable()
    return _locate_pure(text, body, offset, spans)


def _flow_scalar_limit(err: Any) -> bool:
    """Is this libyaml 0.1.7 refusing a plain scalar with `:` or `?` inside a
    flow collection (`{image: nginx:1.25}`, `[--url=http://x?y]`)?

    ruamel.yaml.clib bundles libyaml 0.1.7, from before libyaml 0.2.2/0.2.5
    allowed those; YAML 1.2, Kubernetes and ruamel's pure parser accept them.
    """
    return err.problem == "found unexpected ':'" or "flow" in (err.context or "")


class _Events:
    """ruamel's pure-Python event generator behind the CParser method _build uses."""

    def __init__(self, events: Any) -> None:
        self.get_event = events.__next__


def _locate_pure(text: str, body: str, offset: int, spans: bool) -> Located:
    """Parse again with ruamel's pure-Python parser (same event classes and
    character offsets, ~10x slower): only for documents the bundled libyaml
    refused for a flow-collection scalar, so its verdict is the one that counts."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    events = YAML(typ="safe", pure=True).parse(body)
    try:
        return _build(text, _Events(events), offset, {} if spans else None)
    except MarkedYAMLError as err:
        raise malformed(body, err) from None
    except YAMLError as err:
        raise unreadable(body, err, in_bytes=False) from None
    finally:
        events.close()


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
        StreamEndEvent,
    )

    anchors: dict[str, Any] = {}
    budget = MERGE_BUDGET + 10 * len(text)
    # Each frame: [container, pending key (None: a key comes next), line of that key].
    stack: list[list[Any]] = []
    root: Any = None
    documents = 0
    get_event = parser.get_event
    properties = _PROPERTIES.match
    new_str = str.__new__
    frame: list[Any] | None = None  # stack[-1], or None at the top level
    tagged = "!" in text  # a key can be tagged (!!binary) only then
    while True:
        event = get_event()  # one call per event: no check_event() first
        cls = event.__class__
        if cls is ScalarEvent:
            anchor = event.anchor
            if frame is not None and frame[1] is None and anchor is None \
                    and frame[0].__class__ is dict:
                # A mapping key: a plain str is enough (its line is kept for
                # a duplicate-key message); only values need a span.
                key = event.value
                if key == "<<" and not event.style and event.ctag in MERGE_TAGS:
                    key = MERGE
                elif tagged and event.ctag == BINARY_TAG:
                    key = decode_binary(key, event.start_mark.line)
                frame[1] = key
                frame[2] = event.start_mark.line
                continue
            mark = event.start_mark
            start = mark.index + offset
            value, style = event.value, event.style or ""
            if anchor is not None or event.ctag is not None:
                start = properties(text, start).end()  # type: ignore[union-attr]
                if event.ctag == BINARY_TAG:
                    value, style = decode_binary(value, mark.line), BINARY_STYLE
            # Scalar(...) inlined: a call per value is a visible share of the loop.
            node: Any = new_str(Scalar, value)
            node.__dict__ = {"start": start, "end": event.end_mark.index + offset,
                             "style": style, "line": mark.line}
            if anchor is not None:
                anchors[anchor] = node
        elif cls is MappingStartEvent or cls is SequenceStartEvent:
            container: Any = {} if cls is MappingStartEvent else []
            if event.anchor is not None:
                anchors[event.anchor] = container
            if len(stack) >= MAX_FLOW_DEPTH:  # one comparison in the hot loop
                problem = too_deep(len(stack), bool(event.flow_style))
                if problem is not None:
                    raise LocateError(problem, event.start_mark.line)
            # [container, pending key, its line, merge keys met (None: none),
            #  its start event (its span is recorded at its end event)]
            frame = [container, None, event.start_mark.line, None, event]
            stack.append(frame)
            continue
        elif cls is MappingEndEvent or cls is SequenceEndEvent:
            popped = stack.pop()
            node = popped[0]
            if popped[3] is not None:
                try:
                    budget = merge(node, popped[3], stack, budget)
                except MergeError as err:
                    raise LocateError(str(err), err.line) from None
            if spans is not None:
                spans[id(node)] = _node_span(text, popped[4], offset, event.end_mark.index + offset)
            frame = stack[-1] if stack else None
        elif cls is AliasEvent:
            if event.anchor not in anchors:
                # Not named: a functionConfig's `password: *…` must not reach
                # stderr or a KRM result; the line finds it.
                raise LocateError("an alias (*) to an undefined anchor", event.start_mark.line)
            node = anchors[event.anchor]
        elif cls is StreamEndEvent:
            break
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
            if key is MERGE:
                if frame[3] is None:
                    frame[3] = []
                frame[3].append((len(parent), node, frame[2]))
            elif key in parent:
                raise LocateError(f"duplicate key {key!r}", frame[2])
            else:
                parent[key] = node
            frame[1] = None
    return Located(root, spans or {})


def _node_span(text: str, event: Any, offset: int, end: int) -> NodeSpan:
    start = event.start_mark.index + offset
    if event.anchor or event.ctag:
        start = _PROPERTIES.match(text, start).end()  # type: ignore[union-attr]
    flow = bool(event.flow_style)
    return NodeSpan(start + 1 if flow else start, flow, end)


class _Unhashable:
    """Stands in for a non-scalar mapping key (rare in manifests)."""

    def __repr__(self) -> str:
        return "<complex key>"


def _key(node: Any) -> Any:
    if isinstance(node, Scalar) and node == "<<" and not node.style:
        return MERGE  # an anchored `&a <<` is still the merge key
    if isinstance(node, str):
        return str(node)
    return _Unhashable()
