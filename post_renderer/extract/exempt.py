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
from typing import TYPE_CHECKING, Any, NamedTuple

from ..config.schema import FIELD_LIST
from ..yaml.toplevel import may_escape
from .glob import glob_matcher, literal_run
from .jsonpath import find
from .rows import ExtractorError, api_group, builtin_document, name_matches, string_list

if TYPE_CHECKING:
    from .table import ExtractorTable


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


def _kind_applies(row: FieldList, kind: Any, api_version: Any) -> bool:
    if row.kind is not None and kind != row.kind:
        return False
    return row.groups is None or (isinstance(api_version, str)
                                  and api_group(api_version) in row.groups)


def rows_for(table: ExtractorTable, resource: dict[str, Any]
             ) -> tuple[tuple[FieldList, ...], tuple[FieldList, ...]]:
    """The `neverRewrite` and `notices` rows whose kind and group fit the
    resource (worked out once per pair; `find_listed` still checks names)."""
    kind, api_version = resource.get("kind"), resource.get("apiVersion")

    def make() -> tuple[tuple[FieldList, ...], tuple[FieldList, ...]]:
        return (tuple(r for r in table.never if _kind_applies(r, kind, api_version)),
                tuple(r for r in table.notices if _kind_applies(r, kind, api_version)))

    if isinstance(kind, str) and isinstance(api_version, str):
        return table.memoized(("listed", api_version, kind), make)
    return make()


def flags_may_be_in(table: ExtractorTable, data: bytes) -> bool:
    """Could an `args` flag of a `neverRewrite` or `notices` row be in the
    document `data`?

    A flag's name is a string of the parsed document, and its letters are
    in the text unless an escape or a tag spells them (the pre-parse test's
    proof, `extract.sniff`): without its literal text there is none to find,
    and the walk over every `args` list is skipped.
    """
    needles = table.memoized(("flags",), lambda: tuple(
        literal_run(flag).encode() for row in (*table.never, *table.notices)
        for flag in row.args))
    return may_escape(data) or any(needle in data for needle in needles)


def find_listed(resource: Any, rows: Sequence[FieldList], prefix: str = "", *,
                flags: bool = True) -> Iterator[tuple[str, Any, FieldList]]:
    """(path, scalar, row) for each listed field present in one resource;
    `flags` False when `flags_may_be_in` proved no `args` flag is there."""
    if not isinstance(resource, dict):
        return
    kind, api_version = resource.get("kind"), resource.get("apiVersion")
    for row in rows:
        if not (_kind_applies(row, kind, api_version) and name_matches(row.names, resource)):
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
