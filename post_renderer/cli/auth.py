"""`registry-rewrite auth > config.json`: the pack's credentials as the login
file skopeo, crane, docker and podman read.

The one command whose output is a secret: it refuses to print to a terminal
(where it would land in scrollback and screen recordings), and says on
stderr which registries the file covers, never their values.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from ..config.load import build_config
from ..config.text import ConfigError
from ..diagnostics import PROG, Diagnostic
from ..registry.authfile import login_document
from .edge import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    guarded,
    report_config_warnings,
    reporter_for,
)
from .streams import text_output
from .usage import UsageParser, add_rule_options


def build_parser() -> argparse.ArgumentParser:
    parser = UsageParser(
        prog=f"{PROG} auth",
        description="Write the docker/containers login file (config.json / auth.json) built "
        "from the configuration's credentials to stdout; redirect it to a file only you can "
        "read, e.g. `(umask 077; registry-rewrite auth -c pack.yaml > auth.json)`.",
    )
    add_rule_options(parser)
    return parser


def main(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(argv)
    report = reporter_for(args)
    try:
        config = build_config(args.config, args.rule, args.all_prefix)
    except ConfigError as err:
        report(Diagnostic("error", f"configuration: {err}"))
        return EXIT_USAGE
    report_config_warnings(report, config.warnings)
    def body() -> int:
        out = text_output("the login file")
        if out.isatty():
            report(Diagnostic("error", "refusing to print credentials to a terminal; redirect "
                              "stdout to a file"))
            return EXIT_USAGE
        credentials = config.credentials.credentials
        if not credentials:
            report(Diagnostic("error", "no credentials in the configuration: nothing to log "
                              "in with"))
            return EXIT_ERROR
        out.write(login_document(credentials))
        out.flush()
        domains = ", ".join(c.domain for c in credentials)
        report.note(f"{PROG}: login file written for {domains}")
        return EXIT_OK

    return guarded(report, body)
