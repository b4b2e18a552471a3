"""Shell-style globs for flag and env var names (`--*-image`, `*_IMAGE`)."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from functools import cache

Matcher = Callable[[str], bool]
_GLOB_CHARS = re.compile(r"[*?\[]")


@cache
def glob_matcher(patterns: tuple[str, ...]) -> Matcher:
    """Same answers as fnmatchcase on each of a set of shell-style globs.

    Plain names (most of them) are a set lookup; only the real globs become one
    regex.  Looping fnmatchcase ran ~40 matches per argument, and one regex of
    all ~40 took 4 ms to compile on every run."""
    exact = frozenset(p for p in patterns if not _GLOB_CHARS.search(p))
    globs = [p for p in patterns if p not in exact]
    if not globs:
        return exact.__contains__
    glob = re.compile("|".join(fnmatch.translate(p) for p in globs)).match

    def matches(name: str) -> bool:
        return name in exact or glob(name) is not None

    return matches




def literal_run(pattern: str) -> str:
    """The longest run of characters that every name the glob matches
    contains ('' when none is certain).  Only what comes before a `[` is
    taken: where a bracket expression ends (`[]a]`, `[!]]`) decides which
    of the characters after it are literal."""
    return max(re.split(r"[*?]", pattern.split("[", 1)[0]), key=len)
