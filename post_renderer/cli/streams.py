"""The standard streams as the pipeline needs them, or one clear error.

A post-renderer is run by other programs, which may close or misdirect any
of its streams: `<&-`, `>&-`, `2>&-`, stdin a directory, stdout `/dev/full`.
Each of those ends in one line on stderr (when there is one) and a non-zero
exit, never a traceback; and with stderr closed nothing meant for it may
land on stdout, where it would become part of the manifests.

Input in UTF-16 or UTF-32 with a byte-order mark (kubectl reads UTF-16) is
decoded to UTF-8 for the pipeline, and the output is encoded back into the
same encoding, byte for byte where nothing changed: the pipeline works on
UTF-8 bytes only, and a document it cannot see must not pass as "nothing to
do".
"""

from __future__ import annotations

import codecs
import os
import stat
import sys
from collections.abc import Callable
from typing import Any, BinaryIO

# Longest first: the UTF-32LE mark starts with the UTF-16LE one.
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_BLOCK = 1 << 20


class StreamError(Exception):
    """A standard stream that cannot be used; the message says which and why."""


def standard_input() -> tuple[Any, str | None]:
    """A binary reader of stdin yielding UTF-8, and the encoding it came in
    (None for UTF-8)."""
    if sys.stdin is None:
        raise StreamError("stdin is closed: pipe the manifests in")
    raw = sys.stdin.buffer
    try:
        mode = os.fstat(raw.fileno()).st_mode
    except (OSError, ValueError) as err:
        raise StreamError(f"cannot read stdin: {_reason(err)}") from None
    if stat.S_ISDIR(mode):
        raise StreamError("stdin is a directory: pipe the manifests in")
    head = b""
    while len(head) < 4:
        block = _read_once(raw, 4 - len(head))
        if not block:
            break
        head += block
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return _Transcoded(raw, head, encoding), encoding
    return _Prefixed(raw, head), None


def standard_output(encoding: str | None) -> Output:
    if sys.stdout is None:
        raise StreamError("stdout is closed: nowhere to write the manifests")
    return Output(sys.stdout.buffer, encoding)


def _read_once(raw: Any, size: int) -> bytes:
    try:
        read = getattr(raw, "read1", raw.read)
        return bytes(read(size))
    except OSError as err:
        raise StreamError(f"cannot read stdin: {_reason(err)}") from None


def _reason(err: BaseException) -> str:
    return (err.strerror if isinstance(err, OSError) and err.strerror else None) or str(err)


class _Prefixed:
    """stdin with the bytes already looked at put back in front."""

    def __init__(self, raw: BinaryIO, head: bytes) -> None:
        self.raw, self.head = raw, head

    def read1(self, size: int = _BLOCK) -> bytes:
        if self.head:
            head, self.head = self.head, b""
            return head
        return _read_once(self.raw, size)

    read = read1


class _Transcoded:
    """stdin in UTF-16/32, handed on as UTF-8 (the byte-order mark kept as
    U+FEFF, so that writing it back restores it)."""

    def __init__(self, raw: BinaryIO, head: bytes, encoding: str) -> None:
        self.source = _Prefixed(raw, head)
        self.encoding = encoding
        self.decoder = codecs.getincrementaldecoder(encoding)("strict")
        self.offset = 0  # input bytes decoded so far, for messages
        self.done = False

    def read1(self, size: int = _BLOCK) -> bytes:
        while not self.done:
            block = self.source.read1(size)
            self.done = not block
            try:
                text = self.decoder.decode(block, final=self.done)
            except UnicodeDecodeError as err:
                raise StreamError(
                    f"stdin: invalid {self.encoding.upper()} at byte "
                    f"{self.offset + err.start}: {err.reason}") from None
            self.offset += len(block)
            if text:
                return text.encode("utf-8")
        return b""

    read = read1


class Output:
    """stdout for manifests: encoded back into the input's encoding, and a
    failed write is a StreamError naming stdout (a closed pipe stays a
    BrokenPipeError, which the CLI turns into a quiet exit)."""

    def __init__(self, raw: BinaryIO, encoding: str | None) -> None:
        self.raw = raw
        self.decoder = codecs.getincrementaldecoder("utf-8")("strict") if encoding else None
        self.encoding = encoding

    def write(self, data: bytes) -> int:
        if self.decoder is not None and self.encoding is not None:
            data = self.decoder.decode(data).encode(self.encoding)
        return int(_on_stdout(self.raw.write, data))

    def flush(self) -> None:
        _on_stdout(self.raw.flush)


def _on_stdout(action: Callable[..., Any], *args: Any) -> Any:
    """Run a write or flush of stdout: a failure is a StreamError naming
    stdout, a closed pipe stays a BrokenPipeError (a quiet exit)."""
    try:
        return action(*args)
    except BrokenPipeError:
        raise
    except (OSError, ValueError) as err:
        raise StreamError(f"cannot write to stdout: {_reason(err)}") from None


def text_output(what: str) -> TextOutput:
    """stdout for a command's text output (a listing, a plan, a login file),
    or a StreamError when it is closed."""
    if sys.stdout is None:
        raise StreamError(f"stdout is closed: nowhere to write {what}")
    return TextOutput(sys.stdout)


class TextOutput:
    """A text stdout whose failed write or flush (`/dev/full`) is a
    StreamError naming stdout; a closed pipe stays a BrokenPipeError."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw

    def isatty(self) -> bool:
        try:
            return bool(self.raw.isatty())
        except (OSError, ValueError):
            return False

    def write(self, text: str) -> int:
        return int(_on_stdout(self.raw.write, text))

    def flush(self) -> None:
        _on_stdout(self.raw.flush)
