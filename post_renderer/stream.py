"""Split a YAML byte stream into documents without parsing it, and write it back.

A document starts at a `---` line and ends after a `...` line or where the next
`---` starts; both are c-forbidden at column 0 inside any scalar (YAML 1.2,
9.1.4), so a line scan finds exactly the parser's boundaries.  Working on raw
bytes lets the chunks be concatenated back into the input byte for byte, and
lets documents that cannot hold an image go out without ever being decoded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

BLOCK_SIZE = 1 << 20

# `---` opens a document: split before it.  `...` closes one: split after its line.
_BOUNDARY = re.compile(
    rb"^(?:(?P<start>---)(?=[ \t\r\n]|\Z)|\.\.\.(?=[ \t\r\n]|\Z)[^\n]*(?:\n|\Z))", re.M
)


@dataclass(frozen=True, slots=True)
class Chunk:
    """One document's bytes, separators and comments included.

    `index` counts chunks from 0 in input order; `line` is the 1-based input
    line the chunk starts on, so messages can point into the whole stream.
    """

    index: int
    line: int
    data: bytes


def _cuts(buf: bytes, start: int, end: int) -> Iterator[int]:
    """Offsets in buf[start:end] where one document ends and the next begins."""
    for match in _BOUNDARY.finditer(buf, start, end):
        yield match.start() if match.group("start") else match.end()


def split_documents(stream: BinaryIO, block_size: int = BLOCK_SIZE) -> Iterator[Chunk]:
    """Yield the documents of `stream` as they complete; memory is bounded by
    the largest document plus one block."""
    # read1 returns what a pipe has now instead of waiting for a whole block,
    # so a document is processed as soon as its end has arrived.
    read = getattr(stream, "read1", stream.read)
    buf = b""
    scanned = 0  # boundaries before this offset of buf have been handled
    index = 0
    line = 1
    eof = False
    while not eof:
        block = read(block_size)
        eof = not block
        buf += block
        # Only complete lines can be judged, except at the end of input.
        limit = len(buf) if eof else buf.rfind(b"\n") + 1
        begin = 0
        if limit > scanned:
            for cut in _cuts(buf, scanned, limit):
                if cut > begin:
                    data = buf[begin:cut]
                    yield Chunk(index, line, data)
                    index += 1
                    line += data.count(b"\n")
                    begin = cut
            buf = buf[begin:]
            scanned = limit - begin
    if buf:
        yield Chunk(index, line, buf)
