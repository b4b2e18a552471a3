"""One-line flow collections for the fast reader: `[a, "b"]`, `{cpu: 100m}`,
`{}`, `[]`, nested, of scalars that read the same in every YAML parser.

Plain scalars here are words of a narrow charset: no `:` or `?` (the libyaml
that ruamel.yaml.clib bundles refuses them inside flow collections, where
YAML 1.2 allows them), no `#`, no indicator.  Anything else, a trailing
comma, a key without a value or a collection that goes on past its line is
refused, and libyaml reads the document.
"""

from __future__ import annotations

from typing import Any

from .nodes import MAX_KEY, NodeSpan, Scalar, matcher

MAX_FLOW_DEPTH = 20

# Possessive: a long line that fails to match costs its length, not its square.
_WORD = r"[A-Za-z0-9_./=+~$()-]++"
_FLOW_PLAIN = r"(?:[A-Za-z0-9_./=+~$()]|-(?=[A-Za-z0-9_./=+~$()-]))" \
              r"[A-Za-z0-9_./=+~$()-]*+(?: ++" + _WORD + r")*+"
# Compiled on first use (nodes.matcher): only nested flow collections need it.
_TOKEN = (
    r" *+(?:([\[\]{},])"                 # 1 punctuation
    r"|(" + _FLOW_PLAIN + r")"           # 2 a plain scalar
    r"|'((?:[^'\n]|'')*+)'"              # 3 single-quoted
    r'|"([^"\\\n]*+)")'                  # 4 double-quoted without escapes
    r"(:(?= ))?"                         # 5 a key's `:`
)
_SCALAR = r"""(?:(""" + _FLOW_PLAIN + r""")|'((?:[^'\n]|'')*+)'|"([^"\\\n]*+)")"""
# The common shapes, one match per entry: `[a, "b"]`, `{cpu: 100m, memory: 64Mi}`.
# Like _TOKEN, compiled on first use: many streams have no flow collection
# but `{}` and `[]`, and compiling costs start-up.
_SEQ_ENTRY = r" *+" + _SCALAR + r" *+([,\]])"
# The key (group 1) is measured from its start to its `:` (MAX_KEY).
_MAP_ENTRY = r" *+(" + _SCALAR + r"): ++" + _SCALAR + r" *+([,}])"
# Frame states: what may come next.
_FIRST, _AFTER, _NEXT, _VALUE = 0, 1, 2, 3


def read_flow(text: str, pos: int, line: int,
              spans: dict[int, NodeSpan] | None) -> tuple[Any, int] | None:
    """The flow collection opening at `pos` and the offset just after it, or
    None when it leaves the subset."""
    flat = _flat(text, pos, line)
    if flat is not None:
        if spans is not None:
            spans[id(flat[0])] = NodeSpan(pos + 1, True, flat[1])
        return flat
    # Frames: [container, pending key, state, offset of its bracket].
    stack: list[list[Any]] = []
    token = matcher(_TOKEN)
    while True:
        m = token(text, pos)
        if m is None:
            return None
        punct, plain, single, double, colon = m.groups()
        pos = m.end()
        top = stack[-1] if stack else None
        node: Any
        if punct is not None:
            if colon is not None:
                return None  # a collection as a key
            if punct == ",":
                if top is None or top[2] != _AFTER:
                    return None
                top[2] = _NEXT
                continue
            if punct in "]}":
                if top is None or top[2] > _AFTER or (punct == "]") != (top[0].__class__ is list):
                    return None
                stack.pop()
                if spans is not None:
                    spans[id(top[0])] = NodeSpan(top[3] + 1, True, pos)
                if not stack:
                    return top[0], pos
                continue
            node = [] if punct == "[" else {}
            if not _place(top, node) or len(stack) >= MAX_FLOW_DEPTH:
                return None
            stack.append([node, None, _FIRST, pos - 1])
            continue
        if top is None:
            return None
        if plain is not None:
            node = str.__new__(Scalar, plain)
            node.__dict__ = {"start": m.start(2), "end": m.end(2), "style": "", "line": line}
        elif single is not None:
            node = str.__new__(Scalar, single.replace("''", "'"))
            node.__dict__ = {"start": m.start(3) - 1, "end": m.end(3) + 1, "style": "'",
                             "line": line}
        else:
            node = str.__new__(Scalar, double)
            node.__dict__ = {"start": m.start(4) - 1, "end": m.end(4) + 1, "style": '"',
                             "line": line}
        if colon is None:
            if not _place(top, node):
                return None
            continue
        container = top[0]
        key = str(node)
        if (container.__class__ is not dict or top[2] not in (_FIRST, _NEXT)
                or key in container or key == "<<" or m.start(5) - node.start > MAX_KEY):
            return None
        top[1] = key
        top[2] = _VALUE


def _place(top: list[Any] | None, node: Any) -> bool:
    """Put a value into the open collection, if one may come there."""
    if top is None:
        return True  # the collection read_flow was called for
    container = top[0]
    if container.__class__ is list:
        if top[2] == _AFTER:
            return False
        container.append(node)
    else:
        if top[2] != _VALUE:
            return False
        container[top[1]] = node
    top[2] = _AFTER
    return True


def _flat(text: str, pos: int, line: int) -> tuple[Any, int] | None:
    """A flow collection of scalars only, read an entry at a time; None for
    any other (read_flow's token loop then decides)."""
    if text.startswith("[]", pos) or text.startswith("{}", pos):
        return ([] if text[pos] == "[" else {}), pos + 2
    new_str = str.__new__
    node: Any
    if text[pos] == "[":
        items: list[Any] = []
        entry = matcher(_SEQ_ENTRY)
        while True:
            m = entry(text, pos + 1)
            if m is None:
                return None
            plain, single, double, stop = m.groups()
            if plain is not None:
                node = new_str(Scalar, plain)
                first, last = m.span(1)
                node.__dict__ = {"start": first, "end": last, "style": "", "line": line}
            elif double is not None:
                node = new_str(Scalar, double)
                first, last = m.span(3)
                node.__dict__ = {"start": first - 1, "end": last + 1, "style": '"',
                                 "line": line}
            else:
                node = new_str(Scalar, single.replace("''", "'"))
                first, last = m.span(2)
                node.__dict__ = {"start": first - 1, "end": last + 1, "style": "'",
                                 "line": line}
            items.append(node)
            pos = m.end() - 1
            if stop == "]":
                return items, pos + 1
    mapping: dict[str, Any] = {}
    entry = matcher(_MAP_ENTRY)
    while True:
        m = entry(text, pos + 1)
        if m is None or m.end(1) - m.start(1) > MAX_KEY:
            return None
        _, kplain, ksingle, kdouble, plain, single, double, stop = m.groups()
        key = kplain if kplain is not None else kdouble if kdouble is not None \
            else ksingle.replace("''", "'")
        if key in mapping or key == "<<":
            return None
        if plain is not None:
            node = new_str(Scalar, plain)
            first, last = m.span(5)
            node.__dict__ = {"start": first, "end": last, "style": "", "line": line}
        elif double is not None:
            node = new_str(Scalar, double)
            first, last = m.span(7)
            node.__dict__ = {"start": first - 1, "end": last + 1, "style": '"', "line": line}
        else:
            node = new_str(Scalar, single.replace("''", "'"))
            first, last = m.span(6)
            node.__dict__ = {"start": first - 1, "end": last + 1, "style": "'", "line": line}
        mapping[key] = node
        pos = m.end() - 1
        if stop == "}":
            return mapping, pos + 1
