"""The tree a parsed document becomes: `Scalar` leaves that know where they
are in the text, and the spans of collections.  Apart from the readers that
build them (tree.py drives libyaml, fast.py reads the common subset), so
both can build the same nodes without importing each other."""

from __future__ import annotations

import re
from typing import Any, NamedTuple

_NULL = re.compile(r"(?:~|null|Null|NULL)?")
# Plain scalars that Kubernetes' YAML 1.1 decoder (sigs.k8s.io/yaml) reads as
# booleans or numbers, not strings: such an `image:` is not an image to rewrite.
# The words are a set: as regex alternatives they doubled its compile time,
# paid by every run at start-up.
_BOOLEANS = frozenset("y Y yes Yes YES n N no No NO true True TRUE false False FALSE "
                      "on On ON off Off OFF".split())
_NUMBER = re.compile(
    r"[-+]?(?:0b[01_]+|0x[0-9a-fA-F_]+|0[0-7_]+|(?:0|[1-9][0-9_]*)(?::[0-5]?[0-9])*)"
    r"|[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
)


# libyaml drops a possible simple key once the scanner is more than 1024
# characters past the key's first one: a key whose `:` is farther is an error
# (measured from the key's start to the `:`, whatever the key's quoting).
MAX_KEY = 1024

_COMPILED: dict[str, re.Pattern[str]] = {}


def compiled(pattern: str) -> re.Pattern[str]:
    """`re.compile(pattern)`, compiled on first use and kept: patterns only
    some documents need cost no start-up, and cost a dict lookup after
    (re.compile's own cache costs ten times that per call)."""
    found = _COMPILED.get(pattern)
    if found is None:
        found = _COMPILED[pattern] = re.compile(pattern)
    return found


def matcher(pattern: str) -> Any:
    """`compiled(pattern).match`."""
    return compiled(pattern).match


class Scalar(str):
    """A scalar value with its place in the document text.

    `start`/`end` delimit the scalar itself (anchor and tag excluded); `style`
    is libyaml's: '' plain, "'" single, '"' double, '|' literal, '>' folded,
    or BINARY_STYLE for a decoded `!!binary` value.
    """

    start: int
    end: int
    style: str
    line: int  # 0-based line within the document

    def __new__(cls, value: str, start: int, end: int, style: str, line: int) -> Scalar:
        obj = super().__new__(cls, value)
        # One dict assignment: faster and smaller than four attribute stores
        # (_build does the same inline).
        obj.__dict__ = {"start": start, "end": end, "style": style, "line": line}
        return obj

    @property
    def is_null(self) -> bool:
        return not self.style and _NULL.fullmatch(self) is not None

    @property
    def is_string(self) -> bool:
        """False for a plain scalar that resolves to null, a boolean or a number."""
        return bool(self.style) or not (self.is_null or self in _BOOLEANS
                                        or _NUMBER.fullmatch(self))


class NodeSpan(NamedTuple):
    """Where a mapping or sequence sits, for inserting into it (pull secrets).

    `inner` is where its content starts: the first key or `-` of a block
    node, the character after `{`/`[` of a flow node (properties skipped).
    `end` is where libyaml ends it: just after `}`/`]` of a flow node, where
    the next token starts for a block node.
    """

    inner: int
    flow: bool
    end: int = -1


class Located(NamedTuple):
    """A parsed document: its root node (dict, list, Scalar or None), and, when
    asked for, the span of each mapping and sequence keyed by `id()`."""

    root: Any
    spans: dict[int, NodeSpan]
