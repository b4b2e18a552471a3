"""The keys beside `imageReplacementRules` that say what prefixes cannot:
`exclude` (never rewrite these) and `rules` (scoped, exact and pattern rules).

    exclude:
      - registry.k8s.io/pause                  # a prefix, matched like a rule source
      - docker.io/library/busybox:1.36         # one exact image
      - pattern: 'quay\\.io/.*-debug:.*'        # a regular expression
      - {source: gcr.io, namespaces: [kube-system]}
    rules:
      - {source: gcr.io, target: mirror.example.com/team-a, namespaces: [team-a]}
      - source: docker.io/library/nginx:1.25   # exact: a tag or digest
        target: mirror.example.com/patched/nginx:1.25-p1
        kinds: [apps/Deployment]
      - pattern: 'docker\\.io/bitnami/(.*)'
        target: 'mirror.example.com/bitnami/\\1'
        examples: {"bitnami/kafka:4.0": "mirror.example.com/bitnami/kafka:4.0"}

Each entry becomes a validated `Rule`; messages name the entry by its index.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..rewrite.reference import ReferenceError
from ..rewrite.rule import ALL, EXCLUDE, PATTERN, Rule, make_rule, parse_source
from ..rewrite.scope import Scope, make_scope
from .schema import EXCLUDE_ENTRY, RULE_ENTRY, Keys

EXCLUDE_KEY = "exclude"
ENTRIES_KEY = "rules"
_NAMESPACE = r"[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?"  # compiled at its first use


class EntryError(ValueError):
    """A malformed entry; the message names the entry and the reason."""


def pairs_to_rules(pairs: list[tuple[str, str]], origin: str) -> list[Rule]:
    """`imageReplacementRules` pairs as rules; raise EntryError naming the origin."""
    try:
        return [make_rule(source, target) for source, target in pairs]
    except ValueError as err:
        raise EntryError(f"{origin}: {err}") from None


def rules_in_section(section: Mapping[str, Any], where: str) -> list[Rule]:
    """The `exclude` and `rules` entries of a rules file, pack section or
    functionConfig (`where` ends with the separator before the key)."""
    return [*exclusions_from_value(section.get(EXCLUDE_KEY), f"{where}{EXCLUDE_KEY}"),
            *entries_from_value(section.get(ENTRIES_KEY), f"{where}{ENTRIES_KEY}")]


def exclusions_from_value(value: Any, origin: str) -> list[Rule]:
    exclusions = []
    for i, entry in enumerate(_as_list(value, origin)):
        what = f"{origin}[{i}]"
        if isinstance(entry, str):
            entry = {"source": entry}
        fields = _fields(entry, EXCLUDE_ENTRY, what)
        scope = _scope(fields, what)
        if "pattern" in fields:
            text = _text(fields, "pattern", what)
            exclusions.append(Rule(text, "", text, EXCLUDE, scope, _compile(text, what),
                                   match=PATTERN))
            continue
        written = _text(fields, "source", what)
        if written.strip() == ALL:
            raise EntryError(f"{what}: `all` cannot be excluded (it is not an image)")
        try:
            source, match = parse_source(written)
        except ReferenceError as err:
            raise EntryError(f"{what}: {written!r}: {err}") from None
        exclusions.append(Rule(source, "", written, EXCLUDE, scope, match=match))
    return exclusions


def entries_from_value(value: Any, origin: str) -> list[Rule]:
    rules = []
    for i, entry in enumerate(_as_list(value, origin)):
        what = f"{origin}[{i}]"
        fields = _fields(entry, RULE_ENTRY, what)
        scope = _scope(fields, what)
        target = _text(fields, "target", what)
        if "pattern" in fields:
            text = _text(fields, "pattern", what)
            rules.append(Rule(text, target, text, PATTERN, scope, _compile(text, what),
                              _examples(fields.get("examples"), what), match=PATTERN))
            continue
        if "examples" in fields:
            raise EntryError(f"{what}: `examples` belong to a pattern rule")
        try:
            rules.append(make_rule(_text(fields, "source", what), target, scope))
        except ValueError as err:
            raise EntryError(f"{what}: {err}") from None
    return rules


def _as_list(value: Any, origin: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (str, Mapping)):
        return [value]
    if not isinstance(value, list):
        raise EntryError(f"{origin}: must be a list of entries")
    return value


def _fields(entry: Any, allowed: Keys, what: str) -> Mapping[str, Any]:
    if not isinstance(entry, Mapping):
        raise EntryError(f"{what}: must be a mapping (keys: {', '.join(sorted(allowed))})")
    problem = allowed.unknown(entry, what)
    if problem:
        raise EntryError(problem)
    if ("source" in entry) == ("pattern" in entry):
        raise EntryError(f"{what}: give exactly one of `source` and `pattern`")
    return entry


def _text(fields: Mapping[str, Any], key: str, what: str) -> str:
    value = fields.get(key)
    if not isinstance(value, str) or not value.strip():
        raise EntryError(f"{what}: `{key}` must be a non-empty string")
    return value


def _strings(value: Any, what: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(
            isinstance(v, str) and v.strip() for v in value):
        raise EntryError(f"{what}: must be a non-empty string or list of strings")
    return value


def _scope(fields: Mapping[str, Any], what: str) -> Scope:
    namespaces = _strings(fields["namespaces"], f"{what}.namespaces") \
        if "namespaces" in fields else []
    kinds = _strings(fields["kinds"], f"{what}.kinds") if "kinds" in fields else []
    for namespace in namespaces:
        if not re.fullmatch(_NAMESPACE, namespace.strip()):
            raise EntryError(f"{what}.namespaces: {namespace!r} is not a namespace name")
    try:
        return make_scope(namespaces, kinds)
    except ValueError as err:
        raise EntryError(f"{what}.kinds: {err}") from None


def _compile(text: str, what: str) -> re.Pattern[str]:
    try:
        return re.compile(text)
    except re.error as err:
        raise EntryError(f"{what}: pattern {text!r}: {err}") from None


def _examples(value: Any, what: str) -> tuple[tuple[str, str], ...]:
    """Required: a pattern is checked on what its author meant it to do."""
    if not isinstance(value, Mapping) or not value or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise EntryError(f"{what}: a pattern rule needs `examples`, a mapping of image "
                         "to expected result (at least one)")
    return tuple(value.items())
