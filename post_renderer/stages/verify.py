"""Ask the mirror whether it serves every reference the rewrite points at.

A rewrite to a reference the mirror lacks renders fine and then leaves pods in
`ImagePullBackOff`; a mirrored tag that moved deploys something else than was
tested.  Both are caught here, before anything is written: each reference the
cluster will pull from the mirror is resolved to the digest the mirror serves
for it, once per run however many fields use it, on a bounded pool of threads.
The same resolutions give the digests that `--pin-digests` appends and that
the lock file records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

from ..model import Occurrence
from ..registry.errors import ImageMissing, RegistryError
from ..rewrite.reference import ImageReference, ReferenceError, is_under, parse_reference
from ..rewrite.rules import RuleSet

OK, MISSING, MISMATCH, FAILED = "ok", "missing", "mismatch", "failed"


# What the checks need from the registry layer (or a lock file): the digest a
# `name:tag` or `name@digest` resolves to; ImageMissing when there is none.
Resolve = Callable[[str], str]


class Target(NamedTuple):
    """One reference the cluster will pull from the mirror, as written."""

    text: str  # as in the manifests (after the rewrite, before any pin)
    ref: ImageReference

    @property
    def key(self) -> str:
        """What is asked of the registry: by tag when there is one (a tag must
        point at the pinned digest), else by digest; `latest` when neither."""
        name = self.ref.normalized_name
        if self.ref.tag or not self.ref.digest:
            return f"{name}:{self.ref.tag or 'latest'}"
        return f"{name}@{self.ref.digest}"

    @property
    def pinnable(self) -> bool:
        return self.ref.digest is None


class Check(NamedTuple):
    """What the mirror said about one target."""

    target: Target
    status: str  # OK, MISSING, MISMATCH or FAILED
    digest: str | None = None  # what the mirror serves for the key
    error: RegistryError | None = None  # FAILED: why it could not be asked

    @property
    def problem(self) -> str:
        """One line for a MISSING or MISMATCH check."""
        ref = self.target.ref
        if self.status == MISMATCH:
            return (f"{self.target.text}: the mirror's tag {ref.tag} points at {self.digest}, "
                    f"not at the digest the manifests pin")
        # The engine's not-found text adds nothing; a lock file's says what to do.
        detail = (f" ({self.error.detail})" if self.error and self.error.detail
                  and type(self.error) is not ImageMissing else "")
        what = f"tag {ref.tag or 'latest'}" if ref.tag or not ref.digest else "digest"
        return f"{self.target.text}: the mirror does not serve this {what}{detail}"


def mirror_reference(occurrence: Occurrence, rules: RuleSet) -> str | None:
    """The reference a field makes the cluster pull from the mirror: the
    rewritten one, or one already under a rule's target (a rewritten stream);
    None for an image no rule maps (it is pulled from where it is)."""
    if occurrence.rewritten is not None:
        return occurrence.rewritten
    try:
        name = parse_reference(occurrence.original).normalized_name
    except ReferenceError:
        return None
    if any(is_under(name, target) for target in rules.targets):
        return occurrence.original
    return None


def targets_of(occurrences: Iterable[Occurrence], rules: RuleSet
               ) -> dict[str, tuple[Target, list[Occurrence]]]:
    """Each mirror reference once, with every field that uses it, in stream order."""
    found: dict[str, tuple[Target, list[Occurrence]]] = {}
    for occurrence in occurrences:
        text = mirror_reference(occurrence, rules)
        if text is None:
            continue
        if text not in found:
            try:
                found[text] = (Target(text, parse_reference(text)), [])
            except ReferenceError:
                continue  # reported by the pipeline already
        found[text][1].append(occurrence)
    return found


def resolve_all(keys: Iterable[str], resolve: Resolve, workers: int
                ) -> dict[str, str | RegistryError]:
    """Each key resolved once, at most `workers` at a time: digest or error."""
    unique = list(dict.fromkeys(keys))

    def one(key: str) -> str | RegistryError:
        try:
            return resolve(key)
        except RegistryError as err:
            return err

    if not unique:
        return {}
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(unique)))) as pool:
        return dict(zip(unique, pool.map(one, unique), strict=True))


def judge(target: Target, answer: str | RegistryError) -> Check:
    """The check of one target given what its key resolved to."""
    if isinstance(answer, ImageMissing):
        return Check(target, MISSING, error=answer)
    if isinstance(answer, RegistryError):
        return Check(target, FAILED, error=answer)
    if target.ref.digest and not target.ref.tag:
        # Asked by digest and served: the registry checked the content against it.
        return Check(target, OK, target.ref.digest)
    if target.ref.digest and answer.lower() != target.ref.digest.lower():
        return Check(target, MISMATCH, answer)
    return Check(target, OK, answer)


def check_targets(targets: Sequence[Target], resolve: Resolve, workers: int) -> list[Check]:
    answers = resolve_all((t.key for t in targets), resolve, workers)
    return [judge(t, answers[t.key]) for t in targets]


def pins(checks: Iterable[Check]) -> dict[str, str]:
    """`name:tag` → `name:tag@digest` for every tag-only target resolved."""
    return {c.target.text: f"{c.target.text}@{c.digest}" for c in checks
            if c.status == OK and c.target.pinnable and c.digest}


def digests_by_text(checks: Iterable[Check]) -> dict[str, str]:
    """The digest of every resolved reference, by its text before and after a pin
    (for the report)."""
    result: dict[str, str] = {}
    for check in checks:
        if check.status == OK and check.digest:
            result[check.target.text] = check.digest
            if check.target.pinnable:
                result[f"{check.target.text}@{check.digest}"] = check.digest
    return result


class Failures(NamedTuple):
    """The failed checks, split the way they are reported."""

    problems: list[Check]  # MISSING / MISMATCH: one line per field using them
    by_host: dict[str, list[Check]]  # FAILED: one line per registry


def failures(checks: Iterable[Check]) -> Failures:
    problems: list[Check] = []
    by_host: dict[str, list[Check]] = {}
    for check in checks:
        if check.status in (MISSING, MISMATCH):
            problems.append(check)
        elif check.status == FAILED:
            host = check.target.ref.normalized_name.split("/", 1)[0]
            by_host.setdefault(host, []).append(check)
    return Failures(problems, by_host)


def summary(checks: Sequence[Check], source: str) -> str:
    """The one line a run ends with."""
    counts = {s: sum(c.status == s for c in checks) for s in (OK, MISSING, MISMATCH, FAILED)}
    if not checks:
        return "verify: no reference points at the mirror: nothing to check"
    if counts[OK] == len(checks):
        return f"verify: all {len(checks)} mirror references are served ({source})"
    return (f"verify: {counts[OK]} of {len(checks)} mirror references served, "
            f"{counts[MISSING]} missing, {counts[MISMATCH]} tag moved, "
            f"{counts[FAILED]} not checked ({source})")


def where(occurrence: Occurrence) -> tuple[int | None, str, str, int | None]:
    """(document, Kind/name, field path, input line) of a field, for a diagnostic;
    a pack's `content.images` entry has no document and names its key path instead."""
    if occurrence.document < 0:
        return None, "", occurrence.path, None
    return occurrence.document, occurrence.label, occurrence.path, occurrence.line
