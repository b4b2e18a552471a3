"""How to reach each registry: plain HTTP, unverified TLS, or a private CA.

Mirrors are often private: self-signed, or plain HTTP inside an air gap.
These settings are per registry host, so trusting a lab mirror never weakens
the connection to a public source.  They come from the configuration's
`registries` mapping and from flags (flags win), and every consumer (the copy
engine, the printed copy commands, the login file) reads them from here.
"""

import os
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from ..config.schema import REGISTRY
from ..rewrite.reference import ReferenceError, parse_prefix

REGISTRIES_KEY = "registries"


class ConnectionSettingsError(ValueError):
    """A `registries` entry or connection flag is wrong (a usage error)."""


class Connection(NamedTuple):
    """One registry's settings; the default is verified HTTPS with system CAs."""

    plain_http: bool = False
    skip_tls_verify: bool = False
    ca_file: str | None = None  # absolute path of a PEM CA bundle

    @property
    def verify_tls(self) -> bool:
        return not (self.plain_http or self.skip_tls_verify)


class Connections(NamedTuple):
    """Settings by registry host (host[:port], lower case)."""

    by_host: Mapping[str, Connection] = {}

    def for_host(self, host: str) -> Connection:
        return self.by_host.get(host.lower(), Connection())

    def merged(self, other: "Connections") -> "Connections":
        """`other` wins per host, key by key where it sets one."""
        merged = dict(self.by_host)
        for host, conn in other.by_host.items():
            base = merged.get(host, Connection())
            merged[host] = Connection(base.plain_http or conn.plain_http,
                                      base.skip_tls_verify or conn.skip_tls_verify,
                                      conn.ca_file or base.ca_file)
        return Connections(merged)


NO_SETTINGS = Connections()


def registry_host(text: str, what: str) -> str:
    """A registry host[:port], normalized like credentials' `domain`."""
    try:
        host = parse_prefix(text.strip().lower())
    except ReferenceError as err:
        raise ConnectionSettingsError(f"{what}: {text!r}: {err}") from None
    if "/" in host:
        raise ConnectionSettingsError(
            f"{what}: {text!r} must be a registry host[:port], without a path")
    return host


def parse_registries(value: Any, origin: str, base_dir: str) -> Connections:
    """The `registries` mapping: `HOST: {plainHTTP, skipTLSVerify, caFile}`.

    A relative caFile is relative to the configuration file, like credentials'
    file references; it must exist now, so a typo is a usage error up front.
    """
    if value is None:
        return Connections()
    if not isinstance(value, Mapping):
        raise ConnectionSettingsError(
            f"{origin}: must be a mapping of registry host to settings "
            "(plainHTTP, skipTLSVerify, caFile)")
    result: dict[str, Connection] = {}
    for raw_host, settings in value.items():
        what = f"{origin}.{raw_host}"
        host = registry_host(str(raw_host), origin)
        if not isinstance(settings, Mapping):
            raise ConnectionSettingsError(
                f"{what}: must be a mapping with plainHTTP, skipTLSVerify or caFile")
        problem = REGISTRY.unknown(settings, what)
        if problem:
            raise ConnectionSettingsError(problem)
        flags = {}
        for key in ("plainHTTP", "skipTLSVerify"):
            flag = settings.get(key, False)
            if not isinstance(flag, bool):
                raise ConnectionSettingsError(f"{what}.{key}: must be true or false")
            flags[key] = flag
        ca_file = settings.get("caFile")
        if ca_file is not None:
            ca_file = check_ca_file(ca_file, f"{what}.caFile", base_dir)
        result[host] = Connection(flags["plainHTTP"], flags["skipTLSVerify"], ca_file)
    return Connections(result)


def check_ca_file(value: Any, what: str, base_dir: str) -> str:
    """The CA file's absolute, resolved path; a relative one is read from
    `base_dir` ("": the working directory)."""
    if not isinstance(value, str) or not value:
        raise ConnectionSettingsError(f"{what}: must be a path to a PEM CA file")
    path = os.path.join(base_dir, value)  # an absolute value stays itself
    if not os.path.isfile(path):
        raise ConnectionSettingsError(f"{what}: file {value} does not exist")
    return os.path.realpath(path)


def connections_from_flags(
    plain_http: Sequence[str] = (), skip_tls_verify: Sequence[str] = (),
    ca_files: Sequence[str] = (),
) -> Connections:
    """`--plain-http HOST`, `--skip-tls-verify HOST`, `--ca-file HOST=PATH`."""
    result: dict[str, Connection] = {}

    def update(host: str, **changes: Any) -> None:
        result[host] = result.get(host, Connection())._replace(**changes)

    for text in plain_http:
        update(registry_host(text, "--plain-http"), plain_http=True)
    for text in skip_tls_verify:
        update(registry_host(text, "--skip-tls-verify"), skip_tls_verify=True)
    for text in ca_files:
        host, sep, path = text.partition("=")
        if not sep or not path:
            raise ConnectionSettingsError(f"--ca-file {text!r}: expected HOST=PATH")
        update(registry_host(host, "--ca-file"),
               ca_file=check_ca_file(path, f"--ca-file {host}", ""))
    return Connections(result)
