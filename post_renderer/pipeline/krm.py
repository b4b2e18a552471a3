"""The KRM reader and writer: kustomize and kpt speak ResourceLists, not streams.

A KRM function (a kustomize `exec` transformer, `kpt fn eval --exec`) gets one
`config.kubernetes.io/v1` ResourceList on stdin — `items` plus the
`functionConfig` that holds its settings — and must answer with one.  The
ResourceList is one document to the stages: the extractor table walks the
`items` of a `*List`, so images are spliced in place and every other byte
stays, which matters here: kustomize and kpt track resources by the
annotations they add (`config.kubernetes.io/index`, `internal.config.kubernetes.io/*`).
Generated Secrets become new items; warnings and errors become `results`,
the channel kpt prints, as well as stderr lines.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from ..diagnostics import Diagnostic
from ..model import Document, End
from ..yaml.splice import Edit, column, flow_insertion, line_ending
from ..yaml.split import Chunk
from ..yaml.tree import Located
from .results import result_of, results_edits
from .streams import Report, ReportFile, checked_document, write_report

if TYPE_CHECKING:
    from ..config.load import Config, Layer
    from .build import Options
    from .core import Stage

KRM_API_GROUP = "config.kubernetes.io"
RESOURCE_LIST = "ResourceList"
FUNCTION_CONFIG = "functionConfig"

_EMPTY_LINE = re.compile(rb"[ \t]*(?:#.*|---|\.\.\.)?[ \t]*\r?\Z")


def parse_resource_list(data: bytes) -> dict[str, Any] | None:
    """The parsed document when `data` is a KRM ResourceList, else None.

    Only documents that mention `ResourceList` are looked at, and only their
    top-level `kind` and `apiVersion` decide (libyaml's events, read until
    both are found): a large first document that merely contains the word is
    never built.  A document that does not parse is not a ResourceList: the
    stream path reports it.  The values are typed as a YAML 1.1 loader types
    them: the functionConfig is validated from them.
    """
    if RESOURCE_LIST.encode() not in data:
        return None
    from ..yaml.data import plain_data
    from ..yaml.toplevel import top_level
    from ..yaml.tree import LocateError, locate

    top = top_level(data, first_only=True)
    if top is not None and (top.get("kind") != RESOURCE_LIST or not str(
            top.get("apiVersion") or "").startswith(KRM_API_GROUP + "/")):
        return None
    try:
        # The tree builder, not a loader: iterative, depth- and merge-bounded,
        # aliases shared, not expanded.
        doc = locate(data.decode("utf-8")).root
    except (LocateError, UnicodeDecodeError):
        return None
    if not isinstance(doc, dict) or doc.get("kind") != RESOURCE_LIST:
        return None
    api_version = doc.get("apiVersion")
    if not isinstance(api_version, str) or not api_version.startswith(KRM_API_GROUP + "/"):
        return None
    return cast(dict[str, Any], plain_data(doc))


class ResourceListReader:
    """The one ResourceList; documents after it are counted, not processed."""

    def __init__(self, first: Chunk, rest: Iterable[Chunk]) -> None:
        self.first = first
        self.rest = rest
        self.diagnostics: list[Diagnostic] = []

    def __iter__(self) -> Iterator[Document]:
        yield checked_document(self.first)
        extra = sum(1 for chunk in self.rest if not _is_empty(chunk.data))
        if extra:
            self.diagnostics.append(Diagnostic(
                "error", f"{extra} more document(s) after the ResourceList were ignored: "
                "a KRM function reads exactly one ResourceList"))


def _is_empty(data: bytes) -> bool:
    """True for a chunk of blank lines, comments and markers only."""
    return all(_EMPTY_LINE.match(line) for line in data.split(b"\n"))


class KrmWriter:
    """The ResourceList out: its items as the stages left them, the generated
    Secrets as new items, every diagnostic as a result (and a stderr line)."""

    def __init__(self, out: BinaryIO, report: Report, reader: ResourceListReader,
                 before: Sequence[Diagnostic] = (), report_file: ReportFile | None = None) -> None:
        self.out = out
        self.report = report
        self.reader = reader
        self.before = list(before)
        self.report_file = report_file
        self.doc: Document | None = None

    def write(self, doc: Document) -> None:
        self.doc = doc

    def finish(self, end: End) -> None:
        write_report(self.report_file, end)
        doc = self.doc
        assert doc is not None  # the reader yields the ResourceList first
        diagnostics = [*self.reader.diagnostics, *self.before, *doc.diagnostics,
                       *end.diagnostics]
        if isinstance(end.withhold, str):  # why a stage failed the run (verify)
            diagnostics.append(Diagnostic("error", end.withhold))
        located = doc.parse(spans=True, quiet=True) if doc.located is None else doc.located
        if located is not None and doc.text is not None and located.spans:
            text = doc.text
            if end.secrets:
                edit = _secret_items(text, located, end.secrets)
                if isinstance(edit, Edit):
                    doc.edits.append(edit)
                else:
                    diagnostics.append(Diagnostic("error", edit))
            results = [result_of(d, located.root) for d in diagnostics]
            if results:
                doc.edits += results_edits(text, located, results)
        self.out.write(doc.output())
        self.out.flush()
        for diagnostic in diagnostics:
            self.report(diagnostic)


def answer(
    first: Chunk, rest: Iterable[Chunk], resource_list: Mapping[str, Any],
    configure: Callable[[Sequence[Layer]], Config], options: Options, out: BinaryIO,
    report: Report, report_file: ReportFile | None = None, known_warnings: Iterable[str] = (),
    operator: bool = False,
) -> bool:
    """Answer one ResourceList.  Its functionConfig is one more configuration
    layer, one that may only narrow the allow-list when the `operator` gave
    a configuration (see `config.trust`); every problem, in the
    functionConfig too (it arrives on stdin), is a result as well as a
    diagnostic, and the items pass unchanged then.  True when a setting of
    the functionConfig was refused (a usage error)."""
    from ..config.objects import layer_from_object
    from ..config.text import ConfigError, NoRulesError
    from ..config.trust import ConfigRefused, narrowing_layer
    from .build import build_stages
    from .core import Pipeline

    reader = ResourceListReader(first, rest)
    before: list[Diagnostic] = []
    stages: list[Stage] = []
    refused = False
    layer_of = narrowing_layer if operator else layer_from_object
    try:
        config = configure([layer_of(resource_list.get(FUNCTION_CONFIG), FUNCTION_CONFIG)])
    except ConfigRefused as err:
        refused = True
        before.append(Diagnostic("error", f"configuration: {err}"))
    except NoRulesError:
        before.append(Diagnostic(
            "error", f"configuration: no rules: give {FUNCTION_CONFIG} a "
            "imageReplacementRules (ConfigMap data.imageReplacementRules, "
            "spec.imageReplacementRules or top-level imageReplacementRules), "
            "or pass rules on the command line"))
    except ConfigError as err:
        before.append(Diagnostic("error", f"configuration: {err}"))
    else:
        known = set(known_warnings)
        before += [Diagnostic("warning", f"configuration: {warning}")
                   for warning in config.warnings if warning not in known]
        stages = build_stages(config, options._replace(spans=True))
    writer = KrmWriter(out, report, reader, before, report_file)
    Pipeline(reader, stages, writer).run()
    return refused


def _secret_items(text: str, located: Located, secrets: Sequence[Any]) -> Edit | str:
    """The generated Secrets as the first items (the start of a node is where
    libyaml is exact; kustomize and kpt do not care about the order)."""
    root = located.root
    items = root.get("items") if isinstance(root, dict) else None
    span = located.spans.get(id(items)) if isinstance(items, list) else None
    if span is None:
        return "cannot add the generated pull Secrets: the ResourceList has no items list"
    if span.flow:
        return flow_insertion(text, span.inner, bool(items),
                              ", ".join(secret.json() for secret in secrets))
    newline = line_ending(text)
    col = " " * column(text, span.inner)
    parts = []
    for secret in secrets:
        comment, first, *rest = secret.lines()
        parts.append(f"{comment}{newline}{col}- {first}{newline}"
                     + "".join(f"{col}  {line}{newline}" for line in rest) + col)
    return Edit(span.inner, span.inner, "".join(parts))
