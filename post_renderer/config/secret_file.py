"""Reading a credential file (`{file: PATH}`) without trusting what PATH is.

A configuration names the file; what sits there may be a FIFO nobody writes
(reading hangs forever), `/dev/zero` (reading eats memory), a directory or a
socket.  Only a regular file of bounded size is read, and the refusal says
why, naming the reference, never the contents.
"""

from __future__ import annotations

from .userfile import UserFileError, read_user_file

# A username or password file holds one value: anything bigger is a mistake
# (or `/dev/zero`), and reading it whole would cost memory, not add security.
SECRET_FILE_MAX = 64 * 1024


class SecretFileError(ValueError):
    """A credential file that is refused; the message names the reference."""


def read_secret_file(path: str, what: str) -> str:
    """A regular file's text, at most SECRET_FILE_MAX bytes.

    Opened non-blocking, so a FIFO cannot hang the run, and checked with
    fstat on the open descriptor, so a device (`/dev/zero`), a directory or a
    socket is refused by what it is, not read until memory runs out.
    """
    try:
        data = read_user_file(path, SECRET_FILE_MAX)
    except UserFileError as err:
        if err.missing:
            raise SecretFileError(f"{what} does not exist") from None
        extra = " (a credential file holds one value)" if "larger than" in str(err) else ""
        raise SecretFileError(f"cannot read {what}: {err}{extra}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise SecretFileError(f"cannot read {what}: not valid UTF-8") from None
