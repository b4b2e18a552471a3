"""`registry-rewrite images`: the source → destination pairs a rewrite would
produce, without writing manifests.

Operators fill the mirror before they deploy: this runs the same pipeline on
the same stream with the same rules, and prints what it would pull from where
(as text, JSON or CSV) or ready-to-run `skopeo copy` / `crane copy` lines.
Credentials are validated but not read: listing images needs no secret.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ..config.load import build_config
from ..config.text import ConfigError
from ..diagnostics import PROG, Diagnostic
from ..pipeline.build import Options, build_stages
from ..pipeline.core import Pipeline
from ..pipeline.listing import FORMATS
from ..pipeline.streams import ListingWriter, documents
from ..yaml.split import split_documents
from .edge import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    UsageParser,
    add_rule_options,
    guarded,
    reporter_for,
)


def build_parser() -> argparse.ArgumentParser:
    parser = UsageParser(
        prog=f"{PROG} images",
        description="List the unique source → destination image pairs the rules produce for "
        "the manifests on stdin (nothing else is written), or the commands that copy them.",
    )
    add_rule_options(parser)
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="text (SRC -> DST), json, csv, or one `skopeo copy` / "
                        "`crane copy` command per line (default: text)")
    return parser


def main(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(argv)
    report = reporter_for(args)
    try:
        config = build_config(args.config, args.rule, args.all_prefix, resolve_credentials=False)
    except ConfigError as err:
        report(Diagnostic("error", f"configuration: {err}"))
        return EXIT_USAGE

    def body() -> int:
        stages = build_stages(config, Options(args.strict, args.rewrite_unknown,
                                              manifests=False, keep_occurrences=True))
        writer = ListingWriter(sys.stdout, args.format, report)
        Pipeline(documents(split_documents(sys.stdin.buffer)), stages, writer).run()
        return EXIT_ERROR if report.errors else EXIT_OK

    return guarded(report, body)
