"""The simple-path walker must find what jsonpath-ng finds.

post_renderer.extract.paths replaces jsonpath-ng for the dotted/`[*]` expressions of
the extractor table (a start-up cost).  These tests compare the two
on every built-in expression over random trees of the shapes `locate`
produces (dict, list, str, None), wherever jsonpath-ng's releases agree with
each other; where they do not (`[*]` on a non-list: 1.8 and 1.16 differ), the
walker's own documented reading is asserted.  Anything outside the subset is
left to jsonpath-ng.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from post_renderer.extract.jsonpath import compile_path, render_path
from post_renderer.extract.paths import find_simple, simple_steps
from post_renderer.extract.rows import BUILTIN_FILE

EXAMPLES = int(os.environ.get("HYPOTHESIS_EXAMPLES", "300"))


def builtin_expressions() -> list[str]:
    data = YAML(typ="safe", pure=False).load(BUILTIN_FILE.read_text(encoding="utf-8"))
    found: set[str] = set()
    for row in data["extractors"]:
        for key in ("podSpecs", "containers", "paths", "splitImages"):
            value = row.get(key) or []
            found.update([value] if isinstance(value, str) else value)
    pod_spec = data.get("podSpec") or {}
    found.update(pod_spec.get("containers") or [])
    found.update(pod_spec.get("paths") or [])
    return sorted(found)


EXPRESSIONS = builtin_expressions()


def jsonpath_ng(root: Any, expression: str) -> list[tuple[str, Any]]:
    return [(render_path(m.full_path), m.value) for m in compile_path(expression).find(root)]


def same(a: list[tuple[str, Any]], b: list[tuple[str, Any]]) -> bool:
    """Equal paths, and the very same value objects (not copies)."""
    return [p for p, _ in a] == [p for p, _ in b] and all(
        x is y for (_, x), (_, y) in zip(a, b, strict=True))


def test_every_builtin_expression_takes_the_fast_path() -> None:
    assert len(EXPRESSIONS) > 20
    slow = [e for e in EXPRESSIONS if simple_steps(e) is None]
    assert slow == []


@pytest.mark.parametrize("expression", [
    "spec..image", "$.spec", "spec.containers[0]", "spec['x']", "spec.*", "a-b.c",
    "spec.where", "spec[?(@.x)]", "", "spec.", ".spec", "spec[*]x",
])
def test_anything_else_goes_to_jsonpath_ng(expression: str) -> None:
    assert simple_steps(expression) is None


# Trees built from the field names the expressions use, so that matches happen.
NAMES = sorted({part.removesuffix("[*]") for e in EXPRESSIONS for part in e.split(".")})
leaf = st.one_of(st.none(), st.sampled_from(["", "x", "quay.io/a:1"]))
tree = st.recursive(
    leaf,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.sampled_from(NAMES), children, max_size=4),
    ),
    max_leaves=25,
)


@st.composite
def along(draw: Any, expression: str) -> Any:
    """A tree that follows `expression` most of the way, with detours: lists of
    several items, mappings or strings where a list is expected, nulls, and
    random neighbours, so that matches are common and the quirks are exercised."""
    steps = expression.split(".")

    def build(i: int) -> Any:
        if i == len(steps) or draw(st.integers(0, 9)) == 0:
            return draw(tree)
        name = steps[i].removesuffix("[*]")
        node = draw(st.dictionaries(st.sampled_from(NAMES), tree, max_size=2))
        if steps[i].endswith("[*]"):
            shape = draw(st.sampled_from(["list", "list", "list", "single", "null"]))
            if shape == "list":
                node[name] = [build(i + 1) for _ in range(draw(st.integers(0, 3)))]
            elif shape == "single":
                node[name] = build(i + 1)
            else:
                node[name] = None
        else:
            node[name] = build(i + 1)
        return node

    return build(0)


@st.composite
def expression_and_tree(draw: Any) -> tuple[str, Any]:
    expression = draw(st.sampled_from(EXPRESSIONS))
    return expression, draw(tree if draw(st.integers(0, 3)) == 0 else along(expression))


def star_on_non_list(root: Any, steps: Any) -> bool:
    """Whether the walk applies `[*]` to a present value that is not a list or
    null: the case where jsonpath-ng releases disagree."""
    current = [root]
    for name, star in steps:
        nxt = []
        for node in current:
            if isinstance(node, dict) and name in node:
                child = node[name]
                if star and child is not None and not isinstance(child, list):
                    return True
                nxt.extend(child if star and isinstance(child, list) else [] if star else [child])
        current = nxt
    return False


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expression_and_tree())
def test_same_matches_as_jsonpath_ng(case: tuple[str, Any]) -> None:
    expression, root = case
    steps = simple_steps(expression)
    assert steps is not None
    assume(not star_on_non_list(root, steps))
    assert same(find_simple(root, steps), jsonpath_ng(root, expression))


@pytest.mark.parametrize("root", [
    {"spec": {"containers": {"image": "x"}}},  # jsonpath-ng 1.8: [0]; 1.16: its values
    {"spec": {"containers": "x"}},  # 1.8: [0]; 1.16: nothing
    {"spec": {"containers": ""}},
    {"spec": {"containers": 0}},
])
def test_star_on_a_non_list_finds_nothing(root: Any) -> None:
    steps = simple_steps("spec.containers[*]")
    assert steps is not None
    assert find_simple(root, steps) == []


@pytest.mark.parametrize("root, expression", [
    ({"spec": {"containers": None}}, "spec.containers[*]"),  # null: nothing
    ({"spec": {"containers": []}}, "spec.containers[*]"),
    ({"spec": None}, "spec"),  # a present key matches even when null
    ({"spec": {"template": {"spec": {}}}}, "spec.template.spec"),
    ([{"spec": 1}], "spec"),
    ({"spec": {"templates": [{"container": {}}, {}, {"container": None}]}},
     "spec.templates[*].container"),
])
def test_quirks(root: Any, expression: str) -> None:
    steps = simple_steps(expression)
    assert steps is not None
    assert same(find_simple(root, steps), jsonpath_ng(root, expression))
