"""The rewrite stage: locate → extract → decide → edit, for one document.

A document that fails is passed through unchanged with an error, never
dropped, so the number of documents out always equals the number in.  The
located tree stays on the document for the stages after this one.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ..diagnostics import Diagnostic
from ..extract.audit import DATA, find_uncovered, resources
from ..extract.exempt import find_listed
from ..extract.rows import api_group
from ..extract.sniff import config_map_may_hold_images, may_hold_images
from ..extract.table import ExtractorTable
from ..extract.walk import TAG_ONLY, ImageField, find_images
from ..memo import Memo
from ..model import Document, Occurrence, resource_label
from ..rewrite.rules import Decision, Invalid, Rewrite, RuleSet, decide
from ..rewrite.scope import Place
from ..yaml.binary import BINARY_STYLE
from ..yaml.splice import replace_scalar
from ..yaml.tree import Scalar

DECISIONS_KEPT = 4096  # distinct references remembered, each at most:
DECIDED_LENGTH = 512  # (a valid reference is shorter; longer values are decided anew)


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
        # Each distinct reference is decided once: a stream repeats a few images
        # in many containers.  Bounded, so that hostile input cannot grow it.
        self.decisions: Memo[str | tuple[str, Place], Decision] = Memo(
            DECISIONS_KEPT, DECIDED_LENGTH)

    def process(self, doc: Document) -> None:
        ctx = self.ctx
        # A ConfigMap is data: it is parsed only when an image-like key may be
        # in it, for the audit, and then a document we cannot read is no error.
        audit_only = False
        if not may_hold_images(ctx.table, doc.data):
            if not config_map_may_hold_images(doc.data):
                return
            audit_only = True
        located = doc.parse(spans=ctx.spans, quiet=audit_only)
        if located is None:
            return
        found = list(resources(located.root))
        never = self._listed_fields(doc, found)
        covered: set[int] = set(never)
        changes: dict[int, tuple[Scalar, list[tuple[int, int, str]]]] = {}
        for image in find_images(found, ctx.table):
            if isinstance(image.value, Scalar):
                if image.value.start in never:
                    continue
                covered.add(image.value.start)
            if image.note == TAG_ONLY:
                _field_warning(doc, image, "warning", (
                    f"only a tag ({str(image.value)!r}), nothing to rewrite: the operator's "
                    "default repository decides (rewrite the operator's default image, or set "
                    "the repository here)"))
                continue
            self._decide(doc, image, changes)
        uncovered = find_uncovered(found, covered, ctx.table.shape.skip_values)
        for image in sorted(uncovered, key=lambda f: f.value.start):
            if image.note == DATA:
                _gate_counts(doc, image)  # the application reads it, and pulls it
                _field_warning(doc, image, ctx.warning, (
                    f"{_reference_text(image)!r} in ConfigMap data looks like an image; not "
                    "rewritten (the application reads it): add an extractor row with `name:` "
                    "for this ConfigMap to rewrite it (see docs/coverage.md)"))
            elif ctx.rewrite_unknown:
                self._decide(doc, image, changes)
            else:
                _gate_counts(doc, image)
                _field_warning(doc, image, ctx.warning, (
                    f"{_reference_text(image)!r} looks like an image but no extractor covers "
                    "it; add an extractor for this kind "
                    "(see docs/extractors.md#your-own-extractors) or use --rewrite-unknown"))
        assert not changes or doc.text is not None  # parsed, so decoded
        for scalar, pieces in changes.values():
            pieces.sort()
            new, position = [], 0
            for start, end, text in pieces:
                new += [scalar[position:start], text]
                position = end
            new.append(scalar[position:])
            doc.edits.append(replace_scalar(doc.text or "", scalar, "".join(new), tuple(pieces)))

    def finish(self, end: Any) -> None:
        """Nothing is left at the end of the stream."""

    def _listed_fields(self, doc: Document, found: list[tuple[str, Any]]) -> set[int]:
        """The scalars never to rewrite (push targets); each notice a warning."""
        never: set[int] = set()
        table = self.ctx.table
        if not (table.never or table.notices):
            return never
        flags: bool | None = None  # could a listed flag be in the text? (asked once)
        for prefix, resource in found:
            never_rows, notice_rows = table.listed_for(resource)
            if flags is None and any(row.args for row in (*never_rows, *notice_rows)):
                flags = table.flags_may_be_in(doc.data)
            for _, value, _row in find_listed(resource, never_rows, prefix, flags=bool(flags)):
                if isinstance(value, Scalar):
                    never.add(value.start)
            for path, value, row in find_listed(resource, notice_rows, prefix,
                                                flags=bool(flags)):
                if isinstance(value, Scalar):
                    never.add(value.start)
                    doc.diagnostics.append(Diagnostic(
                        self.ctx.warning, row.message, doc.index, resource_label(resource),
                        path, line=_line(doc, value), subject=resource))
        return never

    def _decide(self, doc: Document, image: ImageField,
                changes: dict[int, tuple[Scalar, list[tuple[int, int, str]]]]) -> None:
        ctx = self.ctx
        value = image.value
        if value is None or (isinstance(value, Scalar) and value.is_null):
            return
        if not isinstance(value, Scalar) or not value.is_string:
            doc.diagnostics.append(Diagnostic(
                ctx.warning, "image is not a string; left unchanged", doc.index,
                resource_label(image.resource),
                image.path, line=doc.line + value.line if isinstance(value, Scalar) else None,
                subject=image.resource))
            return
        reference = _reference_text(image)
        if value.style == BINARY_STYLE:  # no edit can keep what Kubernetes reads
            doc.diagnostics.append(Diagnostic(
                "error", f"image tagged !!binary (Kubernetes reads {reference!r}): write it "
                "as a plain string", doc.index, resource_label(image.resource), image.path,
                line=doc.line + value.line, subject=image.resource))
            return
        if reference in ctx.table.shape.skip_values:
            return
        # Decisions are kept per reference, and per place when a rule is scoped.
        place = place_of(image.resource) if ctx.rules.scoped else None
        key = reference if place is None else (reference, place)
        decision = self.decisions.get(key)
        if decision is None:
            decision = self.decisions.keep(key, len(reference), decide(reference, ctx.rules, place))
        # the rule that decided, also when it excluded the image or failed on it
        rule = decision.rule
        rewritten = None
        if isinstance(decision, Rewrite):
            # Every reference of one scalar (an image map holds several) goes
            # into one edit of that scalar, made when the document is done.
            start, end = image.span or (0, len(value))
            piece = (start, end, decision.new)
            pieces = changes.setdefault(value.start, (value, []))[1]
            if piece not in pieces:  # an alias: the same scalar met twice
                pieces.append(piece)
            rewritten = decision.new
        elif isinstance(decision, Invalid):
            severity = "error" if decision.is_error else ctx.warning
            suffix = "" if decision.is_error else "; left unchanged"
            doc.diagnostics.append(Diagnostic(
                severity, f"{reference!r}: {decision.message}{suffix}", doc.index,
                resource_label(image.resource), image.path, line=doc.line + value.line,
                subject=image.resource))
        pod_spec = image.pod_spec if image.pulled else None
        doc.occurrences.append(Occurrence(
            doc.index, image.resource, image.path, reference, rewritten, rule,
            pod_spec.node if pod_spec else None, pod_spec.path if pod_spec else "",
            image.pulled, image.pull_secrets, doc.line + value.line))


def _line(doc: Document, value: Any) -> int | None:
    return doc.line + value.line if isinstance(value, Scalar) else None


def _field_warning(doc: Document, image: ImageField, severity: str, message: str) -> None:
    doc.diagnostics.append(Diagnostic(
        severity, message, doc.index, resource_label(image.resource), image.path,
        line=_line(doc, image.value), subject=image.resource))


def place_of(resource: Any) -> Place:
    """Where scoped rules see an image: its resource's namespace, group and kind."""
    def text(*keys: str) -> str:
        node = resource
        for key in keys:
            node = node.get(key) if isinstance(node, dict) else None
        return node if isinstance(node, str) else ""

    return Place(text("metadata", "namespace"), api_group(text("apiVersion")), text("kind"))


def _reference_text(image: ImageField) -> str:
    """The reference itself: the whole scalar, or its span (a flag's value)."""
    if image.span is None:
        return str(image.value)
    start, end = image.span
    return str(image.value)[start:end]


def _gate_counts(doc: Document, image: ImageField) -> None:
    """An image-like value left as it is still counts for the gate (--allow):
    whoever reads it pulls it.  Kept apart from the occurrences, which are
    the images rewritten, reported and mirrored."""
    doc.uncovered.append(Occurrence(doc.index, image.resource, image.path,
                                    _reference_text(image), None, None))
