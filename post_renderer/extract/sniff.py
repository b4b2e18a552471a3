"""The byte sniff: could this raw document hold an image, before parsing it?

Most documents of a render (RBAC, Services, ConfigMaps) hold none, and not
parsing them is most of the speed of a run.
"""

from __future__ import annotations

import re

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
            and not table.rows_for("v1", kinds[0]))

def _has_rows(table: ExtractorTable, kind: str, lines: bytes) -> bool:
    """Does a row cover this kind in the document's API group (any group
    when no apiVersion line is found: when in doubt, look)?"""
    versions = _top_level(_API_VERSION_LINE, lines)
    return not versions or any(table.rows_for(v, kind) for v in versions)


def _top_level(pattern: re.Pattern[bytes], lines: bytes) -> list[str]:
    """The values of a top-level `key:` line (more than one in a malformed document)."""
    return [match.group(1).decode() for match in pattern.finditer(lines)]
