"""The lock file: every resolution of a run (source, destination, digest, when).

A render that asks the registry depends on the network and on the day; one
that reads the lock file gives the same bytes offline (an Argo CD repo server
without registry access, a CI job replaying a release).  The file is JSON,
sorted, one entry per mirror reference, so a change to it reads well in a
diff.  It holds references and digests only, never a credential.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from ..config.userfile import UserFileError, read_user_file
from ..rewrite.reference import ReferenceError, parse_reference
from .errors import ImageMissing

LOCK_VERSION = 1
# About 30,000 entries: far beyond any release, small enough to read at once.
MAX_LOCK_BYTES = 8 * 1024 * 1024
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")


class LockError(ValueError):
    """The lock file cannot be read or written (a usage error naming the file)."""


class NotLocked(ImageMissing):
    """A reference the lock file does not hold."""

    kind = "not in the lock file"


class Locked(NamedTuple):
    source: str  # the image the manifests named before the rewrite
    destination: str  # the mirror reference as the manifests carry it (before a pin)
    digest: str  # what the mirror served for it
    when: str  # UTC, ISO 8601, when it was resolved


def now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def read_lock(path: str) -> list[Locked]:
    """The entries of an existing lock file; LockError when it is not one."""
    try:
        data = read_user_file(path, MAX_LOCK_BYTES)
    except UserFileError as err:
        raise LockError(f"--lock {path}: {err}") from None
    try:
        doc = json.loads(data.decode("utf-8"))
    except RecursionError:
        # a lock file is three levels deep; the decoder's own bound refuses more
        raise LockError(f"--lock {path}: not a lock file (nested too deeply)") from None
    except (ValueError, UnicodeDecodeError) as err:
        raise LockError(f"--lock {path}: not a lock file (invalid JSON: {err})") from None
    version = doc.get("lockVersion") if isinstance(doc, Mapping) else None
    if type(version) is not int or version != LOCK_VERSION \
            or not isinstance(doc.get("images"), list):
        raise LockError(f"--lock {path}: not a lock file of this version "
                        f"(expected lockVersion {LOCK_VERSION} and an images list)")
    entries: list[Locked] = []
    for i, entry in enumerate(doc["images"]):
        if not isinstance(entry, Mapping) or not all(
                isinstance(entry.get(k), str) for k in Locked._fields):
            raise LockError(f"--lock {path}: images[{i}]: expected the strings "
                            f"{', '.join(Locked._fields)}")
        if not _DIGEST.fullmatch(entry["digest"]):
            # it is written into the manifests as it is: sha256 and 64 hex digits only
            raise LockError(f"--lock {path}: images[{i}].digest: not a sha256 digest")
        try:
            parse_reference(entry["destination"])
        except ReferenceError as err:
            raise LockError(f"--lock {path}: images[{i}].destination: {err}") from None
        locked = Locked(*(str(entry[k]) for k in Locked._fields))
        if any(e.destination == locked.destination and e.digest != locked.digest
               for e in entries):
            raise LockError(f"--lock {path}: images[{i}]: {locked.destination} is locked "
                            "twice, to different digests")
        entries.append(locked)
    return entries


def lock_text(entries: Iterable[Locked]) -> str:
    images = [e._asdict() for e in sorted(set(entries), key=lambda e: (e.destination,
                                                                       e.source))]
    return json.dumps({"lockVersion": LOCK_VERSION, "images": images}, indent=2) + "\n"


def write_lock(path: str, entries: Iterable[Locked]) -> None:
    """Replace the file in one step: a reader never sees half a lock file."""
    target = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or Path("."))
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(lock_text(entries))
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except OSError as err:
        raise LockError(f"--lock {path}: cannot write: {err.strerror or type(err).__name__}"
                        ) from None


class LockResolver:
    """Answers from the lock file instead of the registry.

    A reference the file does not hold is reported as missing with the fix
    (refresh the file): falling back to the network would make an offline
    render depend on the network after all.
    """

    def __init__(self, path: str, by_key: Mapping[str, str]) -> None:
        self.path = path
        self.by_key = dict(by_key)

    def __call__(self, key: str) -> str:
        digest = self.by_key.get(key)
        if digest is None:
            raise NotLocked(key, f"not in the lock file {self.path}; run with --lock-update "
                               "to resolve it in the mirror")
        return digest

