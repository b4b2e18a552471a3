"""What a parse failure says: libyaml's problem on the line a user should
look at, in one line, never a snippet of the text (it may hold a password)."""

from __future__ import annotations

from typing import Any


class LocateError(Exception):
    """The document is not valid YAML; `line` is 0-based within the document."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def malformed(body: str, err: Any) -> LocateError:
    """libyaml's problem and its context, on the line a user should look at.

    When the text ends inside something (an unclosed quote, bracket or brace:
    "found unexpected end of stream", "but got '<stream end>'"), the problem's
    own line is merely the last one, so the line reported is where the
    unclosed thing starts.  A tab in indentation gets a hint: libyaml only
    says that it "cannot start any token".
    """
    problem = err.problem or err.context or "invalid YAML"
    context = err.context if err.problem else None
    mark = err.problem_mark or err.context_mark
    if err.context_mark is not None and (mark is None or "end of stream" in problem
                                         or "<stream end>" in problem):
        mark = err.context_mark
    message = f"{problem} {context}" if context else problem
    if err.problem_mark is not None and _tab_in_indentation(body, err.problem_mark.index):
        message += " (a tab in indentation: YAML indents with spaces only)"
    return LocateError(message, mark.line if mark is not None else None)


def _tab_in_indentation(body: str, index: int) -> bool:
    start = body.rfind("\n", 0, index) + 1
    line = body[start:index + 1]
    return "\t" in line[:len(line) - len(line.lstrip(" \t"))]


def unreadable(body: str, err: Any, *, in_bytes: bool) -> LocateError:
    """A character the parser refuses (NUL, other control characters), with its line.

    ruamel's message names "<unicode string>" and a position (in UTF-8 bytes
    from libyaml, in characters from the pure parser); the line is what a user
    can find.
    """
    position, character = getattr(err, "position", None), getattr(err, "character", None)
    reason = getattr(err, "reason", None)
    if isinstance(position, int) and isinstance(character, int) and reason:
        line = (body.encode("utf-8")[:position].count(b"\n") if in_bytes
                else body.count("\n", 0, position))
        return LocateError(f"unacceptable character #x{character:04x}: {reason}", line)
    return LocateError(" ".join(str(err).split()), None)
