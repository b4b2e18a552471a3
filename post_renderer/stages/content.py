"""Images beyond the manifests, and images the rules leave alone.

`pack.content.images` names images a pack needs that no manifest shows (a
debug image, a job's image pulled at run time); the content stage maps them
by the same rules and adds them, at the end of the stream, to the
occurrences every image consumer reads (the listing, sync), as occurrences
with no document.  And an image no rule maps is still an image the cluster
will pull: the listing shows it instead of hiding it, and a stream whose
images are all already under the rules' targets is said to be rewritten
already.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from ..config.allow import AllowList
from ..diagnostics import Diagnostic
from ..model import Document, End, Occurrence
from ..rewrite.reference import ReferenceError, parse_reference
from ..rewrite.rules import Invalid, Rewrite, RuleSet, Unchanged, decide
from .policy import check
from .rewrite import place_of

NO_DOCUMENT = -1  # an occurrence from the configuration, not from the stream
NO_RULE = "no rule"
REWRITE_FAILED = "rewrite failed: see the error above"
ALREADY_REWRITTEN = ("every image in this stream is already under a rule's target: it looks "
                     "rewritten already; run this on the original render")


class Unmapped(NamedTuple):
    """An image no rule rewrote: `source` fully qualified, and why."""

    source: str
    reason: str  # NO_RULE, REWRITE_FAILED, "already …" or "excluded by …"
    occurrences: int


class ContentStage:
    """At the end of the stream: the configuration's images join the kept
    occurrences (checked against the allow-list like the stream's), and a
    stream that is all rewritten already is said so."""

    def __init__(self, images: Sequence[tuple[str, str]], rules: RuleSet,
                 allow: AllowList, warn_rewritten: bool = True) -> None:
        self.images = images
        self.rules = rules
        self.allow = allow
        self.warn_rewritten = warn_rewritten

    def process(self, doc: Document) -> None:
        """The configuration's images do not depend on a document."""

    def finish(self, end: End) -> None:
        if self.warn_rewritten and already_rewritten(end.occurrences, self.rules):
            end.diagnostics.append(Diagnostic("warning", ALREADY_REWRITTEN))
        extra = content_occurrences(self.images, self.rules)
        end.diagnostics += check(extra, self.allow)
        end.occurrences = [*end.occurrences, *extra]


def content_occurrences(images: Sequence[tuple[str, str]], rules: RuleSet) -> list[Occurrence]:
    """`pack.content.images` as occurrences, decided by the same rules."""
    result = []
    for reference, where in images:
        decision = decide(reference, rules)
        rewrite = decision if isinstance(decision, Rewrite) else None
        result.append(Occurrence(NO_DOCUMENT, None, where, reference,
                                 rewrite.new if rewrite else None,
                                 rewrite.rule if rewrite else None))
    return result


def _reason(occurrence: Occurrence, rules: RuleSet) -> str:
    """Why the rules leave an image alone where it was met, in the listing's words."""
    decision = decide(occurrence.original, rules, place_of(occurrence.resource))
    if isinstance(decision, Invalid):
        return REWRITE_FAILED
    if isinstance(decision, Unchanged) and (decision.reason.startswith("already")
                                            or decision.rule is not None):
        return decision.reason  # already moved, or kept by an exclusion
    return NO_RULE


def unmapped_images(occurrences: Iterable[Occurrence], rules: RuleSet) -> list[Unmapped]:
    """Every valid image reference no rule rewrote, unique and sorted."""
    counts: dict[tuple[str, str], int] = {}
    for occurrence in occurrences:
        if occurrence.rewritten is not None:
            continue
        try:
            ref = parse_reference(occurrence.original)
        except ReferenceError:
            continue  # reported by the rewrite stage already
        key = (ref.normalized_name + ref.suffix, _reason(occurrence, rules))
        counts[key] = counts.get(key, 0) + 1
    return [Unmapped(source, reason, n) for (source, reason), n in sorted(counts.items())]


def already_rewritten(occurrences: Sequence[Occurrence], rules: RuleSet) -> bool:
    """Whether the stream holds images and every one is already under a target:
    the output of a rewrite, piped in again."""
    unmapped = unmapped_images(occurrences, rules)
    return (bool(unmapped) and all(o.rewritten is None for o in occurrences)
            and all(u.reason.startswith("already") for u in unmapped))
