"""Adding to an `imagePullSecrets` that is already written: where, and whether it is safe.

The tree says what the value is; only the text says how it is written, and a
splice that ignores the spelling writes YAML kubectl cannot read or changes
another field.  Between the key's colon and the value there may be spaces,
comments, a tag (`!!null`) or an anchor (`&a`); an empty value ends where the
next token starts, lines later; and the value may be an alias (`*a`) whose
node is written under some other key.  So an edit is made only when the text
between `imagePullSecrets:` and the value is provably just that filler, and
an anchor that something else refers to is never changed; anything else is
an error naming the field, never a guess.
"""

from __future__ import annotations

import re

from ..yaml.splice import Edit
from ..yaml.tree import NodeSpan, Scalar

_KEY_COLON = re.compile(r"""(?:"imagePullSecrets"|'imagePullSecrets'|imagePullSecrets)[ \t]*:""")
# Spaces, line breaks, comments and node properties (tags, anchors).
_FILLER = r"(?:[ \t\r\n]+|#[^\n]*|[!&][^\s,\[\]{}#]*)*"
_NULL_VALUE = re.compile(rf"({_FILLER})(~|null|Null|NULL)?")
_ONLY_FILLER = re.compile(_FILLER)
_ANCHOR = re.compile(r"(?:^|\s)&([^\s,\[\]{}]+)")
_COMMENT = re.compile(r"#[^\n]*")


def _key_colon(text: str, spec: NodeSpan, before: int) -> int | None:
    """Just after the last `imagePullSecrets:` written in the PodSpec before `before`."""
    start = spec.inner - 1 if spec.flow else spec.inner
    ends = [match.end() for match in _KEY_COLON.finditer(text, max(start, 0), before)]
    return ends[-1] if ends else None


def _shared_anchor(text: str, filler: str) -> str | None:
    """An anchor in `filler` that an alias somewhere in the document uses."""
    for match in _ANCHOR.finditer(_COMMENT.sub("", filler)):
        if f"*{match.group(1)}" in text:
            return match.group(1)
    return None


def replace_null(text: str, spec: NodeSpan, value: Scalar, flow_items: str) -> Edit | str:
    """The edit that turns a null `imagePullSecrets` (`null`, `~`, empty,
    tagged, anchored) into a flow list, or why it cannot be done."""
    colon = _key_colon(text, spec, value.end + 1)
    if colon is None or colon > value.start:
        return "is an alias of a value written elsewhere; cannot add to it"
    match = _NULL_VALUE.fullmatch(text, colon, value.end)
    if match is None:
        return "is written in a form this tool cannot edit safely; cannot add to it"
    filler = match.group(1)
    anchor = _shared_anchor(text, filler)
    if anchor is not None:
        return f"is anchored (&{anchor}) and used elsewhere; cannot add to it"
    comments = _COMMENT.findall(filler)
    new = f" [{flow_items}]" + (f" {comments[0]}" if comments else "")
    if not match.group(2) and "\n" in filler:
        new += filler[filler.rindex("\n"):]  # the next key's line break and indentation
    return Edit(colon, value.end, new)


def check_list(text: str, spec: NodeSpan, node: NodeSpan) -> str | None:
    """Why adding into this existing list would be unsafe (an alias of a list
    written under another key, an anchor something else uses), or None."""
    opening = node.inner - 1 if node.flow else node.inner
    colon = _key_colon(text, spec, opening)
    if colon is None or not _ONLY_FILLER.fullmatch(text, colon, opening):
        return "is an alias of a list written elsewhere; cannot add to it"
    anchor = _shared_anchor(text, text[colon:opening])
    if anchor is not None:
        return f"is anchored (&{anchor}) and used elsewhere; cannot add to it"
    return None
