"""The walk: from a located resource and its extractor rows to `ImageField`s.

Three shapes of image are found: a whole string (`image: REF`), a reference
inside a string (`--flag=REF` in args, an env value), and the repository half
of a split `{repository, tag}` mapping.  All become `ImageField`s with a span
inside their scalar, so deciding and splicing need no per-shape code.  A
`*List` is walked item by item.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

from .glob import Matcher, glob_matcher
from .jsonpath import find
from .paths import join_path
from .rows import Extractor
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


def _flag_value(item: str, is_flag: Matcher) -> tuple[int, bool] | None:
    """For an argument, (offset of the reference, False) when it is `--flag=REF`,
    (0, True) when it is a bare `--flag` whose value is the next item."""
    if not item.startswith("-"):
        return None
    name, eq, _ = item.lstrip("-").partition("=")
    if item.startswith("---") or not is_flag(name):
        return None
    return (item.index("=") + 1, False) if eq else (0, True)


def container_images(container: Any, path: str, resource: Any, pod_spec: PodSpec | None,
                     is_flag: Matcher, is_env: Matcher) -> Iterator[ImageField]:
    """The image, image flags and image env vars of one container-shaped mapping;
    `is_flag`/`is_env` match flag names and env var names that carry images."""
    if not isinstance(container, dict):
        return
    if "image" in container:
        yield ImageField(join_path(path, "image"), container["image"], resource, pod_spec,
                         pulled=pod_spec is not None)
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
        is_flag = glob_matcher((*shape.arg_flags, *row.args))
        is_env = glob_matcher((*shape.env_names, *row.env))
        for spec_expression in row.pod_specs:
            for spec_path, spec in find(root, spec_expression, prefix):
                if not isinstance(spec, dict):
                    continue
                pod_spec = PodSpec(spec, spec_path)
                for expression in shape.pod_spec_containers:
                    for path, container in find(spec, expression, spec_path):
                        yield from container_images(container, path, root, pod_spec,
                                                    is_flag, is_env)
                for expression in shape.pod_spec_paths:
                    for path, value in find(spec, expression, spec_path):
                        yield ImageField(path, value, root, pod_spec)
        for expression in row.containers:
            for path, container in find(root, expression, prefix):
                yield from container_images(container, path, root, None, is_flag, is_env)
        for expression in row.paths:
            for path, value in find(root, expression, prefix):
                yield ImageField(path, value, root)
        for expression in row.split_images:
            for path, value in find(root, expression, prefix):
                if isinstance(value, dict) and "repository" in value:
                    yield ImageField(join_path(path, "repository"), value["repository"], root)
