"""The extractor table: for an (API group, kind), which paths hold images.

Built-in rows live in `extractors.yaml`, in the same format users write in a
rules file, and both go through `parse_rows`; adding a CRD is one row.
Expressions are jsonpath-ng, compiled on first use and cached, because
compiling is the expensive part (~0.5 ms each) and a run meets few kinds.

Three shapes of image are found: a whole string (`image: REF`), a reference
inside a string (`--flag=REF` in args, an env value), and the repository half
of a split `{repository, tag}` mapping.  All become `ImageField`s with a span
inside their scalar, so deciding and splicing need no per-shape code.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from .paths import find_simple, simple_steps

BUILTIN_FILE = Path(__file__).with_name("extractors.yaml")
_CORE_VERSION = re.compile(r"v\d+(?:(?:alpha|beta)\d+)?")
# Starts with a literal newline (searched for, not tried at every offset as a
# `^` anchor is): may_hold_images runs on every document of the stream.
_KIND_LINE = re.compile(rb"\nkind:[ \t]*[\"']?([A-Za-z0-9]+)")
_API_VERSION_LINE = re.compile(rb"\napiVersion:[ \t]*[\"']?([A-Za-z0-9./-]+)")
# Core kinds whose payload is data, not a description of what runs: neither the
# audit nor the pre-parse test looks for images in them.
OPAQUE_KINDS = frozenset({"ConfigMap", "Secret"})


class ExtractorError(ValueError):
    """A malformed extractor row; the message names the row and the reason."""


class Extractor(NamedTuple):
    """One row of the table; `groups` None matches any API group."""

    kind: str
    groups: frozenset[str] | None
    pod_specs: tuple[str, ...] = ()
    containers: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    split_images: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    env: tuple[str, ...] = ()
    origin: str = "built-in"


class ImageField(NamedTuple):
    """An image found in a document: where it is and what holds it.

    `value` is the scalar node; the reference is `value[start:end]` when
    `span` is set (a flag or env value), else the whole value.
    """

    path: str
    value: Any
    resource: Any  # the resource it belongs to (a List item for Lists)
    pod_spec: str | None = None  # the PodSpec path it belongs to, when it does
    span: tuple[int, int] | None = None


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
    if simple_steps(expression) is not None:
        return None  # valid jsonpath by construction; no need to load jsonpath-ng
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


# row key → Extractor field; the expression keys are compiled when validating.
_EXPRESSION_KEYS = {"podSpecs": "pod_specs", "containers": "containers", "paths": "paths",
                    "splitImages": "split_images"}
_PATTERN_KEYS = {"args": "args", "env": "env"}
ROW_KEYS = frozenset({"kind", "apiVersion", *_EXPRESSION_KEYS, *_PATTERN_KEYS})


def parse_row(row: Any, origin: str, *, validate: bool) -> Extractor:
    """Validate one row; with `validate`, compile its expressions now (user rows)."""
    if not isinstance(row, Mapping):
        raise ExtractorError(f"{origin}: must be a mapping with `kind` and `paths`")
    unknown = sorted(str(k) for k in set(row) - ROW_KEYS)
    if unknown:
        raise ExtractorError(
            f"{origin}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(ROW_KEYS))})"
        )
    kind = row.get("kind")
    if not isinstance(kind, str) or not kind:
        raise ExtractorError(f"{origin}: `kind` is required")
    versions = _strings(row.get("apiVersion"), "apiVersion", origin)
    fields = {attr: _strings(row.get(key), key, origin)
              for key, attr in {**_EXPRESSION_KEYS, **_PATTERN_KEYS}.items()}
    if not any(fields[attr] for attr in _EXPRESSION_KEYS.values()):
        raise ExtractorError(
            f"{origin}: give at least one of {', '.join(sorted(_EXPRESSION_KEYS))}"
        )
    if validate:
        for attr in _EXPRESSION_KEYS.values():
            for expression in fields[attr]:
                reason = check_path(expression)
                if reason:
                    raise ExtractorError(f"{origin}: bad jsonpath {expression!r}: {reason}")
    groups = frozenset(api_group(v) for v in versions) if versions else None
    return Extractor(kind, groups, origin=origin, **fields)


def parse_rows(rows: Any, origin: str, *, validate: bool) -> list[Extractor]:
    if not isinstance(rows, list):
        raise ExtractorError(f"{origin}: must be a list of extractors")
    return [parse_row(row, f"{origin}[{i}]", validate=validate) for i, row in enumerate(rows)]


class ContainerShape(NamedTuple):
    """What a PodSpec and a container hold, shared by every kind."""

    pod_spec_containers: tuple[str, ...]
    pod_spec_paths: tuple[str, ...]
    arg_flags: tuple[str, ...]
    env_names: tuple[str, ...]
    skip_values: frozenset[str]


class ExtractorTable(NamedTuple):
    """All rows, indexed by kind; a resource gets the union of the rows of its
    kind whose groups include its group and the rows that name no group."""

    by_kind: Mapping[str, tuple[Extractor, ...]]
    shape: ContainerShape

    @classmethod
    def build(cls, rows: Sequence[Extractor], shape: ContainerShape) -> ExtractorTable:
        by_kind: dict[str, list[Extractor]] = {}
        for row in rows:
            by_kind.setdefault(row.kind, []).append(row)
        return cls({k: tuple(v) for k, v in by_kind.items()}, shape)

    def rows_for(self, api_version: str, kind: str) -> tuple[Extractor, ...]:
        rows = self.by_kind.get(kind, ())
        group = api_group(api_version)
        exact = tuple(r for r in rows if r.groups is not None and group in r.groups)
        return exact + tuple(r for r in rows if r.groups is None)

    def may_hold_images(self, data: bytes) -> bool:
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
            return not self._is_opaque(data, lines)
        return any(kind.endswith("List") or (kind in self.by_kind and self._has_rows(kind, lines))
                   for kind in _top_level(_KIND_LINE, lines))

    def _is_opaque(self, data: bytes, lines: bytes) -> bool:
        """A core ConfigMap or Secret without a row of its own?  (Workloads
        name `configMapKeyRef`/`secretRef`, never the capitalized kind, so
        most documents are answered without a regex.)"""
        if b"ConfigMap" not in data and b"Secret" not in data:
            return False
        kinds = _top_level(_KIND_LINE, lines)
        return (len(kinds) == 1 and kinds[0] in OPAQUE_KINDS
                and _top_level(_API_VERSION_LINE, lines) == ["v1"]
                and not self.rows_for("v1", kinds[0]))

    def _has_rows(self, kind: str, lines: bytes) -> bool:
        """Does a row cover this kind in the document's API group (any group
        when no apiVersion line is found: when in doubt, look)?"""
        versions = _top_level(_API_VERSION_LINE, lines)
        return not versions or any(self.rows_for(v, kind) for v in versions)


def _top_level(pattern: re.Pattern[bytes], lines: bytes) -> list[str]:
    """The values of a top-level `key:` line (more than one in a malformed document)."""
    return [match.group(1).decode() for match in pattern.finditer(lines)]


@cache
def builtin_table_data() -> tuple[tuple[Extractor, ...], ContainerShape]:
    """The built-in table, read with the manifests' own composer (`locate`):
    every value in it is a string, and ruamel's constructor took four times
    as long, on every run (start-up, issue 6)."""
    from ..yaml.tree import locate

    data = locate(BUILTIN_FILE.read_text(encoding="utf-8")).root
    rows = parse_rows([_merge_key(row) for row in data["extractors"]],
                      "built-in extractors", validate=False)
    shape = ContainerShape(
        tuple(data["podSpec"]["containers"]), tuple(data["podSpec"]["paths"]),
        tuple(data["container"]["args"]), tuple(data["container"]["env"]),
        frozenset(data["skipValues"]),
    )
    return tuple(rows), shape


def _merge_key(row: Any) -> Any:
    """Apply a YAML merge key (`<<: *base`, or a list of bases of which the
    first wins), which `locate` keeps as a plain key; the row's own keys win."""
    if not isinstance(row, dict) or "<<" not in row:
        return row
    bases = row["<<"] if isinstance(row["<<"], list) else [row["<<"]]
    merged: dict[str, Any] = {}
    for base in reversed(bases):
        merged.update(base)
    merged.update((key, value) for key, value in row.items() if key != "<<")
    return merged


def build_table(user_rows: Sequence[Extractor] = ()) -> ExtractorTable:
    rows, shape = builtin_table_data()
    return ExtractorTable.build([*rows, *user_rows], shape)


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


def _find(root: Any, expression: str, prefix: str) -> Iterator[tuple[str, Any]]:
    # Dotted/[*] paths (all the built-in ones) are walked without jsonpath-ng,
    # whose import and compilation cost more than parsing the corpus (issue 6).
    steps = simple_steps(expression)
    if steps is not None:
        for path, value in find_simple(root, steps):
            yield join_path(prefix, path), value
        return
    for match in compile_path(expression).find(root):
        yield join_path(prefix, render_path(match.full_path)), match.value


def join_path(prefix: str, path: str) -> str:
    if not prefix:
        return path
    if not path:
        return prefix
    return prefix + path if path.startswith("[") else f"{prefix}.{path}"


Matcher = Callable[[str], bool]
_GLOB_CHARS = re.compile(r"[*?\[]")


@cache
def _glob_matcher(patterns: tuple[str, ...]) -> Matcher:
    """Same answers as fnmatchcase on each of a set of shell-style globs.

    Plain names (most of them) are a set lookup; only the real globs become one
    regex.  Looping fnmatchcase ran ~40 matches per argument, and one regex of
    all ~40 took 4 ms to compile on every run (issue 6)."""
    exact = frozenset(p for p in patterns if not _GLOB_CHARS.search(p))
    globs = [p for p in patterns if p not in exact]
    if not globs:
        return exact.__contains__
    glob = re.compile("|".join(fnmatch.translate(p) for p in globs)).match

    def matches(name: str) -> bool:
        return name in exact or glob(name) is not None

    return matches


def _flag_value(item: str, is_flag: Matcher) -> tuple[int, bool] | None:
    """For an argument, (offset of the reference, False) when it is `--flag=REF`,
    (0, True) when it is a bare `--flag` whose value is the next item."""
    if not item.startswith("-"):
        return None
    name, eq, _ = item.lstrip("-").partition("=")
    if item.startswith("---") or not is_flag(name):
        return None
    return (item.index("=") + 1, False) if eq else (0, True)


def container_images(container: Any, path: str, resource: Any, pod_spec: str | None,
                     is_flag: Matcher, is_env: Matcher) -> Iterator[ImageField]:
    """The image, image flags and image env vars of one container-shaped mapping;
    `is_flag`/`is_env` match flag names and env var names that carry images."""
    if not isinstance(container, dict):
        return
    if "image" in container:
        yield ImageField(join_path(path, "image"), container["image"], resource, pod_spec)
    for key in ("command", "args"):
        items = container.get(key)
        if not isinstance(items, list):
            continue
        for i, item in enumerate(items):
            found = _flag_value(item, is_flag) if isinstance(item, str) else None
            if found is None:
                continue
            offset, next_item = found
            if next_item:
                if i + 1 < len(items) and isinstance(items[i + 1], str):
                    yield ImageField(f"{path}.{key}[{i + 1}]", items[i + 1], resource, pod_spec)
            elif offset < len(item):
                yield ImageField(f"{path}.{key}[{i}]", item, resource, pod_spec,
                                 (offset, len(item)))
    env = container.get("env")
    if isinstance(env, list):
        for i, var in enumerate(env):
            if (isinstance(var, dict) and isinstance(var.get("name"), str)
                    and "value" in var
                    and is_env(var["name"])):
                yield ImageField(f"{path}.env[{i}].value", var["value"], resource, pod_spec)


def find_images(root: Any, table: ExtractorTable, prefix: str = "") -> Iterator[ImageField]:
    """Every image of one resource (and of each item of a List); each field once."""
    if not isinstance(root, dict):
        return
    kind = root.get("kind")
    api_version = root.get("apiVersion")
    items = root.get("items")
    if isinstance(kind, str) and kind.endswith("List") and isinstance(items, list):
        for i, item in enumerate(items):
            yield from find_images(item, table, join_path(prefix, f"items[{i}]"))
        return
    if not isinstance(kind, str) or not isinstance(api_version, str):
        return
    seen: set[str] = set()
    for field in _row_images(root, table, table.rows_for(api_version, kind), prefix):
        if field.path not in seen:
            seen.add(field.path)
            yield field


def _row_images(root: Any, table: ExtractorTable, rows: Sequence[Extractor],
                prefix: str) -> Iterator[ImageField]:
    shape = table.shape
    for row in rows:
        is_flag = _glob_matcher((*shape.arg_flags, *row.args))
        is_env = _glob_matcher((*shape.env_names, *row.env))
        for spec_expression in row.pod_specs:
            for spec_path, spec in _find(root, spec_expression, prefix):
                if not isinstance(spec, dict):
                    continue
                for expression in shape.pod_spec_containers:
                    for path, container in _find(spec, expression, spec_path):
                        yield from container_images(container, path, root, spec_path,
                                                    is_flag, is_env)
                for expression in shape.pod_spec_paths:
                    for path, value in _find(spec, expression, spec_path):
                        yield ImageField(path, value, root, spec_path)
        for expression in row.containers:
            for path, container in _find(root, expression, prefix):
                yield from container_images(container, path, root, None, is_flag, is_env)
        for expression in row.paths:
            for path, value in _find(root, expression, prefix):
                yield ImageField(path, value, root)
        for expression in row.split_images:
            for path, value in _find(root, expression, prefix):
                if isinstance(value, dict) and "repository" in value:
                    yield ImageField(join_path(path, "repository"), value["repository"], root)
