"""KRM `results`: each diagnostic as a result entry pointing at its item,
spliced into the ResourceList without re-emitting any of its text."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from ..diagnostics import Diagnostic
from ..yaml.splice import Edit, column, flow_insertion, json_string, line_ending, yaml_string
from ..yaml.tree import Located, Scalar

RESULTS = "results"
_PLAIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9./_-]*")
# A final `...` line, possibly followed by blank or comment lines.
_END_MARKER = re.compile(r"^\.\.\.[^\n]*(?:\n|\Z)(?:[ \t]*(?:#[^\n]*)?(?:\n|\Z))*\Z", re.MULTILINE)


def result_of(diagnostic: Diagnostic, root: Any) -> dict[str, Any]:
    """One `results` entry (KRM functions spec): the item it concerns as
    resourceRef, the field path within that item, and the item's file when
    the orchestrator recorded it."""
    result: dict[str, Any] = {"severity": diagnostic.severity, "message": diagnostic.message}
    items = root.get("items") if isinstance(root, dict) else None
    index = next((i for i, item in enumerate(items) if item is diagnostic.subject), None) \
        if isinstance(items, list) and diagnostic.subject is not None else None
    if index is not None:
        item = items[index]  # type: ignore[index]
        ref = _resource_ref(item)
        if ref:
            result["resourceRef"] = ref
        prefix = f"items[{index}]."
        if diagnostic.path.startswith(prefix):
            result["field"] = {"path": diagnostic.path[len(prefix):]}
        file = _file_of(item)
        if file:
            result["file"] = file
    elif diagnostic.path:
        result["field"] = {"path": diagnostic.path}
    return result


def _resource_ref(item: Any) -> dict[str, str]:
    if not isinstance(item, Mapping):
        return {}
    meta = item.get("metadata")
    meta = meta if isinstance(meta, Mapping) else {}
    ref = {"apiVersion": item.get("apiVersion"), "kind": item.get("kind"),
           "name": meta.get("name"), "namespace": meta.get("namespace")}
    return {k: str(v) for k, v in ref.items() if isinstance(v, str) and v}


def _file_of(item: Any) -> dict[str, Any]:
    meta = item.get("metadata") if isinstance(item, Mapping) else None
    notes = meta.get("annotations") if isinstance(meta, Mapping) else None
    if not isinstance(notes, Mapping):
        return {}
    path = notes.get("config.kubernetes.io/path") or notes.get("internal.config.kubernetes.io/path")
    if not isinstance(path, str):
        return {}
    file: dict[str, Any] = {"path": str(path)}
    index = notes.get("config.kubernetes.io/index")
    if isinstance(index, str) and index.isdigit():
        file["index"] = int(index)
    return file


def results_edits(text: str, located: Located, results: list[dict[str, Any]]) -> list[Edit]:
    """`results` spliced in: appended to a block root, a first entry of a flow
    (JSON) root, or in place of the `results` the input already had."""
    root = located.root
    span = located.spans.get(id(root)) if isinstance(root, dict) else None
    if span is None:
        return []
    newline = line_ending(text)
    existing = root.get(RESULTS)
    if span.flow:
        entry = "[" + ", ".join(_json(r) for r in results) + "]"
        if existing is None:
            key = f'"{RESULTS}"' if text[span.inner:].lstrip().startswith('"') else RESULTS
            return [flow_insertion(text, span.inner, bool(root), f"{key}: {entry}")]
        return [_replace_value(text, located, existing, entry)]
    col = column(text, span.inner)
    if RESULTS in root:
        value = located.spans.get(id(existing))
        if isinstance(existing, list) and value is not None and not value.flow:
            block = _block_items(results, col, newline)
            return [Edit(value.inner, value.end, block.lstrip(" ") + " " * col)]
        entry = "[" + ", ".join(_json(r) for r in results) + "]"
        return [_replace_value(text, located, existing, entry)]
    match = _END_MARKER.search(text)
    at = match.start() if match else len(text)
    lead = "" if at == 0 or text[:at].endswith("\n") else newline
    return [Edit(at, at, f"{lead}{' ' * col}{RESULTS}:{newline}"
                 + _block_items(results, col, newline))]


def _replace_value(text: str, located: Located, node: Any, new: str) -> Edit:
    if isinstance(node, Scalar):
        gap = " " if node.start == node.end else ""
        return Edit(node.start, node.end, gap + new)
    span = located.spans[id(node)]
    start = span.inner - 1 if span.flow else span.inner
    return Edit(start, span.end, new)


def _block_items(results: list[dict[str, Any]], col: int, newline: str) -> str:
    """The results as a block sequence at column `col`, one line per scalar."""
    lines: list[str] = []
    for result in results:
        first = True
        for line in _block_mapping(result, 0):
            lines.append(" " * col + ("- " if first else "  ") + line)
            first = False
    return "".join(line + newline for line in lines)


def _block_mapping(mapping: Mapping[str, Any], indent: int) -> Iterator[str]:
    for key, value in mapping.items():
        if isinstance(value, Mapping):
            yield " " * indent + f"{key}:"
            yield from _block_mapping(value, indent + 2)
        else:
            yield " " * indent + f"{key}: {_scalar(value)}"


def _scalar(value: Any) -> str:
    """Plain when it reads back as the same string (`Pod`, `apps/v1`), else quoted."""
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if _PLAIN_WORD.fullmatch(text) and Scalar(text, 0, 0, "", 0).is_string:
        return text
    return yaml_string(text)


def _json(value: Any) -> str:
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{json_string(k)}: {_json(v)}" for k, v in value.items()) + "}"
    return str(value) if isinstance(value, int) else json_string(str(value))
