"""argparse for the commands: its parser class and the options they share.

Apart from `edge` because a plain filter run reads its command line without
argparse (`quick`): only help, a usage error or a subcommand imports it.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..config.load import ENV_CONFIG
from ..diagnostics import PROG
from .edge import ENV_ERROR_LOG, EXIT_USAGE


class UsageParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit 2 like every other one,
    and an option is only ever its full name: with abbreviations, `--stric`
    would be `--strict` and `--rewrite` would be `--rewrite-unknown`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["allow_abbrev"] = False
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{PROG}: usage error: {message} (see --help)\n")


def add_rule_options(parser: argparse.ArgumentParser) -> None:
    """The options every subcommand shares: where the rules come from, how
    strict to be, and where else diagnostics go."""
    parser.add_argument("-c", "--config", metavar="RULES.yaml",
                        help=f"rules file or Palette pack values file (default: ${ENV_CONFIG})")
    parser.add_argument("--rule", action="append", default=[], metavar="SRC=DST",
                        help="add a source-prefix rule (repeatable; overrides the file)")
    parser.add_argument("--all", dest="all_prefix", metavar="PREFIX",
                        help='the "all" rule: prefix every image not matched by a source rule')
    parser.add_argument("--strict", action="store_true",
                        help="treat warnings (invalid image values, uncovered images) as "
                        "errors (exit 1)")
    parser.add_argument("--rewrite-unknown", action="store_true",
                        help="also take image-like values that no extractor covers "
                        "(instead of warning about them)")
    parser.add_argument("--error-log", metavar="FILE",
                        help=f"also append diagnostics to FILE (default: ${ENV_ERROR_LOG}); "
                        "Helm 4 hides a post-renderer's stderr")


def add_allow_option(parser: argparse.ArgumentParser) -> None:
    """--allow, for every subcommand whose images reach a cluster or a mirror
    (rewrite, images, sync, verify): one gate, spelled and read the same."""
    parser.add_argument("--allow", action="append", default=[], metavar="PREFIX",
                        help="policy: after rewriting every image must be under one of these "
                        "prefixes, else exit 1 (repeatable; adds to the config's allow:)")
