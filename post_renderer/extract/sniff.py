"""The byte sniff: could this raw document hold an image, before parsing it?

Most documents of a render (RBAC, Services, ConfigMaps) hold none, and not
parsing them is most of the speed of a run.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .exempt import FieldList
from .rows import Extractor
from .table import ExtractorTable

# Starts with a literal newline (searched for, not tried at every offset as a
# `^` anchor is): may_hold_images runs on every document of the stream.
_KIND_LINE = re.compile(rb"\nkind:[ \t]*[\"']?([A-Za-z0-9]+)")
_API_VERSION_LINE = re.compile(rb"\napiVersion:[ \t]*[\"']?([A-Za-z0-9./-]+)")
# Core kinds whose payload is data, not a description of what runs: neither the
# audit nor the pre-parse test looks for images in them.
OPAQUE_KINDS = frozenset({"ConfigMap", "Secret"})


def may_hold_images(table: ExtractorTable, data: bytes) -> bool:
    """Cheap pre-parse test on raw bytes: could this document hold an image?

    Reads only the top-level `kind:` and `apiVersion:` lines.  A List is
    always parsed.  A core ConfigMap or Secret without a row of its own is
    never parsed, `image` text or not: images in its data are data (the
    audit never reads them either), and a Grafana dashboard ConfigMap can
    be megabytes.  Any other document is parsed when `image` (or `IMAGE`,
    as in env var names) appears in it or when its kind has a row for its
    API group (Crossplane's `spec.package` has no `image` text); so RBAC
    and core Services pass through unparsed, a core Service not being
    Knative's `serving.knative.dev` Service.  When a line is not found (JSON, flow
    style), the document is parsed: when in doubt, look.
    """
    lines = b"\n" + data
    if b"mage" in data or b"MAGE" in data:  # `image`, `*Image`, `*_IMAGE` env vars
        return not _is_opaque(table, data, lines)
    return any(kind.endswith("List") or (kind in table.by_kind and _has_rows(table, kind, lines))
               for kind in _top_level(_KIND_LINE, lines))

def _is_opaque(table: ExtractorTable, data: bytes, lines: bytes) -> bool:
    """A core ConfigMap or Secret without a row of its own?  (Workloads
    name `configMapKeyRef`/`secretRef`, never the capitalized kind, so
    most documents are answered without a regex.)"""
    if b"ConfigMap" not in data and b"Secret" not in data:
        return False
    kinds = _top_level(_KIND_LINE, lines)
    return (len(kinds) == 1 and kinds[0] in OPAQUE_KINDS
            and _top_level(_API_VERSION_LINE, lines) == ["v1"]
            and not _rows_may_apply((*table.rows_for("v1", kinds[0]),
                                     *(n for n in table.notices if n.kind == kinds[0])), data))

def _has_rows(table: ExtractorTable, kind: str, lines: bytes) -> bool:
    """Does a row cover this kind in the document's API group (any group
    when no apiVersion line is found: when in doubt, look)?"""
    versions = _top_level(_API_VERSION_LINE, lines)
    if not versions:
        return _rows_may_apply(table.by_kind[kind], lines)
    return any(_rows_may_apply(table.rows_for(v, kind), lines) for v in versions)


def _rows_may_apply(rows: Sequence[Extractor | FieldList], data: bytes) -> bool:
    """Could one of these rows apply?  A row that names its resources
    (`name:`) applies only where the name's literal text is in the bytes, so
    a row for one ConfigMap does not send every ConfigMap to the parser."""
    return any(not row.names or any(_literal(name) in data for name in row.names)
               for row in rows)


def _literal(pattern: str) -> bytes:
    """The longest run of plain characters of a glob (`*-plugin-x` → `-plugin-x`)."""
    return max(re.split(r"[*?]|\[[^\]]*\]", pattern), key=len).encode()


# A top-level-looking `key: value` line whose key says image (`SIDECAR_IMAGE:`,
# `image:`, `helperImage:`) and whose value could start a reference.  Plain
# keys only: JSON (a dashboard) quotes its keys.
_DATA_IMAGE_LINE = re.compile(
    rb"\n[ \t]+[A-Za-z0-9_.-]*(?:IMAGE|[Ii]mage)[A-Za-z0-9_.-]*[ \t]*:[ \t]*[\"']?[a-z0-9]")


def config_map_may_hold_images(data: bytes) -> bool:
    """For a ConfigMap that `may_hold_images` leaves alone: might its data
    hold an image under an image-like key, for the audit to report?"""
    if b"ConfigMap" not in data or _DATA_IMAGE_LINE.search(data) is None:
        return False
    return _top_level(_KIND_LINE, b"\n" + data) == ["ConfigMap"]


def _top_level(pattern: re.Pattern[bytes], lines: bytes) -> list[str]:
    """The values of a top-level `key:` line (more than one in a malformed document)."""
    return [match.group(1).decode() for match in pattern.finditer(lines)]
