"""What moves through the pipeline: documents, the image fields met in them,
and what the run collects for its end.

A `Document` keeps its located tree from the first stage that needs it to the
last, so no stage parses it again; its changes are `Edit`s on the original
text, spliced once when it is written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from .diagnostics import Diagnostic

if TYPE_CHECKING:
    from .rewrite.rules import Rule
    from .yaml.splice import Edit
    from .yaml.tree import Located


class PullPlace(NamedTuple):
    """Where a resource's pods take pull secrets, outside a PodSpec: the
    mapping (`node`, None when the document lacks it) that holds the list
    `key`, and the list's rendered path."""

    node: Any
    path: str
    key: str


class Occurrence(NamedTuple):
    """One image field met in the stream: the nodes it lives in, not paths to
    look up again.  `resource` is the resource it belongs to (a List item for
    Lists); `pod_spec` the PodSpec mapping whose containers pull it, when the
    kubelet pulls it with the pod's imagePullSecrets."""

    document: int
    resource: Any
    path: str
    original: str
    rewritten: str | None
    rule: Rule | None
    pod_spec: Any = None
    pod_spec_path: str = ""
    pulled: bool = False  # its resource's own pods pull it (not handed on in env or args)
    places: tuple[PullPlace, ...] = ()  # where those pods take pull secrets, outside PodSpecs
    line: int | None = None  # 1-based line of the image value in the input

    @property
    def final(self) -> str:
        """The reference the cluster will pull: the rewrite, or the original."""
        return self.rewritten if self.rewritten is not None else self.original

    def text(self, *keys: str) -> str:
        """A string field of the resource (`kind`, `metadata.name`), or ''."""
        node = self.resource
        for key in keys:
            node = node.get(key) if isinstance(node, dict) else None
        return str(node) if isinstance(node, str) else ""

    @property
    def label(self) -> str:
        """`Kind/name` for diagnostics."""
        return resource_label(self.resource)


def resource_label(resource: Any) -> str:
    """`Kind/name` of a parsed resource, or '' when it has neither."""
    if not isinstance(resource, dict):
        return ""
    kind = resource.get("kind")
    meta = resource.get("metadata")
    name = meta.get("name") if isinstance(meta, dict) else None
    if isinstance(kind, str) and isinstance(name, str):
        return f"{kind}/{name}"
    return str(kind) if isinstance(kind, str) else ""


class Document:
    """One document of the stream on its way through the stages.

    `data` are its bytes as read; `text` and `located` are filled by the first
    stage that needs them; `edits` are spliced into `text` when it is written.
    """

    __slots__ = ("data", "diagnostics", "edits", "index", "line", "located", "occurrences",
                 "text", "uncovered")

    def __init__(self, index: int, line: int, data: bytes) -> None:
        self.index = index
        self.line = line  # 1-based line of the document's first byte in the input
        self.data = data
        self.text: str | None = None
        self.located: Located | None = None
        self.edits: list[Edit] = []
        self.diagnostics: list[Diagnostic] = []
        self.occurrences: list[Occurrence] = []
        # Image-like values the audit found and no extractor covers, left as
        # they are: not images to report or mirror, but the gate counts them.
        self.uncovered: list[Occurrence] = []

    def output(self) -> bytes:
        """The document as it leaves: its text with every edit spliced in."""
        if not self.edits or self.text is None:
            return self.data
        from .yaml.splice import apply_edits

        return apply_edits(self.text, self.edits).encode("utf-8")

    def parse(self, *, spans: bool = False, quiet: bool = False) -> Located | None:
        """The located tree, parsed on first use and kept; None when the
        document is not UTF-8 or not YAML (with an error diagnostic, unless
        `quiet`: a stage that only looks for its own kind says nothing)."""
        if self.located is not None:
            return self.located
        from .yaml.tree import LocateError, locate

        if self.text is None:
            try:
                self.text = self.data.decode("utf-8")
            except UnicodeDecodeError as err:
                if quiet:
                    return None
                line = self.line + self.data[: err.start].count(b"\n")
                self.diagnostics.append(Diagnostic(
                    "error", f"invalid UTF-8 (byte 0x{self.data[err.start]:02x})",
                    self.index, line=line))
                return None
        try:
            self.located = locate(self.text, spans=spans)
        except LocateError as err:
            if quiet:
                return None
            self.diagnostics.append(Diagnostic(
                "error", f"malformed YAML: {err}", self.index,
                line=None if err.line is None else self.line + err.line))
            return None
        return self.located


class End:
    """What the stages hand the writer once the stream is through: documents to
    append (generated Secrets), run-level diagnostics, the report and the
    occurrences kept for outputs that need them."""

    def __init__(self) -> None:
        self.secrets: list[Any] = []  # stages.secrets.GeneratedSecret
        self.diagnostics: list[Diagnostic] = []
        self.occurrences: list[Occurrence] = []
        self.report: dict[str, Any] | None = None
        # A stage failed in a way that must keep the manifests from being written
        # (a copy under content.sync, a failed verification): a writer that holds
        # them writes none.  A string says why.
        self.withhold: bool | str = False
