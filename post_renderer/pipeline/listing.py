"""The `images` listing: the unique source → destination pairs of a run, as
text, JSON, CSV or ready-to-run `skopeo copy` / `crane copy` lines."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from ..model import Occurrence
from ..rewrite.reference import parse_reference
from ..rewrite.rules import Rule
from ..stages.inventory import rule_json

FORMATS = ("text", "json", "csv", "skopeo", "crane")


class MirrorPair(NamedTuple):
    """One image to copy: `source` fully qualified, `destination` as rewritten."""

    source: str
    destination: str
    rule: Rule | None
    occurrences: int


def mirror_pairs(occurrences: Iterable[Occurrence]) -> list[MirrorPair]:
    """The unique (source, destination) pairs of the rewritten images, sorted.

    The source is fully qualified (`nginx:1` → `docker.io/library/nginx:1`) so
    that `nginx:1` and `docker.io/nginx:1` are one pair and the copy commands
    do not depend on a tool's idea of the default registry.
    """
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
        rule_of[key] = occurrence.rule
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
    # Imported where used: a run that only rewrites never lists (start-up).
    import csv
    import io
    import json
    import shlex

    if fmt == "json":
        return json.dumps([{
            "source": p.source,
            "destination": p.destination,
            "rule": rule_json(p.rule),
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
