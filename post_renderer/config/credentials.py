"""Registry credentials: where their values come from, and the pull Secrets built from them.

Registry Connect keeps `credentials` beside the rules (a list of `domain`,
`username`/`usernameRef`, `password`/`passwordRef`).  A value is read once, by
the configuration loader, and from then on lives in a `SecretText`, whose repr
and str are redacted: a credential can then travel through records, error
messages and f-strings without ever being printed by accident.  Only
the Secrets stage reveals the values, to encode them into the Secret.

References (`usernameRef`/`passwordRef`):

- `{env: VAR}` — the environment variable VAR;
- `{file: PATH}` — the contents of PATH (trailing newlines removed), a relative
  PATH being relative to the configuration file, like kubeconfig paths;
- a plain string — an environment variable name (`passwordRef: REGISTRY_PASSWORD`).

Every message names the reference (variable or path), never the value.
"""

import os
import re
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from ..rewrite.reference import ReferenceError, parse_prefix
from .schema import CREDENTIAL

SECRET_PREFIX = "registry-rewrite-"
# Patterns, compiled (and cached by `re`) at their first use: most runs have
# no credentials, and every start would pay for compiling them.
_ENV_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_DNS_LABEL = r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?"
_DNS_SUBDOMAIN = rf"{_DNS_LABEL}(?:\.{_DNS_LABEL})*"
DNS_SUBDOMAIN_MAX = 253


class CredentialError(ValueError):
    """A credentials entry is wrong; the message names the entry and the
    reference, never a value."""


class SecretText:
    """A credential value that refuses to be printed.

    `str()`, `repr()` and formatting all give `<redacted>`; `reveal()` is the
    one, greppable, way to the value.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "<redacted>"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return "<redacted>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretText) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


class SecretRef(NamedTuple):
    """Where one value comes from: an environment variable, a file, or inline."""

    source: str  # "env", "file" or "inline"
    name: str = ""  # the variable name or the path as written

    def describe(self) -> str:
        if self.source == "env":
            return f"environment variable {self.name}"
        if self.source == "file":
            return f"file {self.name}"
        return "inline value"


class Credential(NamedTuple):
    """Validated credentials for one registry host."""

    domain: str  # normalized host[:port], lower case; Docker Hub is docker.io
    secret_name: str
    username: SecretText
    password: SecretText
    origin: str  # "FILE: credentials[0] (domain)", for messages


class Placeholder(NamedTuple):
    """An entry with an empty password (the pack's default): it generates
    nothing, and is worth a word only when a run points images at it."""

    domain: str
    origin: str


class CredentialSet(NamedTuple):
    """All credentials entries, plus the placeholders skipped while reading them."""

    credentials: tuple[Credential, ...] = ()
    warnings: tuple[str, ...] = ()
    placeholders: tuple[Placeholder, ...] = ()

    def for_domain(self, domain: str) -> Credential | None:
        return next((c for c in self.credentials if c.domain == domain), None)


def normalize_domain(text: str) -> str:
    """`Example.Registry.com` → `example.registry.com`; `index.docker.io` → `docker.io`.

    Raises ReferenceError for anything but a registry host[:port].
    """
    prefix = parse_prefix(text.strip().lower())
    if "/" in prefix:
        raise ReferenceError("must be a registry host[:port], without a path")
    return prefix


def default_secret_name(domain: str) -> str:
    """`registry-rewrite-<domain-slug>`: the same domain always gives the same
    name, so a re-render never renames the Secret pods already refer to."""
    slug = re.sub(r"[^a-z0-9]+", "-", domain.lower()).strip("-") or "registry"
    name = SECRET_PREFIX + slug
    if len(name) > DNS_SUBDOMAIN_MAX:
        import hashlib  # imported where used: most runs never need it (start-up)

        digest = hashlib.sha256(domain.encode()).hexdigest()[:8]
        name = name[: DNS_SUBDOMAIN_MAX - 9].rstrip("-") + "-" + digest
    return name


def check_object_name(name: Any, what: str) -> str:
    """A Kubernetes object name (DNS-1123 subdomain) or CredentialError."""
    if not isinstance(name, str) or not name:
        raise CredentialError(f"{what} must be a non-empty string")
    if len(name) > DNS_SUBDOMAIN_MAX or not re.fullmatch(_DNS_SUBDOMAIN, name):
        raise CredentialError(
            f"{what} {name!r} is not a valid Secret name (lower-case letters, digits, "
            f"'-' and '.', at most {DNS_SUBDOMAIN_MAX} characters)"
        )
    return name


def parse_ref(value: Any, what: str) -> SecretRef:
    """`{env: VAR}`, `{file: PATH}` or a plain environment variable name."""
    if isinstance(value, str):
        if not re.fullmatch(_ENV_NAME, value):
            # Do not echo it: a password pasted here by mistake must not reach a log.
            raise CredentialError(
                f"{what}: a plain string must be an environment variable name "
                "(letters, digits, '_'); use {env: VAR} or {file: PATH}"
            )
        return SecretRef("env", value)
    if isinstance(value, Mapping) and len(value) == 1:
        ((kind, target),) = value.items()
        if kind == "env" and isinstance(target, str) and re.fullmatch(_ENV_NAME, target):
            return SecretRef("env", target)
        if kind == "file" and isinstance(target, str) and target:
            return SecretRef("file", target)
    raise CredentialError(
        f"{what}: expected {{env: VAR}}, {{file: PATH}} or an environment variable name"
    )


def resolve_ref(
    ref: SecretRef, what: str, environ: Mapping[str, str], base_dir: str
) -> SecretText:
    """Read the value a reference points at; a missing one is a CredentialError.
    A relative file is read from `base_dir` ("": the working directory)."""
    if ref.source == "env":
        value = environ.get(ref.name)
        if value is None:
            raise CredentialError(f"{what}: {ref.describe()} is not set")
        try:
            # os.environ smuggles undecodable bytes in as lone surrogates; they
            # would fail (and be quoted) much later, when the Secret is encoded.
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise CredentialError(f"{what}: {ref.describe()} is not valid UTF-8") from None
    else:
        from .secret_file import SecretFileError, read_secret_file

        path = os.path.join(base_dir, ref.name)  # an absolute name stays itself
        try:
            value = read_secret_file(path, f"{what}: {ref.describe()}").rstrip("\r\n")
        except SecretFileError as err:
            raise CredentialError(str(err)) from None
    if not value:
        raise CredentialError(f"{what}: {ref.describe()} is empty")
    return SecretText(value)


def _value(
    entry: Mapping[str, Any], key: str, what: str, environ: Mapping[str, str], base_dir: str,
    resolve: bool,
) -> SecretText | None:
    """The `key` / `keyRef` pair of an entry; None when the inline value is empty."""
    ref_key = f"{key}Ref"
    if key in entry and ref_key in entry:
        raise CredentialError(f"{what}: give `{key}` or `{ref_key}`, not both")
    if ref_key in entry:
        ref = parse_ref(entry[ref_key], f"{what}: {ref_key}")
        return resolve_ref(ref, f"{what}: {ref_key}", environ, base_dir) if resolve else (
            SecretText(""))
    if key not in entry:
        raise CredentialError(f"{what}: `{key}` or `{ref_key}` is required")
    value = entry[key]
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise CredentialError(f"{what}: `{key}` must be a string (quote it)")
    return SecretText(value)


def parse_credentials(
    value: Any,
    origin: str,
    *,
    environ: Mapping[str, str],
    base_dir: str,
    resolve: bool = True,
) -> CredentialSet:
    """Validate a `credentials` list; with `resolve`, also read every reference.

    An entry whose inline `password` is empty (the Registry Connect pack ships
    `password: ""`) is a placeholder: it is skipped, because failing on the
    pack's defaults would break every user who only fills in the rules, and a
    Secret with an empty password would fail later, on the node.  It is
    reported after the run, and only when images were pointed at its registry
    (every chart of a pack would otherwise repeat the same line).
    """
    if value is None:
        return CredentialSet()
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise CredentialError(f"{origin}: must be a list of {{domain, username, password}}")
    credentials: list[Credential] = []
    placeholders: list[Placeholder] = []
    for i, entry in enumerate(value):
        what = f"{origin}[{i}]"
        if not isinstance(entry, Mapping):
            raise CredentialError(f"{what}: must be a mapping with `domain`, `username`, "
                                  "`password`")
        problem = CREDENTIAL.unknown(entry, what)
        if problem:
            raise CredentialError(problem)
        raw_domain = entry.get("domain")
        if not isinstance(raw_domain, str) or not raw_domain.strip():
            raise CredentialError(f"{what}: `domain` is required (a registry host)")
        try:
            domain = normalize_domain(raw_domain)
        except ReferenceError as err:
            raise CredentialError(f"{what}: domain {raw_domain!r}: {err}") from None
        what = f"{what} ({domain})"
        secret_name = (check_object_name(entry["secretName"], f"{what}: secretName")
                       if "secretName" in entry else default_secret_name(domain))
        password = _value(entry, "password", what, environ, base_dir, resolve)
        if password is None:
            placeholders.append(Placeholder(domain, what))
            continue
        username = _value(entry, "username", what, environ, base_dir, resolve)
        if username is None:
            raise CredentialError(f"{what}: username is empty")
        if resolve and ":" in username.reveal():
            raise CredentialError(f"{what}: username must not contain ':'")
        for other in credentials:
            if other.domain == domain:
                raise CredentialError(f"{what}: domain repeats {other.origin}")
            if other.secret_name == secret_name:
                raise CredentialError(
                    f"{what}: Secret name {secret_name!r} is also used by {other.origin}; "
                    "set secretName")
        credentials.append(Credential(domain, secret_name, username, password, what))
    return CredentialSet(tuple(credentials), placeholders=tuple(placeholders))
