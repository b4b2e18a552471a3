"""The flags (and environment variables) of a run that asks the mirror:
`--verify`, `--pin-digests`, `--lock`, and how hard to ask.

Kept apart from the verification itself so that every run can parse them
without importing the registry layer: only a run that uses them does.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from ..config.text import ConfigError

if TYPE_CHECKING:
    import argparse

    from ..stages.resolve import Options

DEFAULT_JOBS = 8
DEFAULT_TIMEOUT = 30.0
DEFAULT_RETRIES = 2

# The same switches for routes that cannot pass arguments (a kustomize exec
# KRM function gets no argv, only the environment); flags win.
ENV_VERIFY = "REGISTRY_REWRITE_VERIFY"
ENV_PIN_DIGESTS = "REGISTRY_REWRITE_PIN_DIGESTS"
ENV_LOCK = "REGISTRY_REWRITE_LOCK"
_TRUE, _FALSE = ("true", "1", "yes"), ("false", "0", "no", "")


def add_check_options(parser: argparse.ArgumentParser, route: bool) -> None:
    """The flags of a run that asks the mirror (the rewrite route and `verify`)."""
    group = parser.add_argument_group("checking the mirror")
    if route:
        group.add_argument("--verify", action="store_true",
                           help="before writing anything, check that the mirror serves every "
                           "rewritten reference (tag, digest, or tag at that digest); exit 1 "
                           f"listing those it does not (or ${ENV_VERIFY}=true)")
        group.add_argument("--pin-digests", action="store_true",
                           help="append to each rewritten tag-only reference the digest the "
                           "mirror serves for it (name:tag@sha256:…; a multi-arch image's "
                           f"index digest) (or ${ENV_PIN_DIGESTS}=true)")
    group.add_argument("--lock", metavar="FILE",
                       help="when FILE exists, take every digest from it instead of the "
                       f"registry; otherwise ask the registry and write FILE (or ${ENV_LOCK})")
    group.add_argument("--lock-update", action="store_true",
                       help="ask the registry even though the --lock FILE exists, and rewrite it")
    if route:
        # The route's command line stays plain (cli/quick.py reads it without
        # argparse): it asks with the defaults below, which `verify` can change.
        return
    group.add_argument("-j", "--jobs", type=int, default=DEFAULT_JOBS, metavar="N",
                       help=f"ask the registry about up to N references at once "
                       f"(default: {DEFAULT_JOBS})")
    group.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                       help=f"give up on one registry request after SECONDS "
                       f"(default: {DEFAULT_TIMEOUT:.0f})")
    group.add_argument("--retries", type=int, default=DEFAULT_RETRIES, metavar="N",
                       help="retry a transient failure (unreachable, timeout, 429/5xx) up to N "
                       f"times, waiting 1s, 2s, … (default: {DEFAULT_RETRIES})")


def apply_environment(args: argparse.Namespace, environ: Mapping[str, str]) -> None:
    """Take --verify, --pin-digests and --lock from the environment when the
    flags are not given; a value that is not a boolean is a ConfigError."""
    for name, attribute in ((ENV_VERIFY, "verify"), (ENV_PIN_DIGESTS, "pin_digests")):
        value = environ.get(name, "").strip().lower()
        if value not in _TRUE + _FALSE:
            raise ConfigError(f"${name}: expected true or false, not {value!r}")
        if value in _TRUE:
            setattr(args, attribute, True)
    if not args.lock and environ.get(ENV_LOCK):
        args.lock = environ[ENV_LOCK]


def check_options(args: argparse.Namespace, command: bool = False) -> Options | None:
    """The run's check options from flags and environment, or None when it
    does not ask the mirror; a ConfigError when they contradict each other."""
    apply_environment(args, os.environ)
    verify = command or getattr(args, "verify", False)
    pin = getattr(args, "pin_digests", False)
    if args.lock_update and not args.lock:
        raise ConfigError("--lock-update needs --lock FILE")
    if not (verify or pin or args.lock):
        return None
    jobs = getattr(args, "jobs", DEFAULT_JOBS)
    timeout = getattr(args, "timeout", DEFAULT_TIMEOUT)
    retries = getattr(args, "retries", DEFAULT_RETRIES)
    if jobs < 1 or not timeout > 0 or retries < 0:
        raise ConfigError("--jobs must be at least 1, --timeout more than 0 and --retries "
                          "at least 0")
    from ..stages.resolve import Options

    if args.lock and not args.lock_update and os.path.exists(args.lock):
        from ..registry.lockfile import LockError, read_lock

        try:
            read_lock(args.lock)  # a broken lock file is a usage error, found up front
        except LockError as err:
            raise ConfigError(str(err)) from None
    return Options(verify, pin, args.lock, args.lock_update, jobs, timeout, retries, command)
