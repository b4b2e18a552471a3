"""Reading a credential file (`{file: PATH}`) without trusting what PATH is.

A configuration names the file; what sits there may be a FIFO nobody writes
(reading hangs forever), `/dev/zero` (reading eats memory), a directory or a
socket.  Only a regular file of bounded size is read, and the refusal says
why, naming the reference, never the contents.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

# A username or password file holds one value: anything bigger is a mistake
# (or `/dev/zero`), and reading it whole would cost memory, not add security.
SECRET_FILE_MAX = 64 * 1024


class SecretFileError(ValueError):
    """A credential file that is refused; the message names the reference."""


def read_secret_file(path: Path, what: str) -> str:
    """A regular file's text, at most SECRET_FILE_MAX bytes.

    Opened non-blocking, so a FIFO cannot hang the run, and checked with
    fstat on the open descriptor, so a device (`/dev/zero`), a directory or a
    socket is refused by what it is, not read until memory runs out.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise SecretFileError(f"{what} does not exist") from None
    except OSError as err:
        raise SecretFileError(f"cannot read {what}: {err.strerror}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise SecretFileError(f"cannot read {what}: not a regular file "
                                  f"({_file_type(mode)})")
        data = b""
        while len(data) <= SECRET_FILE_MAX:
            block = os.read(fd, SECRET_FILE_MAX + 1 - len(data))
            if not block:
                break
            data += block
    except OSError as err:
        raise SecretFileError(f"cannot read {what}: {err.strerror}") from None
    finally:
        os.close(fd)
    if len(data) > SECRET_FILE_MAX:
        raise SecretFileError(f"cannot read {what}: larger than {SECRET_FILE_MAX} bytes "
                              "(a credential file holds one value)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise SecretFileError(f"cannot read {what}: not valid UTF-8") from None


def _file_type(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"
