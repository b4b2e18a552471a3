"""Split a YAML byte stream into documents without parsing it, and write it back.

A document starts at a `---` line and ends after a `...` line or where the next
`---` starts; both are c-forbidden at column 0 inside any scalar (YAML 1.2,
9.1.4), so a line scan finds exactly the parser's boundaries.  Working on raw
bytes lets the chunks be concatenated back into the input byte for byte, and
lets documents that cannot hold an image go out without ever being decoded.

Cost is linear in the input whatever its shape: the buffer is a
bytearray (appending a pipe read does not copy what is already there, which
made one 20 MB document quadratic), only the newly read bytes are searched for
the last complete line, and boundaries are found by a pattern that starts with
a literal newline, which the regex engine skips to with a fast search instead
of trying every position as a `^` anchor would make it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

BLOCK_SIZE = 1 << 20

# `---` opens a document: split before it.  `...` closes one: split after its line.
# The end marker's line is only looked at (a lookahead), not consumed, so that
# the newline ending it can still introduce the next marker.  A byte-order mark
# may precede `---` (YAML 1.2 l-document-prefix): `cat` of files saved with one.
_MARKER = (rb"(?:(?P<start>(?:\xef\xbb\xbf)?---)(?=[ \t\r\n]|\Z)"
           rb"|\.\.\.(?=[ \t\r\n]|\Z)(?=(?P<end>[^\n]*(?:\n|\Z))))")
_BOUNDARY_AFTER_NEWLINE = re.compile(rb"\n" + _MARKER)
_BOUNDARY_HERE = re.compile(_MARKER)


class Chunk:
    """One document's bytes, separators and comments included.

    `index` counts chunks from 0 in input order; `line` is the 1-based input
    line the chunk starts on, so messages can point into the whole stream.
    A plain slotted class: a frozen dataclass costs about a millisecond of
    start-up in exec'd methods, and a NamedTuple cannot have a field named
    `index` (tuple.index).
    """

    __slots__ = ("index", "line", "data")

    def __init__(self, index: int, line: int, data: bytes) -> None:
        self.index, self.line, self.data = index, line, data

    def __repr__(self) -> str:
        return f"Chunk(index={self.index}, line={self.line}, data={self.data!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Chunk):
            return NotImplemented
        return (self.index, self.line, self.data) == (other.index, other.line, other.data)

    def __hash__(self) -> int:
        return hash((self.index, self.line, self.data))


def _cuts(buf: bytearray, start: int, end: int) -> Iterator[int]:
    """Offsets in buf[start:end] where one document ends and the next begins.

    `start` is a line start: 0, or just after a newline.
    """
    if start == 0:
        match = _BOUNDARY_HERE.match(buf, 0, end)
        if match:
            yield 0 if match.group("start") else match.end("end")
    for match in _BOUNDARY_AFTER_NEWLINE.finditer(buf, max(start - 1, 0), end):
        yield match.start() + 1 if match.group("start") else match.end("end")


def split_documents(stream: BinaryIO, block_size: int = BLOCK_SIZE) -> Iterator[Chunk]:
    """Yield the documents of `stream` as they complete; memory is bounded by
    the largest document plus one block."""
    # read1 returns what a pipe has now instead of waiting for a whole block,
    # so a document is processed as soon as its end has arrived.
    read = getattr(stream, "read1", stream.read)
    buf = bytearray()
    scanned = 0  # boundaries before this offset of buf have been handled
    complete = 0  # buf[:complete] ends with a whole line
    index = 0
    line = 1
    eof = False
    while not eof:
        block = read(block_size)
        eof = not block
        searched = len(buf)
        buf += block
        # Only complete lines can be judged, except at the end of input.
        if eof:
            complete = len(buf)
        else:
            newline = buf.rfind(b"\n", searched)
            if newline >= 0:
                complete = newline + 1
        if complete <= scanned:
            continue
        # Copy the finished documents out (once, through a memoryview) and drop
        # them from the buffer before handing them on, so that a large document
        # is held once, not twice, while it is processed.
        begin = 0
        done: list[bytes] = []
        with memoryview(buf) as view:
            for cut in _cuts(buf, scanned, complete):
                if cut > begin:
                    done.append(bytes(view[begin:cut]))
                    begin = cut
        del buf[:begin]
        scanned = complete - begin
        complete = scanned
        done.reverse()
        while done:
            data = done.pop()
            yield Chunk(index, line, data)
            index += 1
            line += data.count(b"\n")
    if buf:
        data = bytes(buf)
        del buf[:]
        yield Chunk(index, line, data)
