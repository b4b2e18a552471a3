"""The filter's everyday command line, read without building argparse's parser.

Helm starts a post-renderer once per chart, so start-up is most of a run, and
building the parser (one help formatter per option) is a visible part of it.
The command lines a post-renderer is really given are plain: exact option
names, values that do not start with `-`, at most one positional.  Those are
read here into the same attributes argparse's Namespace would hold; anything
else (help, version, an abbreviation, a usage error, `--`) returns None, and
argparse reads it.  A test holds the two readers to the same answers.  Not
even argparse is imported then: its Namespace is a plain attribute holder,
which SimpleNamespace is too.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    import argparse

# option string -> (dest, "value" | "append" | "flag"), as build_parser declares
# them: an option added there must be added here (tests/test_startup.py checks)
OPTIONS = {
    "-c": ("config", "value"), "--config": ("config", "value"),
    "--rule": ("rule", "append"), "--all": ("all_prefix", "value"),
    "--strict": ("strict", "flag"), "--rewrite-unknown": ("rewrite_unknown", "flag"),
    "--diff": ("diff", "flag"),
    "--error-log": ("error_log", "value"), "--allow": ("allow", "append"),
    "--report": ("report", "value"), "--plain-http": ("plain_http", "append"),
    "--skip-tls-verify": ("skip_tls_verify", "append"), "--ca-file": ("ca_file", "append"),
    "--verify": ("verify", "flag"), "--pin-digests": ("pin_digests", "flag"),
    "--lock": ("lock", "value"), "--lock-update": ("lock_update", "flag"),
}
POSITIONAL = "config_object"


def defaults() -> dict[str, object]:
    """Every dest with its default, as argparse sets them."""
    values: dict[str, object] = {POSITIONAL: None}
    for dest, action in OPTIONS.values():
        values[dest] = [] if action == "append" else False if action == "flag" else None
    return values


def quick_parse(argv: Sequence[str]) -> argparse.Namespace | None:
    """argparse's answer for a plain command line, or None to ask argparse."""
    values = defaults()
    positional = False
    i = 0
    while i < len(argv):
        arg = argv[i]
        i += 1
        if not arg.startswith("-"):
            if positional or not arg:
                return None  # a second positional or an empty one: argparse decides
            values[POSITIONAL], positional = arg, True
            continue
        name, eq, attached = arg.partition("=")
        if not name.startswith("--"):
            name, eq = arg, ""  # `-c=x` and `-cx`: argparse's own reading
        spec = OPTIONS.get(name)
        if spec is None:
            return None
        dest, action = spec
        if action == "flag":
            if eq:
                return None
            values[dest] = True
            continue
        if eq:
            value = attached
        elif i < len(argv) and argv[i] and not argv[i].startswith("-"):
            value, i = argv[i], i + 1
        else:
            return None
        if action == "append":
            values[dest] = [*values[dest], value]  # type: ignore[misc]
        else:
            values[dest] = value
    return cast("argparse.Namespace", SimpleNamespace(**values))
