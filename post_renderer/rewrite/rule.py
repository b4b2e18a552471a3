"""One rule: its kind in the precedence, how its source matches, its scope.

A rule is built from what a user wrote (a key of `imageReplacementRules`, a
`--rule`, an entry of `exclude` or `rules`) and normalized once, so that
matching compares normalized references and nothing else.
"""

import re
from typing import NamedTuple

from .reference import (
    ImageReference,
    ReferenceError,
    is_under,
    normalize_name,
    parse_prefix,
    parse_reference,
)
from .scope import EVERYWHERE, Place, Scope

# The kinds of rule, named so in reports, `explain` and the docs; their
# precedence, first to last: exclude, exact, pattern, prefix, all.
ALL = "all"
EXCLUDE, EXACT, PATTERN, PREFIX = "exclude", "exact", "pattern", "prefix"


def explain_command(image: str, place: Place | None) -> str:
    """The `explain` command line that shows how the rules see `image` there."""
    import shlex

    words = ["registry-rewrite", "explain", shlex.quote(image)]
    if place is not None and place.namespace:
        words += ["--namespace", shlex.quote(place.namespace)]
    if place is not None and place.kind:
        words += ["--kind", shlex.quote(f"{place.group}/{place.kind}" if place.group
                                        else place.kind)]
    return " ".join(words)


class Rule(NamedTuple):
    """One rule.  `kind` is its class in the precedence; `match` how its source
    matches (an exclusion matches like a prefix, an exact image or a pattern).
    `source` is a normalized prefix, `all`, a normalized reference (exact), or
    the regular expression (pattern); an exclusion has no target."""

    source: str
    target: str
    written: str  # the source as the user wrote it, for messages and reports
    kind: str = PREFIX
    scope: Scope = EVERYWHERE
    pattern: re.Pattern[str] | None = None
    examples: tuple[tuple[str, str], ...] = ()
    match: str = PREFIX

    @property
    def label(self) -> str:
        if self.kind == EXCLUDE:
            text = f'exclude {"pattern " if self.match == PATTERN else ""}"{self.written}"'
        elif self.kind == PATTERN:
            text = f'pattern "{self.written}": "{self.target}"'
        else:
            text = f'"{self.written}": "{self.target}"'
        return f"{text} (in {self.scope.describe()})" if self.scope else text

    @property
    def name(self) -> str:
        """The rule by its source alone, with its kind and scope where they tell
        two rules apart (for lists of rules)."""
        text = f'"{self.written}"'
        if self.kind in (EXCLUDE, PATTERN):
            text = f"{self.kind} {text}"
        return f"{text} (in {self.scope.describe()})" if self.scope else text

    def rewrite(self, ref: ImageReference, name: str | None = None) -> str | None:
        """What this rule makes of `ref` (the reference itself for an
        exclusion), or None when its source does not match.  `name` is
        `ref.normalized_name` when the caller has it already."""
        name = ref.normalized_name if name is None else name
        if self.match == PATTERN:
            assert self.pattern is not None
            found = self.pattern.fullmatch(name + ref.suffix)
            if found is None:
                return None
            return str(ref) if self.kind == EXCLUDE else found.expand(self.target)
        if self.match == ALL:
            return f"{self.target}/{name}{ref.suffix}"
        if self.match == EXACT:
            if name + ref.suffix != self.source:
                return None
            if self.kind == EXCLUDE:
                return str(ref)
            target = parse_reference(self.target)
            return self.target if target.tag or target.digest else self.target + ref.suffix
        if not is_under(name, self.source):
            return None
        if self.kind == EXCLUDE:
            return str(ref)
        return self.target + name[len(self.source):] + ref.suffix


def normalized_reference(ref: ImageReference) -> str:
    """What exact keys and patterns are matched against."""
    return ref.normalized_name + ref.suffix


def parse_source(written: str) -> tuple[str, str]:
    """(normalized source, kind) of a rule key: a prefix, or an image with a
    tag or digest (an exact rule).  Raise ReferenceError with the prefix's reason."""
    try:
        return parse_prefix(written), PREFIX
    except ReferenceError as prefix_error:
        try:
            ref = parse_reference(written.strip())
        except ReferenceError:
            raise prefix_error from None
        if not (ref.tag or ref.digest):
            raise prefix_error from None
        return normalized_reference(ref), EXACT


def parse_image_target(target: str) -> str:
    """An exact rule's target: a whole image name, maybe with tag or digest, normalized."""
    ref = parse_reference(target.strip())
    return normalize_name(ref.domain, ref.path, official_namespace=True) + ref.suffix


def make_rule(written: str, target: str, scope: Scope = EVERYWHERE) -> Rule:
    """A rule from one key and target of `imageReplacementRules` (or --rule);
    raise ValueError naming the bad side."""
    if written.strip() == ALL:
        kind, source = ALL, ALL
    else:
        try:
            source, kind = parse_source(written)
        except ReferenceError as err:
            raise ValueError(f'source "{written}": {err}') from None
    try:
        normalized = parse_image_target(target) if kind == EXACT else parse_prefix(target)
    except ReferenceError as err:
        hint = ""
        if kind == PREFIX and "/" not in written.strip() and ":" in written:
            hint = (f'; "{written}" reads as a registry host:port: for one image write '
                    f'its repository too, e.g. "docker.io/library/{written.strip()}"')
        raise ValueError(f'target "{target}" of "{written}": {err}{hint}') from None
    return Rule(source, normalized, ALL if kind == ALL else written, kind, scope, match=kind)
