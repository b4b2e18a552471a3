"""A document's top-level `kind` and `apiVersion`, read from libyaml's events
without building the document.

Two callers need them for certain or not at all: the pre-parse test, which
may leave a ConfigMap undecoded only when its kind is proven, and the KRM
route, which tells a ResourceList from a stream by them without loading a
large first document.
"""

from __future__ import annotations

import re
import sys

from .fast import read

# Escapes that produce letters (`\x` `\u` `\U`) or characters YAML 1.1 has
# only as escapes (`\N` `\_` `\L` `\P`), and escaped line breaks: `\`
# before CR, LF, NEL, LS or PS (go-yaml's line breaks) joins two runs of text.
_ESCAPE = re.compile(rb"\\(?:[xuUN_LP\r\n]|\xc2\x85|\xe2\x80[\xa8\xa9])")
# A tag that can resolve to !!binary, which makes go-yaml read a different
# text (`!!binary aW1hZ2U=` is `image`): the secondary handle `!!`, a verbatim
# `!<…>`, a named handle `!h!`; the primary `!` only under a %TAG directive.
# A local tag (`!foo`, PromQL's `!=` and `!~`) is read as the same string.
_TAG = re.compile(rb"[\s\[{,:]!(?:!|<|[\w-]*!)")
_KEYS = ("kind", "apiVersion")
ITEMS = "items"
_STR_TAGS = frozenset({None, "tag:yaml.org,2002:str"})
# top_level's answer for text libyaml's reader refuses (a NUL, a control
# character).  Not proof of harmlessness: Kubernetes' line reader may split
# such a text into documents before go-yaml sees the bytes.
UNREADABLE: dict[str, str | None] = {}


def may_escape(data: bytes) -> bool:
    """Could a key be spelled here with other characters than its own?  A
    double-quoted escape can: `\\x`, `\\u`, `\\U` produce letters, an
    escaped line break joins two runs of letters (`\\d` in a PrometheusRule's
    regex or `\\"` in a dashboard's JSON cannot); so can a tag (`!!binary`
    decodes base64)."""
    return ((b"\\" in data and _ESCAPE.search(data) is not None)
            or (b"!" in data and (data.startswith(b"!") or b"%TAG" in data
                                  or _TAG.search(data) is not None)))


def top_level(data: bytes, *, first_only: bool = False) -> dict[str, str | None] | None:
    """`top_level_libyaml`'s answer, the cheaper way: libyaml's events stop
    at the two keys, the fast reader reads the whole document but spares the
    import of the binding and of the ruamel.yaml package (about 12 ms) to a
    run that needs neither.  So the fast reader's tree answers, when it takes
    the document, unless the binding is loaded already (a configuration file
    loads it) or `first_only` (a possibly large ResourceList).  The answers
    are the same: a document the fast reader takes has no tag, alias,
    duplicate or `<<` key (in any quoting).
    """
    if not first_only and "_ruamel_yaml" not in sys.modules:
        found = top_level_fast(data)
        if found is not None:
            return found
    return top_level_libyaml(data, first_only=first_only)


def top_level_fast(data: bytes) -> dict[str, str | None] | None:
    """The answer from the fast reader's tree, or None when it does not take
    the document."""
    try:
        located = read(data.decode("utf-8"), False)
    except UnicodeError:
        return None
    if located is None:
        return None
    root = located.root
    found: dict[str, str | None] = {
        key: (str(root[key]) if isinstance(root[key], str) else None)
        for key in _KEYS if key in root}
    if ITEMS in root:
        found[ITEMS] = None
    return found


def top_level_libyaml(data: bytes, *, first_only: bool = False
                      ) -> dict[str, str | None] | None:
    """The document's top-level `kind` and `apiVersion` strings (None for a
    key that is absent or not a plain string; `items` is a key when the root
    has one, whatever its value), or None when they cannot be
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
                            and data.count(b"kind") == 1 and b"items" not in data
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
                if event.value == "<<" or event.ctag not in _STR_TAGS or (
                        event.value in _KEYS and event.anchor is not None):
                    return None  # a merge, or a tag that may change the text (!!binary)
                if event.value in _KEYS:
                    if event.value in found:
                        return None  # a duplicate: let the parser say so
                    pending = event.value
                elif event.value == ITEMS:
                    found[ITEMS] = None  # Kubernetes reads any object with items as a List
                continue
            elif pending is not None and event.ctag not in _STR_TAGS:
                return None
            if not is_key and pending is not None:
                found[pending] = event.value if isinstance(event, ScalarEvent) else None
                pending = None
                if unique and all(key in found for key in _KEYS):
                    break
    except ReaderError:
        return UNREADABLE
    except (YAMLError, RecursionError, ValueError):
        return None
    finally:
        parser.dispose()
    return found
