"""Why an image gets the reference it gets: every rule that matched, the one
that won and the step of the precedence that made it win.

A rule set with exclusions, exact, scoped and pattern rules is more than a
reader can run in their head; this text is what they would otherwise work out
by hand (and what the rewrite errors point them to).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from .reference import ReferenceError, parse_reference
from .rule import ALL, EXACT, EXCLUDE, PATTERN, Rule, normalized_reference
from .rules import (
    Invalid,
    Rewrite,
    RuleSet,
    Unchanged,
    candidates,
    choose,
    decide_reference,
)
from .scope import Place

# Why the winner won: the step of the precedence, first to last.
_WHY = {
    EXCLUDE: "an exclusion is checked before any rule",
    EXACT: "an exact image rule comes before pattern, prefix and `all` rules",
    PATTERN: "a pattern rule comes before prefix and `all` rules; patterns are tried "
             "in the order written",
    ALL: "no exclusion, exact, pattern or prefix rule applies here",
}


def _why(rule: Rule, rivals: list[Rule]) -> str:
    if rule.kind == "prefix":
        why = (f"the longest matching prefix ({len(rule.source)} characters) wins; "
               "prefix rules come before `all`")
    else:
        why = _WHY[rule.kind]
    if rule.scope and any(r.kind == rule.kind and not r.scope for r in rivals):
        why += "; a scoped rule comes before an unscoped one of its kind"
    return why


def explain(text: str, rules: RuleSet, place: Place,
            allowed: Callable[[str], bool] | None) -> tuple[list[str], bool]:
    """The lines that explain one image, and whether it ends up acceptable
    (rewritten or left alone without error, and allowed when there is a list)."""
    lines = [text]
    try:
        ref = parse_reference(text)
    except ReferenceError as err:
        return [*lines, f"  not a valid image reference: {err}"], False
    lines.append(f"  normalized: {normalized_reference(ref)}")
    lines.append(f"  at:         {place.describe()}")
    matched = list(candidates(ref, rules, place))
    decision = decide_reference(ref, text, rules, place)
    winner = decision.rule if not isinstance(decision, Unchanged) or decision.rule else None
    lines.append("  matched:" if matched else "  matched:    no rule")
    for candidate in matched:
        mark = "  <- decides" if candidate.rule == winner else (
            "" if candidate.applies else "  (not here: out of its scope)")
        rule = candidate.rule
        label = rule.label.removeprefix("exclude ")
        result = "" if rule.kind == EXCLUDE else f" -> {candidate.result}"
        lines.append(f"    {rule.kind:8} {label}{result}{mark}")
    lines += list(_outcome(decision, [c.rule for c in matched if c.applies]))
    ok = not isinstance(decision, Invalid)
    if isinstance(decision, Rewrite):
        again = choose(parse_reference(decision.new), decision.new, rules, place)
        reason = again.reason if isinstance(again, Unchanged) else "it is left as it is"
        lines.append(f"  run again:  left unchanged ({reason})")
    final = decision.new if isinstance(decision, Rewrite) else text
    if allowed is None:
        lines.append("  allow:      no allow-list given")
    elif allowed(final):
        lines.append("  allow:      accepted")
    else:
        lines.append("  allow:      REJECTED: not under an allowed prefix")
        ok = False
    return lines, ok


def _outcome(decision: Rewrite | Unchanged | Invalid, applying: list[Rule]) -> Iterator[str]:
    if isinstance(decision, Invalid):
        yield f"  error:      {decision.message}"
        return
    if isinstance(decision, Rewrite):
        yield f"  why:        {_why(decision.rule, applying)}"
        yield f"  result:     {decision.new}"
        return
    if decision.rule is not None:
        yield f"  why:        {_why(decision.rule, applying)}"
    elif decision.reason.startswith("already"):
        yield ("  why:        an image already moved is left to prefix and `all` rules, "
               "so that a second run changes nothing")
    yield f"  result:     unchanged ({decision.reason})"
