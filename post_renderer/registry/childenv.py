"""The environment every child process starts with.

A child inherits only what it needs to reach a registry (PATH, locale, proxy
and CA settings, the containers configuration paths), never the caller's
whole environment: a variable a credential reads its password or username
from (`passwordRef: {env: VAR}`) would otherwise sit in every child's
/proc/PID/environ, readable by the same user and by tools that dump process
environments.  Credentials reach children through the 0600 login file only.
Building the environment from an allow-list rather than a deny-list means a
new way to name a secret cannot leak by being forgotten here.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

# Exact names a registry client reads (proxies in both spellings Go honours).
_KEEP = frozenset({
    "PATH", "LANG", "LANGUAGE", "TZ", "TMPDIR", "TERM",
    "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY",
    "http_proxy", "https_proxy", "no_proxy", "all_proxy",
    "SSL_CERT_FILE", "SSL_CERT_DIR", "GODEBUG", "GOMAXPROCS",
})
# Prefixes of settings (locale, containers-common configuration paths).
_KEEP_PREFIXES = ("LC_", "CONTAINERS_")


def child_environment(overrides: Mapping[str, str], secrets: Iterable[str] = (),
                      environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The allowed part of `environ` (default: ours), then `overrides`.

    A kept variable whose value contains one of `secrets` is dropped as well
    (a password pasted into a proxy URL, say), so that no child ever sees a
    secret this run knows.
    """
    source = os.environ if environ is None else environ
    known = [s for s in secrets if s]
    env = {k: v for k, v in source.items()
           if (k in _KEEP or k.startswith(_KEEP_PREFIXES))
           and not any(s in v for s in known)}
    env.update(overrides)
    return env
