"""Add `imagePullSecrets` to PodSpecs by splicing text into the document.

The core's promise is that bytes we did not change do not move, so the entry
is written into the original text rather than by re-serializing the document:
a block PodSpec gets a new first key at its own indentation, with the list
items indented the way its `containers` list is; a flow PodSpec (or a JSON
document) gets a flow entry in the same quoting; an existing list gets the
missing names, and a name already there is never repeated.  New entries come
first, because the start of a node is the one place libyaml reports exactly;
Kubernetes does not care about the order.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from ..yaml.splice import line_ending
from ..yaml.tree import Located, LocateError, Scalar, locate

KEY = "imagePullSecrets"
DEFAULT_SEQUENCE_INDENT = 2
_CONTAINER_IMAGE = re.compile(r"(?:containers|initContainers|ephemeralContainers)\[\d+\]\.image")
_PATH_TOKEN = re.compile(r"\.?([^.\[\]]+)|\[(\d+)\]")
_PLAIN_NAME = re.compile(r"[a-z0-9][a-z0-9.-]*")


class InjectionProblem(NamedTuple):
    """A PodSpec that could not get its pull secrets: `pod_spec` as asked for,
    `path` the field at fault."""

    pod_spec: str
    path: str
    message: str


class _Insertion(NamedTuple):
    start: int
    end: int
    text: str


def yaml_string(value: str) -> str:
    """A string as YAML: plain when that reads back as the same string,
    double-quoted otherwise (`"123"`, `"true"` and `"null"` must stay strings)."""
    if _PLAIN_NAME.fullmatch(value) and Scalar(value, 0, 0, "", 0).is_string:
        return value
    return _json_string(value)


def _json_string(value: str) -> str:
    """A JSON string literal, which is also a YAML double-quoted one."""
    import json  # imported where used: only runs that add pull secrets (start-up)

    return json.dumps(value)


def pulls_container_image(path: str, pod_spec: str | None) -> bool:
    """True for `<pod_spec>.containers[N].image` (and init/ephemeral containers):
    the images kubelet pulls with the pod's imagePullSecrets.  An image in a
    container's args or env is pulled by someone else, if ever."""
    if pod_spec is None:
        return False
    if pod_spec:
        if not path.startswith(pod_spec + "."):
            return False
        path = path[len(pod_spec) + 1:]
    return _CONTAINER_IMAGE.fullmatch(path) is not None


def find_node(root: Any, path: str) -> Any:
    """The node at a rendered path like `items[0].spec.template.spec`, or None."""
    node = root
    for match in _PATH_TOKEN.finditer(path):
        key, index = match.groups()
        if key is not None:
            node = node.get(key) if isinstance(node, dict) else None
        else:
            i = int(index)
            node = node[i] if isinstance(node, list) and i < len(node) else None
        if node is None:
            return None
    return node


def add_pull_secrets(
    data: bytes, needs: Mapping[str, Sequence[str]]
) -> tuple[bytes, list[InjectionProblem]]:
    """Give each PodSpec at the paths of `needs` the named imagePullSecrets.

    `data` is one document that the pipeline has already parsed (valid UTF-8
    and YAML); a name already listed is not added again.
    """
    text = data.decode("utf-8")
    try:
        located = locate(text, spans=True)
    except LocateError as err:  # not expected: the pipeline parsed it already
        return data, [InjectionProblem(path, path, f"cannot add imagePullSecrets: {err}")
                      for path in needs]
    newline = line_ending(text)
    json_style = _is_json(text, located)
    insertions: dict[int, _Insertion] = {}
    problems: list[InjectionProblem] = []
    for path, names in needs.items():
        spec = find_node(located.root, path)
        if not isinstance(spec, dict) or id(spec) not in located.spans:
            problems.append(InjectionProblem(path, path, "cannot add imagePullSecrets: "
                                             "the PodSpec is not a mapping"))
            continue
        insertion = _insertion(text, located, spec, names, newline, json_style)
        if isinstance(insertion, str):
            problems.append(InjectionProblem(path, f"{path}.{KEY}" if path else KEY, insertion))
        elif insertion is not None:
            insertions.setdefault(insertion.start, insertion)  # an alias: once
    if not insertions:
        return data, problems
    parts: list[str] = []
    position = 0
    for start in sorted(insertions):
        insertion = insertions[start]
        parts += [text[position:insertion.start], insertion.text]
        position = insertion.end
    parts.append(text[position:])
    return "".join(parts).encode("utf-8"), problems


def _insertion(
    text: str, located: Located, spec: dict[str, Any], names: Sequence[str], newline: str,
    json_style: bool,
) -> _Insertion | str | None:
    """The text to add to one PodSpec, None when nothing is missing, or a problem."""
    existing = spec.get(KEY)
    present = set()
    if isinstance(existing, list):
        present = {str(item["name"]) for item in existing
                   if isinstance(item, dict) and isinstance(item.get("name"), str)}
    missing = [n for n in dict.fromkeys(names) if n not in present]
    if not missing:
        return None
    flow_items = ", ".join(_flow_item(n, json_style) for n in missing)
    if KEY not in spec:
        return _new_key(text, located, spec, missing, flow_items, newline, json_style)
    if isinstance(existing, Scalar) and existing.is_null:
        if existing.start == existing.end:  # `imagePullSecrets:` with nothing after
            return _Insertion(existing.start, existing.end, f" [{flow_items}]")
        return _Insertion(existing.start, existing.end, f"[{flow_items}]")
    if not isinstance(existing, list) or id(existing) not in located.spans:
        names_text = ", ".join(missing)
        return f"is not a list; cannot add {names_text}"
    span = located.spans[id(existing)]
    if span.flow:
        return _flow_insertion(text, span.inner, bool(existing), flow_items)
    column = _column(text, span.inner)
    items = "".join(f"- name: {yaml_string(n)}{newline}{' ' * column}" for n in missing)
    return _Insertion(span.inner, span.inner, items)


def _new_key(
    text: str, located: Located, spec: dict[str, Any], missing: Sequence[str], flow_items: str,
    newline: str, json_style: bool,
) -> _Insertion:
    span = located.spans[id(spec)]
    if span.flow:
        key = f'"{KEY}"' if json_style else KEY
        return _flow_insertion(text, span.inner, bool(spec), f"{key}: [{flow_items}]")
    column = _column(text, span.inner)
    dash = " " * (column + _sequence_indent(text, located, spec, column))
    lines = "".join(f"{dash}- name: {yaml_string(n)}{newline}" for n in missing)
    return _Insertion(span.inner, span.inner, f"{KEY}:{newline}{lines}{' ' * column}")


def _flow_insertion(text: str, inner: int, has_items: bool, entry: str) -> _Insertion:
    """Before the first entry of a flow node, reusing the white space that
    separates `{`/`[` from it (a pretty-printed JSON document stays pretty)."""
    if not has_items:
        return _Insertion(inner, inner, entry)
    first = inner
    while first < len(text) and text[first] in " \t\r\n":
        first += 1
    gap = text[inner:first] or " "
    return _Insertion(first, first, f"{entry},{gap}")


def _flow_item(name: str, json_style: bool) -> str:
    if json_style:
        return f'{{"name": {_json_string(name)}}}'
    return f"{{name: {yaml_string(name)}}}"


def _column(text: str, offset: int) -> int:
    return offset - (text.rfind("\n", 0, offset) + 1)


def _sequence_indent(text: str, located: Located, spec: dict[str, Any], column: int) -> int:
    """How far this PodSpec indents its lists' `-` (0 for the indentless style)."""
    for key in ("containers", "initContainers", "ephemeralContainers"):
        value = spec.get(key)
        span = located.spans.get(id(value)) if isinstance(value, list) else None
        if span is not None and not span.flow:
            return max(_column(text, span.inner) - column, 0)
    return DEFAULT_SEQUENCE_INDENT


def _is_json(text: str, located: Located) -> bool:
    """A JSON document (a flow mapping whose first key is double-quoted)."""
    root = located.root
    span = located.spans.get(id(root)) if isinstance(root, dict) else None
    if span is None or not span.flow:
        return False
    return text[span.inner:].lstrip().startswith('"')
