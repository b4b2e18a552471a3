"""Registry Connect `imageReplacementRules`, and the rules beyond prefixes.

Semantics: normalized names are matched on component boundaries; the longest
source wins regardless of file order; `all` applies only when no source
matched and prepends to the normalized name; references already under a
prefix or `all` target are left alone so that a second run changes nothing.

Beyond prefixes, one precedence decides, the first class that matches wins:
exclusion, exact image, pattern, (already under a target), longest prefix,
`all`.  Within a class a scoped rule comes before an unscoped one; patterns
are tried in the order written.  Exact and pattern targets may lie anywhere,
so idempotence is enforced instead of assumed: a result that the rules would
rewrite again is an error naming both rules.
"""

import re
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from .reference import ImageReference, ReferenceError, is_under, parse_prefix, parse_reference
from .rule import (
    ALL,
    EXACT,
    EXCLUDE,
    PATTERN,
    PREFIX,
    explain_command,
    make_rule,
    normalized_reference,
)
from .rule import Rule as Rule  # the type every stage names; it lives beside its parsing
from .scope import Place, Scope


def _key(rule: Rule) -> tuple[str, str, Scope]:
    """Rules with the same key replace each other (the command line overrides a file)."""
    return (rule.kind if rule.kind != ALL else PREFIX, rule.source, rule.scope)


class RuleSet:
    """Validated rules, one ordered tuple per class of the precedence.

    A plain slotted class, not a NamedTuple: its `len` counts rules.
    `sources` and `all` are the seed's two forms, unscoped; `targets` are the
    prefix and `all` targets, under which an image counts as already moved, and
    `outputs` the exact rules' results, which count as moved too.
    """

    __slots__ = ("sources", "all", "targets", "exclusions", "exact", "patterns", "alls",
                 "outputs", "scoped")

    def __init__(self, sources: tuple[Rule, ...], all: Rule | None = None,
                 targets: tuple[str, ...] = (), *, exclusions: tuple[Rule, ...] = (),
                 exact: tuple[Rule, ...] = (), patterns: tuple[Rule, ...] = (),
                 alls: tuple[Rule, ...] | None = None) -> None:
        self.sources, self.all, self.targets = sources, all, targets
        self.exclusions, self.exact, self.patterns = exclusions, exact, patterns
        self.alls = alls if alls is not None else ((all,) if all is not None else ())
        # whether a decision depends on where the image is met
        self.scoped = any(r.scope for r in (*sources, *exclusions, *exact, *patterns, *self.alls))
        self.outputs = {normalized_reference(parse_reference(out)): rule for rule in exact
                        if (out := rule.rewrite(parse_reference(rule.source))) is not None}

    def __repr__(self) -> str:
        return f"RuleSet({list(self.ordered())!r})"

    @classmethod
    def from_pairs(cls, pairs: list[tuple[str, str]]) -> "RuleSet":
        """Build from (source, target) text pairs; raise ValueError naming the bad pair."""
        return cls.from_rules(make_rule(written, target) for written, target in pairs)

    @classmethod
    def from_rules(cls, rules: Iterable[Rule]) -> "RuleSet":
        """Order the rules by the precedence and check the pattern rules' examples.

        A later rule with the same kind, source and scope replaces an earlier one.
        """
        by_key: dict[tuple[str, str, Scope], Rule] = {}
        for rule in rules:
            by_key.pop(_key(rule), None)
            by_key[_key(rule)] = rule
        kept = list(by_key.values())

        def of(kind: str) -> list[Rule]:  # scoped first, then as written (stable)
            return sorted((r for r in kept if r.kind == kind), key=lambda r: not r.scope)

        prefixes = sorted(of(PREFIX), key=lambda r: len(r.source), reverse=True)
        alls = of(ALL)
        unscoped_all = next((r for r in alls if not r.scope), None)
        targets = {r.target for r in (*prefixes, *alls)}
        ruleset = cls(
            tuple(prefixes), unscoped_all, tuple(sorted(targets)),
            exclusions=tuple(of(EXCLUDE)), exact=tuple(of(EXACT)),
            patterns=tuple(of(PATTERN)), alls=tuple(alls))
        ruleset.check_examples()
        return ruleset

    def ordered(self) -> Iterator[Rule]:
        """Every rule in the order they are tried."""
        yield from self.exclusions
        yield from self.exact
        yield from self.patterns
        yield from self.sources
        yield from self.alls

    def check_examples(self) -> None:
        """Each pattern rule's examples, through the whole rule set where the
        rule applies: so an example also fails when another rule shadows the
        pattern, or when its result would not survive a second run."""
        for rule in self.patterns:
            for given, expected in rule.examples:
                problem = self._example_problem(rule, given, expected)
                if problem:
                    raise ValueError(f"{rule.label}: example {given!r}: {problem}")

    def _example_problem(self, rule: Rule, given: str, expected: str) -> str:
        assert rule.pattern is not None
        try:
            ref = parse_reference(given)
        except ReferenceError as err:
            return str(err)
        if rule.pattern.fullmatch(normalized_reference(ref)) is None:
            return f"its normalized form {normalized_reference(ref)!r} does not match the pattern"
        try:
            decision = decide_reference(ref, given, self, rule.scope.example_place())
        except (re.error, IndexError) as err:  # a group the pattern does not have
            return f"the target cannot be filled in ({err})"
        if isinstance(decision, Invalid):
            return decision.message
        got = decision.new if isinstance(decision, Rewrite) else given
        if got == expected:
            return ""
        by = f" by {decision.rule.label}" if decision.rule is not None else ""
        return f"expected {expected!r}, but the rules give {got!r}{by}"

    def holds(self, ref: ImageReference) -> bool:
        """Whether `ref` is where the rules put images: under a prefix or `all`
        target, or an exact rule's result."""
        name = ref.normalized_name
        return (any(is_under(name, t) for t in self.targets)
                or normalized_reference(ref) in self.outputs)

    @property
    def beyond_prefixes(self) -> bool:
        """Whether more than the seed's two forms decide: then `explain` helps."""
        return any(r.kind not in (PREFIX, ALL) or r.scope for r in self.ordered())

    def __bool__(self) -> bool:
        return any(True for _ in self.ordered())

    def __len__(self) -> int:
        return sum(1 for _ in self.ordered())


class Rewrite(NamedTuple):
    """The reference changes: `new` is what to write, `rule` why."""

    original: str
    new: str
    rule: Rule


class Unchanged(NamedTuple):
    """The reference stays; `reason` is for reports (`no rule`, `already under …`);
    `rule` is the exclusion (or rule giving the same reference) that decided it."""

    original: str
    reason: str
    rule: Rule | None = None


class Invalid(NamedTuple):
    """The value is not a reference (a warning), or the rewrite would not be one (an error)."""

    original: str
    message: str
    is_error: bool
    rule: Rule | None = None


Decision = Rewrite | Unchanged | Invalid


class Candidate(NamedTuple):
    """A rule whose source matches, and whether its scope lets it apply here."""

    rule: Rule
    result: str
    applies: bool


def candidates(ref: ImageReference, rules: RuleSet, place: Place | None,
               name: str | None = None) -> Iterator[Candidate]:
    """Every rule whose source matches `ref`, in the order of the precedence."""
    name = ref.normalized_name if name is None else name
    for rule in rules.ordered():
        result = rule.rewrite(ref, name)
        if result is not None:
            yield Candidate(rule, result, rule.scope.admits(place))


def decide(text: str, rules: RuleSet, place: Place | None = None) -> Decision:
    """Apply the rules to one image string met at `place`."""
    try:
        ref = parse_reference(text)
    except ReferenceError as err:
        return Invalid(text, f"not a valid image reference ({err})", is_error=False)
    return decide_reference(ref, text, rules, place)


def choose(ref: ImageReference, text: str, rules: RuleSet, place: Place | None,
           name: str | None = None) -> Decision | Candidate:
    """The winning candidate, or why nothing changes (one step, no checks)."""
    name = ref.normalized_name if name is None else name
    for candidate in candidates(ref, rules, place, name):
        if not candidate.applies:
            continue
        rule = candidate.rule
        if rule.kind == EXCLUDE:
            return Unchanged(text, f"excluded by {rule.label}", rule)
        if rule.kind in (PREFIX, ALL):
            return already_moved(ref, text, rules, name) or candidate
        return candidate
    return already_moved(ref, text, rules, name) or Unchanged(text, "no rule matched")


def already_moved(ref: ImageReference, text: str, rules: RuleSet,
                  name: str) -> Unchanged | None:
    """Under a prefix or `all` target, or an exact rule's result: a second run
    must leave it, so prefix and `all` rules do not apply to it."""
    under = next((t for t in rules.targets if is_under(name, t)), None)
    if under is not None:
        return Unchanged(text, f"already under {under}")
    exact = rules.outputs.get(name + ref.suffix) if rules.outputs else None
    if exact is not None:
        return Unchanged(text, f"already the result of {exact.label}")
    return None


def decide_reference(ref: ImageReference, text: str, rules: RuleSet,
                     place: Place | None = None) -> Decision:
    name = ref.normalized_name
    chosen = choose(ref, text, rules, place, name)
    if not isinstance(chosen, Candidate):
        return chosen
    rule, new = chosen.rule, chosen.result
    try:
        new_ref = parse_reference(new)
    except ReferenceError as err:
        hint = ""
        if rule.kind == ALL and ref.domain:
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
    new_name = new_ref.normalized_name
    if new_name + new_ref.suffix == name + ref.suffix:
        return Unchanged(text, f"{rule.label} gives the same reference", rule)
    # A prefix or `all` result is under its target, which prefix and `all` rules
    # leave alone: only exact and pattern rules can move a result again.
    again = (choose(new_ref, new, rules, place, new_name) if rules.exact or rules.patterns
             else None)
    if isinstance(again, Candidate) and not _same_image(again.result, new_ref):
        return Invalid(
            text,
            f"rule {rule.label} gives {new!r}, which rule {again.rule.label} would "
            f"rewrite again to {again.result!r}: the rules must converge (add "
            f"{_exclusion_hint(rule, new_ref)} to `exclude`, or change a rule; "
            f"`{explain_command(new, place)}` shows the rules that match it)",
            is_error=True,
            rule=rule,
        )
    return Rewrite(text, new, rule)


def _same_image(text: str, ref: ImageReference) -> bool:
    try:
        return normalized_reference(parse_reference(text)) == normalized_reference(ref)
    except ReferenceError:
        return False


def _exclusion_hint(rule: Rule, result: ImageReference) -> str:
    """What to exclude so that a result is left alone: a pattern target's
    literal prefix (up to its first group), else the result's name."""
    if rule.kind == PATTERN:
        literal = re.split(r"\\", rule.target, maxsplit=1)[0].rsplit("/", 1)[0]
        try:
            return repr(parse_prefix(literal))
        except ReferenceError:
            pass
    return repr(result.normalized_name)
