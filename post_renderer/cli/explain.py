"""`registry-rewrite explain IMAGE…`: what the rules make of each image, and why.

It loads the configuration exactly as a rewrite does (file, environment,
--rule/--all, --allow), so its answer is the rewrite's answer.  Exit 0 when
every image is rewritten or left alone without error (and allowed, when
there is an allow-list), 1 otherwise, 2 on a usage or configuration error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ..config.load import build_config
from ..config.text import ConfigError
from ..diagnostics import PROG, Diagnostic
from ..rewrite.explain import explain
from ..rewrite.scope import Place, parse_kind
from .edge import EXIT_ERROR, EXIT_OK, EXIT_USAGE, reporter_for
from .usage import UsageParser, add_rule_options


def build_parser() -> argparse.ArgumentParser:
    parser = UsageParser(
        prog=f"{PROG} explain",
        description="Show, for each image, its normalized reference, every rule that "
        "matches it, which one decides and why, the result, and whether --allow accepts it.",
    )
    parser.add_argument("images", nargs="+", metavar="IMAGE")
    add_rule_options(parser)
    parser.add_argument("--allow", action="append", default=[], metavar="PREFIX",
                        help="check the result against these prefixes too (adds to the "
                        "config's allow:)")
    parser.add_argument("--namespace", default="", metavar="NS",
                        help="the namespace the image is met in (for scoped rules)")
    parser.add_argument("--kind", default="", metavar="[GROUP/]KIND",
                        help="the kind of the object that holds the image, e.g. "
                        "apps/Deployment (for scoped rules; no group: the core group)")
    return parser


def main(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(argv)
    report = reporter_for(args)
    try:
        kind = parse_kind(args.kind) if args.kind else None
    except ValueError as err:
        report(Diagnostic("error", f"--kind: {err}"))
        return EXIT_USAGE
    try:
        config = build_config(args.config, args.rule, args.all_prefix,
                              allow_flags=args.allow, resolve_credentials=False)
    except ConfigError as err:
        report(Diagnostic("error", f"configuration: {err}"))
        return EXIT_USAGE
    place = Place(args.namespace.strip(), kind.group or "" if kind else "",
                  kind.kind if kind else "")
    allowed = config.allow.permits if config.allow else None
    failed = False
    blocks = []
    for image in args.images:
        lines, ok = explain(image, config.rules, place, allowed)
        failed |= not ok
        blocks.append("\n".join(lines) + "\n")
    sys.stdout.write("\n".join(blocks))
    sys.stdout.flush()
    return EXIT_ERROR if failed else EXIT_OK
