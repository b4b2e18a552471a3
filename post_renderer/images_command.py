"""`registry-rewrite images`: the source → destination pairs a rewrite would
produce, without writing manifests.

Operators fill the mirror before they deploy: this runs the same pipeline on
the same stream with the same rules, and prints what it would pull from where
(as text, JSON or CSV) or ready-to-run `skopeo copy` / `crane copy` lines.
Credentials are validated but not read: listing images needs no secret.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from .cli import ENV_ERROR_LOG, EXIT_ERROR, EXIT_OK, EXIT_USAGE, _Parser, _Reporter
from .config import ENV_CONFIG, ConfigError, build_config
from .diagnostics import PROG, Diagnostic
from .extractors import build_table
from .inventory import FORMATS, format_pairs, mirror_pairs, unmatched_rules, unmatched_warning
from .pipeline import Context, Occurrence, run
from .stream import split_documents


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=f"{PROG} images",
        description="List the unique source → destination image pairs the rules produce for "
        "the manifests on stdin (nothing else is written), or the commands that copy them.",
    )
    parser.add_argument("-c", "--config", metavar="RULES.yaml",
                        help=f"rules file or Palette pack values file (default: ${ENV_CONFIG})")
    parser.add_argument("--rule", action="append", default=[], metavar="SRC=DST",
                        help="add a source-prefix rule (repeatable; overrides the file)")
    parser.add_argument("--all", dest="all_prefix", metavar="PREFIX",
                        help='the "all" rule: prefix every image not matched by a source rule')
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="text (SRC -> DST), json, csv, or one `skopeo copy` / "
                        "`crane copy` command per line (default: text)")
    parser.add_argument("--strict", action="store_true",
                        help="treat warnings (invalid image values) as errors (exit 1)")
    parser.add_argument("--rewrite-unknown", action="store_true",
                        help="also list image-like values that no extractor covers")
    parser.add_argument("--error-log", metavar="FILE",
                        help=f"also append diagnostics to FILE (default: ${ENV_ERROR_LOG})")
    return parser


def main(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(argv)
    report = _Reporter(sys.stderr, args.error_log or os.environ.get(ENV_ERROR_LOG) or None)
    try:
        config = build_config(args.config, args.rule, args.all_prefix, resolve_credentials=False)
    except ConfigError as err:
        report(Diagnostic("error", f"configuration: {err}"))
        return EXIT_USAGE
    ctx = Context(config.rules, build_table(config.extractors), strict=args.strict,
                  rewrite_unknown=args.rewrite_unknown)
    occurrences: list[Occurrence] = []
    try:
        for outcome in run(split_documents(sys.stdin.buffer), ctx):
            occurrences += outcome.occurrences
            for diagnostic in outcome.diagnostics:
                report(diagnostic)
        for rule in unmatched_rules(occurrences, config.rules):
            report(unmatched_warning(rule))
        sys.stdout.write(format_pairs(mirror_pairs(occurrences, config.rules), args.format))
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except Exception as err:  # the promise: never a traceback
        report(Diagnostic("error", f"internal error: {type(err).__name__}: {err}"))
        return EXIT_ERROR
    return EXIT_ERROR if report.errors else EXIT_OK
