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

import io
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any, NamedTuple, Protocol, TextIO

from ..config.load import Config
from ..diagnostics import PROG, Diagnostic
from ..model import Document, End
from ..pipeline.listing import MirrorPair, copy_references, mirror_pairs
from ..registry.errors import ImageMissing, RegistryError
from ..registry.session import open_registry
from ..rewrite.reference import parse_reference
from .content import NO_RULE, unmapped_images

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
    check: str = ""  # what to ask the mirror for to know it is done (default: destination)


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
    """One job per unique (source, destination), in the listing's order.

    A pinned job whose destination tag an unpinned job also pushes (`app:1@D`
    and `app:1`) is done when the mirror has its digest: the tag belongs to
    the unpinned one, so checking the tag would copy again on every sync.
    """
    jobs: dict[tuple[str, str], CopyJob] = {}
    for pair in pairs:
        source, destination = copy_references(pair)
        digest = parse_reference(pair.source).digest
        jobs.setdefault((source, destination), CopyJob(source, destination, digest, pair))
    unpinned = {job.destination for job in jobs.values() if job.digest is None}
    return [job._replace(check=job.destination.rpartition(":")[0] + f"@{job.digest}")
            if job.digest and job.destination in unpinned else job for job in jobs.values()]


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
            return engine.digest(job.check or job.destination)
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

    Jobs that push the same destination tag (`app:1` and `app:1@sha256:…` in
    one stream) run one after the other, the digest-pinned ones first, so the
    tag ends where the source's tag points, as it would without the mirror.
    `on_result` is called as each job finishes (progress), from the calling
    thread, so the reporter needs no lock.
    """
    groups: dict[str, list[int]] = {}
    for i, job in enumerate(jobs):
        groups.setdefault(job.destination, []).append(i)

    def run_group(indices: list[int]) -> list[tuple[int, CopyResult]]:
        ordered = sorted(indices, key=lambda i: jobs[i].digest is None)
        return [(i, sync_one(jobs[i], engine, policy)) for i in ordered]

    results: dict[int, CopyResult] = {}
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = [pool.submit(run_group, indices) for indices in groups.values()]
        for future in as_completed(futures):
            for i, result in future.result():
                results[i] = result
                on_result(result)
    return [results[i] for i in range(len(jobs))]


def summary(results: Sequence[CopyResult]) -> str:
    counts = {status: sum(r.status == status for r in results)
              for status in (COPIED, PRESENT, FAILED)}
    return (f"sync: {counts[COPIED]} copied, {counts[PRESENT]} already present, "
            f"{counts[FAILED]} failed (of {len(results)} images)")


# --- the stage: every route that writes manifests under content.sync, and `sync` ---

class SyncRun(NamedTuple):
    """How one run syncs (the `sync` command's flags; defaults on the rewrite route)."""

    jobs: int = 4
    policy: RetryPolicy = DEFAULT_RETRIES
    dry_run: bool = False
    unmapped_severity: str = "warning"  # "error" under --strict
    out: Any = None  # where the --dry-run plan goes (default: stdout)


class SyncStage:
    """At the end of the stream, copy what the kept occurrences need.

    Runs after the inventory and content stages (it reads `end.occurrences`).
    A failed copy is an error in `end.diagnostics` and sets `end.withhold`, so
    a writer that holds the manifests writes none of them.
    """

    def __init__(self, config: Config, run: SyncRun, out: TextIO | None = None,
                 progress: TextIO | None = None) -> None:
        self.config = config
        self.run = run
        self.out = out  # the --dry-run plan (default: stdout)
        self.progress = progress  # per-image lines (default: stderr)

    def process(self, doc: Document) -> None:
        """Nothing to copy before the whole stream is known."""

    def finish(self, end: End) -> None:
        config = self.config
        for image in unmapped_images(end.occurrences, config.rules):
            if image.reason == NO_RULE:
                end.diagnostics.append(Diagnostic(
                    self.run.unmapped_severity,
                    f"{image.source}: no rule maps this image; not copied"))
        jobs = plan(mirror_pairs(end.occurrences))
        if self.run.dry_run:
            out = self.out or self.run.out or sys.stdout
            out.write("".join(f"{job.source} -> {job.destination}\n" for job in jobs))
            out.flush()
            return
        if not jobs:
            return
        # stderr closed (`2>&-`): the lines go nowhere, never onto stdout
        stream = self.progress or sys.stderr or io.StringIO()
        progress = Progress(stream, len(jobs), live=stream.isatty())
        try:
            with open_registry(config.content.connections, config.credentials.credentials,
                               hosts(jobs)) as engine:
                results = sync_all(jobs, engine, workers=self.run.jobs,
                                   policy=self.run.policy, on_result=progress)
        except RegistryError as err:  # the engine could not start (skopeo missing)
            progress.finish()
            end.diagnostics.append(Diagnostic("error", f"sync: {err.kind}"))
            end.withhold = True
            return
        progress.finish()
        stream.write(f"{PROG}: {summary(results)}\n")
        stream.flush()
        failed = [r for r in results if r.status == FAILED]
        end.diagnostics += [Diagnostic("error", failure_message(r)) for r in failed]
        end.withhold = end.withhold or bool(failed)


class Progress:
    """One plain line per image, or one live status line on a terminal.

    A live line needs nothing but a carriage return and erase-to-end-of-line,
    so no progress library is pulled in for it.
    """

    def __init__(self, stream: TextIO, total: int, live: bool) -> None:
        self.stream, self.total, self.live, self.done = stream, total, live, 0

    def __call__(self, result: CopyResult) -> None:
        self.done += 1
        line = describe(result)
        if self.live:  # cut to the width: a wrapped line is not overwritten by \r
            status = f"[{self.done}/{self.total}] {line}"
            width = self.width()
            self.stream.write("\r\x1b[K" + (status if len(status) <= width else
                                             status[: max(0, width - 1)] + "…"))
        else:
            self.stream.write(f"{PROG}: {line}\n")
        self.stream.flush()

    def width(self) -> int:
        try:
            columns = os.get_terminal_size(self.stream.fileno()).columns
        except (OSError, ValueError, AttributeError):
            columns = 0
        return columns - 1 if columns >= 20 else 79

    def finish(self) -> None:
        if self.live and self.done:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def describe(result: CopyResult) -> str:
    job = result.job
    if result.status == COPIED:
        return f"copied {job.source} -> {job.destination}"
    if result.status == PRESENT:
        return f"present {job.destination} ({result.digest}): same digest, skipped"
    return f"failed {job.source} -> {job.destination}"


def failure_message(result: CopyResult) -> str:
    """`copy SRC -> DST: <failure class and its fix>: <engine's reason>`."""
    err = result.error
    assert err is not None
    text = f"copy {result.job.source} -> {result.job.destination}: {err.kind}"
    if err.reference not in (result.job.source, result.job.destination) and err.reference:
        text += f" (at {err.reference})"
    if err.detail:
        text += f": {err.detail}"
    if result.attempts > 1:
        text += f" (after {result.attempts} attempts)"
    return text
