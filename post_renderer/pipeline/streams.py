"""Readers and writers of plain streams: manifests in, manifests (or the
`images` listing) out.  This is where a run's output is written: each
document as soon as every stage is done with it, then what the stream's end
brings (generated Secrets, the report, the listing)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, BinaryIO, TextIO

from ..diagnostics import Diagnostic
from ..model import Document, End
from ..yaml.separators import disputed_line
from ..yaml.split import Chunk

Report = Callable[[Diagnostic], None]


def documents(chunks: Iterable[Chunk]) -> Iterator[Document]:
    """The stream reader: one Document per chunk the splitter cut (an
    error on it where consumers would cut the stream elsewhere)."""
    for chunk in chunks:
        yield checked_document(chunk)


def checked_document(chunk: Chunk) -> Document:
    """The chunk as a Document, with an error when a line of it would be cut
    differently by kubectl, Helm and YAML (see `yaml.separators`)."""
    doc = Document(chunk.index, chunk.line, chunk.data)
    disputed = disputed_line(chunk.data, chunk.index)
    if disputed is not None:
        line, message = disputed
        doc.diagnostics.append(Diagnostic("error", message, chunk.index, line=chunk.line + line))
    return doc


class ReportFile:
    """Where `--report` goes: a file, or stderr as one compact line."""

    def __init__(self, out: TextIO, compact: bool) -> None:
        self.out = out
        self.compact = compact

    def write(self, document: dict[str, Any]) -> Diagnostic | None:
        import json  # imported where used: only runs with --report (start-up)

        try:
            if self.compact:
                self.out.write(json.dumps(document, separators=(",", ":")) + "\n")
            else:
                self.out.write(json.dumps(document, indent=2) + "\n")
            self.out.flush()
        except OSError as err:
            return Diagnostic(
                "error", f"cannot write the report: {err.strerror or type(err).__name__}")
        return None


def write_report(report_file: ReportFile | None, end: End) -> None:
    """The report, when asked for; a failure to write it is one more error."""
    if report_file is not None and end.report is not None:
        problem = report_file.write(end.report)
        if problem is not None:
            end.diagnostics.append(problem)


class StreamWriter:
    """Manifests to stdout, each document as soon as it is done (streaming),
    its diagnostics after it; the generated Secrets follow the stream."""

    def __init__(self, out: BinaryIO, report: Report,
                 report_file: ReportFile | None = None) -> None:
        self.out = out
        self.report = report
        self.report_file = report_file
        self.newline = "\n"
        self.ends_with_newline = True

    def write(self, doc: Document) -> None:
        data = doc.output()
        self.out.write(data)
        self.out.flush()  # streaming: the reader gets each document as soon as it is done
        if data:
            self.ends_with_newline = data.endswith(b"\n")
            self.newline = "\r\n" if data.endswith(b"\r\n") else "\n"
        for diagnostic in doc.diagnostics:
            self.report(diagnostic)

    def finish(self, end: End) -> None:
        write_report(self.report_file, end)
        newline = self.newline
        text = "".join(newline.join(["---", *secret.lines()]) + newline
                       for secret in end.secrets)
        if text and not self.ends_with_newline:
            text = newline + text
        if text:
            self.out.write(text.encode("utf-8"))
            self.out.flush()
        for diagnostic in end.diagnostics:
            self.report(diagnostic)


class DiagnosticsWriter:
    """A route whose work is done by its stages (`sync`): only diagnostics."""

    def __init__(self, report: Report) -> None:
        self.report = report

    def write(self, doc: Document) -> None:
        for diagnostic in doc.diagnostics:
            self.report(diagnostic)

    def finish(self, end: End) -> None:
        for diagnostic in end.diagnostics:
            self.report(diagnostic)


class ListingWriter(DiagnosticsWriter):
    """The `images` command: no manifests, the listing at the end
    (`options`: a `listing.ListingOptions`)."""

    def __init__(self, out: TextIO, fmt: str, report: Report, options: Any = None) -> None:
        super().__init__(report)
        self.out = out
        self.fmt = fmt
        self.options = options

    def finish(self, end: End) -> None:
        from .listing import PAIRS_ONLY, render_listing

        super().finish(end)
        self.out.write(render_listing(end.occurrences, self.fmt,
                                      self.options or PAIRS_ONLY))
        self.out.flush()


class HoldingWriter:
    """Holds every document until the stream's end, then hands them to a
    stream writer, unless a stage withheld the output (a failed copy under
    content.sync): then nothing is written and only the diagnostics are said,
    so a deployer never gets half of a release."""

    def __init__(self, inner: StreamWriter) -> None:
        self.inner = inner
        self.held: list[Document] = []

    def write(self, doc: Document) -> None:
        self.held.append(doc)

    def finish(self, end: End) -> None:
        if not end.withhold:
            for doc in self.held:
                self.inner.write(doc)
            self.inner.finish(end)
            return
        for doc in self.held:
            for diagnostic in doc.diagnostics:
                self.inner.report(diagnostic)
        write_report(self.inner.report_file, end)
        reason = end.withhold if isinstance(end.withhold, str) else "content.sync: a copy failed"
        end.diagnostics.append(Diagnostic("error", f"{reason}; no manifest was written"))
        for diagnostic in end.diagnostics:
            self.inner.report(diagnostic)


class Collect:
    """Keeps the documents in memory (adapters, tests and fuzzing)."""

    def __init__(self) -> None:
        self.documents: list[Document] = []

    def write(self, doc: Document) -> None:
        self.documents.append(doc)

    def finish(self, end: End) -> None:
        """Nothing to flush."""
