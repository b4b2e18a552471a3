"""Every change to a document's text: one edit type, applied in one place.

The promise is that bytes we did not change do not move, so nothing here
re-serializes a document: an `Edit` replaces `text[start:end]` (an insertion
has `start == end`) and `apply_edits` splices them all into the original text
once.  Helpers build the edits the stages need: a scalar's new value (its
quotes and block indicators kept), and YAML text for what is inserted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from .tree import Scalar

# Compiled on first use (re's cache): most runs render no scalar afresh.
_PLAIN_SAFE = r"[A-Za-z0-9_./@\[\]-][A-Za-z0-9_./:@\[\]=+ -]*"
_PLAIN_NAME = r"[a-z0-9][a-z0-9.-]*"


class Edit(NamedTuple):
    """Replace `text[start:end]` by `new` (insert when start == end)."""

    start: int
    end: int
    new: str


Pieces = tuple[tuple[int, int, str], ...]


def render_scalar(raw: str, style: str, old: str, new: str, pieces: Pieces = ()) -> str:
    """A scalar's new raw text: the old value swapped inside the raw text when
    it is there verbatim, else each changed piece (start, end, new text, in
    value offsets) swapped where it stands in the raw text (a block scalar
    holding several references), else the new value in the scalar's own style
    when that is safe, double-quoted otherwise (escapes, folded plain scalars)."""
    if raw.count(old) == 1:
        return raw.replace(old, new)
    in_place = _render_pieces(raw, old, pieces) if pieces else None
    if in_place is not None:
        return in_place
    if style == "'" and "\n" not in new:
        return "'" + new.replace("'", "''") + "'"
    if style == "" and re.fullmatch(_PLAIN_SAFE, new) and not new.endswith(" "):
        return new
    return '"' + new.replace("\\", "\\\\").replace('"', '\\"') + '"'


def replace_scalar(text: str, scalar: Scalar, new_value: str, pieces: Pieces = ()) -> Edit:
    """The edit that gives `scalar` (a node of `text`) the value `new_value`;
    `pieces` are the changed parts, when known."""
    raw = text[scalar.start:scalar.end]
    return Edit(scalar.start, scalar.end,
                render_scalar(raw, scalar.style, str(scalar), new_value, pieces))


def _render_pieces(raw: str, old: str, pieces: Pieces) -> str | None:
    """Each changed piece replaced where it stands in the raw text, or None.

    The k-th occurrence of a piece in the value is taken to be its k-th
    occurrence in the raw text, which holds only when both have as many: a
    reference has no character that YAML escapes or folds, so an escape that
    could shift them shows as a different count, and then the scalar is
    rendered afresh instead.
    """
    spots: list[tuple[int, int, str]] = []
    for start, end, new in pieces:
        piece = old[start:end]
        in_value = _occurrences(old, piece)
        in_raw = _occurrences(raw, piece)
        if not piece or len(in_value) != len(in_raw) or start not in in_value:
            return None
        at = in_raw[in_value.index(start)]
        spots.append((at, at + len(piece), new))
    parts: list[str] = []
    position = 0
    for start, end, new in sorted(spots):
        if start < position:
            return None
        parts += [raw[position:start], new]
        position = end
    parts.append(raw[position:])
    return "".join(parts)


def _occurrences(text: str, piece: str) -> list[int]:
    found: list[int] = []
    at = text.find(piece) if piece else -1
    while at >= 0:
        found.append(at)
        at = text.find(piece, at + len(piece))
    return found


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Apply non-overlapping edits.  One edit per place: an alias target is
    edited once however many aliases point at it.  An insertion goes before
    a replacement that starts where it does."""
    unique: dict[tuple[int, int], Edit] = {}
    for edit in edits:
        unique.setdefault((edit.start, edit.end), edit)
    parts: list[str] = []
    position = 0
    for key in sorted(unique):
        edit = unique[key]
        parts.append(text[position:edit.start])
        parts.append(edit.new)
        position = edit.end
    parts.append(text[position:])
    return "".join(parts)


def line_ending(text: str) -> str:
    """The document's line ending, for text we add to it (CRLF stays CRLF)."""
    return "\r\n" if "\r\n" in text else "\n"


def json_string(value: str) -> str:
    """A JSON string literal, which is also a YAML double-quoted one."""
    import json  # imported where used: only runs that insert text (start-up)

    return json.dumps(value)


def yaml_string(value: str) -> str:
    """A string as YAML: plain when that reads back as the same string,
    double-quoted otherwise (`"123"`, `"true"` and `"null"` must stay strings)."""
    if re.fullmatch(_PLAIN_NAME, value) and Scalar(value, 0, 0, "", 0).is_string:
        return value
    return json_string(value)


def column(text: str, offset: int) -> int:
    """The column of `offset` in its line (for indenting inserted lines)."""
    return offset - (text.rfind("\n", 0, offset) + 1)


def flow_insertion(text: str, inner: int, has_items: bool, entry: str) -> Edit:
    """An entry before the first one of a flow node, reusing the white space
    that separates `{`/`[` from it (a pretty-printed JSON document stays pretty)."""
    if not has_items:
        return Edit(inner, inner, entry)
    first = inner
    while first < len(text) and text[first] in " \t\r\n":
        first += 1
    gap = text[inner:first] or " "
    return Edit(first, first, f"{entry},{gap}")
