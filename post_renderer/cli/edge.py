"""The edge's shared parts: exit codes, usage errors, where diagnostics go,
and the promises every command keeps (no traceback, a quiet closed pipe).

Exit codes: 0 ok, 1 a rewrite or input error (all documents are still written),
2 a usage or configuration error (nothing is written).  No Python traceback ever
reaches the user; an unexpected failure is one `internal error` line.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, TextIO

from ..diagnostics import PROG, Diagnostic
from .streams import StreamError

if TYPE_CHECKING:
    import argparse

    from ..pipeline.core import Stage, Writer

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
ENV_ERROR_LOG = "REGISTRY_REWRITE_ERROR_LOG"


class Reporter:
    """Writes diagnostics to stderr and, when asked, to an error log file."""

    def __init__(self, stderr: TextIO | None, log_path: str | None) -> None:
        self.stderr = stderr
        self.log_path = log_path
        self.log: TextIO | None = None  # opened at the first diagnostic, kept open
        self.errors = 0

    def __call__(self, diagnostic: Diagnostic) -> None:
        self.errors += diagnostic.is_error
        line = diagnostic.format()
        self._say(line)
        if self.log_path:
            try:
                if self.log is None:
                    self.log = open(self.log_path, "a", encoding="utf-8")
                print(line, file=self.log, flush=True)  # each line lands even if we die
            except OSError as err:
                self.log_path = None
                self._say(f"{PROG}: warning: cannot write error log: {err.strerror}")

    def note(self, line: str) -> None:
        """A summary or progress line (not a diagnostic), with the same care
        for a closed stderr."""
        self._say(line)

    def _say(self, line: str) -> None:
        """One line to stderr; with stderr closed (`2>&-`, sys.stderr None),
        nothing: print(file=None) would put it on stdout, into the manifests."""
        if self.stderr is None:
            return
        try:
            print(line, file=self.stderr, flush=True)
        except (OSError, ValueError):
            self.stderr = None  # stderr went away: keep the manifests clean anyway


def report_config_warnings(report: Reporter, warnings: Iterable[str]) -> None:
    """What the configuration loader warned about, worded alike on every command."""
    for warning in warnings:
        report(Diagnostic("warning", f"configuration: {warning}"))


def run_on_stdin(stages: Sequence[Stage], writer: Writer) -> None:
    """Run a subcommand's stages over the documents on stdin (UTF-16/32
    decoded as on the main route), so every command reads input one way."""
    from ..pipeline.core import Pipeline
    from ..pipeline.streams import documents
    from ..yaml.split import split_documents
    from .streams import standard_input

    reader, _ = standard_input()
    Pipeline(documents(split_documents(reader)), stages, writer).run()


def reporter_for(args: argparse.Namespace) -> Reporter:
    """The reporter the command line asks for (--error-log or its variable)."""
    return Reporter(sys.stderr, args.error_log or os.environ.get(ENV_ERROR_LOG) or None)


def guarded(report: Reporter, body: Callable[[], int]) -> int:
    """Run a command's body with the promises of the edge: a closed pipe is a
    quiet exit 1, ^C is 130, and anything unexpected is one line, never a traceback."""
    try:
        return body()
    except BrokenPipeError:
        # The reader went away (e.g. `| head`); nothing useful left to say.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_ERROR
    except StreamError as err:
        report(Diagnostic("error", str(err)))
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except Exception as err:  # the promise: never a traceback
        report(Diagnostic("error", f"internal error: {type(err).__name__}: {err}"))
        return EXIT_ERROR
