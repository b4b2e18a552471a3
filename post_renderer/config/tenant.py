"""Rules a tenant adds beside the administrator's, which stay authoritative.

In a shared Argo CD, an Application's plugin parameters are written by the
tenant while the sidecar's own configuration (rules, allow-list, credentials)
is the administrator's.  A tenant rule may only reach images that no
administrator rule decides, so it must neither replace nor narrow an
administrator rule, nor make an image count as "already under a target" (which
would leave it un-rewritten), nor share a mirror namespace with an
administrator rule (a sync of the tenant's images would replace the images
every other application pulls from there).  Overlap is refused up front rather than
resolved, so that the administrator sees the conflict instead of a silent
choice.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ..rewrite.reference import is_under
from ..rewrite.rule import ALL
from ..rewrite.rules import Rule, RuleSet


def check_tenant_rules(
    admin_pairs: Sequence[tuple[str, str]], tenant_pairs: Sequence[tuple[str, str]]
) -> str | None:
    """The first reason a tenant rule would change what an administrator rule
    decides, or None when every tenant rule only adds.

    Raises ValueError (naming the pair) when a rule itself is invalid.
    """
    admin = RuleSet.from_pairs(list(admin_pairs))
    tenant = RuleSet.from_pairs(list(tenant_pairs))
    for rule in tenant.exact:  # it would come before the administrator's pattern rules
        return f"tenant rule {rule.label} is an exact image rule: a tenant may add prefixes only"
    for rule in _rules(tenant):
        reason = _conflict(rule, admin)
        if reason:
            return f"tenant rule {rule.label} {reason}"
    return None


def _rules(rules: RuleSet) -> Iterator[Rule]:
    yield from rules.sources
    if rules.all is not None:
        yield rules.all


def _under(name: str, prefix: str) -> bool:
    """is_under, with registry hosts compared case-insensitively (a normalized
    name's first component is always its host), so that a spelling of the
    administrator's host in other letters cannot slip past the check."""
    return is_under(_host_lower(name), _host_lower(prefix))


def _host_lower(name: str) -> str:
    host, sep, path = name.partition("/")
    return host.lower() + sep + path


def _overlaps(a: str, b: str) -> bool:
    return _under(a, b) or _under(b, a)


def _conflict(rule: Rule, admin: RuleSet) -> str | None:
    if admin.all is not None:
        # Any tenant source would take images from the administrator's "all",
        # and any tenant target would exempt the images under it.
        return f"would take images from the administrator's rule {admin.all.label}"
    for theirs in admin.sources:
        if rule.source != ALL and _under(rule.source, theirs.source):
            return f"would override the administrator's rule {theirs.label}"
        if _overlaps(rule.target, theirs.source):
            return (f"has a target that would exempt images of the administrator's rule "
                    f"{theirs.label} from rewriting")
    for theirs in (*admin.sources, *admin.exact):
        if _overlaps(rule.target, _repository(theirs.target)):
            # Two sources sharing one mirror namespace: a sync of the
            # tenant's images would overwrite what everyone else pulls.
            return (f"has a target that overlaps the target of the administrator's rule "
                    f"{theirs.label} (the mirror namespace is the administrator's)")
    return None


def _repository(target: str) -> str:
    """A target without its tag or digest (an exact rule's target is an image)."""
    name = target.split("@", 1)[0]
    head, sep, last = name.rpartition("/")
    return head + sep + last.split(":", 1)[0] if sep else name
