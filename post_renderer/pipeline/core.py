"""Run a pipeline: each document from the reader through every stage, then
to the writer; at the end of the stream, each stage and then the writer
finish (what needs the whole stream: generated Secrets, the report).

Modelled on kustomize's kio (`Pipeline{Inputs, Filters, Outputs}`): the
routes (filter, `images`, KRM function) differ only in reader and writer.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Sequence
from typing import Protocol

from ..diagnostics import Diagnostic
from ..model import Document, End


class Stage(Protocol):
    """One step of the pipeline.  `process` sees each document in stream order
    and may add edits, diagnostics and occurrences to it; `finish` runs once
    the stream is through and may add to what the writer gets."""

    def process(self, doc: Document) -> None: ...

    def finish(self, end: End) -> None: ...


class Writer(Protocol):
    """Where output goes: `write` gets each document as soon as every stage is
    done with it (a stream writer writes it at once), `finish` the end."""

    def write(self, doc: Document) -> None: ...

    def finish(self, end: End) -> None: ...


class Pipeline:
    """A reader's documents, the stages in order, one writer."""

    def __init__(self, reader: Iterable[Document], stages: Sequence[Stage],
                 writer: Writer) -> None:
        self.reader = reader
        self.stages = stages
        self.writer = writer

    def run(self, end: End | None = None) -> End:
        """Run to the end of the stream; `end` may already hold diagnostics
        about the run itself (a bad functionConfig)."""
        end = End() if end is None else end
        collector = Collector()
        with collector:
            for doc in self.reader:
                self.process(doc)
                self.writer.write(doc)
                del doc  # the next document is read without this one held
                collector.between_documents()
            for stage in self.stages:
                stage.finish(end)
            self.writer.finish(end)
        return end

    def process(self, doc: Document) -> None:
        """Every stage on one document.  A bug in one document must not cost the
        rest of the stream: it passes unchanged, with an error."""
        try:
            for stage in self.stages:
                stage.process(doc)
        except Exception as err:  # noqa: BLE001
            doc.edits.clear()
            doc.occurrences.clear()
            doc.diagnostics = [Diagnostic(
                "error", f"internal error: {type(err).__name__}: {err}", doc.index,
                line=doc.line)]


class Collector:
    """The cyclic garbage collector, run between documents instead of during them.

    A document's tree holds no reference cycle of ours, so refcounting frees
    it; but the collector, left on, walks a large document's whole tree again
    and again while the stages allocate (about 40 % of the CPU of one 20 MB
    Deployment).  So it is off while the pipeline runs and collects at a
    document boundary once the objects kept since the last collection reach
    a budget that grows with what survives (linear time, like CPython's own
    rule); cycles that hostile input builds (aliases) are freed there.
    """

    MIN_BUDGET = 100_000  # net objects kept since the last collection (~10 MB)

    def __init__(self) -> None:
        self.budget = self.MIN_BUDGET
        self.collecting = False

    def __enter__(self) -> Collector:
        self.collecting = gc.isenabled()
        gc.disable()
        return self

    def __exit__(self, *_: object) -> None:
        if self.collecting:
            gc.enable()

    def between_documents(self) -> None:
        if self.collecting and gc.get_count()[0] >= self.budget:
            gc.collect()
            self.budget = max(self.MIN_BUDGET, len(gc.get_objects()) // 2)
