"""One run's verification: where the answers come from (the mirror or the lock
file), what is said about them, and what the lock file keeps.

Every route (the `verify` command, the rewrite filter, Helm, the KRM function)
calls `check_occurrences` with the occurrences of its rewrite and gets back
the diagnostics to print, the pins to apply and the digests to report, so a
missing image reads the same whichever route found it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import NamedTuple

from ..config.load import Config
from ..diagnostics import Diagnostic
from ..model import Occurrence
from ..registry.errors import RegistryError
from ..registry.lockfile import Locked, LockError, LockResolver, now, read_lock, write_lock
from ..rewrite.reference import ReferenceError, parse_reference
from .verify import (
    OK,
    Check,
    Target,
    check_targets,
    digests_by_text,
    failures,
    pins,
    summary,
    targets_of,
    where,
)


class Options(NamedTuple):
    """What to check and how (built from flags by cli.check_options)."""

    verify: bool  # check every mirror reference
    pin: bool  # append the digest to tag-only mirror references
    lock: str | None  # the lock file: read when present, else written
    lock_update: bool  # resolve in the mirror and rewrite the lock file
    jobs: int  # references asked at once
    timeout: float  # seconds per registry request
    retries: int  # for transient failures (unreachable, 429/5xx, timeout)
    command: bool = False  # the `verify` command (no manifests written), not a route


class Checked(NamedTuple):
    ok: bool
    diagnostics: list[Diagnostic]  # errors, in stream order
    summary: str
    pins: dict[str, str]  # mirror reference -> the same with @digest
    digests: dict[str, str]  # mirror reference (before and after a pin) -> digest
    checks: list[Check]


def check_occurrences(occurrences: Sequence[Occurrence], config: Config,
                      options: Options) -> Checked:
    """Resolve the run's mirror references (all of them under --verify or
    --lock, the tag-only ones for a pin) and judge them."""
    found = targets_of(occurrences, config.rules)
    wanted = [target for target, _ in found.values()
              if options.verify or options.lock is not None or target.pinnable]
    reading = (options.lock is not None and not options.lock_update
               and os.path.exists(options.lock))
    try:
        if reading:
            assert options.lock is not None
            checks = check_targets(wanted, _lock_resolver(options.lock), options.jobs)
            source = f"from the lock file {options.lock}"
        else:
            checks = _ask_the_mirror(wanted, config, options)
            source = "asked the mirror"
    except (LockError, RegistryError) as err:  # no engine (skopeo missing), a lock unread
        message = str(err) if isinstance(err, LockError) else f"verify: {err.kind}"
        return Checked(False, [Diagnostic("error", message)], "verify: nothing was checked",
                       {}, {}, [])
    diagnostics = _diagnostics(checks, occurrences, found)
    ok = all(check.status == OK for check in checks)
    if ok and options.lock is not None and not reading:
        try:
            _write(options.lock, checks, found)
        except LockError as err:
            diagnostics.append(Diagnostic("error", str(err)))
            ok = False
    # A reference that names its digest pulls that digest, checked or not.
    digests = {target.text: target.ref.digest for target, _ in found.values()
               if target.ref.digest}
    digests.update(digests_by_text(checks))
    return Checked(ok, diagnostics, summary(checks, source), pins(checks) if options.pin else {},
                   digests, checks)


def _lock_resolver(path: str) -> LockResolver:
    entries = read_lock(path)  # destinations are valid references: read_lock checks
    return LockResolver(path, {Target(e.destination, parse_reference(e.destination)).key:
                               e.digest for e in entries})


def _ask_the_mirror(targets: Sequence[Target], config: Config, options: Options
                    ) -> list[Check]:
    if not targets:
        return []
    from ..registry.session import open_registry  # the engine: only a run that asks
    from ..registry.skopeo import registry_of

    hosts = {registry_of(t.key) for t in targets}
    # sync's retry loop: the same classes of failure are worth another try.
    from .sync import RetryPolicy, _with_retries

    policy = RetryPolicy(options.retries)
    with open_registry(config.content.connections, config.credentials.credentials, hosts,
                       timeout=options.timeout) as engine:
        def digest(key: str) -> str:
            answer, _ = _with_retries(lambda: engine.digest(key), policy, time.sleep)
            assert answer is not None
            return answer

        return check_targets(targets, digest, options.jobs)


def _diagnostics(checks: Sequence[Check], occurrences: Sequence[Occurrence],
                 found: dict[str, tuple[Target, list[Occurrence]]]) -> list[Diagnostic]:
    """One error per field using a missing or moved reference, in stream order;
    then one per registry that could not be asked (unreachable, login, TLS)."""
    failed = failures(checks)
    by_text = {check.target.text: check for check in failed.problems}
    position = {id(o): i for i, o in enumerate(occurrences)}
    result = []
    for text, (_, fields) in found.items():
        check = by_text.get(text)
        for occurrence in fields if check else ():
            assert check is not None
            document, label, path, line = where(occurrence)
            result.append((position.get(id(occurrence), -1), Diagnostic(
                "error", check.problem, document, label, path, line=line)))
    diagnostics = [d for _, d in sorted(result, key=lambda pair: pair[0])]
    for host, host_checks in failed.by_host.items():
        error = host_checks[0].error
        assert error is not None
        detail = f": {error.detail}" if error.detail else ""
        count = len(host_checks)
        tries = f", after {error.attempts} attempts" if error.attempts > 1 else ""
        diagnostics.append(Diagnostic(
            "error", f"verify: {host}: {error.kind}{detail} ({count} reference"
            f"{'s' if count != 1 else ''} not checked{tries})"))
    return diagnostics


def _write(path: str, checks: Sequence[Check],
           found: dict[str, tuple[Target, list[Occurrence]]]) -> None:
    """Write the lock file; an entry whose digest did not change keeps its time."""
    previous: dict[tuple[str, str], Locked] = {}
    if os.path.exists(path):
        try:
            previous = {(e.destination, e.digest): e for e in read_lock(path)}
        except LockError:
            previous = {}  # being replaced: --lock-update over a broken file
    entries = []
    for check in checks:
        assert check.digest is not None
        text = check.target.text
        kept = previous.get((text, check.digest))
        source = _source(found[text][1][0])
        entries.append(Locked(source, text, check.digest, kept.when if kept else now()))
    write_lock(path, entries)


def _source(occurrence: Occurrence) -> str:
    try:
        ref = parse_reference(occurrence.original)
    except ReferenceError:
        return occurrence.original
    return ref.normalized_name + ref.suffix
