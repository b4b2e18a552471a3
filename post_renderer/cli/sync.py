"""`registry-rewrite sync`: copy every image of the stream to its rewritten
destination.

The same pipeline as every route, with the sync stage at its end and a
writer that writes no manifests: the copies are planned from the same pairs
`images` lists and run through the registry layer (skopeo, the pack's
credentials in a temporary login file, the per-registry TLS settings).  The
rewrite route runs the same stage under `content.sync.enable`.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from ..config.text import ConfigError
from ..diagnostics import PROG, Diagnostic
from ..pipeline.build import Options, build_stages
from ..pipeline.streams import DiagnosticsWriter
from ..stages.sync import RetryPolicy, SyncRun
from .edge import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    guarded,
    report_config_warnings,
    reporter_for,
    run_on_stdin,
)
from .registry_options import add_connection_options, configure_with_connections
from .streams import text_output
from .usage import UsageParser, add_allow_option, add_rule_options

DEFAULT_JOBS = 4


def build_parser() -> argparse.ArgumentParser:
    parser = UsageParser(
        prog=f"{PROG} sync",
        description="Copy every image of the manifests on stdin (and of the pack's "
        "content.images) to the destination the rules give it: all platforms, digests "
        "preserved, images already present skipped. Needs skopeo.",
    )
    add_rule_options(parser)
    add_allow_option(parser)
    parser.add_argument("-j", "--jobs", type=int, default=DEFAULT_JOBS, metavar="N",
                        help=f"copy up to N images at once (default: {DEFAULT_JOBS})")
    parser.add_argument("--retries", type=int, default=3, metavar="N",
                        help="retry a transient failure (unreachable, timeout, 429/5xx) up to "
                        "N times, waiting 1s, 2s, 4s, … (default: 3)")
    parser.add_argument("--dry-run", action="store_true",
                        help="list what would be copied (stdout) without touching a registry")
    add_connection_options(parser)
    return parser


def main(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(argv)
    report = reporter_for(args)
    if args.jobs < 1 or args.retries < 0:
        report(Diagnostic("error", "usage error: --jobs must be at least 1 and --retries at "
                          "least 0"))
        return EXIT_USAGE
    try:
        config = configure_with_connections(
            args, resolve_credentials=not args.dry_run)
    except ConfigError as err:
        report(Diagnostic("error", f"configuration: {err}"))
        return EXIT_USAGE
    report_config_warnings(report, config.warnings)
    run = SyncRun(args.jobs, RetryPolicy(args.retries), args.dry_run,
                  "error" if args.strict else "warning")

    def body() -> int:
        # the plan of --dry-run goes to stdout: a closed or full one is an error
        out = text_output("the plan") if args.dry_run else None
        stages = build_stages(config, Options(args.strict, args.rewrite_unknown,
                                              manifests=False, sync=run._replace(out=out)))
        run_on_stdin(stages, DiagnosticsWriter(report))
        return EXIT_ERROR if report.errors else EXIT_OK

    return guarded(report, body)
