"""Reading configuration text: files and YAML, with errors that name the
place and never echo a value (a configuration may hold a password)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


class ConfigError(Exception):
    """A usage error in the configuration: the message names file, key and reason."""


class NoRulesError(ConfigError):
    """No source gave any rule: a separate type because a KRM ResourceList on
    stdin may still bring them in its functionConfig."""


def load_yaml_text(text: str, origin: str) -> Any:
    """Parse a small YAML document (configuration, not manifests)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        return YAML(typ="safe", pure=False).load(text)
    except YAMLError as err:
        raise ConfigError(f"{origin}: not valid YAML: {_yaml_reason(err)}") from None
    except (ValueError, TypeError, OverflowError) as err:
        # A constructor failed on a value (e.g. the date 2020-13-45); its message
        # may echo that value, which may be a password: name the kind only.
        raise ConfigError(
            f"{origin}: not valid YAML: a value cannot be read ({type(err).__name__})"
        ) from None


def load_config_file(path: str) -> Any:
    """The parsed YAML of a rules or pack values file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: cannot read configuration: {_os_reason(err)}") from None
    return load_yaml_text(text, path)


def type_name(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", type(None): "null"}.get(
        type(value), type(value).__name__
    )


def _os_reason(err: Exception) -> str:
    if isinstance(err, OSError):
        return err.strerror or type(err).__name__
    return "not UTF-8 text"


def _yaml_reason(err: Exception) -> str:
    """The parser's reason and position, never its snippet of the offending
    line: in a file with credentials that line may hold a password."""
    from ruamel.yaml.error import MarkedYAMLError

    if not isinstance(err, MarkedYAMLError):
        return type(err).__name__
    parts = []
    for text, mark in ((err.context, err.context_mark), (err.problem, err.problem_mark)):
        if text:
            # 'found duplicate key "password" with value "…" (original value: "…")'
            text = text.split(" with value ", 1)[0]
            where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
            parts.append(f"{text}{where}")
    return _one_line(": ".join(parts) or "invalid YAML")


def _one_line(text: str) -> str:
    return " ".join(text.split())
