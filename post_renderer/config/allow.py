"""The allow-list: the prefixes every image must end up under.

Prefixes match normalized names on path-component boundaries, the same way
rule sources do, so `docker.io` allows `nginx` and `gcr.io/foo` does not allow
`gcr.io/foobar/x`.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..rewrite.reference import ReferenceError, is_under, parse_prefix, parse_reference


class AllowList:
    """Normalized prefixes, and the prefixes as written (for messages), plus
    the lists that only narrow it (`also`): an image must pass each of those
    too, so a list from a less trusted source can never widen the gate.

    A plain slotted class, not a NamedTuple: `+` merges two lists.
    """

    __slots__ = ("prefixes", "written", "also")

    def __init__(self, prefixes: tuple[str, ...] = (), written: tuple[str, ...] = (),
                 also: tuple[AllowList, ...] = ()) -> None:
        self.prefixes, self.written, self.also = prefixes, written, also

    def __repr__(self) -> str:
        return f"AllowList({self.prefixes!r}, {self.written!r}, {self.also!r})"

    def __bool__(self) -> bool:
        return bool(self.prefixes) or any(self.also)

    def narrowed(self, other: AllowList) -> AllowList:
        """This list, with `other` to be passed as well (never a union)."""
        if not other:
            return self
        narrowing = (other,) if other.prefixes else other.also
        return AllowList(self.prefixes, self.written, (*self.also, *narrowing))

    def describe(self) -> str:
        """The prefixes for a message; the narrowing lists after `and`."""
        parts = [", ".join(self.written)] if self.prefixes else []
        parts += [f"({a.describe()})" for a in self.also]
        return " and ".join(parts)

    @classmethod
    def parse(cls, values: Iterable[str]) -> AllowList:
        """Raise ValueError naming the first prefix that is not a registry or
        repository prefix."""
        prefixes: dict[str, str] = {}
        for value in values:
            try:
                prefixes.setdefault(parse_prefix(value), value.strip())
            except ReferenceError as err:
                raise ValueError(f"allow {value!r}: {err}") from None
        return cls(tuple(prefixes), tuple(prefixes.values()))

    def __add__(self, other: AllowList) -> AllowList:
        """Both lists, the first spelling of a prefix kept (config, then flags)."""
        merged = dict(zip(self.prefixes, self.written, strict=True))
        for prefix, written in zip(other.prefixes, other.written, strict=True):
            merged.setdefault(prefix, written)
        return AllowList(tuple(merged), tuple(merged.values()), (*self.also, *other.also))

    def permits(self, image: str) -> bool:
        """True when `image` is a reference under one of the prefixes.  A value
        that is not a reference (an unrendered template) cannot be shown to be
        allowed, so it is not."""
        try:
            name = parse_reference(image).normalized_name
        except ReferenceError:
            return False
        return ((not self.prefixes or any(is_under(name, prefix) for prefix in self.prefixes))
                and all(narrower.permits(image) for narrower in self.also))
