"""The one configuration loader: every file, key and flag is validated here.

The rest of the program receives a `Config` and never sees raw YAML, so a typo
in a rules file is reported once, up front, naming the file, the key and the
reason (exit 2), instead of surfacing as a silent non-match later.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from ..extract.rows import Extractor, ExtractorError, parse_rows
from ..rewrite.rules import RuleSet
from ..stages.policy import AllowList
from .credentials import CredentialError, CredentialSet, check_object_name, parse_credentials

ENV_CONFIG = "REGISTRY_REWRITE_CONFIG"
# The rules themselves (the block-string form) in the environment, for hosts
# that can set variables but not ship files (an Argo CD plugin's env).
ENV_RULES = "REGISTRY_REWRITE_RULES"
RULES_KEY = "imageReplacementRules"
PACK_PATH = ("charts", "registry-connect", "config", "registry")
EXTRACTORS_KEY = "extractors"
CREDENTIALS_KEY = "credentials"
PULL_SECRET_KEY = "pullSecret"
ALLOW_KEY = "allow"
RULES_FILE_KEYS = frozenset({RULES_KEY, EXTRACTORS_KEY, CREDENTIALS_KEY, PULL_SECRET_KEY,
                             ALLOW_KEY})


class ConfigError(Exception):
    """A usage error in the configuration: the message names file, key and reason."""


class NoRulesError(ConfigError):
    """No source gave any rule: a separate type because a KRM ResourceList on
    stdin may still bring them in its functionConfig."""


class Config(NamedTuple):
    """Everything a run needs, validated."""

    rules: RuleSet
    extractors: tuple[Extractor, ...] = ()
    credentials: CredentialSet = CredentialSet()
    pull_secret: str | None = None  # an existing Secret to name in imagePullSecrets
    allow: AllowList = AllowList()
    warnings: tuple[str, ...] = ()  # reported once, before any document


class RegistrySettings(NamedTuple):
    """The keys beside the rules: credentials, pullSecret, allow."""

    credentials: CredentialSet = CredentialSet()
    pull_secret: str | None = None
    allow: AllowList = AllowList()


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


def rules_from_value(value: Any, origin: str) -> list[tuple[str, str]]:
    """Read `imageReplacementRules` given as a mapping or as a block string of
    mapping lines (the form the Registry Connect pack documents)."""
    if isinstance(value, str):
        if not value.strip():
            return []
        value = load_yaml_text(value, f"{origin} (block string)")
    if value is None:
        return []
    if not isinstance(value, Mapping):
        raise ConfigError(
            f"{origin}: must be a mapping of source prefix to target, or a block string of "
            f'such lines ("all": "registry.example.com/mirror"), not {_type_name(value)}'
        )
    pairs: list[tuple[str, str]] = []
    for source, target in value.items():
        if not isinstance(source, str) or not isinstance(target, str):
            raise ConfigError(
                f"{origin}: rule {source!r}: source and target must both be strings"
            )
        pairs.append((source, target))
    return pairs


def rules_from_document(doc: Any, origin: str) -> list[tuple[str, str]]:
    """Find the rules in a rules file or in a Palette pack values file."""
    if not isinstance(doc, Mapping):
        raise ConfigError(
            f"{origin}: expected a mapping with an `{RULES_KEY}` key, got {_type_name(doc)}"
        )
    pack = _pack_section(doc)
    if pack is not None:
        return rules_from_value(pack[RULES_KEY], f"{origin}: {'.'.join(PACK_PATH)}.{RULES_KEY}")
    if "charts" in doc and RULES_KEY not in doc:
        raise ConfigError(
            f"{origin}: a pack values file must hold {'.'.join(PACK_PATH)}.{RULES_KEY}"
        )
    unknown = sorted(str(k) for k in doc if k not in RULES_FILE_KEYS)
    if unknown:
        raise ConfigError(
            f"{origin}: unknown key {unknown[0]!r} (a rules file holds: "
            f"{', '.join(sorted(RULES_FILE_KEYS))})"
        )
    if RULES_KEY not in doc:
        raise ConfigError(f"{origin}: no `{RULES_KEY}` key")
    return rules_from_value(doc[RULES_KEY], f"{origin}: {RULES_KEY}")


def extractors_from_document(doc: Any, origin: str) -> tuple[Extractor, ...]:
    """User extractor rows (same format as the built-in table), compiled now so
    that a bad jsonpath is a usage error naming the entry, not a runtime surprise."""
    if not isinstance(doc, Mapping) or doc.get(EXTRACTORS_KEY) is None:
        return ()
    try:
        return tuple(parse_rows(doc[EXTRACTORS_KEY], f"{origin}: {EXTRACTORS_KEY}",
                                validate=True))
    except ExtractorError as err:
        raise ConfigError(str(err)) from None


def _pack_section(doc: Any) -> Mapping[str, Any] | None:
    """The pack's `registry` mapping when `doc` is a pack values file holding the rules."""
    pack: Any = doc
    for key in PACK_PATH:
        pack = pack.get(key) if isinstance(pack, Mapping) else None
    return pack if isinstance(pack, Mapping) and RULES_KEY in pack else None


def _registry_section(doc: Any, origin: str) -> tuple[Mapping[str, Any] | None, str]:
    """Where the keys beside the rules live, and how to name them in messages:
    the pack's `registry` mapping in a pack values file, else the rules file."""
    pack = _pack_section(doc)
    if pack is not None:
        return pack, f"{origin}: {'.'.join(PACK_PATH)}."
    return (doc if isinstance(doc, Mapping) else None), f"{origin}: "


def _allow_values(value: Any, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{what}: must be a registry/repository prefix or a list of them")
    return tuple(value)


def settings_from_document(
    doc: Any, origin: str, environ: Mapping[str, str], *, resolve_credentials: bool = True
) -> RegistrySettings:
    """`credentials`, `pullSecret` and `allow`, validated; with
    `resolve_credentials`, every usernameRef/passwordRef is read now, so that a
    missing variable or file is a usage error before any manifest is read."""
    section, where = _registry_section(doc, origin)
    if section is None:
        return RegistrySettings()
    try:
        credentials = parse_credentials(
            section.get(CREDENTIALS_KEY), f"{where}{CREDENTIALS_KEY}", environ=environ,
            base_dir=Path(origin).parent, resolve=resolve_credentials)
        pull_secret = section.get(PULL_SECRET_KEY)
        if pull_secret is not None:
            check_object_name(pull_secret, f"{where}{PULL_SECRET_KEY}")
    except CredentialError as err:
        raise ConfigError(str(err)) from None
    if pull_secret is not None and credentials.credentials:
        raise ConfigError(
            f"{where}{PULL_SECRET_KEY}: give `{PULL_SECRET_KEY}` (an existing Secret) or "
            f"`{CREDENTIALS_KEY}` (a generated one), not both")
    if pull_secret is not None:  # the pack's placeholder credentials are irrelevant then
        credentials = CredentialSet()
    allow_where = f"{where}{ALLOW_KEY}"
    allow = _parse_allow(_allow_values(section.get(ALLOW_KEY), allow_where), allow_where)
    return RegistrySettings(credentials, pull_secret, allow)


def _parse_allow(values: Sequence[str], origin: str) -> AllowList:
    try:
        return AllowList.parse(values)
    except ValueError as err:
        raise ConfigError(f"{origin}: {err}") from None


def load_config_file(path: str) -> Any:
    """The parsed YAML of a rules or pack values file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: cannot read configuration: {_os_reason(err)}") from None
    return load_yaml_text(text, path)


def parse_rule_flag(text: str) -> tuple[str, str]:
    source, sep, target = text.partition("=")
    if not sep or not source.strip() or not target.strip():
        raise ConfigError(f"--rule {text!r}: expected SOURCE=TARGET")
    return source.strip(), target.strip()


def build_config(
    config_path: str | None,
    rule_flags: Sequence[str] = (),
    all_prefix: str | None = None,
    environ: Mapping[str, str] = os.environ,
    layers: Sequence[tuple[str, Sequence[tuple[str, str]]]] = (),
    allow_flags: Sequence[str] = (),
    resolve_credentials: bool = True,
) -> Config:
    """Merge file, environment and flags (flags win) and validate the result.

    Order, later winning per rule source: the file (-c or $REGISTRY_REWRITE_CONFIG),
    $REGISTRY_REWRITE_RULES, then `layers` as (origin, pairs) — a KRM
    functionConfig or legacy plugin config object — then --rule/--all.  The
    environment text and each layer are validated on their own first, so that
    a bad rule is reported with the place it came from.
    """
    path = config_path or environ.get(ENV_CONFIG) or None
    pairs: list[tuple[str, str]] = []
    extractors: tuple[Extractor, ...] = ()
    settings = RegistrySettings()
    if path:
        doc = load_config_file(path)
        pairs, extractors = rules_from_document(doc, path), extractors_from_document(doc, path)
        settings = settings_from_document(doc, path, environ,
                                          resolve_credentials=resolve_credentials)
    flag_allow = _parse_allow(allow_flags, "--allow")
    env_rules = environ.get(ENV_RULES, "")
    named = [(f"${ENV_RULES}", rules_from_value(env_rules, f"${ENV_RULES}"))] if env_rules else []
    for layer_origin, layer_pairs in [*named, *layers]:
        try:
            RuleSet.from_pairs(list(layer_pairs))
        except ValueError as err:
            raise ConfigError(f"{layer_origin}: {RULES_KEY}: {err}") from None
        pairs += layer_pairs
    pairs += [parse_rule_flag(flag) for flag in rule_flags]
    if all_prefix is not None:
        pairs.append(("all", all_prefix))
    origin = path or "<command line>"
    if not pairs:
        where = f"{path} has no rules" if path else (
            f"no rules given: use -c RULES.yaml, --rule SRC=DST, --all PREFIX, "
            f"or set {ENV_CONFIG} or {ENV_RULES}"
        )
        raise NoRulesError(where)
    try:
        rules = RuleSet.from_pairs(pairs)
    except ValueError as err:
        raise ConfigError(f"{origin}: {RULES_KEY}: {err}") from None
    return Config(rules=rules, extractors=extractors,
                  credentials=settings.credentials, pull_secret=settings.pull_secret,
                  allow=settings.allow + flag_allow,
                  warnings=settings.credentials.warnings)


def _type_name(value: Any) -> str:
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
