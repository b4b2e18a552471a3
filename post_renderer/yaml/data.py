"""A located tree as plain data, for configuration read from a document.

The tree builder gives `Scalar` strings whose type a YAML 1.1 loader would
have decided (`true`, `3`, `~`); configuration is validated by type, so a KRM
functionConfig is converted once, here.  Iterative, and each shared node
(aliases) converted once: an alias bomb stays linear.
"""

from __future__ import annotations

from typing import Any


def plain_data(node: Any) -> Any:
    """A located tree as the values a YAML 1.1 loader gives: None, bools and
    numbers for plain scalars that resolve so, `str` for the rest (not
    `Scalar`); shared nodes stay shared, converted once.  For configuration
    read from a document (a KRM functionConfig), which is validated by type."""
    from .tree import Scalar

    memo: dict[int, Any] = {}

    def leaf(value: Any) -> Any:
        if not isinstance(value, Scalar):
            return value
        if value.is_string:
            return str(value)
        if value.is_null:
            return None
        if value in _TRUE or value in _FALSE:
            return value in _TRUE
        try:
            return int(value.replace("_", ""), 0)
        except ValueError:
            try:
                return float(value.replace("_", ""))
            except ValueError:
                return str(value)

    def shell(value: Any) -> Any:
        if isinstance(value, (dict, list)):
            if id(value) not in memo:
                memo[id(value)] = {} if isinstance(value, dict) else []
                pending.append(value)
            return memo[id(value)]
        return leaf(value)

    pending: list[Any] = []
    root = shell(node)
    while pending:
        source = pending.pop()
        target = memo[id(source)]
        if isinstance(source, dict):
            target.update((key, shell(value)) for key, value in source.items())
        else:
            target.extend(shell(value) for value in source)
    return root


_TRUE = frozenset("y Y yes Yes YES true True TRUE on On ON".split())
_FALSE = frozenset("n N no No NO false False FALSE off Off OFF".split())
