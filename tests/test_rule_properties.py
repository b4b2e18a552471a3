"""Hypothesis properties over generated rule sets with exclusions, exact images,
scopes and pattern rules, through the pipeline in-process (as test_properties).

For every generated rule set and stream of Pods, Deployments and Jobs in
several namespaces:
- every image that leaves is a valid reference (or the value that came in);
- a second run over the output changes nothing (idempotence), whenever the
  first run reported no error;
- an image is left as written exactly when the rules reported an error for it
  or decided not to move it, and a rewritten image never equals its original.

Pattern rules are built here without `examples` (those are a loader check):
the run-time convergence check is what is under test.
"""

from __future__ import annotations

import os
import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from post_renderer.extract.table import build_table
from post_renderer.pipeline.build import rewrite_bytes
from post_renderer.rewrite.reference import ReferenceError, parse_reference
from post_renderer.rewrite.rule import EXCLUDE, PATTERN, Rule, make_rule, parse_source
from post_renderer.rewrite.rules import RuleSet
from post_renderer.rewrite.scope import Scope, make_scope
from post_renderer.stages.rewrite import Context

EXAMPLES = int(os.environ.get("HYPOTHESIS_EXAMPLES", "150"))
PROPS = settings(max_examples=EXAMPLES, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

PREFIXES = ["docker.io", "docker.io/library", "docker.io/bitnami", "quay.io", "quay.io/prometheus",
            "gcr.io", "localhost:5000", "registry.k8s.io", "mirror.example.com",
            "mirror.example.com/hub", "example.registry.com/internal-images"]
TARGETS = ["mirror.example.com/hub", "mirror.example.com/a", "mirror.example.com",
           "example.registry.com/internal-images", "quay.io/mirror", "gcr.io/m"]
NAMES = ["nginx", "library/nginx", "bitnami/kafka", "prometheus/node-exporter", "x/y/z", "pause"]
TAGS = ["", ":1", ":1.25", ":latest"]
DIGEST = "@sha256:" + "ab" * 32
HOSTS = ["", "docker.io/", "quay.io/", "gcr.io/", "localhost:5000/", "registry.k8s.io/",
         "mirror.example.com/hub/", "mirror.example.com/", "Quay.IO/"]
PLACES = [("v1", "Pod"), ("apps/v1", "Deployment"), ("batch/v1", "Job")]

# Images that exact rules and exclusions name, so that they also get to match.
HOT = ["library/nginx:1.25", "docker.io/library/nginx:1.25", f"nginx{DIGEST}",
       "quay.io/prometheus/node-exporter:1", "gcr.io/x/y/z:latest", "docker.io/bitnami/kafka:1",
       "mirror.example.com/hub/img:9", "mirror.example.com/a/img:9"]
image = st.one_of(st.sampled_from(HOT), st.builds(
    lambda h, n, t, d: h + n + t + d, st.sampled_from(HOSTS), st.sampled_from(NAMES),
    st.sampled_from(TAGS), st.sampled_from(["", DIGEST])))
scope = st.builds(lambda ns, kinds: make_scope(ns, kinds),
                  st.lists(st.sampled_from(["a", "b"]), max_size=1),
                  st.lists(st.sampled_from(["apps/Deployment", "Pod", "batch/Job"]), max_size=1))
# "name:1" alone reads as a host:port prefix: exact sources carry a repository path
pinned = image.filter(lambda i: (":" in i.rsplit("/", 1)[-1] or "@" in i) and "/" in i
                      and i.split("/")[0] not in ("localhost:5000", "Quay.IO"))


def _exact_target(target: str, tagged: bool) -> str:
    return f"{target}/img:9" if tagged else f"{target}/img"


def _pattern(prefix: str, target: str, shape: int, where: Scope) -> Rule:
    regex, template = [
        (re.escape(prefix) + r"/(.*)", f"{target}/\\1"),
        (re.escape(prefix) + r"/([^:@]+)(:[^@]*)?(@.*)?", f"{target}/\\1\\2\\3"),
        (r"(.*)/([^/:@]+)(:.*)?", f"{target}/\\2\\3"),
    ][shape]
    return Rule(regex, template, regex, PATTERN, where, re.compile(regex), match=PATTERN)


def _exclusion(kind: int, value: str, where: Scope) -> Rule:
    if kind == 2:
        regex = re.escape(value) + "(/.*)?"
        return Rule(regex, "", regex, EXCLUDE, where, re.compile(regex), match=PATTERN)
    source, match = parse_source(value)
    return Rule(source, "", value, EXCLUDE, where, match=match)


rule = st.one_of(
    st.builds(lambda s, t: make_rule(s, t), st.sampled_from(PREFIXES), st.sampled_from(TARGETS)),
    st.builds(lambda t: make_rule("all", t), st.sampled_from(TARGETS)),
    st.builds(lambda s, t, w: make_rule(s, t, w), st.sampled_from(PREFIXES),
              st.sampled_from(TARGETS), scope),
    st.builds(lambda s, t, tagged, w: make_rule(s, _exact_target(t, tagged), w),
              pinned, st.sampled_from(TARGETS), st.booleans(), scope),
    st.builds(_pattern, st.sampled_from(PREFIXES), st.sampled_from(TARGETS),
              st.integers(0, 2), scope),
    st.builds(lambda v, w: _exclusion(0, v, w), st.sampled_from(PREFIXES + TARGETS), scope),
    st.builds(lambda v, w: _exclusion(1, v, w), pinned, scope),
    st.builds(lambda v, w: _exclusion(2, v, w), st.sampled_from(PREFIXES + TARGETS), scope),
)


def document(i: int, value: str, namespace: str, place: tuple[str, str]) -> str:
    api_version, kind = place
    head = f"apiVersion: {api_version}\nkind: {kind}\nmetadata:\n  name: o{i}\n"
    head += f"  namespace: {namespace}\n" if namespace else ""
    container = f"- name: c\n  image: {value}\n"
    if kind == "Pod":
        return f"---\n{head}spec:\n  containers:\n" + _indent(container, 2)
    return f"---\n{head}spec:\n  template:\n    spec:\n      containers:\n" + _indent(
        container, 6)


def _indent(text: str, n: int) -> str:
    return "".join(" " * n + line + "\n" for line in text.splitlines())


objects = st.lists(st.tuples(image, st.sampled_from(["", "a", "b"]), st.sampled_from(PLACES)),
                   min_size=1, max_size=12)


def images_of(data: bytes) -> list[str]:
    found = []
    for doc in YAML(typ="safe", pure=True).load_all(data.decode()):
        spec = doc["spec"]["template"]["spec"] if "template" in doc["spec"] else doc["spec"]
        found.append(spec["containers"][0]["image"])
    return found


@PROPS
@given(st.lists(rule, min_size=1, max_size=8), objects)
def test_generated_rule_sets_converge_and_give_valid_references(
        rules: list[Rule], objs: list[tuple[str, str, tuple[str, str]]]) -> None:
    ctx = Context(RuleSet.from_rules(rules), build_table())
    data = "".join(document(i, *obj) for i, obj in enumerate(objs)).encode()
    out, outcomes = rewrite_bytes(data, ctx)
    before, after = images_of(data), images_of(out)
    assert len(after) == len(objs)
    errors = [d for o in outcomes for d in o.diagnostics if d.is_error]
    occurrences = [occ for o in outcomes for occ in o.occurrences]
    assert len(occurrences) == len(objs)
    for old, new, occurrence in zip(before, after, occurrences, strict=True):
        if occurrence.rewritten is None:
            assert new == old  # left exactly as written
            continue
        assert new == occurrence.rewritten
        try:
            ref, original = parse_reference(new), parse_reference(old)
        except ReferenceError as err:  # pragma: no cover - the property failing
            raise AssertionError(f"{old!r} became {new!r}, not a reference: {err}") from None
        assert ref.normalized_name + ref.suffix != original.normalized_name + original.suffix
    if not errors:
        again, later = rewrite_bytes(out, ctx)
        assert again == out, _explain(rules, out, again)
        assert not [d for o in later for d in o.diagnostics if d.is_error]


def _explain(rules: list[Rule], out: bytes, again: bytes) -> Any:
    return {"rules": [r.label for r in rules], "first": images_of(out),
            "second": images_of(again)}
