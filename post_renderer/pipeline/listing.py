"""The `images` listing: every image of a run (the unique source → destination
pairs, and the images no rule rewrote), as text, JSON, CSV or ready-to-run
`skopeo copy` / `crane copy` lines."""

from __future__ import annotations

import os
import shlex
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from ..model import Occurrence
from ..registry.connection import NO_SETTINGS, Connections
from ..registry.skopeo import registry_of
from ..rewrite.reference import ReferenceError, parse_reference
from ..rewrite.rules import Rule, RuleSet
from ..stages.content import Unmapped, unmapped_images
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


def digest_tag(digest: str) -> str:
    """The tag a digest-only image gets in the mirror: `sha256:ab…` → `sha256-ab…`.

    A registry's garbage collection (`--delete-untagged`) deletes untagged
    manifests, so a digest-only image is also tagged, deterministically, so a
    re-sync finds it; the `sha256-<hex>` form is a valid tag (71 characters)
    and is the convention cosign and others already use.
    """
    return digest.replace(":", "-", 1)


def copy_references(pair: MirrorPair) -> tuple[str, str]:
    """(source, destination) for a copy tool.

    skopeo refuses a reference with both a tag and a digest, so the source is
    pulled by digest when there is one (the digest is what the pod runs) and
    the destination keeps the tag when there is one (`--preserve-digests` /
    crane keep the digest identical, so `dst:tag@digest` resolves).  A
    digest-only destination is pushed under `digest_tag`; a reference with
    neither is `:latest` on both sides, said explicitly.  Both are fully
    qualified, so the copy does not depend on a tool's default registry.
    """
    src = parse_reference(pair.source)
    dst = parse_reference(pair.destination)
    source = src.name + (f"@{src.digest}" if src.digest else f":{src.tag or 'latest'}")
    tag = dst.tag or (digest_tag(dst.digest) if dst.digest else "latest")
    # fully qualified like the source: a target without a registry is Docker Hub's
    return source, f"{dst.normalized_name}:{tag}"


class ListingOptions(NamedTuple):
    """What the `images` command lists beyond the pairs, and how copy commands
    reach each registry."""

    rules: RuleSet | None = None  # to say why an image is not rewritten; None: pairs only
    connections: Connections = NO_SETTINGS
    authfile: str | None = None


PAIRS_ONLY = ListingOptions()


def render_listing(occurrences: Sequence[Occurrence], fmt: str,
                   options: ListingOptions = PAIRS_ONLY) -> str:
    """The whole `images` output for one run."""
    pairs = mirror_pairs(occurrences)
    if fmt in ("skopeo", "crane"):
        return copy_commands(pairs, fmt, options.connections, options.authfile)
    unmapped: Sequence[Unmapped] = ()
    if options.rules is not None:
        unmapped = unmapped_images(occurrences, options.rules)
    return format_pairs(pairs, fmt, unmapped)


def format_pairs(pairs: Sequence[MirrorPair], fmt: str, unmapped: Sequence[Unmapped] = ()
                 ) -> str:
    """The listing as text, json or csv (each line ends with a newline);
    `unmapped` images (no rule rewrote them) are listed with no destination."""
    # Imported where used: a run that only rewrites never lists (start-up).
    import csv
    import io
    import json

    if fmt == "json":
        listed: list[dict[str, Any]] = [{
            "source": p.source,
            "destination": p.destination,
            "rule": rule_json(p.rule),
            "occurrences": p.occurrences,
        } for p in pairs]
        listed += [{"source": u.source, "destination": None, "rule": None,
                    "occurrences": u.occurrences, "reason": u.reason} for u in unmapped]
        return json.dumps(sorted(listed, key=lambda e: str(e["source"])), indent=2) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["source", "destination", "rule_source", "rule_target", "occurrences",
                         "rule_kind"])
        rows: list[list[Any]] = [[p.source, p.destination, p.rule.written if p.rule else "",
                                  p.rule.target if p.rule else "", p.occurrences,
                                  p.rule.kind if p.rule else ""] for p in pairs]
        rows += [[u.source, "", "", "", u.occurrences, ""] for u in unmapped]
        rows.sort(key=lambda row: str(row[0]))
        writer.writerows(rows)
        return out.getvalue()
    text = [(p.source, f"{p.source} -> {p.destination}") for p in pairs]
    text += [(u.source, f"{u.source} ({u.reason})") for u in unmapped]
    return "".join(f"{line}\n" for _, line in sorted(text))


# --- copy commands: they carry the per-registry settings the sync engine uses ---

SYSTEM_CERT_DIR = "/etc/ssl/certs"


def _skopeo_side(side: str, host: str, connections: Connections) -> list[str]:
    conn = connections.for_host(host)
    if not conn.verify_tls:
        return [f"--{side}-tls-verify=false"]
    if conn.ca_file:  # skopeo takes a directory and trusts every *.crt in it
        return [f"--{side}-cert-dir={shlex.quote(os.path.dirname(conn.ca_file))}"]
    return []


def copy_command(pair: MirrorPair, fmt: str, connections: Connections = NO_SETTINGS,
                 authfile: str | None = None) -> str:
    """One `skopeo copy` or `crane copy` line for `pair`, working as printed
    against a plain-HTTP or private-CA registry.  skopeo takes TLS switches per
    side; crane has one `--insecure` for both and reads CAs and logins from the
    environment (`SSL_CERT_DIR`, `DOCKER_CONFIG`).  No command holds a secret:
    logins are a file (`registry-rewrite auth`)."""
    source, destination = copy_references(pair)
    hosts = (registry_of(source), registry_of(destination))
    if fmt == "skopeo":
        args = ["skopeo copy --all --preserve-digests"]
        args += _skopeo_side("src", hosts[0], connections)
        args += _skopeo_side("dest", hosts[1], connections)
        if authfile:
            quoted = shlex.quote(authfile)
            args += [f"--src-authfile={quoted}", f"--dest-authfile={quoted}"]
        return " ".join([*args, f"docker://{shlex.quote(source)}",
                         f"docker://{shlex.quote(destination)}"])
    conns = [connections.for_host(h) for h in hosts]
    env = []
    ca_dirs = sorted({os.path.dirname(c.ca_file) for c in conns if c.ca_file and c.verify_tls})
    if ca_dirs:
        env.append("SSL_CERT_DIR=" + shlex.quote(":".join([SYSTEM_CERT_DIR, *ca_dirs])))
    if authfile:
        env.append("DOCKER_CONFIG=" + shlex.quote(os.path.dirname(os.path.abspath(authfile))))
    insecure = ["--insecure"] if any(not c.verify_tls for c in conns) else []
    return " ".join([*env, "crane copy", *insecure, shlex.quote(source),
                     shlex.quote(destination)])


def copy_commands(pairs: Sequence[MirrorPair], fmt: str, connections: Connections = NO_SETTINGS,
                  authfile: str | None = None) -> str:
    """One command per line, each once."""
    lines = dict.fromkeys(copy_command(p, fmt, connections, authfile) for p in pairs)
    return "".join(f"{line}\n" for line in lines)
