"""`registry-rewrite verify`: check that the mirror serves every reference the
manifests on stdin make the cluster pull from it.

The manifests may be the original render or the rewritten output.  The same
pipeline as every route runs, with the verification stage at its end and a
writer that writes no manifests; the rewrite route runs the same stage under
`--verify` / `--pin-digests` / `--lock` (see `check_options`).  Registry access
is the sync layer's: skopeo, the pack's credentials in a 0600 login file, the
per-registry TLS settings.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from ..config.text import ConfigError
from ..diagnostics import PROG, Diagnostic
from ..pipeline.build import Options, build_stages
from ..pipeline.streams import DiagnosticsWriter
from ..stages.mirrorcheck import VerifyStage
from .check_options import add_check_options, check_options
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
from .usage import UsageParser, add_allow_option, add_rule_options


def build_parser() -> argparse.ArgumentParser:
    parser = UsageParser(
        prog=f"{PROG} verify",
        description="Check that the mirror serves every image reference the rules rewrite "
        "the manifests on stdin to (or that they already point at), and the pack's "
        "content.images: each tag, each digest, and for name:tag@digest that the tag points "
        "at that digest. Writes no manifests. Needs skopeo, unless --lock FILE exists.",
    )
    add_rule_options(parser)
    add_allow_option(parser)
    add_check_options(parser, route=False)
    add_connection_options(parser)
    return parser


def main(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(argv)
    report = reporter_for(args)
    try:
        options = check_options(args, command=True)
        config = configure_with_connections(args)
    except ConfigError as err:
        report(Diagnostic("error", f"configuration: {err}"))
        return EXIT_USAGE
    assert options is not None  # the command always verifies
    report_config_warnings(report, config.warnings)

    def body() -> int:
        stages = build_stages(config, Options(args.strict, args.rewrite_unknown,
                                              manifests=False, verify=options))
        run_on_stdin(stages, DiagnosticsWriter(report))
        stage = stages[-1]
        assert isinstance(stage, VerifyStage) and stage.checked is not None
        report.note(f"{PROG}: {stage.checked.summary}")
        return EXIT_OK if stage.checked.ok and not report.errors else EXIT_ERROR

    return guarded(report, body)
