"""The edge: arguments in, manifests to stdout, one line per diagnostic to stderr.

Exit codes: 0 ok, 1 a rewrite or input error (all documents are still written),
2 a usage or configuration error (nothing is written).  No Python traceback ever
reaches the user; an unexpected failure is one `internal error` line.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, BinaryIO, NoReturn, TextIO

from .. import __version__
from ..config.load import ENV_CONFIG, Config, ConfigError, NoRulesError, build_config
from ..diagnostics import PROG, Diagnostic
from ..extract.table import build_table
from ..stages.postprocess import PostProcess
from ..stages.rewrite import Context, run
from ..yaml.split import Chunk, split_documents
from . import krm

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
ENV_ERROR_LOG = "REGISTRY_REWRITE_ERROR_LOG"


class UsageParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit 2 like every other one."""

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


def build_parser() -> argparse.ArgumentParser:
    parser = UsageParser(
        prog=PROG,
        description="Rewrite container image references in a multi-document YAML stream "
        "(stdin → stdout) by Registry Connect imageReplacementRules.",
    )
    add_rule_options(parser)
    parser.add_argument("config_object", nargs="?", metavar="CONFIG_OBJECT",
                        help="a configuration object file with imageReplacementRules (at the "
                        "top level, in spec, or in a ConfigMap's data): the kustomize legacy "
                        "exec plugin passes it as the first argument")
    parser.add_argument("--allow", action="append", default=[], metavar="PREFIX",
                        help="policy: after rewriting every image must be under one of these "
                        "prefixes, else exit 1 (repeatable; adds to the config's allow:)")
    parser.add_argument("--report", metavar="FILE",
                        help="write a JSON report of every image (document, field, original, "
                        "rewritten, rule) to FILE, or to stderr with -")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.epilog = (f"`{PROG} images --help`: list the image pairs (or skopeo/crane copy "
                     "commands) instead of writing manifests.")
    return parser


class Reporter:
    """Writes diagnostics to stderr and, when asked, to an error log file."""

    def __init__(self, stderr: TextIO, log_path: str | None) -> None:
        self.stderr = stderr
        self.log_path = log_path
        self.log: TextIO | None = None  # opened at the first diagnostic, kept open
        self.errors = 0

    def __call__(self, diagnostic: Diagnostic) -> None:
        self.errors += diagnostic.is_error
        line = diagnostic.format()
        print(line, file=self.stderr, flush=True)
        if self.log_path:
            try:
                if self.log is None:
                    self.log = open(self.log_path, "a", encoding="utf-8")
                print(line, file=self.log, flush=True)  # each line lands even if we die
            except OSError as err:
                self.log_path = None
                print(f"{PROG}: warning: cannot write error log: {err.strerror}",
                      file=self.stderr)


def rewrite_stream(
    ctx: Context, chunks: Iterable[Chunk], stdout: BinaryIO, report: Reporter,
    post: PostProcess | None = None,
) -> int:
    outcomes = run(iter(chunks), ctx)
    for outcome in post.process(outcomes) if post is not None else outcomes:
        stdout.write(outcome.data)
        stdout.flush()  # streaming: the reader gets each document as soon as it is done
        for diagnostic in outcome.diagnostics:
            report(diagnostic)
    return EXIT_ERROR if report.errors else EXIT_OK


def _uses_postprocess(config: Config, report_path: str | None) -> bool:
    """Whether the run asks for what only the streaming path does (issue #5)."""
    return bool(config.allow or report_path or config.credentials.credentials
                or config.pull_secret)


def reporter_for(args: argparse.Namespace) -> Reporter:
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
    except KeyboardInterrupt:
        return 130
    except Exception as err:  # the promise: never a traceback
        report(Diagnostic("error", f"internal error: {type(err).__name__}: {err}"))
        return EXIT_ERROR


class _Run:
    """One invocation's configuration, built once from the command line and,
    when stdin is a KRM ResourceList, again with its functionConfig as a layer."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.legacy: list[krm.Layer] = []
        self.config: Config | None = None

    def configure(self, layers: Sequence[krm.Layer] = ()) -> Context:
        args = self.args
        self.config = build_config(args.config, args.rule, args.all_prefix,
                                   layers=[*self.legacy, *layers], allow_flags=args.allow)
        return Context(self.config.rules, build_table(self.config.extractors),
                       strict=args.strict, rewrite_unknown=args.rewrite_unknown)


def _answer_resource_list(run_: _Run, first: Chunk, chunks: Iterator[Chunk],
                          resource_list: Any, report: Reporter) -> int:
    data, diagnostics = krm.run(first, chunks, resource_list, run_.configure)
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
    for diagnostic in diagnostics:
        report(diagnostic)
    if run_.config is not None and _uses_postprocess(run_.config, run_.args.report):
        # fail closed: a policy gate that silently passes is worse than none
        report(Diagnostic("error", "configuration: --allow/allow, --report, "
                          "credentials and pullSecret are not applied to a KRM "
                          "ResourceList; run registry-rewrite as a filter or in Helm"))
    return EXIT_ERROR if report.errors else EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["images"]:
        from .images import main as images_main

        return images_main(argv[1:])
    args = build_parser().parse_args(argv)
    report = reporter_for(args)
    run_ = _Run(args)
    ctx: Context | None = None
    no_rules: NoRulesError | None = None
    try:
        if args.config_object:
            run_.legacy.append(krm.read_config_object(args.config_object))
        ctx = run_.configure()
    except NoRulesError as err:
        no_rules = err  # a ResourceList on stdin may still bring them
    except ConfigError as err:
        report(Diagnostic("error", f"configuration: {err}"))
        return EXIT_USAGE
    for warning in run_.config.warnings if run_.config else ():
        report(Diagnostic("warning", f"configuration: {warning}"))
    report_file: TextIO | None = None

    def body() -> int:
        nonlocal report_file
        # The first document decides: a KRM ResourceList is answered whole,
        # anything else streams.  A terminal is not waited on without rules.
        chunks = split_documents(sys.stdin.buffer)
        first = next(chunks, None) if ctx is not None or not sys.stdin.isatty() else None
        resource_list = krm.parse_resource_list(first.data) if first else None
        if first and resource_list is not None:
            return _answer_resource_list(run_, first, chunks, resource_list, report)
        if ctx is None or run_.config is None:
            report(Diagnostic("error", f"configuration: {no_rules}"))
            return EXIT_USAGE
        # Opened only now: a run that exits 2 or answers a ResourceList (which
        # refuses --report) leaves no empty report file behind.
        try:
            report_file = (sys.stderr if args.report == "-" else
                           open(args.report, "w", encoding="utf-8") if args.report else None)
        except OSError as err:
            report(Diagnostic("error", f"--report {args.report}: {err.strerror}"))
            return EXIT_USAGE
        head = [first] if first else []
        post = PostProcess(run_.config, report_file, report_compact=args.report == "-")
        return rewrite_stream(ctx, itertools.chain(head, chunks), sys.stdout.buffer, report, post)

    try:
        return guarded(report, body)
    finally:
        if report_file is not None and report_file is not sys.stderr:
            report_file.close()


def entry() -> NoReturn:
    """The console script and `python -m post_renderer`: run `main`, flush
    what it wrote, and leave with `os._exit`.

    The interpreter's own teardown (freeing every module, class and object)
    took about 40 ms of a 250 ms run over the corpus (issue 6), and a
    post-renderer runs on every `helm upgrade`.  Nothing is lost by skipping
    it: `main` closes the --report file, the error log (kept open by the
    Reporter) and stderr get each diagnostic flushed as it is written, and
    nothing of ours runs at exit.
    """
    try:
        code = main()
    except SystemExit as leaving:  # argparse's --help, --version and usage errors
        code = _exit_code(leaving.code)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: what was not written is lost
            code = code or EXIT_ERROR
    os._exit(code)


def _exit_code(code: object) -> int:
    """What `sys.exit(code)` would make of its argument."""
    if code is None:
        return EXIT_OK
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return EXIT_ERROR
