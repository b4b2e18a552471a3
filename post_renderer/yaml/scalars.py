"""Scalars that span lines, for the fast reader: literal block scalars, and
plain and quoted scalars folded over lines (go-yaml, under Helm's `toYaml`,
folds long strings so).  Each function gives the Scalar libyaml would, or
None when anything is out of the ordinary (a blank line inside a folded
scalar, an escape, a comment, odd indentation): libyaml then reads the
document.
"""

from __future__ import annotations

import re

from .nodes import Scalar, matcher

# Deeper block scalar content is libyaml's (a pattern is compiled per depth).
MAX_INDENT = 160
_INDENT = re.compile(" *")
_TAIL = re.compile(r" *+(?:(?<![^ \n])#[^\n]*+)?+\n")
_BLOCK_ENDS: dict[int, re.Pattern[str]] = {}
# A plain scalar's next line: any text but a comment, no `: ` or final `:`
# (a key), no ` #` (a comment), no trailing space.
# (Compiled on first use, by nodes.matcher: most documents need none.)
_CONTINUATION = (r"((?:[^ #:\n]|:(?=[^ \n]))(?:[^ :\n]++|:(?=[^ \n])| ++(?=[^ #\n]))*+)"
                 r" *+\n")
# The rest of a quoted scalar's line, and its closing quote if it is there.
_PIECES = {"'": r"((?:[^'\n]|'')*+)('?)", '"': r'([^"\\\n]*+)("?)'}


def literal(text: str, begin: int, at: int, clip: bool, owner: int,
            line: int) -> tuple[Scalar, int, int] | None:
    """A literal block scalar (`|` or `|-` at `at`) whose content starts at
    `begin`: the Scalar, where libyaml ends it (the start of the first line
    after its content and trailing blank lines), and how many lines follow
    its header.

    Its indentation is that of its first line with text, which must be
    deeper than the collection that holds it (`owner`) and than any blank
    line before it; it ends at the first line with text that is less
    indented.  No such line: an empty scalar.
    """
    start, widest = begin, 0
    while True:  # leading blank lines
        first = _INDENT.match(text, start).end()  # type: ignore[union-attr]
        if first == len(text) or text[first] != "\n":
            break
        widest = max(widest, first - start)
        start = first + 1
    indent = first - start
    if indent > MAX_INDENT:
        return None
    if first == len(text) or indent <= owner:
        stop = start if first < len(text) else len(text)
        node = str.__new__(Scalar, "")
        node.__dict__ = {"start": at, "end": stop, "style": "|", "line": line}
        return node, stop, text.count("\n", begin, stop)
    if widest > indent:
        return None
    pattern = _BLOCK_ENDS.get(indent)
    if pattern is None:
        pattern = _BLOCK_ENDS[indent] = re.compile(f"\\n {{0,{indent - 1}}}+[^ \\n]")
    found = pattern.search(text, begin - 1)
    stop = found.start() + 1 if found is not None else len(text)
    lines = text[begin:stop].split("\n")
    lines.pop()  # after the last newline
    last = len(lines) - 1
    while len(lines[last]) <= indent:  # trailing blank lines: chomped
        last -= 1
    value = "\n".join([part[indent:] for part in lines[:last + 1]])
    node = str.__new__(Scalar, value + "\n" if clip else value)
    node.__dict__ = {"start": at, "end": stop, "style": "|", "line": line}
    return node, stop, len(lines)


def continued_plain(text: str, pos: int, owner: int,
                    first: Scalar) -> tuple[Scalar, int, int] | None:
    """The plain scalar `first` folded with its next lines from `pos` on
    (each deeper than `owner`): the Scalar, where its last line ends, and
    how many lines were added."""
    parts = [str(first)]  # (joined once: linear however many lines)
    end, count = first.end, 0
    while pos < len(text):
        lead, breaks = _blank_lines(text, pos)
        if (lead == len(text) or lead - text.rfind("\n", 0, lead) - 1 <= owner
                or text[lead] == "#"):
            break  # (blank lines left to the caller)
        m = matcher(_CONTINUATION)(text, lead)
        if m is None:
            return None
        parts += ("\n" * breaks if breaks else " ", m.group(1))
        end, count = m.end(1), count + breaks + 1
        pos = m.end()
    node = str.__new__(Scalar, "".join(parts))
    node.__dict__ = {"start": first.start, "end": end, "style": "", "line": first.line}
    return node, pos, count


def _blank_lines(text: str, pos: int) -> tuple[int, int]:
    """Past the blank lines from `pos`: the first character that is not a
    space of the next line with text (or the end), and how many were blank.
    `pos` is the start of a line, and so is what the caller keeps."""
    breaks = 0
    while True:
        lead = _INDENT.match(text, pos).end()  # type: ignore[union-attr]
        if lead == len(text) or text[lead] != "\n":
            return lead, breaks
        breaks += 1
        pos = lead + 1


def quoted(text: str, at: int, owner: int, line: int) -> tuple[Scalar, int, int] | None:
    """A quoted scalar opening at `at` and closing on a later line (each
    line with text deeper than `owner`, no escape): the Scalar, the start
    of the line after it, and how many lines it spans.  A line break folds
    into one space with the spaces around it; blank lines into newlines."""
    quote = text[at]
    piece = matcher(_PIECES[quote])
    m = piece(text, at + 1)
    if m is None or m.group(2) or text[m.end()] != "\n":
        return None
    parts = [m.group(1).rstrip(" ")]
    pos, count = m.end() + 1, 1
    while pos < len(text):
        lead, breaks = _blank_lines(text, pos)
        if lead == len(text):
            return None
        start = text.rfind("\n", 0, lead) + 1
        if lead - start <= owner:
            return None
        m = piece(text, lead)
        if m is None:
            return None
        count += breaks + 1
        parts.append("\n" * breaks if breaks else " ")
        if m.group(2):
            parts.append(m.group(1))  # spaces before the closing quote are kept
            tail = _TAIL.match(text, m.end())
            if tail is None:
                return None
            value = "".join(parts)
            node = str.__new__(Scalar, value.replace("''", "'") if quote == "'" else value)
            node.__dict__ = {"start": at, "end": m.end(), "style": quote, "line": line}
            return node, tail.end(), count
        if text[m.end()] != "\n":
            return None  # an escape
        parts.append(m.group(1).rstrip(" "))
        pos = m.end() + 1
    return None
