"""Decide from raw bytes, before parsing, whether a document can hold an image.

Most documents of a chart (RBAC, Services, ConfigMaps) hold none, and not
parsing them is most of the speed of a run.  But a skipped document is a
document nobody looked at, so every shortcut here must be provably
conservative: whatever YAML or JSON spelling a document uses, if it could
hold an image an extractor or the audit would find, it is parsed.

The proof rests on one fact: outside double-quoted scalars with escapes
(`"imag\\u0065"`) and tags that decode (`!!binary aW1hZ2U=` is `image` to
go-yaml), YAML has no way to spell a key other than with its own characters
(quotes, anchors, flow style and line folding never join or change
letters).  So:

- a document with an escape that can spell a letter (`\\x`, `\\u`, `\\U`,
  an escaped line break of any kind), a tag, or `image` in any ASCII case is
  parsed, unless it is provably a core ConfigMap or Secret (their data is
  data) that is not a List (any object with `items` is one to Kubernetes);
- otherwise it is parsed only when it contains a key an extractor could find
  an image under without `image` in its path (`spec.package` of Crossplane,
  the `prometheus-config-reloader` flag): the table's "needles".

"Provably a ConfigMap" reads the top-level `kind` and `apiVersion` from
libyaml's events, never from lines of text, and gives up (parse it) at any
doubt: a tag, an alias, a merge key, a duplicate, a text libyaml refuses
(Kubernetes' line reader may cut it into documents before go-yaml reads it).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ..yaml.toplevel import ITEMS, UNREADABLE, may_escape, top_level
from .exempt import FieldList
from .glob import literal_run
from .rows import Extractor
from .table import ExtractorTable

# The word in any ASCII case (the audit reads flag and env names
# case-insensitively), found in a lower-cased copy: a regex with character
# classes at every position cost more than the rest of the test together.
_LOWER = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"abcdefghijklmnopqrstuvwxyz")
_HAS_IMAGE_WORD = re.compile(r"[Mm][Aa][Gg][Ee]")
# Start with a literal newline (searched for, not tried at every offset as a
# `^` anchor is); a first line is matched apart, with a newline put before it.
_KIND_LINE = re.compile(rb"\nkind:[ \t]+(ConfigMap|Secret)[ \t]*(?:#[^\n]*)?\r?(?:\n|\Z)")
_PLAIN_V1 = re.compile(rb"\napiVersion:[ \t]+v1[ \t]*(?:#[^\n]*)?\r?(?:\n|\Z)")
_SIMPLE_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\[\*\])?")
# Core kinds whose payload is data, not a description of what runs: neither the
# audit nor this test looks for images in them.
OPAQUE_KINDS = frozenset({"ConfigMap", "Secret"})

def may_hold_images(table: ExtractorTable, data: bytes) -> bool:
    """Could this document hold an image that extraction or the audit finds?"""
    if (b"mage" in data or b"mage" in data.translate(_LOWER)
            or may_escape(data)):
        return not _is_opaque(table, data)
    for needle in needles(table):  # a loop: any() over a generator cost more
        if needle in data:
            return _rows_may_find(table, data)
    return False


def _rows_may_find(table: ExtractorTable, data: bytes) -> bool:
    """A needle is in the text, but common words (`values`, `plugin`) are in
    many documents: does a row or notice exist for this document's proven
    kind (libyaml's events; any doubt, a List, an unreadable text means
    yes)?"""
    top = top_level(data)
    if top is None or top is UNREADABLE or ITEMS in top:
        # unreadable to libyaml is no proof: Kubernetes' line reader may cut
        # it into documents first; any object with `items` is a List
        return True
    if any(n.kind is None for n in table.notices):
        return True
    kind, api_version = top.get("kind"), top.get("apiVersion")
    if not isinstance(kind, str) or not isinstance(api_version, str):
        return False  # not a resource: no row applies (an image key would say `image`)
    return kind.endswith("List") or _rows_may_apply(
        (*table.rows_for(api_version, kind), *(n for n in table.notices if n.kind == kind)), data)


def needles(table: ExtractorTable) -> tuple[bytes, ...]:
    """Words one of which a document without `image` text must contain for
    the table to find an image in it (b"" when any document could);
    worked out once per table."""
    return table.memoized(("needles",), lambda: _needles(table))


def _needles(table: ExtractorTable) -> tuple[bytes, ...]:
    found: set[bytes] = set()
    shape = table.shape
    for pattern in (*shape.arg_flags, *shape.env_names):
        found.update(_glob_needle(pattern))
    for rows in table.by_kind.values():
        for row in rows:
            for pattern in (*row.args, *row.env):
                found.update(_glob_needle(pattern))
            # PodSpecs and containers hold images under `image` keys, or in
            # the flags and env vars above; only direct paths need a word.
            for expression in (*row.paths, *row.split_images):
                found.update(_path_needle(expression))
    for notice in table.notices:  # fields warned about count as much
        for expression in (*notice.paths, *notice.named):
            found.update(_path_needle(expression))
        for pattern in notice.args:
            found.update(_glob_needle(pattern))
    return tuple(sorted(found))


def _glob_needle(pattern: str) -> tuple[bytes, ...]:
    """The longest literal run of a flag/env glob without `image` in it."""
    if _HAS_IMAGE_WORD.search(pattern):
        return ()
    return (literal_run(pattern).encode(),)


def _path_needle(expression: str) -> tuple[bytes, ...]:
    """The last field of a path whose fields never say `image`."""
    fields = expression.split(".")
    if not all(_SIMPLE_FIELD.fullmatch(f) for f in fields):
        return (b"",)  # a general jsonpath: no word is certain
    if any(_HAS_IMAGE_WORD.search(f) for f in fields):
        return ()
    return (fields[-1].removesuffix("[*]").encode(),)


def _is_opaque(table: ExtractorTable, data: bytes) -> bool:
    """A core ConfigMap or Secret that no row covers, proven (or a document no
    YAML reader of Kubernetes can read).

    Only a document with a plain `kind: ConfigMap`/`kind: Secret` line at
    column 0 is considered at all (a workload that merely names a Secret is
    answered "parse it" at once, which is the conservative answer); the line
    is then trusted only where no other spelling can exist (see
    `_plain_kind`), else libyaml's events decide.
    """
    if b"ConfigMap" not in data and b"Secret" not in data:
        return False
    line = _KIND_LINE.search(data) or _KIND_LINE.match(b"\n" + data[:64])
    if line is None:
        return False
    kind: Any = line.group(1).decode()
    if not _written_once(data):
        top = top_level(data)
        if top is None or top is UNREADABLE or ITEMS in top:
            # an `items` list makes any object a List to Kubernetes (its items
            # are what gets applied), whatever its kind
            return False
        kind = top.get("kind") if top.get("apiVersion") == "v1" else None
    return kind in OPAQUE_KINDS and not _rows_may_apply(
        (*table.rows_for("v1", str(kind)), *(n for n in table.notices if n.kind == kind)), data)


def _written_once(data: bytes) -> bool:
    """Can the column-0 `kind:` line and a plain `apiVersion: v1` line be
    the document's only spelling of those keys?

    Each written once in the whole text, no escape, no merge key: no other
    spelling can exist (no escape means the letters are written out; once
    means this is the only place), so the document's kind is that line's,
    or it has none and no cluster takes it.
    """
    return (not may_escape(data) and b"<<" not in data and data.count(b"kind") == 1
            and b"items" not in data
            and data.count(b"apiVersion") == 1
            and (_PLAIN_V1.search(data) or _PLAIN_V1.match(b"\n" + data[:64])) is not None)


def _rows_may_apply(rows: Sequence[Extractor | FieldList], data: bytes) -> bool:
    """Could one of these rows apply?  A row that names its resources
    (`name:`) applies only where the name's literal text is in the bytes, so
    a row for one ConfigMap does not send every ConfigMap to the parser."""
    return any(not row.names or any(literal_run(name).encode() in data for name in row.names)
               for row in rows)


# A top-level-looking `key: value` line whose key says image (`SIDECAR_IMAGE:`,
# `image:`, `helperImage:`) and whose value could start a reference.  Plain
# keys only: JSON (a dashboard) quotes its keys.
_DATA_IMAGE_LINE = re.compile(
    rb"\n[ \t]+[A-Za-z0-9_.-]*(?:IMAGE|[Ii]mage)[A-Za-z0-9_.-]*[ \t]*:[ \t]*[\"']?[a-z0-9]")
_ANY_KIND_LINE = re.compile(rb"\nkind:[ \t]*[\"']?([A-Za-z0-9]+)")


def config_map_may_hold_images(data: bytes) -> bool:
    """For a ConfigMap that `may_hold_images` leaves alone: might its data
    hold an image under an image-like key, for the audit to report?  (A
    warning's heuristic, not the gate's: the gate never skips a workload.)"""
    if b"ConfigMap" not in data or _DATA_IMAGE_LINE.search(data) is None:
        return False
    kinds = [m.group(1) for m in _ANY_KIND_LINE.finditer(b"\n" + data)]
    return kinds == [b"ConfigMap"]
