"""The extractor table: for an (API group, kind), which rows say where its
images are.  The rows themselves are data (`extractors.yaml`, `rows`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple, TypeVar

from ..memo import Memo
from ..yaml.toplevel import may_escape
from .exempt import FieldList, builtin_field_lists, kind_applies
from .glob import literal_run
from .rows import BUILTIN_FILE, ContainerShape, Extractor, api_group, builtin_table_data

T = TypeVar("T")
MEMO_KEPT = 1024
MEMO_KEY_LENGTH = 256


class ExtractorTable(NamedTuple):
    """All rows, indexed by kind; a resource gets the union of the rows of its
    kind whose groups include its group and the rows that name no group."""

    by_kind: Mapping[str, tuple[Extractor, ...]]
    shape: ContainerShape
    never: tuple[FieldList, ...] = ()  # push targets: never rewritten, never audited
    notices: tuple[FieldList, ...] = ()  # fields to warn about, with advice
    # What the walk works out once per (apiVersion, kind); None: not kept.
    memo: Memo[tuple[str, ...], Any] | None = None

    @classmethod
    def build(cls, rows: Sequence[Extractor], shape: ContainerShape,
              never: tuple[FieldList, ...] = (),
              notices: tuple[FieldList, ...] = ()) -> ExtractorTable:
        by_kind: dict[str, list[Extractor]] = {}
        for row in rows:
            by_kind.setdefault(row.kind, []).append(row)
        return cls({k: tuple(v) for k, v in by_kind.items()}, shape, never, notices,
                   Memo(MEMO_KEPT, MEMO_KEY_LENGTH))

    def memoized(self, key: tuple[str, ...], make: Callable[[], T]) -> T:
        """`make()`, kept under `key` (a tag and the strings it depends on):
        a stream repeats a few kinds.  Bounded in entries and key length,
        so that hostile input cannot grow it."""
        memo = self.memo
        if memo is None:
            return make()
        value = memo.get(key, memo)
        if value is memo:
            value = memo.keep(key, sum(map(len, key)), make())
        return value  # type: ignore[no-any-return]

    def listed_for(self, resource: dict[str, Any]
                   ) -> tuple[tuple[FieldList, ...], tuple[FieldList, ...]]:
        """The `neverRewrite` and `notices` rows whose kind and group fit the
        resource (worked out once per pair; `find_listed` checks names)."""
        kind, api_version = resource.get("kind"), resource.get("apiVersion")

        def make() -> tuple[tuple[FieldList, ...], tuple[FieldList, ...]]:
            return (tuple(r for r in self.never if kind_applies(r, kind, api_version)),
                    tuple(r for r in self.notices if kind_applies(r, kind, api_version)))

        if isinstance(kind, str) and isinstance(api_version, str):
            return self.memoized(("listed", api_version, kind), make)
        return make()

    def flags_may_be_in(self, data: bytes) -> bool:
        """Could an `args` flag of a `neverRewrite` or `notices` row be in
        the document `data`?

        A flag's name is a string of the parsed document, and its letters
        are in the text unless an escape or a tag spells them (the pre-parse
        test's proof, `extract.sniff`): without its literal text there is
        none to find, and the walk over every `args` list can be skipped.
        """
        needles = self.memoized(("flags",), lambda: tuple(
            literal_run(flag).encode() for row in (*self.never, *self.notices)
            for flag in row.args))
        return may_escape(data) or any(needle in data for needle in needles)

    def rows_for(self, api_version: str, kind: str) -> tuple[Extractor, ...]:
        rows = self.by_kind.get(kind, ())
        group = api_group(api_version)
        exact = tuple(r for r in rows if r.groups is not None and group in r.groups)
        return exact + tuple(r for r in rows if r.groups is None)


def build_table(user_rows: Sequence[Extractor] = ()) -> ExtractorTable:
    """The built-in rows, then the user's (a user row adds to a kind, never hides one)."""
    from .compiled import load  # the table precompiled, while it matches the YAML

    table = load(BUILTIN_FILE.read_bytes())
    if table is None:
        rows, shape = builtin_table_data()
        never, notices = builtin_field_lists()
    else:
        rows, shape, never, notices = table
    return ExtractorTable.build([*rows, *user_rows], shape, never, notices)
