"""The rewrite stage: locate → extract → decide → edit, for one document.

A document that fails is passed through unchanged with an error, never
dropped, so the number of documents out always equals the number in.  The
located tree stays on the document for the stages after this one.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ..diagnostics import Diagnostic
from ..extract.audit import find_uncovered
from ..extract.sniff import may_hold_images
from ..extract.table import ExtractorTable
from ..extract.walk import ImageField, find_images
from ..model import Document, Occurrence, resource_label
from ..rewrite.rules import Invalid, Rewrite, RuleSet, decide
from ..yaml.splice import replace_scalar
from ..yaml.tree import Scalar


class Context(NamedTuple):
    rules: RuleSet
    table: ExtractorTable
    strict: bool = False
    # Rewrite image-like values no extractor covers (kbld-style) instead of warning.
    rewrite_unknown: bool = False
    # Record where mappings and sequences start: a later stage inserts into them.
    spans: bool = False

    @property
    def warning(self) -> str:
        """The severity of what is only a warning, unless --strict made it an error."""
        return "error" if self.strict else "warning"


class RewriteStage:
    """Rewrite the images of each document; untouched bytes stay untouched."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def process(self, doc: Document) -> None:
        ctx = self.ctx
        if not may_hold_images(ctx.table, doc.data):
            return
        located = doc.parse(spans=ctx.spans)
        if located is None:
            return
        covered: set[int] = set()
        for image in find_images(located.root, ctx.table):
            if isinstance(image.value, Scalar):
                covered.add(image.value.start)
            self._decide(doc, image)
        uncovered = find_uncovered(located.root, covered, ctx.table.shape.skip_values)
        for image in sorted(uncovered, key=lambda f: f.value.start):
            if ctx.rewrite_unknown:
                self._decide(doc, image)
            else:
                doc.diagnostics.append(Diagnostic(
                    ctx.warning,
                    f"{_reference_text(image)!r} looks like an image but no extractor covers "
                    "it; add an extractor for this kind (see README, Extractors) or use "
                    "--rewrite-unknown",
                    doc.index, resource_label(image.resource), image.path,
                    line=doc.line + image.value.line, subject=image.resource))

    def finish(self, end: Any) -> None:
        """Nothing is left at the end of the stream."""

    def _decide(self, doc: Document, image: ImageField) -> None:
        ctx = self.ctx
        value = image.value
        if value is None or (isinstance(value, Scalar) and value.is_null):
            return
        label = resource_label(image.resource)
        if not isinstance(value, Scalar) or not value.is_string:
            doc.diagnostics.append(Diagnostic(
                ctx.warning, "image is not a string; left unchanged", doc.index, label,
                image.path, line=doc.line + value.line if isinstance(value, Scalar) else None,
                subject=image.resource))
            return
        reference = _reference_text(image)
        if reference in ctx.table.shape.skip_values:
            return
        decision = decide(reference, ctx.rules)
        rewritten = rule = None
        if isinstance(decision, Rewrite):
            start, end = image.span or (0, len(value))
            assert doc.text is not None  # parsed, so decoded
            doc.edits.append(replace_scalar(doc.text, value,
                                            value[:start] + decision.new + value[end:]))
            rewritten, rule = decision.new, decision.rule
        elif isinstance(decision, Invalid):
            severity = "error" if decision.is_error else ctx.warning
            suffix = "" if decision.is_error else "; left unchanged"
            doc.diagnostics.append(Diagnostic(
                severity, f"{reference!r}: {decision.message}{suffix}", doc.index, label,
                image.path, line=doc.line + value.line, subject=image.resource))
        pod_spec = image.pod_spec if image.pulled else None
        doc.occurrences.append(Occurrence(
            doc.index, image.resource, image.path, reference, rewritten, rule,
            pod_spec.node if pod_spec else None, pod_spec.path if pod_spec else ""))


def _reference_text(image: ImageField) -> str:
    """The reference itself: the whole scalar, or its span (a flag's value)."""
    if image.span is None:
        return str(image.value)
    start, end = image.span
    return str(image.value)[start:end]
