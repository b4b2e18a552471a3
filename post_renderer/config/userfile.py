"""Read a file a user (or a tenant) names, with bounds: a regular file only,
and at most a given size.

A FIFO would block the run forever, a device such as /dev/zero would fill
memory, and a /proc file reports size 0 however much it holds; so the file is
opened without blocking, checked with fstat, and read only up to one byte past
the limit.  Each refusal is one reason, for a one-line message.
"""

from __future__ import annotations

import os
import stat


class UserFileError(ValueError):
    """Why the file was refused or could not be read (no path: the caller names it)."""


def read_user_file(path: str, limit: int) -> bytes:
    """The bytes of the regular file at `path`, at most `limit` of them."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as err:
        raise UserFileError(err.strerror or type(err).__name__) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise UserFileError("a directory, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise UserFileError("not a regular file (a FIFO, device or socket is refused)")
        if info.st_size > limit:
            raise UserFileError(f"larger than {limit} bytes")
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 16, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise UserFileError(f"larger than {limit} bytes")
        return b"".join(chunks)
    except OSError as err:
        raise UserFileError(err.strerror or type(err).__name__) from None
    finally:
        os.close(fd)
