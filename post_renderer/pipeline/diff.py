"""`--diff`: a unified diff of the stream in against the stream out, instead of
the manifests, for a reviewer's dry run.

Written as the stream is processed, document by document, so memory stays
bounded by the largest document as it does without `--diff`: only changed
documents are compared line by line, and an unchanged one only feeds the few
lines of context a hunk may need.  Hunks are grouped as `diff -u` groups them
(three lines of context, across document boundaries too), so the output
applies with `patch` without fuzz.  Lines are compared as bytes and end at LF
only, as the stream splitter's do: the input need not be UTF-8, and a CR is
content.
"""

from __future__ import annotations

from collections import deque
from difflib import SequenceMatcher
from typing import BinaryIO, NamedTuple

from ..model import Document, End
from .streams import Report, ReportFile, StreamWriter

CONTEXT = 3
NO_NEWLINE = b"\\ No newline at end of file\n"


class Line(NamedTuple):
    """One diff line: its mark (b" ", b"-", b"+") and its 0-based place in the
    stream before and after (for a `-` line, `after` is where it would be)."""

    mark: bytes
    before: int
    after: int
    text: bytes


class DiffWriter:
    """Feed it each document's bytes before and after, then close it."""

    def __init__(self, out: BinaryIO, before_name: str = "stdin",
                 after_name: str = "stdout") -> None:
        self.out = out
        self.header = f"--- {before_name}\n+++ {after_name}\n".encode()
        self.position = [0, 0]  # complete lines consumed, before and after
        # An unterminated last line waits here: the next document (a generated
        # Secret after a stream without a final newline) may complete it.
        self.pending = [b"", b""]
        self.hunk: list[Line] | None = None  # the hunk being built
        self.tail: list[Line] = []  # unchanged lines since its last change
        self.recent: deque[Line] = deque(maxlen=CONTEXT)  # context for the next hunk

    def document(self, before: bytes | None, after: bytes) -> None:
        """One document in and out; `before` is None for a generated one."""
        if before is None:
            # The input is over: its last line, if unterminated, stays so.
            old, self.pending[0] = [p for p in self.pending[:1] if p], b""
        else:
            old = self._complete(0, before)
        self._compare(old, self._complete(1, after))

    def close(self) -> None:
        """Compare the unterminated last lines, if any, and finish the last hunk."""
        old, new = [p for p in self.pending[:1] if p], [p for p in self.pending[1:] if p]
        self.pending = [b"", b""]
        self._compare(old, new)
        if self.hunk is not None:
            self._write(self.hunk + self.tail[:CONTEXT])
            self.hunk = None
        self.out.flush()

    def _complete(self, side: int, data: bytes) -> list[bytes]:
        *lines, self.pending[side] = (self.pending[side] + data).split(b"\n")
        return [line + b"\n" for line in lines]

    def _compare(self, old: list[bytes], new: list[bytes]) -> None:
        a, b = self.position
        if old == new:
            self._unchanged(old, a, b)
        else:
            matcher = SequenceMatcher(None, old, new, autojunk=False)
            for tag, a1, a2, b1, b2 in matcher.get_opcodes():
                if tag == "equal":
                    self._unchanged(old[a1:a2], a + a1, b + b1)
                    continue
                self._change([Line(b"-", a + i, b + b1, old[i]) for i in range(a1, a2)]
                             + [Line(b"+", a + a2, b + j, new[j]) for j in range(b1, b2)])
        self.position = [a + len(old), b + len(new)]

    def _unchanged(self, lines: list[bytes], a: int, b: int) -> None:
        start = 0
        if self.hunk is not None:  # trailing context, until the gap is too wide
            room = 2 * CONTEXT + 1 - len(self.tail)
            self.tail += [Line(b" ", a + i, b + i, lines[i]) for i in range(min(room, len(lines)))]
            if len(self.tail) <= 2 * CONTEXT:
                return
            self._write(self.hunk + self.tail[:CONTEXT])
            self.recent.extend(self.tail[-CONTEXT:])
            self.hunk, self.tail, start = None, [], room
        start = max(start, len(lines) - CONTEXT)
        self.recent.extend(Line(b" ", a + i, b + i, lines[i]) for i in range(start, len(lines)))

    def _change(self, lines: list[Line]) -> None:
        if self.hunk is None:
            self.hunk = list(self.recent)
            self.recent.clear()
        else:
            self.hunk += self.tail
        self.tail = []
        self.hunk += lines

    def _write(self, lines: list[Line]) -> None:
        if self.header:
            self.out.write(self.header)
            self.header = b""
        old = sum(line.mark != b"+" for line in lines)
        new = sum(line.mark != b"-" for line in lines)
        head = f"@@ -{_range(lines[0].before, old)} +{_range(lines[0].after, new)} @@\n"
        self.out.write(head.encode() + b"".join(
            line.mark + line.text + (b"" if line.text.endswith(b"\n") else b"\n" + NO_NEWLINE)
            for line in lines))


def _range(start: int, length: int) -> str:
    """A hunk range as `diff -u` writes it (see difflib's unified_diff)."""
    if length == 1:
        return str(start + 1)
    return f"{start + 1 if length else start},{length}"


class _Sink:
    """What StreamWriter writes to: each write is the output of the document
    (or the end) named in `before`, handed to the DiffWriter with it."""

    def __init__(self, diff: DiffWriter) -> None:
        self.diff = diff
        self.before: bytes | None = None

    def write(self, data: bytes) -> int:
        self.diff.document(self.before, data)
        self.before = None
        return len(data)

    def flush(self) -> None:
        """Hunks are written as they are complete."""


class DiffStreamWriter(StreamWriter):
    """The stream writer's output (documents, then generated Secrets) as a
    diff against the input, for `--diff`; diagnostics and the report as ever."""

    def __init__(self, out: BinaryIO, report: Report,
                 report_file: ReportFile | None = None) -> None:
        self.diff = DiffWriter(out)
        self.sink = _Sink(self.diff)
        super().__init__(self.sink, report, report_file)  # type: ignore[arg-type]

    def write(self, doc: Document) -> None:
        self.sink.before = doc.data
        super().write(doc)

    def finish(self, end: End) -> None:
        super().finish(end)
        self.diff.close()
