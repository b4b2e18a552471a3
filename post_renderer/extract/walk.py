"""The walk: from a located resource and its extractor rows to `ImageField`s.

Four shapes of image are found: a whole string (`image: REF`), a reference
inside a string (`--flag=REF` in args, an env value), several references in
one string (`version=REF` pairs, Strimzi's image maps), and the repository
half of a split `{repository, tag}` mapping.  All become `ImageField`s with a
span inside their scalar, so deciding and splicing need no per-shape code.  A
A List (any object with an `items` list) is walked item by item.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

from ..model import PullPlace
from .glob import Matcher, glob_matcher
from .jsonpath import find
from .paths import join_path
from .rows import Extractor, name_matches
from .table import ExtractorTable


class PodSpec(NamedTuple):
    """A PodSpec mapping met in a document, and its rendered path (for messages)."""

    node: dict[str, Any]
    path: str


class ImageField(NamedTuple):
    """An image found in a document: where it is and what holds it.

    `value` is the scalar node; the reference is `value[start:end]` when
    `span` is set (a flag or env value), else the whole value.  `pulled` is
    True for a container's `image` in a PodSpec: the kubelet pulls it with
    the pod's imagePullSecrets (an image in args or env is pulled by someone
    else, if ever).
    """

    path: str
    value: Any
    resource: Any  # the resource it belongs to (a List item for Lists)
    pod_spec: PodSpec | None = None  # the PodSpec it belongs to, when it does
    span: tuple[int, int] | None = None
    pulled: bool = False
    # Where the resource's own pods take pull secrets (a row's `pullSecrets`),
    # for the images outside PodSpecs that those pods pull.
    pull_secrets: tuple[PullPlace, ...] = ()
    # TAG_ONLY: a split image with a tag and no repository (`value` is the tag).
    note: str | None = None


TAG_ONLY = "tag-only"
# One `key=REF` entry of an image map; entries are separated by white space.
_MAP_ENTRY = r"[^\s=]+=([^\s=]+)"  # compiled on first use: few kinds have maps


def map_references(text: str) -> Iterator[tuple[int, int]]:
    """The spans of the references in a `version=REF` map (Strimzi's
    STRIMZI_KAFKA_IMAGES: one entry a line, or several on one line)."""
    for match in re.finditer(_MAP_ENTRY, text):
        yield match.span(1)


def _flag_value(item: str, is_flag: Matcher) -> tuple[int, bool] | None:
    """For an argument, (offset of the reference, False) when it is `--flag=REF`,
    (0, True) when it is a bare `--flag` whose value is the next item."""
    if not item.startswith("-"):
        return None
    name, eq, _ = item.lstrip("-").partition("=")
    if item.startswith("---") or not is_flag(name):
        return None
    return (item.index("=") + 1, False) if eq else (0, True)


class ContainerNames(NamedTuple):
    """Which flag and env var names carry images in a container."""

    is_flag: Matcher
    is_env: Matcher
    is_env_map: Matcher


def container_images(container: Any, path: str, resource: Any, pod_spec: PodSpec | None,
                     names: ContainerNames) -> Iterator[ImageField]:
    """The image, image flags and image env vars of one container-shaped mapping.
    Its `image` is pulled by the pods of its PodSpec, or of its resource."""
    if not isinstance(container, dict):
        return
    is_flag, is_env = names.is_flag, names.is_env
    if "image" in container:
        yield ImageField(join_path(path, "image"), container["image"], resource, pod_spec,
                         pulled=True)
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
            if not (isinstance(var, dict) and isinstance(var.get("name"), str)
                    and "value" in var):
                continue
            if is_env(var["name"]):
                yield ImageField(f"{path}.env[{i}].value", var["value"], resource, pod_spec)
            elif names.is_env_map(var["name"]) and isinstance(var["value"], str):
                for span in map_references(var["value"]):
                    yield ImageField(f"{path}.env[{i}].value", var["value"], resource,
                                     pod_spec, span)


def resources(root: Any, prefix: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Each resource of a document: the document itself, or each item of a
    List, which is any object with an `items` list (Lists nest).
    Iterative, and each node once however many aliases share it: a
    600-byte stream of nested aliased Lists otherwise makes billions of
    visits."""
    seen: set[int] = set()
    stack: list[tuple[str, Any]] = [(prefix, root)]
    while stack:
        path, node = stack.pop()
        if not isinstance(node, dict) or id(node) in seen:
            continue
        seen.add(id(node))
        items = node.get("items")
        # Kubernetes reads ANY object with an `items` list as a List and
        # applies its items (not the kind's name: a ConfigMap with items too).
        if isinstance(items, list):
            stack.extend((join_path(path, f"items[{i}]"), item)
                         for i, item in reversed(list(enumerate(items))))
        else:
            yield path, node


def _place(root: dict[str, Any], path: str, prefix: str) -> PullPlace:
    parent, _, key = path.rpartition(".")
    node = next((value for _, value in find(root, parent, prefix)), None)
    return PullPlace(node if isinstance(node, dict) else None, join_path(prefix, path), key)


def _names(table: ExtractorTable, row: Extractor | None) -> ContainerNames:
    shape = table.shape
    if row is None:
        return ContainerNames(glob_matcher(shape.arg_flags), glob_matcher(shape.env_names),
                              glob_matcher(shape.env_maps))
    return ContainerNames(glob_matcher((*shape.arg_flags, *row.args)),
                          glob_matcher((*shape.env_names, *row.env)),
                          glob_matcher((*shape.env_maps, *row.env_maps)))


class _ContainerNamesFor:
    """A row's own flag and env names apply to the containers it names
    (`containerNames`), or to all of its containers when it names none."""

    def __init__(self, table: ExtractorTable, row: Extractor) -> None:
        self.scoped = _names(table, row)
        self.common = _names(table, None) if row.container_names else self.scoped
        self.is_scoped = glob_matcher(row.container_names) if row.container_names else None

    def __call__(self, container: Any) -> ContainerNames:
        if self.is_scoped is None:
            return self.scoped
        name = container.get("name") if isinstance(container, dict) else None
        return self.scoped if isinstance(name, str) and self.is_scoped(name) else self.common


# The rows of one (apiVersion, kind) with each row's container names
# matchers; whether some row applies to some resource names only; every
# row's pull-secret paths.  A plain tuple: no class to build at start-up.
KindPlan = tuple[tuple[tuple["Extractor", "_ContainerNamesFor"], ...], bool, tuple[str, ...]]


def kind_plan(table: ExtractorTable, api_version: str, kind: str) -> KindPlan:
    """The plan for a resource of this apiVersion and kind, worked out once
    per pair (memoized in the table): a stream repeats a few kinds."""
    def make() -> KindPlan:
        rows = table.rows_for(api_version, kind)
        return (tuple((row, _ContainerNamesFor(table, row)) for row in rows),
                any(row.names for row in rows), _pull_secret_paths(rows))

    return table.memoized(("walk", api_version, kind), make)


def _pull_secret_paths(rows: Sequence[Extractor]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p for row in rows for p in row.pull_secrets))


def find_images(found: Sequence[tuple[str, Any]], table: ExtractorTable
                ) -> Iterator[ImageField]:
    """Every image of a document's resources (`resources`); each field once."""
    for path, resource in found:
        kind = resource.get("kind")
        api_version = resource.get("apiVersion")
        if not isinstance(kind, str) or not isinstance(api_version, str):
            continue
        rows, by_name, paths = kind_plan(table, api_version, kind)
        if not rows:
            continue
        if by_name:
            rows = tuple(r for r in rows if name_matches(r[0].names, resource))
            paths = _pull_secret_paths([row for row, _ in rows])
        places = tuple(_place(resource, p, path) for p in paths)
        seen: set[tuple[str, tuple[int, int] | None]] = set()
        for field in _row_images(resource, table, rows, path):
            key = (field.path, field.span)
            if key not in seen:
                seen.add(key)
                yield field._replace(pull_secrets=places) if places else field


def _row_images(root: Any, table: ExtractorTable,
                rows: Sequence[tuple[Extractor, _ContainerNamesFor]],
                prefix: str) -> Iterator[ImageField]:
    shape = table.shape
    # A container already searched with the same names (another row of the
    # kind reaching it) can only yield fields already yielded.
    searched: set[tuple[str, ContainerNames]] = set()
    for row, names_for in rows:
        for spec_expression in row.pod_specs:
            for spec_path, spec in find(root, spec_expression, prefix):
                if not isinstance(spec, dict):
                    continue
                pod_spec = PodSpec(spec, spec_path)
                for expression in shape.pod_spec_containers:
                    for path, container in find(spec, expression, spec_path):
                        names = names_for(container)
                        if (path, names) not in searched:
                            searched.add((path, names))
                            yield from container_images(container, path, root, pod_spec, names)
                for expression in shape.pod_spec_paths:
                    for path, value in find(spec, expression, spec_path):
                        yield ImageField(path, value, root, pod_spec)
        for expression in row.containers:
            for path, container in find(root, expression, prefix):
                names = names_for(container)
                if (path, names) not in searched:
                    searched.add((path, names))
                    yield from container_images(container, path, root, None, names)
        for expression in row.paths:
            for path, value in find(root, expression, prefix):
                yield ImageField(path, value, root, pulled=True)
        for expression in row.split_images:
            for path, value in find(root, expression, prefix):
                if not isinstance(value, dict):
                    continue
                if "repository" in value:
                    yield ImageField(join_path(path, "repository"), value["repository"], root,
                                     pulled=True)
                elif isinstance(value.get("tag"), str):
                    yield ImageField(join_path(path, "tag"), value["tag"], root, note=TAG_ONLY)
