"""A document's top-level `kind` and `apiVersion`, read from libyaml's events
without building the document.

Two callers need them for certain or not at all: the pre-parse test, which
may leave a ConfigMap undecoded only when its kind is proven, and the KRM
route, which tells a ResourceList from a stream by them without loading a
large first document.
"""

from __future__ import annotations

import re

_ESCAPE = re.compile(rb"\\[xuU\r\n]")
_KEYS = ("kind", "apiVersion")
_STR_TAGS = frozenset({None, "tag:yaml.org,2002:str"})
# top_level's answer for text libyaml's reader refuses (a NUL, a control
# character): go-yaml's reader, which Kubernetes uses, refuses the same.
UNREADABLE: dict[str, str | None] = {}


def may_escape(data: bytes) -> bool:
    """Could a double-quoted escape spell a letter here?  Only `\\x`, `\\u`,
    `\\U` produce letters, and an escaped line break joins two runs of
    letters; `\\d` in a PrometheusRule's regex or `\\"` in a dashboard's
    JSON cannot."""
    return b"\\" in data and _ESCAPE.search(data) is not None


def top_level(data: bytes, *, first_only: bool = False) -> dict[str, str | None] | None:
    """The document's top-level `kind` and `apiVersion` strings (None for a
    key that is absent or not a plain string), or None when they cannot be
    known for certain without building the document: a parse error, a root
    that is not a mapping, a tag, alias or merge key on them, a duplicate.

    libyaml's events cost little for what matters here: a ConfigMap's large
    values are one event each.  With `first_only`, the first values found
    are taken (no proof of uniqueness: for telling a KRM ResourceList, whose
    writers put both keys first, from a stream, not for skipping a document).
    """
    from _ruamel_yaml import CParser
    from ruamel.yaml.error import YAMLError
    from ruamel.yaml.events import (
        AliasEvent,
        CollectionEndEvent,
        CollectionStartEvent,
        DocumentStartEvent,
        MappingStartEvent,
        ScalarEvent,
        StreamEndEvent,
    )
    from ruamel.yaml.reader import ReaderError

    # A single spelling of each key, and no merge key: the first values found
    # are final, so the scan can stop there.
    unique = first_only or (not may_escape(data) and b"<<" not in data
                            and data.count(b"kind") == 1
              and data.count(b"apiVersion") <= 1)
    try:
        text = data.decode("utf-8")
        parser = CParser(text[1:] if text.startswith("\ufeff") else text)
    except (UnicodeError, ValueError):
        return None
    found: dict[str, str | None] = {}
    depth = 0  # 1: between the root mapping's entries
    next_is_key = True
    pending: str | None = None  # the key of interest whose value comes next
    documents = 0
    try:
        while True:
            event = parser.get_event()
            if isinstance(event, StreamEndEvent):
                break
            if isinstance(event, DocumentStartEvent):
                documents += 1
                if documents > 1:
                    return None
                continue
            if depth == 0:
                if isinstance(event, MappingStartEvent):
                    depth = 1
                elif isinstance(event, (CollectionStartEvent, ScalarEvent, AliasEvent)):
                    return None  # not a mapping: nothing to prove
                continue
            if depth > 1:  # inside a key or value of the root mapping
                if isinstance(event, CollectionStartEvent):
                    depth += 1
                elif isinstance(event, CollectionEndEvent):
                    depth -= 1
                continue
            if isinstance(event, CollectionEndEvent):
                depth = 0  # the root mapping ends
                continue
            is_key, next_is_key = next_is_key, not next_is_key
            if isinstance(event, CollectionStartEvent):
                depth = 2  # a complex key or a nested value: skipped
            elif isinstance(event, AliasEvent):
                if is_key or pending is not None:
                    return None  # *k could be `kind`, or its value
            elif not isinstance(event, ScalarEvent):
                continue
            elif is_key:
                if event.value == "<<" or (event.value in _KEYS and (
                        event.anchor is not None or event.ctag not in _STR_TAGS)):
                    return None
                if event.value in _KEYS:
                    if event.value in found:
                        return None  # a duplicate: let the parser say so
                    pending = event.value
                continue
            elif pending is not None and event.ctag not in _STR_TAGS:
                return None
            if not is_key and pending is not None:
                found[pending] = event.value if isinstance(event, ScalarEvent) else None
                pending = None
                if unique and len(found) == len(_KEYS):
                    break
    except ReaderError:
        return UNREADABLE
    except (YAMLError, RecursionError, ValueError):
        return None
    finally:
        parser.dispose()
    return found
