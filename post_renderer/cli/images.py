"""`registry-rewrite images`: every image a rewrite would leave in the
manifests, and where from, without writing manifests.

Operators fill the mirror before they deploy: this runs the same pipeline on
the same stream with the same rules, and prints what it would pull from where
(as text, JSON or CSV) or ready-to-run `skopeo copy` / `crane copy` lines that
carry the per-registry TLS settings.  Images no rule maps are listed too,
with no destination: they are pulled from where they are.  Credentials are
validated but not read: listing images needs no secret.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

from ..config.load import build_config
from ..config.text import ConfigError
from ..diagnostics import PROG, Diagnostic
from ..pipeline.build import Options, build_stages
from ..pipeline.listing import FORMATS, ListingOptions
from ..pipeline.streams import ListingWriter
from ..registry.connection import Connections
from .edge import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    guarded,
    reporter_for,
    run_on_stdin,
)
from .registry_options import add_connection_options, connections_for
from .streams import text_output
from .usage import UsageParser, add_allow_option, add_rule_options


def build_parser() -> argparse.ArgumentParser:
    parser = UsageParser(
        prog=f"{PROG} images",
        description="List every image of the manifests on stdin (and of the pack's "
        "content.images) with the destination the rules give it, or `(no rule)`; or the "
        "commands that copy them. Nothing else is written.",
    )
    add_rule_options(parser)
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="text (SRC -> DST), json, csv, or one `skopeo copy` / "
                        "`crane copy` command per line (default: text)")
    parser.add_argument("--pairs-only", action="store_true",
                        help="list only the images a rule rewrites (the copy formats always do)")
    add_allow_option(parser)
    parser.add_argument("--authfile", metavar="FILE",
                        help="login file the printed copy commands use (make it with "
                        f"`{PROG} auth > FILE`; crane reads DOCKER_CONFIG/config.json)")
    add_connection_options(parser)
    return parser


def main(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(argv)
    report = reporter_for(args)
    try:
        config = build_config(args.config, args.rule, args.all_prefix, resolve_credentials=False,
                              allow_flags=args.allow)
        connections = connections_for(args, config)
        if args.format == "crane":
            warning = check_crane(args.authfile, connections,
                                  [c.domain for c in config.credentials.credentials])
            if warning:
                report(Diagnostic("warning", warning))
        listing = ListingOptions(None if args.pairs_only else config.rules,
                                 connections, args.authfile)
    except ConfigError as err:
        report(Diagnostic("error", f"configuration: {err}"))
        return EXIT_USAGE

    def body() -> int:
        stages = build_stages(config, Options(args.strict, args.rewrite_unknown,
                                              manifests=False, keep_occurrences=True))
        out = text_output("the listing")
        writer = ListingWriter(out, args.format, report, listing)  # type: ignore[arg-type]
        run_on_stdin(stages, writer)  # UTF-16/32 too: its images need mirroring as well
        out.flush()  # a full stdout is an error here, not lost at exit
        return EXIT_ERROR if report.errors else EXIT_OK

    return guarded(report, body)


def check_crane(authfile: str | None, connections: Connections,
                credentialed: Sequence[str]) -> str | None:
    """Refuse what crane would do differently from what the flags say.

    crane reads logins from DOCKER_CONFIG/config.json only, so a login file
    of another name would silently be replaced by whatever config.json sits
    beside it; and crane has one --insecure for both registries of a copy,
    which would also accept any certificate from a registry the login is
    sent to (refused; for a registry without credentials, a warning).
    skopeo has neither limit: the messages point there.
    """
    if authfile and os.path.basename(authfile) != "config.json":
        raise ConfigError(
            f"--authfile {authfile}: crane reads DOCKER_CONFIG/config.json, not this file; "
            "write the login file as DIR/config.json, or use --format skopeo")
    insecure = sorted(h for h, c in connections.by_host.items() if not c.verify_tls)
    verified = sorted(d for d in credentialed if connections.for_host(d).verify_tls)
    if insecure and verified:
        raise ConfigError(
            f"--format crane: crane's one --insecure (for {', '.join(insecure)}) would also "
            f"stop verifying TLS for {', '.join(verified)}, where credentials are sent; "
            "use --format skopeo, which sets TLS per registry")
    if insecure:
        return (f"--format crane: --insecure (for {', '.join(insecure)}) also stops verifying "
                "TLS for the other registry of each command; --format skopeo sets it per "
                "registry")
    return None
