"""Container image references, parsed with the grammar of distribution/reference.

Matching rules against the text of an `image:` field would make `nginx`,
`docker.io/nginx` and `index.docker.io/library/nginx` three different images,
and would let `gcr.io/foo` match `gcr.io/foobar`.  Parsing first, then matching
normalized names on path-component boundaries, is what makes the rules exact.
"""

import re
from typing import NamedTuple

DOCKER_HUB = "docker.io"
LEGACY_DOCKER_HUB = "index.docker.io"
OFFICIAL_NAMESPACE = "library"
NAME_TOTAL_MAX = 255

# The grammar of github.com/distribution/reference (regexp.go), transcribed.
_ALPHANUM = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|[-]+)"
_PATH_COMPONENT = rf"{_ALPHANUM}(?:{_SEPARATOR}{_ALPHANUM})*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_IPV6 = r"\[(?:[a-fA-F0-9:]+)\]"
_DOMAIN_NAME = rf"{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*"
_HOST = rf"(?:{_DOMAIN_NAME}|{_IPV6})"
_DOMAIN = rf"{_HOST}(?::[0-9]+)?"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
_REMOTE_NAME = rf"{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"

REFERENCE_RE = re.compile(
    rf"(?P<name>(?:(?P<domain>{_DOMAIN})/)?(?P<path>{_REMOTE_NAME}))"
    rf"(?::(?P<tag>{_TAG}))?(?:@(?P<digest>{_DIGEST}))?"
)
_DOMAIN_RE = re.compile(_DOMAIN)
# distribution/reference refuses a 64-hex name: it is reserved for image IDs
# (a runtime would look up a local image by ID instead of pulling a name).
_IMAGE_ID = re.compile(r"[a-f0-9]{64}")
_IMAGE_ID_REASON = ("a 64-character hexadecimal repository name is an image ID, "
                    "not a name (distribution/reference refuses it)")
_REMOTE_NAME_RE = re.compile(_REMOTE_NAME)

# A reference embedded in a longer string ends where these characters start.
REFERENCE_CHARS = r"[A-Za-z0-9._:/@\[\]-]+"


class ReferenceError(ValueError):
    """A string that is not a valid image reference; the message says why."""


class ImageReference(NamedTuple):
    """One parsed reference; `domain` is None when the text had none."""

    domain: str | None
    path: str
    tag: str | None = None
    digest: str | None = None

    @property
    def name(self) -> str:
        """The name as written (domain only if it was written)."""
        return f"{self.domain}/{self.path}" if self.domain else self.path

    @property
    def normalized_name(self) -> str:
        """The fully qualified name that rules are matched against."""
        return normalize_name(self.domain, self.path, official_namespace=True)

    @property
    def suffix(self) -> str:
        """Tag and digest exactly as written, ready to append to a name."""
        return (f":{self.tag}" if self.tag else "") + (f"@{self.digest}" if self.digest else "")

    def __str__(self) -> str:
        return self.name + self.suffix


def split_domain(name: str) -> tuple[str | None, str]:
    """Split a name into (domain, path) by the distribution/reference heuristic.

    The first component is a domain only when it looks like one (a dot, a port,
    `localhost`, or an upper-case letter, which a path may not contain).
    """
    first, sep, rest = name.partition("/")
    if sep and ("." in first or ":" in first or first.lower() == "localhost"
                or first != first.lower()):
        return first, rest
    return None, name


def normalize_name(domain: str | None, path: str, *, official_namespace: bool) -> str:
    """Fully qualify a name: Docker Hub gets its domain, and images (not rule
    prefixes) of a single component on Docker Hub get `library/`.  Host names
    are case-insensitive (DNS), so the domain is lower-cased; the path is not
    (the grammar allows lower case only, and matching stays exact)."""
    domain = domain.lower() if domain is not None else None
    if domain is None or domain == LEGACY_DOCKER_HUB:
        domain = DOCKER_HUB
    if official_namespace and domain == DOCKER_HUB and "/" not in path:
        path = f"{OFFICIAL_NAMESPACE}/{path}"
    return f"{domain}/{path}" if path else domain


def parse_reference(text: str) -> ImageReference:
    """Parse `name[:tag][@digest]`, or raise ReferenceError saying why not."""
    if not text:
        raise ReferenceError("empty image reference")
    match = REFERENCE_RE.fullmatch(text)
    if match is None:
        raise ReferenceError(_why_invalid(text))
    domain, path = split_domain(match["name"])
    if domain is None and match["domain"] is not None:
        # The regex took a lower-case first component as a domain; it is a path.
        path = match["name"]
    if not _REMOTE_NAME_RE.fullmatch(path):
        raise ReferenceError(_why_invalid(text))
    if len(match["name"]) > NAME_TOTAL_MAX:
        raise ReferenceError(f"repository name longer than {NAME_TOTAL_MAX} characters")
    if domain is None and _IMAGE_ID.fullmatch(path):
        raise ReferenceError(_IMAGE_ID_REASON)
    return ImageReference(domain, path, match["tag"], match["digest"])


def parse_prefix(text: str) -> str:
    """Normalize a rule source or target: a name (no tag/digest), or a bare domain.

    `bitnami` means `docker.io/bitnami` (no `library/`: it is a namespace, not an image).
    """
    stripped = text.strip().rstrip("/")
    if not stripped:
        raise ReferenceError("empty prefix")
    if "/" not in stripped and _DOMAIN_RE.fullmatch(stripped) and (
        "." in stripped or ":" in stripped or stripped.lower() == "localhost"
    ):
        return normalize_name(stripped, "", official_namespace=False)
    domain, path = split_domain(stripped)
    if domain is None and _IMAGE_ID.fullmatch(path):
        raise ReferenceError(_IMAGE_ID_REASON)
    if domain is not None and not _DOMAIN_RE.fullmatch(domain):
        raise ReferenceError(f"{domain!r} is not a valid registry host")
    if not _REMOTE_NAME_RE.fullmatch(path):
        raise ReferenceError(
            f"{stripped!r} is not a registry or repository prefix "
            "(lower-case path components, no tag or digest)"
        )
    return normalize_name(domain, path, official_namespace=False)


def is_under(name: str, prefix: str) -> bool:
    """True when `name` equals `prefix` or continues it after a `/`."""
    return name == prefix or (name.startswith(prefix) and name[len(prefix)] == "/")


def _why_invalid(text: str) -> str:
    if "{{" in text or "}}" in text:
        return "unrendered template expression"
    if any(c.isspace() for c in text):
        return "contains white space"
    name = text.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name = name[: len(name) - len(last) + last.index(":")]
    _, path = split_domain(name)
    if path != path.lower():
        return "repository path must be lower-case"
    if "@" in text and not re.search(rf"@{_DIGEST}$", text):
        return "malformed digest"
    return "invalid reference format"
