"""The extractor table: for an (API group, kind), which paths hold images.

Built-in rows live in `extractors.yaml`, in the same format users write in a
rules file, and both go through `parse_rows`; adding a CRD is one row.
Expressions are jsonpath-ng, compiled on first use and cached, because
compiling is the expensive part (~0.5 ms each) and a run meets few kinds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

BUILTIN_FILE = Path(__file__).with_name("extractors.yaml")
_CORE_VERSION = re.compile(r"v\d+(?:(?:alpha|beta)\d+)?")
_KIND_LINE = re.compile(rb"^kind:[ \t]*[\"']?([A-Za-z0-9]+)", re.M)


class ExtractorError(ValueError):
    """A malformed extractor row; the message names the row and the reason."""


@dataclass(frozen=True, slots=True)
class Extractor:
    """One row of the table; `groups` None matches any API group."""

    kind: str
    groups: frozenset[str] | None
    pod_specs: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    origin: str = "built-in"


@dataclass(frozen=True, slots=True)
class ImageField:
    """An image string found in a document: where it is and what it holds."""

    path: str
    value: Any
    resource: Any  # the resource it belongs to (a List item for Lists)
    pod_spec: str | None = None  # the PodSpec path it belongs to, when it does


def api_group(api_version: str) -> str:
    """`apps/v1` → `apps`; `v1` → `` (core); `apps` → `apps`."""
    if "/" in api_version:
        return api_version.split("/", 1)[0]
    return "" if _CORE_VERSION.fullmatch(api_version) else api_version


@cache
def _parser() -> Any:
    from jsonpath_ng.parser import JsonPathParser

    return JsonPathParser()


@cache
def compile_path(expression: str) -> Any:
    """Compile a jsonpath-ng expression once per process."""
    return _parser().parse(expression)


def check_path(expression: str) -> str | None:
    """The reason an expression does not compile, or None."""
    try:
        compile_path(expression)
    except Exception as err:  # jsonpath-ng raises bare Exception subclasses
        return " ".join(str(err).split()) or type(err).__name__
    return None


def _strings(value: Any, what: str, origin: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, Sequence) or not all(isinstance(v, str) and v for v in value):
        raise ExtractorError(f"{origin}: {what} must be a string or a list of strings")
    return tuple(value)


ROW_KEYS = frozenset({"kind", "apiVersion", "podSpecs", "paths"})


def parse_row(row: Any, origin: str, *, validate: bool) -> Extractor:
    """Validate one row; with `validate`, compile its expressions now (user rows)."""
    if not isinstance(row, Mapping):
        raise ExtractorError(f"{origin}: must be a mapping with `kind` and `paths`")
    unknown = sorted(set(row) - ROW_KEYS)
    if unknown:
        raise ExtractorError(
            f"{origin}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(ROW_KEYS))})"
        )
    kind = row.get("kind")
    if not isinstance(kind, str) or not kind:
        raise ExtractorError(f"{origin}: `kind` is required")
    versions = _strings(row.get("apiVersion"), "apiVersion", origin)
    groups = frozenset(api_group(v) for v in versions) if versions else None
    pod_specs = _strings(row.get("podSpecs"), "podSpecs", origin)
    paths = _strings(row.get("paths"), "paths", origin)
    if not pod_specs and not paths:
        raise ExtractorError(f"{origin}: give `paths` and/or `podSpecs`")
    if validate:
        for expression in pod_specs + paths:
            reason = check_path(expression)
            if reason:
                raise ExtractorError(f"{origin}: bad jsonpath {expression!r}: {reason}")
    return Extractor(kind, groups, pod_specs, paths, origin)


def parse_rows(rows: Any, origin: str, *, validate: bool) -> list[Extractor]:
    if not isinstance(rows, list):
        raise ExtractorError(f"{origin}: must be a list of extractors")
    return [parse_row(row, f"{origin}[{i}]", validate=validate) for i, row in enumerate(rows)]


@dataclass(frozen=True)
class ExtractorTable:
    """All rows, indexed by kind; a resource gets the union of the rows of its
    kind whose groups include its group and the rows that name no group."""

    by_kind: Mapping[str, tuple[Extractor, ...]]
    pod_spec_images: tuple[str, ...]

    @classmethod
    def build(cls, rows: Sequence[Extractor], pod_spec_images: Sequence[str]) -> ExtractorTable:
        by_kind: dict[str, list[Extractor]] = {}
        for row in rows:
            by_kind.setdefault(row.kind, []).append(row)
        return cls({k: tuple(v) for k, v in by_kind.items()}, tuple(pod_spec_images))

    def rows_for(self, api_version: str, kind: str) -> tuple[Extractor, ...]:
        rows = self.by_kind.get(kind, ())
        group = api_group(api_version)
        exact = tuple(r for r in rows if r.groups is not None and group in r.groups)
        return exact + tuple(r for r in rows if r.groups is None)

    def may_hold_images(self, data: bytes) -> bool:
        """Cheap pre-parse test on raw bytes: could this document hold an image?

        False only when no `image` text appears and the top-level kind is neither
        in the table nor a List, which lets ConfigMaps, Services and RBAC pass
        through unparsed.
        """
        if b"mage" in data:
            return True
        for match in _KIND_LINE.finditer(data):
            kind = match.group(1).decode()
            if kind in self.by_kind or kind.endswith("List"):
                return True
        return False


@cache
def builtin_table_data() -> tuple[tuple[Extractor, ...], tuple[str, ...]]:
    from ruamel.yaml import YAML

    data = YAML(typ="safe", pure=False).load(BUILTIN_FILE.read_text(encoding="utf-8"))
    rows = parse_rows(data["extractors"], "built-in extractors", validate=False)
    return tuple(rows), tuple(data["podSpecImages"])


def build_table(user_rows: Sequence[Extractor] = ()) -> ExtractorTable:
    rows, pod_spec_images = builtin_table_data()
    return ExtractorTable.build([*rows, *user_rows], pod_spec_images)


def render_path(path: Any) -> str:
    """jsonpath-ng's `full_path` as `spec.containers[0].image`."""
    from jsonpath_ng.jsonpath import Child, Fields, Index, Root, This

    parts: list[str] = []
    stack = [path]
    while stack:
        node = stack.pop()
        if isinstance(node, Child):
            stack.append(node.right)
            stack.append(node.left)
        elif isinstance(node, Fields):
            parts.append("." + ".".join(node.fields))
        elif isinstance(node, Index):
            parts.append("".join(f"[{i}]" for i in node.indices))
        elif isinstance(node, (Root, This)):
            continue
        else:
            parts.append("." + str(node))
    return "".join(parts).lstrip(".")


def _find(root: Any, expression: str) -> Iterator[tuple[str, Any]]:
    for match in compile_path(expression).find(root):
        yield render_path(match.full_path), match.value


def _join(prefix: str, path: str) -> str:
    if not prefix:
        return path
    return prefix + path if path.startswith("[") else f"{prefix}.{path}"


def find_images(root: Any, table: ExtractorTable, prefix: str = "") -> Iterator[ImageField]:
    """Every image field of one resource (and of each item of a List)."""
    if not isinstance(root, dict):
        return
    kind = root.get("kind")
    api_version = root.get("apiVersion")
    items = root.get("items")
    if isinstance(kind, str) and kind.endswith("List") and isinstance(items, list):
        for i, item in enumerate(items):
            yield from find_images(item, table, _join(prefix, f"items[{i}]"))
        return
    if not isinstance(kind, str) or not isinstance(api_version, str):
        return
    seen: set[str] = set()
    for row in table.rows_for(api_version, kind):
        for spec_expression in row.pod_specs:
            for spec_path, spec in _find(root, spec_expression):
                if not isinstance(spec, dict):
                    continue
                full_spec = _join(prefix, spec_path)
                for image_expression in table.pod_spec_images:
                    for path, value in _find(spec, image_expression):
                        full = _join(full_spec, path)
                        if full not in seen:
                            seen.add(full)
                            yield ImageField(full, value, root, full_spec)
        for expression in row.paths:
            for path, value in _find(root, expression):
                full = _join(prefix, path)
                if full not in seen:
                    seen.add(full)
                    yield ImageField(full, value, root)
