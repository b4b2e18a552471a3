"""Diagnostics: values until the edge, one stderr line each at the edge.

Every line names the document (0-based index in the stream, and kind/name when
known), the field path and the reason, so that a user can find the field in a
stream of hundreds of documents without re-running anything.
"""

from typing import Any, NamedTuple

PROG = "registry-rewrite"


class Diagnostic(NamedTuple):
    severity: str  # "error" or "warning"
    message: str
    document: int | None = None
    resource: str = ""
    path: str = ""
    line: int | None = None  # 1-based line in the input stream
    # The resource node it concerns (a List item for Lists), for adapters that
    # point at it structurally (KRM results); never printed.
    subject: Any = None

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def format(self) -> str:
        where = []
        if self.document is not None:
            doc = f"document {self.document}"
            if self.resource:
                doc += f" ({self.resource})"
            where.append(doc)
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.path:
            where.append(self.path)
        location = ", ".join(where)
        text = f"{PROG}: {self.severity}: " + (f"{location}: " if location else "")
        return " ".join((text + self.message).split())
