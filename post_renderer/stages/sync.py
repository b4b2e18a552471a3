"""Fill the mirror: copy every rewritten image to its destination.

The plan is built from the same `MirrorPair`s the `images` listing prints, so
what is copied is exactly what the manifests will pull.  Each copy first asks
the mirror for the digest it already serves: an image present with the same
digest is skipped (a second sync copies nothing).  Copies run on a bounded
pool of threads, each driving one skopeo process; transient failures
(unreachable, timeouts, 429/5xx) are retried with exponential backoff, every
other failure is final at once (a wrong password does not improve by waiting).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import NamedTuple, Protocol

from ..pipeline.listing import MirrorPair, copy_references
from ..registry.errors import ImageMissing, RegistryError
from ..rewrite.reference import parse_reference

COPIED, PRESENT, FAILED, PLANNED = "copied", "present", "failed", "planned"


class Engine(Protocol):
    """What sync needs from the registry layer (`registry.Skopeo`)."""

    def copy(self, source: str, destination: str) -> None: ...

    def digest(self, reference: str) -> str: ...


class CopyJob(NamedTuple):
    """One copy: `source` and `destination` as the engine takes them."""

    source: str  # name@digest when the manifests pin one, else name:tag
    destination: str  # name:tag (a digest-only image gets its digest tag)
    digest: str | None  # the digest the manifests pin, if any
    pair: MirrorPair


class CopyResult(NamedTuple):
    job: CopyJob
    status: str  # COPIED, PRESENT, FAILED or PLANNED
    digest: str | None = None  # what the mirror serves, when known
    error: RegistryError | None = None
    attempts: int = 0


class RetryPolicy(NamedTuple):
    retries: int = 3  # extra attempts after the first, for transient failures only
    backoff: float = 1.0  # seconds before the first retry; doubled each time

    def delays(self) -> list[float]:
        return [self.backoff * 2 ** i for i in range(self.retries)]


DEFAULT_RETRIES = RetryPolicy()


def plan(pairs: Iterable[MirrorPair]) -> list[CopyJob]:
    """One job per unique (source, destination), in the listing's order."""
    jobs: dict[tuple[str, str], CopyJob] = {}
    for pair in pairs:
        source, destination = copy_references(pair)
        digest = parse_reference(pair.source).digest
        jobs.setdefault((source, destination), CopyJob(source, destination, digest, pair))
    return list(jobs.values())


def hosts(jobs: Iterable[CopyJob]) -> set[str]:
    """Every registry host a run talks to (for the login file)."""
    from ..registry.skopeo import registry_of

    return {registry_of(ref) for job in jobs for ref in (job.source, job.destination)}


def _with_retries(action: Callable[[], str | None], policy: RetryPolicy,
                  sleep: Callable[[float], None]) -> tuple[str | None, int]:
    """Run `action`, retrying transient registry errors; (result, attempts)."""
    delays = policy.delays()
    attempt = 0
    while True:
        attempt += 1
        try:
            return action(), attempt
        except RegistryError as err:
            if not err.transient or attempt > len(delays):
                err.attempts = attempt
                raise
            sleep(delays[attempt - 1])


def sync_one(job: CopyJob, engine: Engine, policy: RetryPolicy,
             sleep: Callable[[float], None] = time.sleep) -> CopyResult:
    """Skip the copy when the mirror already serves the wanted digest, else copy."""
    def present() -> str | None:
        try:
            return engine.digest(job.destination)
        except ImageMissing:
            return None

    def copy() -> None:
        engine.copy(job.source, job.destination)
        return None

    attempts = 0
    try:
        have, attempts = _with_retries(present, policy, sleep)
        if have is not None:
            want = job.digest
            if want is None:
                want, more = _with_retries(lambda: engine.digest(job.source), policy, sleep)
                attempts += more
            if have == want:
                return CopyResult(job, PRESENT, have, attempts=attempts)
        _, more = _with_retries(copy, policy, sleep)
        return CopyResult(job, COPIED, job.digest, attempts=attempts + more)
    except RegistryError as err:
        return CopyResult(job, FAILED, error=err, attempts=attempts + err.attempts)


def sync_all(jobs: Sequence[CopyJob], engine: Engine, *, workers: int = 4,
             policy: RetryPolicy = DEFAULT_RETRIES,
             on_result: Callable[[CopyResult], None] = lambda result: None
             ) -> list[CopyResult]:
    """Run every job on at most `workers` threads; results in the jobs' order.

    `on_result` is called as each job finishes (progress), from the calling
    thread, so the reporter needs no lock.
    """
    if not jobs:
        return []
    results: dict[int, CopyResult] = {}
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = {pool.submit(sync_one, job, engine, policy): i for i, job in enumerate(jobs)}
        for future in as_completed(futures):
            result = future.result()
            results[futures[future]] = result
            on_result(result)
    return [results[i] for i in range(len(jobs))]


def summary(results: Sequence[CopyResult]) -> str:
    counts = {status: sum(r.status == status for r in results)
              for status in (COPIED, PRESENT, FAILED)}
    return (f"sync: {counts[COPIED]} copied, {counts[PRESENT]} already present, "
            f"{counts[FAILED]} failed (of {len(results)} images)")
