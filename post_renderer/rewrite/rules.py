"""Registry Connect `imageReplacementRules`: which new reference an image gets.

Semantics (issue #2): normalized names are matched on component boundaries;
the longest source wins regardless of file order; `all` applies only when no
source matched and prepends to the normalized name; references already under
a target are left alone so that a second run changes nothing.
"""

from __future__ import annotations

from typing import NamedTuple

from .reference import (
    ImageReference,
    ReferenceError,
    is_under,
    parse_prefix,
    parse_reference,
)

ALL = "all"


class Rule(NamedTuple):
    """One line of the rules: `source` is a normalized prefix or `all`."""

    source: str
    target: str
    written: str  # the source as the user wrote it, for messages and reports

    @property
    def label(self) -> str:
        return f'"{self.written}": "{self.target}"'


class RuleSet:
    """Validated rules, sorted so that the first matching source is the longest.

    A plain slotted class, not a NamedTuple: its `len` counts rules.
    """

    __slots__ = ("sources", "all", "targets")

    def __init__(self, sources: tuple[Rule, ...], all: Rule | None = None,
                 targets: tuple[str, ...] = ()) -> None:
        self.sources, self.all, self.targets = sources, all, targets

    def __repr__(self) -> str:
        return f"RuleSet({self.sources!r}, {self.all!r}, {self.targets!r})"

    @classmethod
    def from_pairs(cls, pairs: list[tuple[str, str]]) -> RuleSet:
        """Build from (source, target) text pairs; raise ValueError naming the bad pair.

        A later duplicate of the same normalized source replaces an earlier one,
        which is how the command line overrides a file.
        """
        by_source: dict[str, Rule] = {}
        all_rule: Rule | None = None
        for written, target in pairs:
            try:
                normalized_target = parse_prefix(target)
            except ReferenceError as err:
                raise ValueError(f'target "{target}" of "{written}": {err}') from None
            if written.strip() == ALL:
                all_rule = Rule(ALL, normalized_target, ALL)
                continue
            try:
                source = parse_prefix(written)
            except ReferenceError as err:
                raise ValueError(f'source "{written}": {err}') from None
            by_source[source] = Rule(source, normalized_target, written)
        ordered = tuple(sorted(by_source.values(), key=lambda r: len(r.source), reverse=True))
        targets = {r.target for r in ordered}
        if all_rule is not None:
            targets.add(all_rule.target)
        return cls(ordered, all_rule, tuple(sorted(targets)))

    def __bool__(self) -> bool:
        return bool(self.sources) or self.all is not None

    def __len__(self) -> int:
        return len(self.sources) + (self.all is not None)


class Rewrite(NamedTuple):
    """The reference changes: `new` is what to write, `rule` why."""

    original: str
    new: str
    rule: Rule


class Unchanged(NamedTuple):
    """The reference stays; `reason` is for reports (`no rule`, `already under …`)."""

    original: str
    reason: str


class Invalid(NamedTuple):
    """The value is not a reference (a warning), or the rewrite would not be one (an error)."""

    original: str
    message: str
    is_error: bool
    rule: Rule | None = None


Decision = Rewrite | Unchanged | Invalid


def decide(text: str, rules: RuleSet) -> Decision:
    """Apply the rules to one image string."""
    try:
        ref = parse_reference(text)
    except ReferenceError as err:
        return Invalid(text, f"not a valid image reference ({err})", is_error=False)
    return decide_reference(ref, text, rules)


def decide_reference(ref: ImageReference, text: str, rules: RuleSet) -> Decision:
    name = ref.normalized_name
    for target in rules.targets:
        if is_under(name, target):
            return Unchanged(text, f"already under {target}")
    rule = next((r for r in rules.sources if is_under(name, r.source)), None)
    if rule is not None:
        new_name = rule.target + name[len(rule.source):]
    elif rules.all is not None:
        rule = rules.all
        new_name = f"{rule.target}/{name}"
    else:
        return Unchanged(text, "no rule matched")
    new = new_name + ref.suffix
    try:
        parse_reference(new)
    except ReferenceError as err:
        hint = ""
        if rule.source == ALL and ref.domain:
            hint = (
                f'; add a source rule for that registry, e.g. "{ref.domain}": '
                f'"{rule.target}"'
            )
        return Invalid(
            text,
            f"rule {rule.label} would produce {new!r}, which is not a valid reference "
            f"({err}){hint}",
            is_error=True,
            rule=rule,
        )
    return Rewrite(text, new, rule)
