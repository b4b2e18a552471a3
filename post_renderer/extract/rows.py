"""The extractor row schema: what one row of `extractors.yaml` (or of a
rules file's `extractors:`) may say, validated into an `Extractor`.

Built-in rows and user rows go through the same `parse_rows`, so adding a CRD
is one row and a user row can say everything a built-in one can.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from ..config.schema import EXTRACTOR_ROW
from .jsonpath import check_path

BUILTIN_FILE = Path(__file__).with_name("extractors.yaml")


_CORE_VERSION = re.compile(r"v\d+(?:(?:alpha|beta)\d+)?")


def api_group(api_version: str) -> str:
    """`apps/v1` → `apps`; `v1` → `` (core); `apps` → `apps`."""
    if "/" in api_version:
        return api_version.split("/", 1)[0]
    return "" if _CORE_VERSION.fullmatch(api_version) else api_version


class ContainerShape(NamedTuple):
    """What a PodSpec and a container hold, shared by every kind."""

    pod_spec_containers: tuple[str, ...]
    pod_spec_paths: tuple[str, ...]
    arg_flags: tuple[str, ...]
    env_names: tuple[str, ...]
    skip_values: frozenset[str]
    env_maps: tuple[str, ...] = ()


class ExtractorError(ValueError):
    """A malformed extractor row; the message names the row and the reason."""


class Extractor(NamedTuple):
    """One row of the table; `groups` None matches any API group, `names`
    () any resource name, `container_names` () every container of the row."""

    kind: str
    groups: frozenset[str] | None
    pod_specs: tuple[str, ...] = ()
    containers: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    split_images: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    env: tuple[str, ...] = ()
    origin: str = "built-in"
    names: tuple[str, ...] = ()
    container_names: tuple[str, ...] = ()
    env_maps: tuple[str, ...] = ()
    pull_secrets: tuple[str, ...] = ()


def string_list(value: Any, what: str, origin: str) -> tuple[str, ...]:
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
_PATTERN_KEYS = {"args": "args", "env": "env", "envMaps": "env_maps", "name": "names",
                 "containerNames": "container_names"}
# Where the pods of a kind take pull secrets: a dotted path to the list (its
# parent mapping must exist), e.g. `spec.imagePullSecrets`.
_PULL_SECRET_KEY = "pullSecrets"
_PULL_SECRET_PATH = r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*"  # user rows: compiled on first use


def parse_row(row: Any, origin: str, *, validate: bool) -> Extractor:
    """Validate one row; with `validate`, compile its expressions now (user rows)."""
    if not isinstance(row, Mapping):
        raise ExtractorError(f"{origin}: must be a mapping with `kind` and `paths`")
    problem = EXTRACTOR_ROW.unknown(row, origin)
    if problem:
        raise ExtractorError(problem)
    kind = row.get("kind")
    if not isinstance(kind, str) or not kind:
        raise ExtractorError(f"{origin}: `kind` is required")
    versions = string_list(row.get("apiVersion"), "apiVersion", origin)
    fields = {attr: string_list(row.get(key), key, origin)
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
    pull_secrets = string_list(row.get(_PULL_SECRET_KEY), _PULL_SECRET_KEY, origin)
    for path in pull_secrets:
        if not re.fullmatch(_PULL_SECRET_PATH, path) or "." not in path:
            raise ExtractorError(f"{origin}: {_PULL_SECRET_KEY}: {path!r} must be a dotted "
                                 "path to a list inside the resource, e.g. spec.imagePullSecrets")
    if fields["container_names"] and not (fields["containers"] or fields["pod_specs"]):
        raise ExtractorError(f"{origin}: containerNames needs containers or podSpecs")
    groups = frozenset(api_group(v) for v in versions) if versions else None
    return Extractor(kind, groups, origin=origin, pull_secrets=pull_secrets, **fields)


def parse_rows(rows: Any, origin: str, *, validate: bool) -> list[Extractor]:
    if not isinstance(rows, list):
        raise ExtractorError(f"{origin}: must be a list of extractors")
    return [parse_row(row, f"{origin}[{i}]", validate=validate) for i, row in enumerate(rows)]


@cache
def builtin_document() -> Any:
    """`extractors.yaml`, read with the manifests' own composer (`locate`):
    every value in it is a string, and ruamel's constructor took four times
    as long, on every run."""
    from ..yaml.tree import locate

    return locate(BUILTIN_FILE.read_text(encoding="utf-8")).root


@cache
def builtin_table_data() -> tuple[tuple[Extractor, ...], ContainerShape]:
    """The built-in rows and the shape every PodSpec and container shares."""
    data = builtin_document()
    rows = parse_rows([merge_key(row) for row in data["extractors"]],
                      "built-in extractors", validate=False)
    shape = ContainerShape(
        tuple(data["podSpec"]["containers"]), tuple(data["podSpec"]["paths"]),
        tuple(data["container"]["args"]), tuple(data["container"]["env"]),
        frozenset(data["skipValues"]), tuple(data["container"].get("envMaps", ())),
    )
    return tuple(rows), shape


def name_matches(names: Sequence[str], resource: Any) -> bool:
    """Does the resource's `metadata.name` match one of the globs (any name
    when there are none)?"""
    if not names:
        return True
    from .glob import glob_matcher

    meta = resource.get("metadata") if isinstance(resource, dict) else None
    name = meta.get("name") if isinstance(meta, dict) else None
    return isinstance(name, str) and glob_matcher(tuple(names))(name)


def merge_key(row: Any) -> Any:
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
