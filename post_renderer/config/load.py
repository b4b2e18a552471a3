"""The one configuration loader: every file, key and flag is validated here.

The rest of the program receives a `Config` and never sees raw YAML, so a typo
in a rules file is reported once, up front, naming the file, the key and the
reason (exit 2), instead of surfacing as a silent non-match later.
"""

import os
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from ..extract.rows import Extractor, ExtractorError, parse_rows
from ..rewrite.rule import Rule
from ..rewrite.rules import RuleSet
from .allow import AllowList
from .content import ContentError, ContentSettings, content_from_document
from .credentials import CredentialSet
from .rule_entries import ENTRIES_KEY, EXCLUDE_KEY, EntryError, pairs_to_rules, rules_in_section
from .schema import RULES_FILE, missing_path
from .settings import (
    RegistrySettings,
    narrowing_allow,
    parse_allow,
    settings_from_section,
)
from .text import (
    ConfigError,
    NoRulesError,
    YAMLTextError,
    block_start,
    load_config_file,
    load_yaml_text,
    type_name,
)

ENV_CONFIG = "REGISTRY_REWRITE_CONFIG"
# The rules themselves (the block-string form) in the environment, for hosts
# that can set variables but not ship files (an Argo CD plugin's env).
ENV_RULES = "REGISTRY_REWRITE_RULES"
# A tenant's rules (config/tenant.py), set by the Argo CD plugin script only.
ENV_TENANT_RULES = "REGISTRY_REWRITE_TENANT_RULES"
RULES_KEY = "imageReplacementRules"
PACK_PATH = ("charts", "registry-connect", "config", "registry")
EXTRACTORS_KEY = "extractors"


class Config(NamedTuple):
    """Everything a run needs, validated."""

    rules: RuleSet
    extractors: tuple[Extractor, ...] = ()
    credentials: CredentialSet = CredentialSet()
    pull_secret: str | None = None  # an existing Secret to name in imagePullSecrets
    allow: AllowList = AllowList()
    warnings: tuple[str, ...] = ()  # reported once, before any document
    content: ContentSettings = ContentSettings()  # sync, extra images, registry connections


class Layer(NamedTuple):
    """Rules (and, in `section`, registry settings) from one more source: a
    KRM functionConfig or a legacy plugin config object.  `where` prefixes
    the key paths in messages.  An untrusted layer (see `trust`) carries an
    allow-list only, which narrows the gate instead of adding to it."""

    origin: str
    pairs: list[tuple[str, str]]
    section: Mapping[str, Any] | None = None
    where: str = ""
    trusted: bool = True


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
            f'such lines ("all": "registry.example.com/mirror"), not {type_name(value)}'
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
            f"{origin}: expected a mapping with an `{RULES_KEY}` key, got {type_name(doc)}"
        )
    pack = _pack_section(doc)
    if pack is not None:
        return _rules_in_file(pack[RULES_KEY], origin, [*PACK_PATH, RULES_KEY])
    if "charts" in doc and RULES_KEY not in doc:
        raise ConfigError(
            f"{origin}: a pack values file must hold {'.'.join(PACK_PATH)}.{RULES_KEY}; "
            f"{missing_path(doc, [*PACK_PATH, RULES_KEY])}"
        )
    problem = RULES_FILE.unknown(doc, origin)
    if problem:
        raise ConfigError(problem)
    if RULES_KEY not in doc and ENTRIES_KEY not in doc:
        raise ConfigError(f"{origin}: no `{RULES_KEY}` key")
    return _rules_in_file(doc.get(RULES_KEY), origin, [RULES_KEY])


def entries_from_section(section: Mapping[str, Any] | None, where: str) -> list[Rule]:
    """The `exclude` and `rules` entries beside the rules, as validated rules."""
    if section is None:
        return []
    try:
        return rules_in_section(section, where)
    except EntryError as err:
        raise ConfigError(str(err)) from None


def env_layer(text: str) -> Layer:
    """$REGISTRY_REWRITE_RULES: the block string of rule lines, or a mapping
    holding `imageReplacementRules`, `exclude` and `rules` (told apart by that
    key, which is no valid source, or by an `exclude` or `rules` value that is
    not a string: a rule line's target is one)."""
    origin = f"${ENV_RULES}"
    doc = load_yaml_text(text, f"{origin} (block string)") if text.strip() else None
    keys = (RULES_KEY, EXCLUDE_KEY, ENTRIES_KEY)
    if isinstance(doc, Mapping) and (RULES_KEY in doc or any(
            key in doc and not isinstance(doc[key], str) for key in keys)):
        unknown = sorted(str(k) for k in doc if k not in keys)
        if unknown:
            raise ConfigError(f"{origin}: unknown key {unknown[0]!r} (it holds: "
                              f"{', '.join(keys)})")
        return Layer(origin, rules_from_value(doc.get(RULES_KEY), f"{origin}: {RULES_KEY}"),
                     {k: v for k, v in doc.items() if k != RULES_KEY}, f"{origin}: ")
    return Layer(origin, rules_from_value(text, origin))


def _rules_in_file(value: Any, path: str, keys: Sequence[str]) -> list[tuple[str, str]]:
    """rules_from_value, with a YAML error in a block string placed on the
    file's lines: "line 2 of the block" helps nobody find it."""
    where = f"{path}: {'.'.join(keys)}"
    try:
        return rules_from_value(value, where)
    except YAMLTextError as err:
        start = block_start(path, keys) if isinstance(value, str) else None
        if start is None:
            raise
        raise YAMLTextError(f"{where} (block string)", err.problems, *start) from None


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


def settings_from_document(
    doc: Any, origin: str, environ: Mapping[str, str], *, resolve_credentials: bool = True
) -> RegistrySettings:
    """`credentials`, `pullSecret` and `allow`, validated; with
    `resolve_credentials`, every usernameRef/passwordRef is read now, so that a
    missing variable or file is a usage error before any manifest is read."""
    section, where = _registry_section(doc, origin)
    return settings_from_section(section, where, os.path.dirname(origin), environ,
                                 resolve_credentials=resolve_credentials)


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
    layers: Sequence[Layer] = (),
    allow_flags: Sequence[str] = (),
    resolve_credentials: bool = True,
) -> Config:
    """Merge file, environment and flags (flags win) and validate the result.

    Order, later winning per rule (kind, source and scope): the file (-c or
    $REGISTRY_REWRITE_CONFIG), $REGISTRY_REWRITE_RULES, then `layers` — a KRM
    functionConfig or legacy plugin config object — then --rule/--all; last,
    $REGISTRY_REWRITE_TENANT_RULES, which may only add (config/tenant.py).  Each
    source is validated as it is read, so that a bad rule is reported with the
    place it came from; pattern examples are checked last, against the merged
    rules that will run.
    """
    path = config_path or environ.get(ENV_CONFIG) or None
    pairs: list[tuple[str, str]] = []  # the administrator's rule lines (the tenant check)
    rules: list[Rule] = []
    extractors: tuple[Extractor, ...] = ()
    settings = RegistrySettings()
    content = ContentSettings()
    if path:
        doc = load_config_file(path)
        pairs = rules_from_document(doc, path)
        rules = _to_rules(pairs, f"{path}: {RULES_KEY}")
        rules += entries_from_section(*_registry_section(doc, path))
        extractors = extractors_from_document(doc, path)
        settings = settings_from_document(doc, path, environ,
                                          resolve_credentials=resolve_credentials)
        content = _content_settings(doc, path)
    flag_allow = parse_allow(allow_flags, "--allow")
    env_rules = environ.get(ENV_RULES, "")
    named = [env_layer(env_rules)] if env_rules else []
    narrower = AllowList()
    for layer in (layer for layer in layers if not layer.trusted):
        narrower = narrower.narrowed(narrowing_allow(layer.section, layer.where, layer.pairs))
    for layer in [*named, *(layer for layer in layers if layer.trusted)]:
        rules += _to_rules(list(layer.pairs), f"{layer.origin}: {RULES_KEY}")
        rules += entries_from_section(layer.section, layer.where)
        pairs += layer.pairs
        if layer.section is not None:
            settings += settings_from_section(layer.section, layer.where, "", environ,
                                              resolve_credentials=resolve_credentials)
            # Honoured like a rules file's: a layer's extractors must not be
            # dropped (an object's section refuses the key in its schema).
            extractors += extractors_from_document(layer.section, layer.where.rstrip(": ."))
    origin = path or "<command line>"
    flag_pairs = [parse_rule_flag(flag) for flag in rule_flags]
    if all_prefix is not None:
        flag_pairs.append(("all", all_prefix))
    pairs += flag_pairs
    rules += _to_rules(flag_pairs, f"{origin}: {RULES_KEY}")
    rules += _to_rules(_tenant_pairs(pairs, environ), f"{origin}: {RULES_KEY}")
    if not rules:
        where = f"{path} has no rules" if path else (
            f"no rules given: use -c RULES.yaml, --rule SRC=DST, --all PREFIX, "
            f"or set {ENV_CONFIG} or {ENV_RULES}"
        )
        raise NoRulesError(where)
    try:
        ruleset = RuleSet.from_rules(rules)
    except ValueError as err:
        raise ConfigError(f"{origin}: {err}") from None
    return Config(rules=ruleset, extractors=extractors,
                  credentials=settings.credentials, pull_secret=settings.pull_secret,
                  allow=(settings.allow + flag_allow).narrowed(narrower),
                  warnings=settings.credentials.warnings, content=content)


def _content_settings(doc: Any, origin: str) -> ContentSettings:
    section, where = _registry_section(doc, origin)
    try:
        return content_from_document(doc, origin, section, where,
                                     is_pack=_pack_section(doc) is not None)
    except ContentError as err:
        raise ConfigError(str(err)) from None


def _tenant_pairs(
    admin_pairs: Sequence[tuple[str, str]], environ: Mapping[str, str]
) -> list[tuple[str, str]]:
    """Rules from $REGISTRY_REWRITE_TENANT_RULES, refused unless they only add."""
    text = environ.get(ENV_TENANT_RULES, "")
    if not text.strip():
        return []  # the checks below have nothing to refuse
    from .tenant import check_tenant_rules

    origin = f"${ENV_TENANT_RULES}"
    tenant = rules_from_value(text, origin)
    reserved = [source for source, _ in tenant if source.strip() in RULES_FILE]
    if reserved:
        raise ConfigError(f"{origin}: {reserved[0]!r} is not a rule: the keys beside the "
                          f"rules ({', '.join(sorted(set(RULES_FILE) - {RULES_KEY}))}) come "
                          "from the administrator only")
    try:
        reason = check_tenant_rules(admin_pairs, tenant) if tenant else None
    except ValueError as err:
        raise ConfigError(f"{origin}: {RULES_KEY}: {err}") from None
    if reason:
        raise ConfigError(f"{origin}: {reason}; the administrator's rules stay authoritative")
    return tenant


def _to_rules(pairs: list[tuple[str, str]], origin: str) -> list[Rule]:
    try:
        return pairs_to_rules(pairs, origin)
    except EntryError as err:
        raise ConfigError(str(err)) from None
