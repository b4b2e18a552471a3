"""The inventory stage: what a run did to the images, for the `--report`
JSON, the `images` listing and the warning about rules that matched nothing.

Everything is built from the pipeline's `Occurrence`s (one per image field),
never by walking the documents again, so the report, the listing and the
rewrite cannot disagree.  Occurrences are kept only when an output needs
them; the unmatched-rule check needs only sets of rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ..diagnostics import Diagnostic
from ..memo import Memo
from ..model import Document, End, Occurrence
from ..rewrite.reference import ReferenceError, is_under, parse_reference
from ..rewrite.rule import ALL, EXACT, PATTERN, PREFIX, Rule
from ..rewrite.rules import RuleSet


class InventoryStage:
    """Track the rules that rewrote something; keep occurrences when asked;
    at the end, warn about unmatched rules and build the report."""

    def __init__(self, rules: RuleSet, *, keep: bool, report: bool) -> None:
        self.rules = rules
        self.keep = keep or report
        self.report = report
        self.met = False
        self.rewrote = False
        self.used: set[Rule] = set()
        self.under_target: set[Rule] = set()  # counts only while nothing was rewritten
        self.occurrences: list[Occurrence] = []
        self.upstream: set[str] = set()  # names no source rule rewrote, for typo hints
        # What each note above adds depends only on its string, and adding it
        # again changes nothing: a stream repeats a few images many times, so
        # each string is parsed once (bounded: forgetting costs only time).
        self.noted: Memo[tuple[int, str], None] = Memo(NOTED_KEPT, NOTED_LENGTH)

    def process(self, doc: Document) -> None:
        noted = self.noted
        for occurrence in doc.occurrences:
            self.met = True
            rule, original, rewritten = occurrence.rule, occurrence.original, occurrence.rewritten
            if rule is not None:
                self.used.add(rule)
            if rewritten is not None:
                self.rewrote = True
                if (_EXCLUSIONS, rewritten) not in noted:
                    self._note_exclusions(rewritten)
                    noted.keep((_EXCLUSIONS, rewritten), len(rewritten), None)
            elif not self.rewrote and (_UNDER_TARGET, original) not in noted:
                self._note_under_target(original)
                noted.keep((_UNDER_TARGET, original), len(original), None)
            if (rule is None or rule == self.rules.all) and (_UPSTREAM, original) not in noted:
                name = _normalized_name(original)
                if name is not None:
                    self.upstream.add(name)
                noted.keep((_UPSTREAM, original), len(original), None)
        if self.keep:
            self.occurrences += doc.occurrences

    def finish(self, end: End) -> None:
        unmatched = self.unmatched()
        end.diagnostics += unmatched_warnings(unmatched, self.upstream)
        end.occurrences = self.occurrences
        if self.report:
            end.report = report_document(self.occurrences, unmatched, end.secrets)

    def _note_under_target(self, image: str) -> None:
        try:
            name = parse_reference(image).normalized_name
        except ReferenceError:
            return
        self.under_target.update(r for r in self.rules.sources if is_under(name, r.target))

    def _note_exclusions(self, result: str) -> None:
        """An exclusion that keeps a result from being rewritten again is in use."""
        try:
            ref = parse_reference(result)
        except ReferenceError:
            return
        self.used.update(r for r in self.rules.exclusions if r.rewrite(ref) is not None)

    def unmatched(self) -> list[Rule]:
        """Rules that decided no image in this run (none when it met no image).

        `all` is left out: it matches nothing when every image had a source
        rule, which is fine, and its source cannot be misspelled.

        A run that rewrote nothing at all, over images already under the rules'
        targets, is a second run over rewritten output: there, an image under a
        rule's target counts for that rule, so re-running does not warn about
        every rule (nor about exact and pattern rules, whose results cannot be
        told from images nobody moved).  Otherwise only a rewrite or an
        exclusion counts, so a typo (`grc.io`) is reported even when its target
        is shared with `all` and some image is already there.
        """
        if not self.met:  # no image at all (an empty render): nothing to match
            return []
        candidates = [r for r in self.rules.ordered() if r.kind != ALL]
        if self.rewrote:
            return [rule for rule in candidates if rule not in self.used]
        return [rule for rule in candidates if rule.kind not in (EXACT, PATTERN)
                and rule not in self.used | self.under_target]


_EXCLUSIONS, _UNDER_TARGET, _UPSTREAM = range(3)
NOTED_KEPT = 4096  # strings remembered as noted, each at most:
NOTED_LENGTH = 512  # (a valid reference is shorter; longer ones are parsed anew)


def unmatched_warnings(unmatched: Sequence[Rule], upstream: Iterable[str]) -> list[Diagnostic]:
    """At most one line per likely typo and one line for all the others.

    One pack-wide rules file applied chart by chart leaves most of its rules
    unmatched in every chart, so listing one warning per rule buried the real
    warnings.  A rule whose source is one edit away from where an image of
    this stream comes from (`grc.io` and a `gcr.io` image no source rule
    rewrote) is a typo that cost a rewrite: it keeps a line of its own.  The
    rest are named on one line; `--report` lists them all.
    """
    if not unmatched:
        return []
    lines: list[Diagnostic] = []
    rest: list[Rule] = []
    for rule in unmatched:
        meant = _near_miss(rule.source, upstream) if rule.match == PREFIX else None
        if meant is None:
            rest.append(rule)
        else:
            lines.append(Diagnostic("warning", f"rule {rule.label} matched no image in this "
                                    f'stream; did you mean "{meant}"?'))
    if len(rest) == 1:
        lines.append(Diagnostic("warning", f"rule {rest[0].label} matched no image in this stream"))
    elif rest:
        shown = ", ".join(r.name for r in rest[:_LISTED])
        more = f" and {len(rest) - _LISTED} more" if len(rest) > _LISTED else ""
        lines.append(Diagnostic("warning", f"{len(rest)} rules matched no image in this stream: "
                                f"{shown}{more} (--report lists them)"))
    return lines


_LISTED = 5


def _normalized_name(image: str) -> str | None:
    try:
        return parse_reference(image).normalized_name
    except ReferenceError:
        return None


def _near_miss(source: str, names: Iterable[str]) -> str | None:
    """The prefix of one of `names`, with as many components as `source`,
    that is one edit (or one swap of neighbours) away from it."""
    depth = source.count("/") + 1
    for name in sorted(names):
        prefix = "/".join(name.split("/")[:depth])
        if prefix != source and _one_edit_apart(source, prefix):
            return prefix
    return None


def _one_edit_apart(a: str, b: str) -> bool:
    """Levenshtein distance 1, or two neighbouring characters swapped."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long = (a, b) if len(a) < len(b) else (b, a)
    i = next((k for k, (x, y) in enumerate(zip(short, long, strict=False))
              if x != y), len(short))
    return short[i:] == long[i + 1:]


def rule_json(rule: Rule | None) -> dict[str, Any] | None:
    """The rule as written, its kind in the precedence, and its scope if any."""
    if rule is None:
        return None
    document: dict[str, Any] = {"source": rule.written, "target": rule.target or None,
                                "kind": rule.kind}
    if rule.scope.namespaces:
        document["namespaces"] = sorted(rule.scope.namespaces)
    if rule.scope.kinds:
        document["kinds"] = sorted(map(str, rule.scope.kinds))
    return document


def report_document(
    occurrences: Sequence[Occurrence], unmatched: Sequence[Rule] = (),
    secrets: Sequence[Any] = (),
) -> dict[str, Any]:
    """The `--report` JSON: one entry per image field, in stream order."""
    images = [{
        "document": o.document,
        "apiVersion": o.text("apiVersion") or None,
        "kind": o.text("kind") or None,
        "namespace": o.text("metadata", "namespace") or None,
        "name": o.text("metadata", "name") or None,
        "path": o.path,
        "original": o.original,
        "rewritten": o.rewritten,
        "rule": rule_json(o.rule),
    } for o in occurrences]
    return {
        "images": images,
        "unmatchedRules": [rule_json(rule) for rule in unmatched],
        "pullSecrets": [{"name": s.name, "namespace": s.namespace or None, "domain": s.domain}
                        for s in secrets],
    }
