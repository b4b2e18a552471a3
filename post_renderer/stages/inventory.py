"""What a run did to the images: the `--report` JSON, the `images` listing and
the mirroring commands, and the rules that matched nothing.

Everything is built from the pipeline's `Occurrence`s (one per image field),
never by walking the documents again, so the report, the listing and the
rewrite cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from ..diagnostics import Diagnostic
from ..rewrite.reference import ReferenceError, is_under, parse_reference
from ..rewrite.rules import Rule, RuleSet
from .rewrite import Occurrence

FORMATS = ("text", "json", "csv", "skopeo", "crane")


class GeneratedSecret(NamedTuple):
    """A pull Secret the run added to the stream (name and place, never content)."""

    name: str
    namespace: str
    domain: str


class MirrorPair(NamedTuple):
    """One image to copy: `source` fully qualified, `destination` as rewritten."""

    source: str
    destination: str
    rule: Rule | None
    occurrences: int


def all_rules(rules: RuleSet) -> list[Rule]:
    """Every rule in the order they are tried: sources longest first, `all` last."""
    return [*rules.sources, *([rules.all] if rules.all is not None else [])]


def rules_by_label(rules: RuleSet) -> dict[str, Rule]:
    return {rule.label: rule for rule in all_rules(rules)}


def _rule_json(rule: Rule | None) -> dict[str, str] | None:
    return None if rule is None else {"source": rule.written, "target": rule.target}


def _normalized_name(image: str) -> str | None:
    try:
        return parse_reference(image).normalized_name
    except ReferenceError:
        return None


def unmatched_rules(occurrences: Iterable[Occurrence], rules: RuleSet) -> list[Rule]:
    """Source rules that rewrote no image in this run (none when it met no image).

    `all` is left out: it matches nothing when every image had a source rule,
    which is fine, and its source cannot be misspelled.

    A run that rewrote nothing at all, over images already under the rules'
    targets, is a second run over rewritten output: there, an image under a
    rule's target counts for that rule, so re-running does not warn about every
    rule.  Otherwise only a rewrite counts, so a typo (`grc.io`) is reported
    even when its target is shared with `all` and some image is already there.
    """
    seen = list(occurrences)
    if not seen:  # no image at all (an empty render): nothing a rule could have matched
        return []
    candidates = list(rules.sources)  # `all` matching nothing is no typo: skip it
    used = {o.rule for o in seen if o.rule is not None}
    if not used:
        for occurrence in seen:
            name = _normalized_name(occurrence.original)
            if name is not None:
                used.update(r.label for r in candidates if is_under(name, r.target))
    return [rule for rule in candidates if rule.label not in used]


def unmatched_warning(rule: Rule) -> Diagnostic:
    return Diagnostic("warning", f"rule {rule.label} matched no image in this stream")


def report_document(
    occurrences: Sequence[Occurrence],
    rules: RuleSet,
    unmatched: Sequence[Rule] = (),
    secrets: Sequence[GeneratedSecret] = (),
) -> dict[str, Any]:
    """The `--report` JSON: one entry per image field, in stream order."""
    by_label = rules_by_label(rules)
    images = [{
        "document": o.document,
        "apiVersion": o.api_version or None,
        "kind": o.kind or None,
        "namespace": o.namespace or None,
        "name": o.name or None,
        "path": o.path,
        "original": o.original,
        "rewritten": o.rewritten,
        "rule": _rule_json(by_label.get(o.rule)) if o.rule is not None else None,
    } for o in occurrences]
    return {
        "images": images,
        "unmatchedRules": [_rule_json(rule) for rule in unmatched],
        "pullSecrets": [{"name": s.name, "namespace": s.namespace or None, "domain": s.domain}
                        for s in secrets],
    }


def mirror_pairs(occurrences: Iterable[Occurrence], rules: RuleSet) -> list[MirrorPair]:
    """The unique (source, destination) pairs of the rewritten images, sorted.

    The source is fully qualified (`nginx:1` → `docker.io/library/nginx:1`) so
    that `nginx:1` and `docker.io/nginx:1` are one pair and the copy commands
    do not depend on a tool's idea of the default registry.
    """
    by_label = rules_by_label(rules)
    counts: dict[tuple[str, str], int] = {}
    rule_of: dict[tuple[str, str], Rule | None] = {}
    for occurrence in occurrences:
        if occurrence.rewritten is None:
            continue
        try:
            ref = parse_reference(occurrence.original)
        except ReferenceError:
            continue
        key = (ref.normalized_name + ref.suffix, occurrence.rewritten)
        counts[key] = counts.get(key, 0) + 1
        rule_of[key] = by_label.get(occurrence.rule or "")
    return [MirrorPair(source, destination, rule_of[(source, destination)], count)
            for (source, destination), count in sorted(counts.items())]


def copy_references(pair: MirrorPair) -> tuple[str, str]:
    """(source, destination) for a copy tool.

    skopeo refuses a reference with both a tag and a digest, so the source is
    pulled by digest when there is one (the digest is what the pod runs) and
    the destination keeps the tag when there is one (`--preserve-digests` /
    crane keep the digest identical, so `dst:tag@digest` resolves).
    """
    src = parse_reference(pair.source)
    dst = parse_reference(pair.destination)
    source = src.name + (f"@{src.digest}" if src.digest else f":{src.tag}" if src.tag else "")
    destination = dst.name + (
        f":{dst.tag}" if dst.tag else f"@{dst.digest}" if dst.digest else "")
    return source, destination


def format_pairs(pairs: Sequence[MirrorPair], fmt: str) -> str:
    """The `images` listing in one of FORMATS (each line ends with a newline)."""
    # Imported where used: a run that only rewrites never lists (start-up, issue 6).
    import csv
    import io
    import json
    import shlex

    if fmt == "json":
        return json.dumps([{
            "source": p.source,
            "destination": p.destination,
            "rule": _rule_json(p.rule),
            "occurrences": p.occurrences,
        } for p in pairs], indent=2) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["source", "destination", "rule_source", "rule_target", "occurrences"])
        for p in pairs:
            writer.writerow([p.source, p.destination, p.rule.written if p.rule else "",
                             p.rule.target if p.rule else "", p.occurrences])
        return out.getvalue()
    if fmt in ("skopeo", "crane"):
        lines: dict[str, None] = {}
        for p in pairs:
            source, destination = (shlex.quote(r) for r in copy_references(p))
            if fmt == "skopeo":
                line = (f"skopeo copy --all --preserve-digests "
                        f"docker://{source} docker://{destination}")
            else:
                line = f"crane copy {source} {destination}"
            lines.setdefault(line)
        return "".join(f"{line}\n" for line in lines)
    return "".join(f"{p.source} -> {p.destination}\n" for p in pairs)
