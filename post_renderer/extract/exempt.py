"""Image-shaped fields that are never rewritten, from `extractors.yaml`.

`neverRewrite` lists push targets and build outputs (Strimzi's
`spec.build.output.image`, kaniko's `--destination`, Shipwright's output): a
registry pushes them, no node pulls them, so rewriting one would send a build
to the mirror.  They are never rewritten, not even by `--rewrite-unknown`,
and the audit never reports them.

`notices` lists fields whose images a rule cannot safely rewrite in place
(the Istio injector builds proxy images from a hub and a tag inside a JSON
document in a ConfigMap): each present one is a warning with advice.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from typing import Any, NamedTuple

from ..config.schema import FIELD_LIST
from .glob import glob_matcher
from .jsonpath import find
from .rows import ExtractorError, api_group, builtin_document, name_matches, string_list


class FieldList(NamedTuple):
    """One row of `neverRewrite` or `notices`.

    `paths` lead to the values; `named` to `{name, value}` entries (Tekton
    params) whose value counts when the name matches `names`; `args` are flag
    names whose value (`--flag=V` or the next item) counts in any container
    of any kind; `message` is the advice of a notice.
    """

    kind: str | None
    groups: frozenset[str] | None
    names: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    named: tuple[str, ...] = ()
    entry_names: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    message: str = ""


def parse_field_list(rows: Any, origin: str, *, notice: bool) -> tuple[FieldList, ...]:
    if not isinstance(rows, list):
        raise ExtractorError(f"{origin}: must be a list")
    parsed = []
    for i, row in enumerate(rows):
        where = f"{origin}[{i}]"
        if not isinstance(row, Mapping):
            raise ExtractorError(f"{where}: must be a mapping")
        problem = FIELD_LIST.unknown(row, where)
        if problem:
            raise ExtractorError(problem)
        kind = row.get("kind")
        if kind is not None and (not isinstance(kind, str) or not kind):
            raise ExtractorError(f"{where}: `kind` must be a string")
        versions = string_list(row.get("apiVersion"), "apiVersion", where)
        message = row.get("message", "")
        if notice and (not isinstance(message, str) or not message.strip()):
            raise ExtractorError(f"{where}: a notice needs a `message`")
        item = FieldList(
            kind, frozenset(api_group(v) for v in versions) if versions else None,
            string_list(row.get("name"), "name", where),
            string_list(row.get("paths"), "paths", where),
            string_list(row.get("namedValues"), "namedValues", where),
            string_list(row.get("names"), "names", where),
            string_list(row.get("args"), "args", where),
            " ".join(str(message).split()))
        if not (item.paths or item.named or item.args):
            raise ExtractorError(f"{where}: give paths, namedValues or args")
        if kind is None and (item.paths or item.named):
            raise ExtractorError(f"{where}: paths and namedValues need a `kind`")
        parsed.append(item)
    return tuple(parsed)


@cache
def builtin_field_lists() -> tuple[tuple[FieldList, ...], tuple[FieldList, ...]]:
    """(neverRewrite, notices) of the built-in file."""
    data = builtin_document()
    return (parse_field_list(data.get("neverRewrite", []), "neverRewrite", notice=False),
            parse_field_list(data.get("notices", []), "notices", notice=True))


def kind_applies(row: FieldList, kind: Any, api_version: Any) -> bool:
    if row.kind is not None and kind != row.kind:
        return False
    return row.groups is None or (isinstance(api_version, str)
                                  and api_group(api_version) in row.groups)


def find_listed(resource: Any, rows: Sequence[FieldList], prefix: str = "", *,
                flags: bool = True) -> Iterator[tuple[str, Any, FieldList]]:
    """(path, scalar, row) for each listed field present in one resource;
    `flags` False when no `args` flag can be there (`ExtractorTable.flags_may_be_in`)."""
    if not isinstance(resource, dict):
        return
    kind, api_version = resource.get("kind"), resource.get("apiVersion")
    for row in rows:
        if not (kind_applies(row, kind, api_version) and name_matches(row.names, resource)):
            continue
        for expression in row.paths:
            for path, value in find(resource, expression, prefix):
                yield path, value, row
        is_named = glob_matcher(row.entry_names or ("*",))
        for expression in row.named:
            for path, entry in find(resource, expression, prefix):
                if (isinstance(entry, dict) and isinstance(entry.get("name"), str)
                        and is_named(entry["name"]) and "value" in entry):
                    yield f"{path}.value", entry["value"], row
        if row.args and flags:
            yield from ((path, value, row) for path, value in _flag_values(resource, row.args))


def _flag_values(node: Any, flags: tuple[str, ...]) -> Iterator[tuple[str, Any]]:
    """`--flag=V` items and the items after a bare `--flag`, in any `args` or
    `command` list of the resource (containers are where such lists are)."""
    is_flag = glob_matcher(flags)
    stack: list[tuple[Any, str]] = [(node, "")]
    seen: set[int] = set()
    while stack:
        current, path = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, dict):
            for key, value in current.items():
                child = f"{path}.{key}" if path else str(key)
                if key in ("args", "command") and isinstance(value, list):
                    yield from _flags_in(value, child, is_flag)
                if isinstance(value, (dict, list)):
                    stack.append((value, child))
        elif isinstance(current, list):
            stack.extend((item, f"{path}[{i}]") for i, item in enumerate(current)
                         if isinstance(item, (dict, list)))


def _flags_in(items: list[Any], path: str, is_flag: Any) -> Iterator[tuple[str, Any]]:
    for i, item in enumerate(items):
        if not isinstance(item, str) or not item.startswith("-") or item.startswith("---"):
            continue
        name, eq, _ = item.lstrip("-").partition("=")
        if not is_flag(name):
            continue
        if eq:
            yield f"{path}[{i}]", item
        elif i + 1 < len(items):
            yield f"{path}[{i + 1}]", items[i + 1]
