"""Read a file a configuration (or a tenant) names, without trusting what the
path is: a regular file only, and at most a given size.

A FIFO would block the run forever, a device such as /dev/zero would fill
memory, and a /proc file reports size 0 however much it holds; so the file is
opened without blocking, checked with fstat on the open descriptor, and read
only up to one byte past the limit.  Each refusal is one reason, for a
one-line message; none quotes the contents.  Credential files
(`{file: PATH}`) and lock files are read here.
"""

from __future__ import annotations

import os
import stat


class UserFileError(ValueError):
    """Why the file was refused or could not be read (the caller names it)."""

    def __init__(self, reason: str, missing: bool = False) -> None:
        super().__init__(reason)
        self.missing = missing  # the path does not exist


def read_user_file(path: str | os.PathLike[str], limit: int) -> bytes:
    """The bytes of the regular file at `path`, at most `limit` of them."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise UserFileError("does not exist", missing=True) from None
    except OSError as err:
        raise UserFileError(err.strerror or type(err).__name__) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise UserFileError(f"not a regular file ({file_type(mode)})")
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 16, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as err:
        raise UserFileError(err.strerror or type(err).__name__) from None
    finally:
        os.close(fd)
    if size > limit:
        raise UserFileError(f"larger than {limit} bytes")
    return b"".join(chunks)


def file_type(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"
