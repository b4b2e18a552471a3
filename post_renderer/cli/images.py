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

from ..config.load import ConfigError, build_config
from ..diagnostics import PROG, Diagnostic
from ..extract.table import build_table
from ..stages.inventory import (
    FORMATS,
    format_pairs,
    mirror_pairs,
    unmatched_rules,
    unmatched_warning,
)
from ..stages.rewrite import Context, Occurrence, run
from ..yaml.split import split_documents
from .main import (
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
    ctx = Context(config.rules, build_table(config.extractors), strict=args.strict,
                  rewrite_unknown=args.rewrite_unknown)

    def body() -> int:
        occurrences: list[Occurrence] = []
        for outcome in run(split_documents(sys.stdin.buffer), ctx):
            occurrences += outcome.occurrences
            for diagnostic in outcome.diagnostics:
                report(diagnostic)
        for rule in unmatched_rules(occurrences, config.rules):
            report(unmatched_warning(rule))
        sys.stdout.write(format_pairs(mirror_pairs(occurrences, config.rules), args.format))
        sys.stdout.flush()
        return EXIT_ERROR if report.errors else EXIT_OK

    return guarded(report, body)
