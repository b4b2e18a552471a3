"""Reading configuration text: files and YAML, with errors that name the
place and never echo a value (a configuration may hold a password)."""

import re
from collections.abc import Sequence
from typing import Any, NamedTuple


class ConfigError(Exception):
    """A usage error in the configuration: the message names file, key and reason."""


class NoRulesError(ConfigError):
    """No source gave any rule: a separate type because a KRM ResourceList on
    stdin may still bring them in its functionConfig."""


class Problem(NamedTuple):
    """One of the parser's complaints, with its 0-based position in the text."""

    text: str
    line: int | None = None
    column: int | None = None


class YAMLTextError(ConfigError):
    """Not valid YAML.  The problems keep their positions, so that a caller
    who knows where the text sits in a file (a block string) can name the
    file's lines instead of the text's."""

    def __init__(self, origin: str, problems: Sequence[Problem], line: int = 0,
                 column: int = 0) -> None:
        self.origin, self.problems = origin, tuple(problems)
        parts = [p.text + (f" (line {line + p.line + 1}, column {column + (p.column or 0) + 1})"
                           if p.line is not None else "") for p in self.problems]
        super().__init__(f"{origin}: not valid YAML: {_one_line(': '.join(parts))}")


def load_yaml_text(text: str, origin: str) -> Any:
    """Parse a small YAML document (configuration, not manifests): through
    the manifest reader when that reads it as ruamel's safe loader would
    (`located`), else by that loader, whose errors are the ones reported."""
    from .located import read_located

    located = read_located(text)
    if located is not None:
        return located.value
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        return YAML(typ="safe", pure=False).load(text)
    except YAMLError as err:
        raise YAMLTextError(origin, _problems(err, text)) from None
    except (ValueError, TypeError, OverflowError) as err:
        # A constructor failed on a value (e.g. the date 2020-13-45); its message
        # may echo that value, which may be a password: name the kind only.
        raise ConfigError(
            f"{origin}: not valid YAML: a value cannot be read ({type(err).__name__})"
        ) from None


def load_config_file(path: str) -> Any:
    """The parsed YAML of a rules or pack values file."""
    try:
        text = read_text(path)
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: cannot read configuration: {_os_reason(err)}") from None
    return load_yaml_text(text, path)


def block_start(path: str, keys: Sequence[str]) -> tuple[int, int] | None:
    """Where the text of the literal block string at `keys` starts in the file
    at `path`: its first line (0-based) and its indentation.  None when it is
    not a literal block string, whose lines are the file's lines (a folded or
    quoted string's are not)."""
    from ..yaml.tree import LocateError, Scalar, locate

    try:
        text = read_text(path)
        node: Any = locate(text).root
    except (OSError, UnicodeDecodeError, LocateError):
        return None
    for key in keys:
        node = node.get(key) if isinstance(node, dict) else None
    if not isinstance(node, Scalar) or node.style != "|":
        return None
    first = node.line + 1  # the line after the `|` indicator
    content = [line for line in text.splitlines()[first:] if line.strip()]
    return first, (len(content[0]) - len(content[0].lstrip(" ")) if content else 0)


def read_text(path: str) -> str:
    """A file's UTF-8 text, newlines universal (as `Path.read_text` reads it;
    pathlib, with urllib.parse and ipaddress behind it, is not worth its
    import at every start for one read)."""
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def type_name(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", type(None): "null"}.get(
        type(value), type(value).__name__
    )


def _os_reason(err: Exception) -> str:
    if isinstance(err, OSError):
        return err.strerror or type(err).__name__
    return "not UTF-8 text"


def _problems(err: Exception, text: str) -> list[Problem]:
    """The parser's reasons and positions, never its snippet of the offending
    line: in a file with credentials that line may hold a password."""
    from ruamel.yaml.error import MarkedYAMLError

    if not isinstance(err, MarkedYAMLError):
        return [Problem(type(err).__name__)]
    lines = text.splitlines()
    problems = []
    for reason, mark in ((err.context, err.context_mark), (err.problem, err.problem_mark)):
        if reason:
            # Whatever the parser quotes may be a password: a tag
            # (`password: !Pa55`), an alias or anchor name, a character,
            # 'found duplicate key "password" with value "…"'.  Keep its words only.
            reason = _without_quotes(reason)
            if mark is None:
                problems.append(Problem(reason))
                continue
            line = lines[mark.line] if mark.line < len(lines) else ""
            if (mark is err.problem_mark and "tab" not in reason
                    and line[mark.column:mark.column + 1] == "\t"):
                reason += " (a tab: YAML indents with spaces only)"
            problems.append(Problem(reason, mark.line, mark.column))
    return problems or [Problem("invalid YAML")]


# A token name the parser quotes itself (`'<block end>'`, `':'`), or any other
# quote.  Compiled at the first error only.
_QUOTED_TOKEN_OR_QUOTE = r"""'(?:<[a-z ]+>|[,\[\]{}:?-])'|['"`]"""
_DUPLICATE_KEY = r"""(found duplicate key "[^"']*")"""


def _without_quotes(text: str) -> str:
    """The parser's words up to the first thing it quotes from the input.

    Token names (`'<block end>'`, `':'`) are the parser's own and stay;
    anything else in quotes came from the file, and a quote inside a quoted
    tag would defeat matching pairs, so the text is cut at the first quote
    that is not a token name.
    """
    duplicate = re.match(_DUPLICATE_KEY, text)
    if duplicate:  # the key is worth naming; its values are not
        return duplicate.group(1)
    for match in re.finditer(_QUOTED_TOKEN_OR_QUOTE, text):
        if len(match.group()) == 1:
            return text[:match.start()].rstrip() + " (…)"
    return text


def _one_line(text: str) -> str:
    return " ".join(text.split())
