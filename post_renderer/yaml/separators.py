"""Lines that the stream's consumers would cut into documents differently.

The splitter cuts where YAML does (`---` followed by a space, a tab or a line
break; after a `...` line).  Kubernetes cuts before go-yaml sees the bytes:
kubectl's YAMLReader (k8s.io/apimachinery/pkg/util/yaml) takes any line that
starts with `---` and whose remainder, after Go's strings.TrimSpace (Unicode
white space: \\f, \\v, NEL, NBSP, U+3000…), is empty or starts with `#`; it
never cuts at `...`.  Helm's SplitManifests cuts at every line that starts
with `---`, whatever follows.  Where they disagree (`---#x`, `---\\f`,
`--- key: v`, content after `...`), a document one of them sees is not the
one the others see, and guessing which reaches the cluster is how an image
slips past: such a stream is an error instead.
"""

from __future__ import annotations

import re

# A `---` line every consumer reads as a separator and nothing else.
_CLEAN = re.compile(rb"---(?:[ \t]++(?:#[^\n]*+)?+)?+\r?\n?")
_DASHES_AFTER_NEWLINE = re.compile(rb"\n---")
# Blank, comment and `...` lines only.  Possessive: a comment's `\r` is taken
# by `[^\n]*+`, never also by `\r?`; were a line readable two ways, a failing
# match over many lines would try every combination (2**lines).
_NOT_CONTENT = re.compile(rb"(?:[ \t]*+(?:#[^\n]*+|\.\.\.[ \t]*+)?+\r?(?:\n|\Z))*+")
_BOM = b"\xef\xbb\xbf"


def disputed_line(data: bytes, index: int) -> tuple[int, str] | None:
    """The 0-based line of chunk `index` (`data`) that YAML, kubectl and
    Helm would not all cut the same way, and why; or None."""
    body = data[len(_BOM):] if data.startswith(_BOM) else data
    if body.startswith(b"---"):
        if not _is_clean(body, 0):
            return 0, DASHES
    elif index > 0 and _NOT_CONTENT.fullmatch(body) is None:
        # The splitter cut after a `...` line; kubectl and Helm do not cut
        # there (go-yaml then drops what follows without a word).
        return 0, AFTER_END
    if b"\n---" not in data:
        return None
    for match in _DASHES_AFTER_NEWLINE.finditer(data):
        if not _is_clean(data, match.start() + 1):
            return data.count(b"\n", 0, match.start() + 1), DASHES
    return None


def _is_clean(data: bytes, start: int) -> bool:
    end = data.find(b"\n", start)
    end = len(data) if end < 0 else end + 1
    return _CLEAN.fullmatch(data, start, end) is not None


DASHES = ("a line starting with `---` that kubectl, Helm and YAML split into documents "
          "differently: a separator is `---` alone, or followed by spaces and a # comment")
AFTER_END = ("content after a `...` line: YAML starts a document there, kubectl and Helm "
             "do not (go-yaml drops it); start it with `---`")
