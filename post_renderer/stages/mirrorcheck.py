"""The verification stage: at the end of the stream, ask the mirror (or the
lock file) about every reference the manifests make the cluster pull from it,
and pin tag-only references to the digest it serves.

It runs last, after the sync stage, so it checks what a sync just copied.
The documents are still held by the writer (a HoldingWriter or the KRM
writer) when it finishes, so a failure withholds them all, and a pin is one
more change to an edit the rewrite stage made: the rewritten reference in the
scalar's new text gets its `@digest`, nothing else moves.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ..config.load import Config
from ..diagnostics import Diagnostic
from ..model import Document, End
from ..rewrite.reference import REFERENCE_CHARS
from .content import NO_RULE, unmapped_images
from .resolve import Checked, Options, check_occurrences

_REFERENCE_CHAR = REFERENCE_CHARS.removesuffix("+")


class VerifyStage:
    """Check (and pin) once the whole stream is known; `checked` holds the result."""

    def __init__(self, config: Config, options: Options, unmapped: str = "warning") -> None:
        self.config = config
        self.options = options
        self.unmapped = unmapped  # severity of an image no rule maps: "error" under --strict
        self.documents: list[Document] = []
        self.checked: Checked | None = None

    def process(self, doc: Document) -> None:
        if doc.occurrences:
            self.documents.append(doc)

    def finish(self, end: End) -> None:
        if end.withhold:  # a copy failed already: nothing will be written anyway
            return
        if self.options.command:
            for image in unmapped_images(end.occurrences, self.config.rules):
                if image.reason == NO_RULE:
                    end.diagnostics.append(Diagnostic(
                        self.unmapped, f"{image.source}: no rule maps this image; not checked "
                        "(it is pulled from where it is)"))
        checked = check_occurrences(end.occurrences, self.config, self.options)
        self.checked = checked
        end.diagnostics += checked.diagnostics
        pins = checked.pins if checked.ok else {}
        if end.report is not None:  # written even when the manifests are withheld
            add_to_report(end.report, pins, checked.digests)
        if not checked.ok:
            end.withhold = checked.summary
            return
        for doc in self.documents if pins else ():
            pin_edits(doc, pins)


def _pattern(pins: Mapping[str, str]) -> re.Pattern[str]:
    """A rewritten reference as a whole token (`a:1` is not in `a:1.2`)."""
    alternatives = "|".join(re.escape(text) for text in sorted(pins, key=len, reverse=True))
    return re.compile(rf"(?<!{_REFERENCE_CHAR})(?:{alternatives})(?!{_REFERENCE_CHAR})")


def pin_edits(doc: Document, pins: Mapping[str, str]) -> None:
    """Append the digest in the edits that wrote a pinned reference.

    Only the rewrite stage's edits replace text with an image reference in it
    (the others insert pull-secret names), so the new text of an edit that
    holds a rewritten reference as a whole token is that image's scalar.
    """
    pattern = _pattern(pins)
    for i, edit in enumerate(doc.edits):
        if edit.start < edit.end and pattern.search(edit.new):
            doc.edits[i] = edit._replace(new=pattern.sub(lambda m: pins[m.group(0)], edit.new))


def add_to_report(report: dict[str, object], pins: Mapping[str, str],
                  digests: Mapping[str, str]) -> None:
    """The pinned references, and the digest each field pulls, in the report."""
    images = report.get("images")
    for entry in images if isinstance(images, list) else ():
        final = entry.get("rewritten") or entry.get("original")
        if final in pins:
            entry["rewritten"] = pins[final]
        entry["digest"] = digests.get(final) if isinstance(final, str) else None
