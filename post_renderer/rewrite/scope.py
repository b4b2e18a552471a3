"""Where an image is met (namespace, API group, kind), and where a rule applies.

A rule scoped to namespaces or kinds lets one rules file serve teams that pull
from different mirrors.  Kinds are named the way extractor rows name them: an
optional apiVersion or API group before the kind (`apps/Deployment`,
`apps/v1/Deployment`, `v1/Pod` for the core group), or the kind alone for any
group, so that one spelling means the same thing in both places.
"""

from collections.abc import Iterable
from typing import NamedTuple

from ..extract.rows import api_group

_KIND_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")


class Place(NamedTuple):
    """Where an image was met: `namespace` is '' when the object names none."""

    namespace: str = ""
    group: str = ""
    kind: str = ""

    def describe(self) -> str:
        kind = f"{self.group}/{self.kind}" if self.group else self.kind
        return f"namespace {self.namespace or '(none)'}, kind {kind or '(none)'}"


class KindSelector(NamedTuple):
    """A kind in one API group, or in any group when `group` is None."""

    group: str | None
    kind: str

    def admits(self, place: Place) -> bool:
        return self.kind == place.kind and (self.group is None or self.group == place.group)

    def __str__(self) -> str:
        if self.group is None:
            return self.kind
        return f"{self.group or 'v1'}/{self.kind}"


def parse_kind(text: str) -> KindSelector:
    """`[apiVersion/]Kind`: raise ValueError saying what is wrong."""
    version, _, kind = text.strip().rpartition("/")
    if not kind or not set(kind) <= _KIND_CHARS or not kind[0].isalpha():
        raise ValueError(f"kind {text!r}: expected [GROUP/]Kind, e.g. apps/Deployment or Pod")
    return KindSelector(api_group(version) if version else None, kind)


class Scope(NamedTuple):
    """Empty sets mean everywhere; a rule with both applies where both hold."""

    namespaces: frozenset[str] = frozenset()
    kinds: frozenset[KindSelector] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.namespaces or self.kinds)

    def admits(self, place: Place | None) -> bool:
        """Unscoped rules apply everywhere; scoped ones only where the place is known."""
        if not self:
            return True
        if place is None:
            return False
        if self.namespaces and place.namespace not in self.namespaces:
            return False
        return not self.kinds or any(k.admits(place) for k in self.kinds)

    def describe(self) -> str:
        parts = []
        if self.namespaces:
            parts.append("namespaces " + ",".join(sorted(self.namespaces)))
        if self.kinds:
            parts.append("kinds " + ",".join(sorted(map(str, self.kinds))))
        return " and ".join(parts)

    def example_place(self) -> Place:
        """A place the scope admits, to check a rule's examples where it applies."""
        namespace = min(self.namespaces) if self.namespaces else ""
        kind = min(self.kinds, key=str) if self.kinds else KindSelector(None, "")
        return Place(namespace, kind.group or "", kind.kind)


EVERYWHERE = Scope()


def make_scope(namespaces: Iterable[str] = (), kinds: Iterable[str] = ()) -> Scope:
    return Scope(frozenset(n.strip() for n in namespaces),
                 frozenset(parse_kind(k) for k in kinds))
