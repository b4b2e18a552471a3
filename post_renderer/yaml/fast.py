"""A pure-Python reader for the subset of YAML that rendered manifests almost
always are, building exactly the `Located` that libyaml's events build.

libyaml through its binding makes a Python event and two marks per token
(about 50 us for a small Pod before any tree exists), and importing the
binding imports the whole ruamel.yaml package.  Rendered manifests rarely
need more than block mappings and sequences, one-line scalars, literal block
scalars and one-line flow collections; this reader takes those line by line,
one regular expression per line, and gives every node the value, span,
style and line libyaml would.

Refuse when in doubt: anything outside the subset, or anything whose reading
is not certain (a tab, a CR, a tag, an anchor, a multi-line plain or quoted
scalar, odd indentation, a duplicate key, a `---` or `...` inside) makes
`read` return None, and libyaml reads the document: its verdict and its
errors are the ones that count.  A refusal costs only the scan before it.
"""

from __future__ import annotations

import re
from typing import Any

from .flow import read_flow
from .nodes import MAX_KEY, Located, NodeSpan, Scalar, compiled
from .scalars import continued_plain, literal, quoted

# Deeper than rendered manifests go; deeper documents are libyaml's (and the
# tree builder's bounds).
MAX_DEPTH = 100

# A character outside the subset anywhere: not printable ASCII, newline, or
# text libyaml reads as a plain character (tab, CR, NEL, U+2028/9, a byte-order
# mark, control characters and lone surrogates are all refused).  ASCII text
# is checked by a pattern that compiles in no time; the other one, with ranges
# past U+00FF, costs about a millisecond to compile, paid only when needed.
_OUTSIDE_ASCII = re.compile("[^\n -~]")
_OUTSIDE = "[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]"
# Possessive quantifiers throughout (`*+`, `++`, `?+`): no part of a line can
# be read two ways, so a line the pattern cannot take fails where it fails,
# without retrying every split of a run of spaces (a cost of its square).
_START = re.compile(r"---(?: ++(?:#[^\n]*+)?+)?+\n")
# A key's length is checked by the reader (MAX_KEY): `''` is two characters.
_KEY = (r"""([A-Za-z0-9_./][A-Za-z0-9_./-]*+|"[^"\\\n]*+"|'(?:[^'\n]|'')*+')"""
        r":(?: ++|(?=\n))")
# A plain scalar on one line in block context: no indicator first (`-x` is
# plain), no `: ` or final `:` (a key), no ` #` (a comment), no trailing space.
_PLAIN = (r"""(?:[^-?:,\[\]{}#&*!|>'"%@` \n]|[-?:](?=[^ \n]))"""
          r"(?:[^ :\n]++|:(?=[^ \n])| ++(?=[^ #\n]))*+")
_COMMENT = r" *+(?:(?<![^ \n])#[^\n]*+)?+\n"
_LINE = re.compile(
    r"(?:( *+)"                          # 1 indentation
    r"((?:-(?: ++|(?=\n)))++)?+"         # 2 sequence entries
    r"(?:" + _KEY + r")?+"               # 3 a key
    r"(?:(" + _PLAIN + r")"              # 4 a plain scalar
    r"|'((?:[^'\n]|'')*+)'"              # 5 a single-quoted one
    r'|"([^"\\\n]*+)"'                   # 6 a double-quoted one without escapes
    r"|(\|-?)"                           # 7 a literal block scalar's header
    r"|([\[{])"                          # 8 a flow collection (read by flow.py)
    r"""|('(?:[^'\n]|'')*+|"[^"\\\n]*+)(?=\n))?+"""  # 9 a quoted one that goes on
    r"(?(8)[^\n]*+\n|" + _COMMENT + r"))"
    # Any other line (no group matches): every line matches where it starts,
    # so the scan never searches, and a line it cannot take costs its length.
    r"|[^\n]*+\n"
)
_TAIL = re.compile(_COMMENT)


def read(text: str, spans: bool) -> Located | None:
    """The document's Located as libyaml's events build it, or None when the
    text leaves the subset (then libyaml must read it)."""
    if not text.endswith("\n") or _outside(text):
        return None
    start = _START.match(text)
    pos = start.end() if start else 0
    line = 1 if start else 0
    spans_out: dict[int, NodeSpan] | None = {} if spans else None
    # Open block collections: [column, container, is a sequence, indentless, inner];
    # the innermost one's column, container and kind are kept apart too.
    stack: list[list[Any]] = []
    top_col, top_seq = -1, False
    parent: Any = None
    target: Any
    root: Any = None
    # A `key:` or `-` with nothing after it: [column, is a key, mark, line, parent, key].
    pending: list[Any] | None = None
    # The last plain scalar: (node, container, key, owner, its line's match, line).
    last: tuple[Any, ...] | None = None
    node: Any
    lines = _LINE.finditer
    new_str = str.__new__
    end = len(text)
    while pos < end:
        for m in lines(text, pos):
            indent, dash, key, plain, single, double, block, flow, opened = m.groups()
            if indent is None:
                return None  # a line outside the subset
            if key is not None and len(key) > MAX_KEY:
                return None  # libyaml's error: too long for a simple key
            line_end = m.end()
            col = len(indent)
            if col > top_col and last is not None and last[5] == line - 1 and col > last[3]:
                # The line after a plain scalar, deeper than what holds it:
                # the scalar goes on (or the document is not in the subset).
                node, target, key, owner, prior = last[:5]
                last = None
                if "#" in text[prior.end(4):prior.end()]:
                    return None  # a comment ended it: this line is an error
                found = continued_plain(text, pos, owner, node)
                if found is None:
                    return None
                node, pos, count = found
                if key is None:
                    target[-1] = node
                else:
                    target[key] = node
                line += count
                break
            if dash is None and key is None:
                if m.lastindex == 1:  # a blank or comment line
                    pos = line_end
                    line += 1
                    continue
                # A value alone on its line: only right under a `key:` or `-`
                # (`resources:` then `  {}`); anything else is a continuation.
                if pending is None or col <= pending[0] or block is not None or opened:
                    return None
                owner, target, key = pending[0], pending[4], pending[5]
                pending = None
            elif col == top_col and dash is None and pending is None and not top_seq:
                target, owner = parent, col  # the common case: the open mapping's next key
                if key[0] in "\"'":
                    key = _unquote(key)
                    if key == "<<":
                        return None  # `<<` in any quoting: libyaml's reading decides
                if key in target:
                    return None  # a duplicate: libyaml's reading says so
            else:
                here = pos + col
                if pending is not None:
                    pcol, is_key, mark, pline, holder, pkey = pending
                    pending = None
                    if col > pcol or (dash is not None and col == pcol and is_key):
                        node = [] if dash is not None else {}
                        if len(stack) >= MAX_DEPTH:
                            return None
                        stack.append([col, node, dash is not None, col == pcol, here])
                        if is_key:
                            holder[pkey] = node
                        else:
                            holder.append(node)
                    else:
                        _place_empty(holder, pkey if is_key else None, mark, pline)
                while stack:
                    frame = stack[-1]
                    if frame[0] > col or (frame[0] == col and frame[3] and dash is None):
                        stack.pop()
                        if spans_out is not None:
                            spans_out[id(frame[1])] = NodeSpan(frame[4], False, here)
                    else:
                        break
                if not stack:
                    if root is not None or col or dash is not None:
                        return None
                    root = {}
                    stack.append([0, root, False, False, here])
                frame = stack[-1]
                if frame[0] != col or frame[2] != (dash is not None):
                    return None
                target = frame[1]
                owner = col  # the column of the collection that holds the value
                if dash is not None:
                    if dash.count("-") > 1:  # `- - x`: a sequence in a sequence
                        offset = 0
                        for _ in range(dash.count("-") - 1):
                            offset = dash.index("-", offset + 1)
                            inner: list[Any] = []
                            target.append(inner)
                            if len(stack) >= MAX_DEPTH:
                                return None
                            stack.append([col + offset, inner, True, False, here + offset])
                            target = inner
                        owner = col + offset
                    if key is not None:
                        mapping: dict[str, Any] = {}
                        target.append(mapping)
                        owner = m.start(3) - pos
                        if len(stack) >= MAX_DEPTH:
                            return None
                        stack.append([owner, mapping, False, False, m.start(3)])
                        target = mapping
                frame = stack[-1]
                top_col, parent, top_seq = frame[0], frame[1], frame[2]
                if key is not None:
                    if key[0] in "\"'":
                        key = _unquote(key)
                        if key == "<<":
                            return None
                    if key in target:
                        return None
            if (m.lastindex or 0) <= 3:  # nothing after the `key:` or `-`
                mark = m.end(3) + 1 if key is not None else pos + owner + 1
                pending = [owner, key is not None, mark, line, target, key]
                pos = line_end
                line += 1
                continue
            if block is not None or opened is not None:  # a scalar over several lines
                found = (literal(text, line_end, m.start(7), block == "|", owner, line)
                         if block is not None else quoted(text, m.start(9), owner, line))
                if found is None:
                    return None
                node, pos, count = found
                if key is None:
                    target.append(node)
                else:
                    target[key] = node
                line += count + (block is not None)  # a block's header is a line of its own
                break  # read on from the line after the scalar
            if plain is not None:
                node = new_str(Scalar, plain)
                first, final = m.span(4)
                node.__dict__ = {"start": first, "end": final, "style": "", "line": line}
                last = (node, target, key, owner, m, line)
            elif single is not None:
                node = new_str(Scalar, single.replace("''", "'"))
                first, final = m.span(5)
                node.__dict__ = {"start": first - 1, "end": final + 1, "style": "'",
                                 "line": line}
            elif double is not None:
                node = new_str(Scalar, double)
                first, final = m.span(6)
                node.__dict__ = {"start": first - 1, "end": final + 1, "style": '"',
                                 "line": line}
            else:
                flowing = read_flow(text, m.start(8), line, spans_out)
                if flowing is None:
                    return None
                node, after = flowing
                tail = _TAIL.match(text, after)
                if tail is None or tail.end() != line_end:
                    return None
            if key is None:
                target.append(node)
            else:
                target[key] = node
            pos = line_end
            line += 1
        else:
            if pos != end:
                return None  # no line the pattern takes from here on
    if root is None:
        return None
    if pending is not None:
        _, is_key, mark, pline, holder, pkey = pending
        _place_empty(holder, pkey if is_key else None, mark, pline)
    if spans_out is not None:
        for frame in stack:
            spans_out[id(frame[1])] = NodeSpan(frame[4], False, end)
    return Located(root, spans_out or {})


def _place_empty(holder: Any, key: str | None, mark: int, line: int) -> None:
    """The empty plain scalar libyaml gives a `key:` or `-` with nothing
    after it (None: a sequence entry), both of its marks at `mark`."""
    node: Any = str.__new__(Scalar, "")
    node.__dict__ = {"start": mark, "end": mark, "style": "", "line": line}
    if key is None:
        holder.append(node)
    else:
        holder[key] = node


def _outside(text: str) -> bool:
    """Does the text hold a character outside the subset?"""
    if text.isascii():
        return _OUTSIDE_ASCII.search(text) is not None
    return compiled(_OUTSIDE).search(text) is not None


def _unquote(key: str) -> str:
    """A quoted key's text (no escapes: `''` is the single quote's only one)."""
    return key[1:-1] if key[0] == '"' else key[1:-1].replace("''", "'")
