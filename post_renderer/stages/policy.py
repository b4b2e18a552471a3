"""The policy stage: after rewriting, every image must come from an allowed prefix.

This is what turns `helm template | registry-rewrite --allow …` into a CI
gate: an image that no rule moved to the mirror (a new chart dependency, a
typo in a rule) fails the build instead of reaching a cluster that cannot
pull it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..config.allow import AllowList
from ..diagnostics import Diagnostic
from ..model import Document, Occurrence
from ..rewrite.rule import explain_command
from .rewrite import place_of


class PolicyStage:
    """One error per image of a document that ends up outside the allow-list."""

    def __init__(self, allow: AllowList, hint: bool = False) -> None:
        self.allow = allow
        self.hint = hint

    def process(self, doc: Document) -> None:
        # What the audit found counts too: an image in a field no extractor
        # knows is still pulled by someone, and --allow is a promise.
        doc.diagnostics += check([*doc.occurrences, *doc.uncovered], self.allow, self.hint)

    def finish(self, end: Any) -> None:
        """Each document was checked as it passed."""


def check(occurrences: Iterable[Occurrence], allow: AllowList,
          hint: bool = False) -> list[Diagnostic]:
    """One error per image that ends up outside every allowed prefix; with
    `hint` (rules beyond prefixes), each names the `explain` command to run."""
    if not allow:
        return []
    allowed = allow.describe()
    problems: list[Diagnostic] = []
    for occurrence in occurrences:
        image = occurrence.final
        if not allow.permits(image):
            see = (f"; see `{explain_command(occurrence.original, place_of(occurrence.resource))}`"
                   if hint else "")
            problems.append(Diagnostic(
                "error", f"{image!r} is not under an allowed prefix (allow: {allowed}){see}",
                occurrence.document if occurrence.document >= 0 else None,
                occurrence.label, occurrence.path,
                subject=occurrence.resource))
    return problems
