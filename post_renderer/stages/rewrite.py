"""One document through locate → extract → decide → splice.

Everything here is a pure function of a chunk and the validated context; the
CLI and the KRM adapter decide what to do with the outcome.  A document that
fails is passed through unchanged with an error, never dropped, so the number
of documents out always equals the number in.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from ..diagnostics import Diagnostic
from ..extract.audit import find_uncovered
from ..extract.sniff import may_hold_images
from ..extract.table import ExtractorTable
from ..extract.walk import ImageField, find_images
from ..rewrite.rules import Invalid, Rewrite, RuleSet, decide
from ..yaml.splice import Edit, apply_edits
from ..yaml.split import Chunk
from ..yaml.tree import LocateError, Scalar, locate


class Context(NamedTuple):
    rules: RuleSet
    table: ExtractorTable
    strict: bool = False
    # Rewrite image-like values no extractor covers (kbld-style) instead of warning.
    rewrite_unknown: bool = False

    @property
    def warning(self) -> str:
        """The severity of what is only a warning, unless --strict made it an error."""
        return "error" if self.strict else "warning"


class Occurrence(NamedTuple):
    """One image field met in the stream, for reports and inventories."""

    document: int
    api_version: str
    kind: str
    namespace: str
    name: str
    path: str
    original: str
    rewritten: str | None
    rule: str | None
    pod_spec: str | None = None  # the PodSpec the field belongs to (pull secrets go there)


class Outcome:
    """One document as it leaves: its bytes, what to say about it, and the
    image fields met in it.  Mutable: the post-processing adds to it."""

    __slots__ = ("data", "diagnostics", "occurrences")

    def __init__(self, data: bytes, diagnostics: list[Diagnostic] | None = None,
                 occurrences: list[Occurrence] | None = None) -> None:
        self.data = data
        self.diagnostics = [] if diagnostics is None else diagnostics
        self.occurrences = [] if occurrences is None else occurrences


def resource_label(resource: Any) -> str:
    """`Kind/name` of a parsed resource, or '' when it has neither."""
    if not isinstance(resource, dict):
        return ""
    kind = resource.get("kind")
    meta = resource.get("metadata")
    name = meta.get("name") if isinstance(meta, dict) else None
    if isinstance(kind, str) and isinstance(name, str):
        return f"{kind}/{name}"
    return kind if isinstance(kind, str) else ""


def _text(resource: Any, *keys: str) -> str:
    node = resource
    for key in keys:
        node = node.get(key) if isinstance(node, dict) else None
    return str(node) if isinstance(node, str) else ""


def process_chunk(chunk: Chunk, ctx: Context) -> Outcome:
    """Rewrite the images of one document; untouched bytes stay untouched."""
    if not may_hold_images(ctx.table, chunk.data):
        return Outcome(chunk.data)
    try:
        text = chunk.data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = chunk.line + chunk.data[: err.start].count(b"\n")
        return Outcome(chunk.data, [Diagnostic(
            "error", f"invalid UTF-8 (byte 0x{chunk.data[err.start]:02x})",
            chunk.index, line=line)])
    try:
        root = locate(text).root
    except LocateError as err:
        return Outcome(chunk.data, [Diagnostic(
            "error", f"malformed YAML: {err}", chunk.index,
            line=None if err.line is None else chunk.line + err.line)])
    edits: list[Edit] = []
    outcome = Outcome(chunk.data)
    covered: set[int] = set()
    for image in find_images(root, ctx.table):
        if isinstance(image.value, Scalar):
            covered.add(image.value.start)
        _decide_field(chunk, image, ctx, edits, outcome)
    uncovered = find_uncovered(root, covered, ctx.table.shape.skip_values)
    for image in sorted(uncovered, key=lambda f: f.value.start):
        if ctx.rewrite_unknown:
            _decide_field(chunk, image, ctx, edits, outcome)
        else:
            outcome.diagnostics.append(Diagnostic(
                ctx.warning,
                f"{_reference_text(image)!r} looks like an image but no extractor covers it; "
                "add an extractor for this kind (see README, Extractors) or use --rewrite-unknown",
                chunk.index, resource_label(image.resource), image.path,
                line=chunk.line + image.value.line))
    if edits:
        outcome.data = apply_edits(text, edits).encode("utf-8")
    return outcome


def _decide_field(
    chunk: Chunk, image: ImageField, ctx: Context, edits: list[Edit], outcome: Outcome
) -> None:
    value = image.value
    if value is None or (isinstance(value, Scalar) and value.is_null):
        return
    label = resource_label(image.resource)
    if not isinstance(value, Scalar) or not value.is_string:
        outcome.diagnostics.append(Diagnostic(
            ctx.warning, "image is not a string; left unchanged", chunk.index, label, image.path,
            line=chunk.line + value.line if isinstance(value, Scalar) else None))
        return
    reference = _reference_text(image)
    if reference in ctx.table.shape.skip_values:
        return
    decision = decide(reference, ctx.rules)
    rewritten: str | None = None
    rule: str | None = None
    if isinstance(decision, Rewrite):
        start, end = image.span or (0, len(value))
        new_value = value[:start] + decision.new + value[end:]
        edits.append(Edit(value.start, value.end, value.style, str(value), new_value))
        rewritten, rule = decision.new, decision.rule.label
    elif isinstance(decision, Invalid):
        severity = "error" if decision.is_error else ctx.warning
        suffix = "" if decision.is_error else "; left unchanged"
        outcome.diagnostics.append(Diagnostic(
            severity, f"{reference!r}: {decision.message}{suffix}", chunk.index, label,
            image.path, line=chunk.line + value.line))
    resource = image.resource
    outcome.occurrences.append(Occurrence(
        chunk.index, _text(resource, "apiVersion"), _text(resource, "kind"),
        _text(resource, "metadata", "namespace"), _text(resource, "metadata", "name"),
        image.path, reference, rewritten, rule, image.pod_spec))


def _reference_text(image: ImageField) -> str:
    """The reference itself: the whole scalar, or its span (a flag's value)."""
    if image.span is None:
        return str(image.value)
    start, end = image.span
    return str(image.value)[start:end]


def run(chunks: Iterator[Chunk], ctx: Context) -> Iterator[Outcome]:
    for chunk in chunks:
        try:
            outcome = process_chunk(chunk, ctx)
        except Exception as err:  # noqa: BLE001 - a bug in one document must
            # not cost the rest of the stream: it passes unchanged, with an error.
            outcome = Outcome(chunk.data, [Diagnostic(
                "error", f"internal error: {type(err).__name__}: {err}", chunk.index,
                line=chunk.line)])
        yield outcome


def rewrite_bytes(data: bytes, ctx: Context) -> tuple[bytes, list[Outcome]]:
    """The whole pipeline over an in-memory stream (adapters and tests)."""
    import io

    from ..yaml.split import split_documents

    outcomes = list(run(split_documents(io.BytesIO(data)), ctx))
    return b"".join(o.data for o in outcomes), outcomes
