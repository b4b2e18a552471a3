"""The limits the tree builder keeps on hostile YAML: nesting depth, and merge
keys resolved as Kubernetes resolves them, within a copy budget.

Aliases are shared nodes (never expanded), so an alias bomb stays linear;
what is left is what the builder itself would copy or what libyaml pays per
token, and both are bounded here.
"""

from __future__ import annotations

from typing import Any

# Deeper than any Kubernetes object.  libyaml's flow-level bookkeeping makes
# each token inside flow collections cost their depth, so unbounded flow
# nesting would be quadratic; block nesting is linear, and bounded as
# Kubernetes' own decoder bounds it (go-yaml: "exceeded max depth of 10000").
MAX_FLOW_DEPTH = 1000
MAX_DEPTH = 10_000
# Entries merge keys may copy, beyond ten per byte of text.
MERGE_BUDGET = 100_000


class _MergeKey:
    """The YAML merge key `<<` (plain, untagged or `!!merge`): resolved, never kept."""

    def __repr__(self) -> str:
        return "<<"


MERGE = _MergeKey()
MERGE_TAGS = frozenset({None, "tag:yaml.org,2002:merge"})


class MergeError(ValueError):
    """A merge key that cannot be resolved; `line` is 0-based in the document."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


def too_deep(depth: int, flow: bool) -> str | None:
    """Why a collection opened at `depth` (flow or block) is refused, or None."""
    if depth >= MAX_DEPTH:
        limit = f"{MAX_DEPTH} levels"
    elif flow and depth >= MAX_FLOW_DEPTH:
        limit = f"{MAX_FLOW_DEPTH} levels of flow collections ([…], {{…}})"
    else:
        return None
    return f"nested deeper than {limit}; refused (no Kubernetes object is)"


def merge(mapping: dict[Any, Any], merges: list[tuple[int, Any, int]],
          stack: list[list[Any]], budget: int) -> int:
    """Resolve the merge keys of a finished mapping in place, as Kubernetes'
    decoder (sigs.k8s.io/yaml, go-yaml v2) does: keys are applied in document
    order, a merge overwriting the keys before it and overwritten by the keys
    after it; in a list of mappings the earlier ones win.

    `merges` holds (number of keys before it, value, line) per merge key;
    `stack` the frames of the mappings still open.  The merged values are the
    anchored nodes themselves (shared, like an alias), so an image inherited
    this way is edited where it is written.  Returns what is left of the copy
    budget that keeps `<<: [*a, *a, …]` bombs linear in the text.
    """
    explicit = list(mapping.items())
    mapping.clear()
    pending = iter(merges)
    current = next(pending, None)
    for position in range(len(explicit) + 1):
        while current is not None and current[0] == position:
            _, source, line = current
            for part in reversed(source if isinstance(source, list) else [source]):
                if not isinstance(part, dict):
                    raise MergeError("a merge key (<<) needs a mapping or a list of "
                                     "mappings", line)
                if any(part is frame[0] for frame in stack):
                    raise MergeError("a merge key (<<) refers to a mapping that contains "
                                     "it", line)
                budget -= len(part)
                if budget < 0:
                    raise MergeError("merge keys (<<) copy too many entries (an alias "
                                     "bomb?)", line)
                mapping.update(part)
            current = next(pending, None)
        if position < len(explicit):
            key, value = explicit[position]
            mapping[key] = value
    return budget
