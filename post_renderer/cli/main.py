"""The filter command: manifests on stdin, manifests on stdout.

The first document decides the route: a KRM ResourceList (kustomize, kpt) is
answered whole, with its functionConfig as one more configuration layer;
anything else streams.  Both build the same pipeline (see `pipeline`).
"""

from __future__ import annotations

import io
import itertools
import os
import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, BinaryIO, NoReturn, TextIO, cast

from .. import __version__
from ..config.load import Config, Layer
from ..config.text import ConfigError, NoRulesError
from ..diagnostics import PROG, Diagnostic
from ..yaml.split import Chunk, split_documents

if TYPE_CHECKING:
    import argparse

    from ..pipeline.streams import ReportFile
    from ..stages.resolve import Options as CheckOptions

from .check_options import add_check_options, check_options
from .collector import resume
from .edge import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    Reporter,
    guarded,
    report_config_warnings,
    reporter_for,
)
from .quick import quick_parse
from .registry_options import add_connection_options, configure_with_connections
from .streams import standard_input, standard_output


def build_parser() -> argparse.ArgumentParser:
    """argparse's parser: for help, errors and the lines `quick` leaves to it."""
    from .usage import UsageParser, add_allow_option, add_rule_options

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
    add_allow_option(parser)
    parser.add_argument("--report", metavar="FILE",
                        help="write a JSON report of every image (document, field, original, "
                        "rewritten, rule) to FILE, or to stderr with -")
    parser.add_argument("--diff", action="store_true",
                        help="write a unified diff of the input against the rewritten output "
                        "instead of the manifests (exit codes unchanged)")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    add_connection_options(parser)
    add_check_options(parser, route=True)
    parser.epilog = (f"`{PROG} explain IMAGE…`: which rule decides an image, and why; "
                     f"`{PROG} images --help`: list the image pairs (or skopeo/crane copy "
                     f"commands) instead of writing manifests; `{PROG} sync --help`: copy "
                     f"them to the mirror; `{PROG} verify --help`: check the mirror serves "
                     f"them; `{PROG} auth --help`: the login file.")
    return parser


def configure(args: argparse.Namespace, layers: Sequence[Layer] = ()) -> Config:
    """The run's configuration: files, environment, `layers`, then flags."""
    return configure_with_connections(args, layers)


def open_report(args: argparse.Namespace, report: Reporter) -> TextIO | None | int:
    """The --report destination, or EXIT_USAGE when it cannot be opened.
    Opened only once the run is known to go ahead: a run that exits 2 leaves
    no empty report file behind."""
    if not args.report:
        return None
    if args.report == "-":
        return sys.stderr
    try:
        return open(args.report, "w", encoding="utf-8")
    except OSError as err:
        report(Diagnostic("error", f"--report {args.report}: {err.strerror}"))
        return EXIT_USAGE


SUBCOMMANDS = ("images", "sync", "verify", "auth")


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] in (["help"], *([c] for c in (*SUBCOMMANDS, "explain"))):
        resume()  # start-up is over for the subcommands: they read as they go
    if argv[:1] == ["help"]:  # the subcommand, never a configuration file called "help"
        if argv[1:] not in ([], *([c] for c in SUBCOMMANDS)):
            print(f"{PROG}: usage error: help {' '.join(argv[1:])}: there is only "
                  f"`{PROG} help` and `{PROG} help COMMAND` for "
                  f"{', '.join(SUBCOMMANDS)}", file=sys.stderr)
            return EXIT_USAGE
        argv = [*argv[1:], "--help"]
    if argv[:1] == ["images"]:
        from .images import main as images_main

        return images_main(argv[1:])
    if argv[:1] == ["sync"]:
        from .sync import main as sync_main

        return sync_main(argv[1:])
    if argv[:1] == ["verify"]:
        from .verify import main as verify_main

        return verify_main(argv[1:])
    if argv[:1] == ["auth"]:
        from .auth import main as auth_main

        return auth_main(argv[1:])
    if argv[:1] == ["explain"]:
        from .explain import main as explain_main

        return explain_main(argv[1:])
    args = quick_parse(argv) or build_parser().parse_args(argv)
    report = reporter_for(args)
    legacy: list[Layer] = []
    config: Config | None = None
    no_rules: NoRulesError | None = None
    try:
        verify = check_options(args)  # --verify, --pin-digests, --lock: ask the mirror
        if args.config_object:
            from ..config.objects import read_config_object

            legacy.append(read_config_object(args.config_object))
        config = configure(args, legacy)
    except NoRulesError as err:
        no_rules = err  # a ResourceList on stdin may still bring them
    except ConfigError as err:
        report(Diagnostic("error", f"configuration: {err}"))
        return EXIT_USAGE
    report_config_warnings(report, config.warnings if config else ())
    opened: list[TextIO] = []

    def body() -> int:
        # A terminal is not waited on without rules.
        chunks: Iterator[Chunk] = iter(())
        first: Chunk | None = None
        encoding: str | None = None
        if config is not None or sys.stdin is None or not sys.stdin.isatty():
            reader, encoding = standard_input()
            chunks = split_documents(reader)
            first = next(chunks, None)
        out = cast(BinaryIO, standard_output(encoding))
        if first is not None and b"ResourceList" in first.data:
            from ..pipeline.krm import parse_resource_list

            resource_list = parse_resource_list(first.data)
            if resource_list is not None:
                return _answer_resource_list(args, legacy, config, first, chunks,
                                             resource_list, report, opened, out, verify)
        if config is None:
            report(Diagnostic("error", f"configuration: {no_rules}"))
            return EXIT_USAGE
        report_file = open_report(args, report)
        if isinstance(report_file, int):
            return report_file
        from ..pipeline.build import Options, build_stages
        from ..pipeline.core import Pipeline
        from ..pipeline.streams import HoldingWriter, StreamWriter, documents

        if report_file is not None:
            opened.append(report_file)
        head = [first] if first else []
        stages = build_stages(config, Options(args.strict, args.rewrite_unknown,
                                              report=bool(args.report), verify=verify))
        if args.diff:
            from ..pipeline.diff import DiffStreamWriter as StreamWriter
        stream = StreamWriter(out, report, _report_file(args, report_file))
        # under content.sync the images are copied, and under --verify checked,
        # before any manifest is written
        writer = HoldingWriter(stream) if config.content.sync or verify else stream
        resume()  # start-up is over: the documents are collected as always
        Pipeline(documents(itertools.chain(head, chunks)), stages, writer).run()
        return EXIT_ERROR if report.errors else EXIT_OK

    code = EXIT_ERROR
    try:
        code = guarded(report, body)
    finally:
        for file in opened:
            if file is not sys.stderr:
                try:
                    file.close()
                except OSError as err:  # its last bytes did not land (`--report /dev/full`)
                    if not report.errors:
                        report(Diagnostic("error", f"cannot write the report: {err.strerror}"))
                    code = EXIT_ERROR
    return code


def _report_file(args: argparse.Namespace, out: TextIO | None) -> ReportFile | None:
    from ..pipeline.streams import ReportFile

    return None if out is None else ReportFile(out, compact=args.report == "-")


def _answer_resource_list(
    args: argparse.Namespace, legacy: list[Layer], initial: Config | None, first: Chunk,
    chunks: Iterator[Chunk], resource_list: dict[str, object], report: Reporter,
    opened: list[TextIO], out: BinaryIO, verify: CheckOptions | None,
) -> int:
    """Answer a ResourceList (kustomize, kpt): same stages, KRM reader and writer."""
    from ..pipeline.build import Options
    from ..pipeline.krm import answer

    report_file = open_report(args, report)
    if isinstance(report_file, int):
        return report_file
    if report_file is not None:
        opened.append(report_file)
    from ..config.trust import operator_configured

    operator = operator_configured(args.config, args.rule, args.all_prefix, args.allow,
                                   os.environ, bool(args.config_object))
    seen: list[bytes] = [first.data]  # for --diff: the answer is compared with all input
    resume()  # start-up is over: the documents are collected as always
    answer_out = io.BytesIO() if args.diff else out
    refused = answer(first, _recorded(chunks, seen) if args.diff else chunks, resource_list,
                     lambda layers: configure(args, [*legacy, *layers]),
                     Options(args.strict, args.rewrite_unknown, report=bool(args.report),
                             verify=verify),
                     answer_out, report, _report_file(args, report_file),
                     initial.warnings if initial else (), operator)
    if isinstance(answer_out, io.BytesIO):
        from ..pipeline.diff import DiffWriter

        diff = DiffWriter(out)
        diff.document(b"".join(seen), answer_out.getvalue())
        diff.close()
    if refused:
        return EXIT_USAGE
    return EXIT_ERROR if report.errors else EXIT_OK


def _recorded(chunks: Iterator[Chunk], seen: list[bytes]) -> Iterator[Chunk]:
    for chunk in chunks:
        seen.append(chunk.data)
        yield chunk


def entry() -> NoReturn:
    """The console script and `python -m post_renderer`: run `main`, flush
    what it wrote, and leave with `os._exit`.

    The interpreter's own teardown (freeing every module, class and object)
    took about 40 ms of a 250 ms run over the corpus, and a
    post-renderer runs on every `helm upgrade`.  Nothing is lost by skipping
    it: `main` closes the --report file, the error log (kept open by the
    Reporter) and stderr get each diagnostic flushed as it is written, and
    nothing of ours runs at exit.
    """
    from . import signals

    signals.install()
    try:
        code = main()
    except SystemExit as leaving:  # argparse's --help, --version and usage errors
        code = _exit_code(leaving.code)
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:  # None: the descriptor was closed when we started
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
    if sys.stderr is not None:
        print(code, file=sys.stderr)
    return EXIT_ERROR
