"""Bounded memos for what a run works out from strings its input repeats.

A stream names a few images and kinds many times, so decisions and per-kind
plans are worked out once per distinct string.  Hostile input can make every
string new or very long, so a memo keeps at most `kept` entries (and forgets
all of them when full) and never keeps a key longer than `longest`
characters: forgetting costs only time, never memory.
"""

from __future__ import annotations

from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Memo(dict[K, V]):
    """A dict filled only through `keep`, which holds it to its bounds."""

    __slots__ = ("kept", "longest")

    def __init__(self, kept: int, longest: int) -> None:
        super().__init__()
        self.kept = kept
        self.longest = longest

    def keep(self, key: K, size: int, value: V) -> V:
        """Remember `value` under `key`, whose strings are `size` characters
        long (unless that is over `longest`); `value` either way."""
        if len(self) >= self.kept:
            self.clear()
        if size <= self.longest:
            self[key] = value
        return value
