"""Write new scalar values into the original document text, and nothing else.

The raw text of a scalar is kept and only the old value inside it is swapped
for the new one, so quotes, block indicators and surrounding bytes stay as
written.  Only when the old value cannot be found verbatim in the raw text
(escape sequences, a plain scalar folded over lines) is the scalar rendered
afresh, in its own style when that is safe and double-quoted otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

_PLAIN_SAFE = re.compile(r"[A-Za-z0-9_./@\[\]-][A-Za-z0-9_./:@\[\]=+ -]*")


class Edit(NamedTuple):
    """Replace `old` by `new` in the scalar occupying text[start:end]."""

    start: int
    end: int
    style: str
    old: str
    new: str


def render(raw: str, edit: Edit) -> str:
    """The scalar's new raw text."""
    if raw.count(edit.old) == 1:
        return raw.replace(edit.old, edit.new)
    if edit.style == "'" and "\n" not in edit.new:
        return "'" + edit.new.replace("'", "''") + "'"
    if edit.style == "" and _PLAIN_SAFE.fullmatch(edit.new) and not edit.new.endswith(" "):
        return edit.new
    return '"' + edit.new.replace("\\", "\\\\").replace('"', '\\"') + '"'


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Apply non-overlapping edits; one edit per scalar (an alias target is
    edited once however many aliases point at it)."""
    unique = {e.start: e for e in edits}
    parts: list[str] = []
    position = 0
    for start in sorted(unique):
        edit = unique[start]
        parts.append(text[position:edit.start])
        parts.append(render(text[edit.start:edit.end], edit))
        position = edit.end
    parts.append(text[position:])
    return "".join(parts)


def line_ending(text: str) -> str:
    """The document's line ending, for text we add to it (CRLF stays CRLF)."""
    return "\r\n" if "\r\n" in text else "\n"
