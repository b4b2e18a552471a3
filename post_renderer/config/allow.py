"""The allow-list: the prefixes every image must end up under.

Prefixes match normalized names on path-component boundaries, the same way
rule sources do, so `docker.io` allows `nginx` and `gcr.io/foo` does not allow
`gcr.io/foobar/x`.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..rewrite.reference import ReferenceError, is_under, parse_prefix, parse_reference


class AllowList:
    """Normalized prefixes, and the prefixes as written (for messages).

    A plain slotted class, not a NamedTuple: `+` merges two lists.
    """

    __slots__ = ("prefixes", "written")

    def __init__(self, prefixes: tuple[str, ...] = (), written: tuple[str, ...] = ()) -> None:
        self.prefixes, self.written = prefixes, written

    def __repr__(self) -> str:
        return f"AllowList({self.prefixes!r}, {self.written!r})"

    def __bool__(self) -> bool:
        return bool(self.prefixes)

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
        return AllowList(tuple(merged), tuple(merged.values()))

    def permits(self, image: str) -> bool:
        """True when `image` is a reference under one of the prefixes.  A value
        that is not a reference (an unrendered template) cannot be shown to be
        allowed, so it is not."""
        try:
            name = parse_reference(image).normalized_name
        except ReferenceError:
            return False
        return any(is_under(name, prefix) for prefix in self.prefixes)
