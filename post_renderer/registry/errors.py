"""What can go wrong talking to a registry, as distinct types.

A user who sees "copy failed" cannot tell a typo in a host name from an
expired password; each failure class below names its own fix.  The engine's
stderr is classified here, once, so every command (sync, verify, the rewrite
route) reports the same failure the same way.
"""

from __future__ import annotations

import re


class RegistryError(Exception):
    """A registry operation failed; `str()` is one line, never a secret."""

    kind = "registry error"
    transient = False
    attempts = 1  # how many tries it took (set by a caller that retries)

    def __init__(self, reference: str, detail: str = "") -> None:
        self.reference = reference
        self.detail = detail
        super().__init__(f"{reference}: {self.kind}" + (f": {detail}" if detail else ""))


class Unreachable(RegistryError):
    kind = "registry unreachable (check the host and port, and that it is up)"
    transient = True


class AuthFailed(RegistryError):
    kind = "authentication failed (check credentials for this registry)"


class TLSFailed(RegistryError):
    kind = ("TLS failure (set caFile for a private CA, skipTLSVerify, or plainHTTP for a "
            "registry without TLS)")


class ImageMissing(RegistryError):
    kind = "image not found"


class Transient(RegistryError):
    kind = "temporary registry failure"
    transient = True


class EngineMissing(RegistryError):
    kind = ("skopeo not found on PATH: install it with your package manager "
            "(apt-get install skopeo, dnf install skopeo, brew install skopeo)")


# Order matters: a TLS message mentions the connection, an auth one may mention 401/403.
_CLASSES: tuple[tuple[type[RegistryError], re.Pattern[str]], ...] = (
    (TLSFailed, re.compile(
        r"x509:|tls:|certificate|server gave HTTP response to HTTPS client", re.I)),
    (AuthFailed, re.compile(
        r"unauthorized|authentication required|denied|invalid username/password|"
        r"status(?: code)? 40[13]\b", re.I)),
    (ImageMissing, re.compile(
        r"manifest unknown|name unknown|not found|no such image|status(?: code)? 404\b",
        re.I)),
    (Unreachable, re.compile(
        r"connection refused|no such host|no route to host|network is unreachable|"
        r"dial tcp|server misbehaving", re.I)),
    (Transient, re.compile(
        r"status(?: code)? (?:429|5\d\d)\b|toomanyrequests|too many requests|"
        r"connection reset|i/o timeout|timeout|unexpected EOF|EOF$|temporar", re.I)),
)


def classify(reference: str, stderr: str, secrets: tuple[str, ...] = ()) -> RegistryError:
    """The error a failed engine run stands for, with the engine's last line as detail.

    `secrets` are cut from the detail: the engine is never given one on its
    command line, but a registry may echo what it was sent.
    """
    detail = _last_line(stderr)
    for secret in secrets:
        if secret:
            detail = detail.replace(secret, "<redacted>")
    for error_type, pattern in _CLASSES:
        if pattern.search(stderr):
            return error_type(reference, detail)
    return RegistryError(reference, detail)


def _last_line(text: str, limit: int = 300) -> str:
    """The engine's own reason: its last non-empty line, shortened."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    line = lines[-1] if lines else ""
    line = re.sub(r'^time="[^"]*" level=\w+ msg="(.*)"$', r"\1", line)
    line = " ".join(line.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
