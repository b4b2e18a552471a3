"""Hypothesis properties over random streams of real workload shapes.

These call the pipeline in-process (the same code the CLI streams through) so
that CI can afford thousands of examples; HYPOTHESIS_EXAMPLES raises the count.
"""

from __future__ import annotations

import os
import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from post_renderer.extractors import build_table
from post_renderer.pipeline import Context, rewrite_bytes
from post_renderer.rules import Invalid, Rewrite, RuleSet, decide

EXAMPLES = int(os.environ.get("HYPOTHESIS_EXAMPLES", "600"))
RULES = RuleSet.from_pairs([
    ("all", "example.registry.com/internal-images"),
    ("us-docker.pkg.dev/palette-images", "example.registry.com/internal-images"),
    ("docker.io", "mirror.example.com/hub"),
    ("quay.io/prometheus", "mirror.example.com/prom"),
])
CTX = Context(RULES, build_table())

component = st.from_regex(r"[a-z0-9]{1,6}(?:[._-][a-z0-9]{1,4})?", fullmatch=True)
domain = st.sampled_from([
    "", "docker.io/", "index.docker.io/", "quay.io/", "quay.io/prometheus/", "localhost:5000/",
    "us-docker.pkg.dev/palette-images/", "registry.example:5000/", "gcr.io/",
    "example.registry.com/internal-images/", "mirror.example.com/hub/",
])
tag = st.one_of(st.just(""), st.from_regex(r":[A-Za-z0-9_][A-Za-z0-9_.-]{0,8}", fullmatch=True))
digest = st.one_of(st.just(""), st.just("@sha256:" + "ab" * 32))
valid_ref = st.builds(lambda d, p, t, g: d + "/".join(p) + t + g,
                      domain, st.lists(component, min_size=1, max_size=3), tag, digest)
invalid_ref = st.sampled_from(["{{ .Values.image }}", "Nginx/Foo", "a b", "x:", "quay.io/UPPER:1"])
image = st.one_of(valid_ref, valid_ref, valid_ref, invalid_ref)
style = st.sampled_from(["plain", "single", "double"])

WORKLOADS = {
    "Pod": ("v1", ["spec"]),
    "Deployment": ("apps/v1", ["spec", "template", "spec"]),
    "StatefulSet": ("apps/v1", ["spec", "template", "spec"]),
    "Job": ("batch/v1", ["spec", "template", "spec"]),
    "CronJob": ("batch/v1", ["spec", "jobTemplate", "spec", "template", "spec"]),
}


PLAIN_SAFE = re.compile(r"[a-z][A-Za-z0-9_.:/@-]*[A-Za-z0-9]")


def quote(value: str, how: str) -> str:
    if how == "single" or (how == "plain" and not PLAIN_SAFE.fullmatch(value)):
        return "'" + value.replace("'", "''") + "'"
    if how == "double":
        return '"' + value + '"'
    return value


@st.composite
def workload(draw: Any) -> str:
    kind = draw(st.sampled_from(sorted(WORKLOADS)))
    api, path = WORKLOADS[kind]
    lines = [f"# Source: chart/templates/{kind.lower()}.yaml", f"apiVersion: {api}",
             f"kind: {kind}", "metadata:", f"  name: {kind.lower()}"]
    indent = ""
    for key in path:
        lines.append(f"{indent}{key}:")
        indent += "  "
    for field in draw(st.lists(st.sampled_from(["containers", "initContainers"]), min_size=1,
                               max_size=2, unique=True)):
        lines.append(f"{indent}{field}:")
        for n, img in enumerate(draw(st.lists(image, min_size=1, max_size=3))):
            lines.append(f"{indent}- name: c{n}  # container {n}")
            lines.append(f"{indent}  image: {quote(img, draw(style))}")
    return "\n".join(lines) + "\n"


other = st.sampled_from([
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  image: quay.io/prometheus/x\n",
    "apiVersion: v1\nkind: Service\nmetadata:\n  name: svc\n",
    "# just a comment\n",
    "",
])
stream = st.lists(st.one_of(workload(), other), max_size=6).map(
    lambda docs: "".join("---\n" + d for d in docs))

PROPS = settings(max_examples=EXAMPLES, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def load_all(data: bytes) -> list[Any]:
    return list(YAML(typ="safe", pure=False).load_all(data))


def expected_image(value: str) -> str:
    decision = decide(value, RULES)
    return decision.new if isinstance(decision, Rewrite) else value


def map_images(doc: Any, fn: Any) -> Any:
    """The document with fn applied to every container image (by structure)."""
    if isinstance(doc, dict):
        return {k: (fn(v) if k == "image" and isinstance(v, str) and "kind" not in doc else
                    map_images(v, fn)) for k, v in doc.items()}
    if isinstance(doc, list):
        return [map_images(v, fn) for v in doc]
    return doc


def workloads_only(doc: Any) -> bool:
    return isinstance(doc, dict) and doc.get("kind") in WORKLOADS


@PROPS
@given(stream)
def test_idempotent(text: str) -> None:
    once, _ = rewrite_bytes(text.encode(), CTX)
    twice, _ = rewrite_bytes(once, CTX)
    assert twice == once


@PROPS
@given(stream)
def test_document_count_and_only_images_change(text: str) -> None:
    out, outcomes = rewrite_bytes(text.encode(), CTX)
    before, after = load_all(text.encode()), load_all(out)
    assert len(before) == len(after)
    for old, new in zip(before, after):
        if workloads_only(old):
            assert new == map_images(old, expected_image)
        else:
            assert new == old
    # a document is rewritten or passes, never split or merged
    assert len(outcomes) == text.count("---\n")


@PROPS
@given(stream)
def test_invalid_references_untouched(text: str) -> None:
    out, outcomes = rewrite_bytes(text.encode(), CTX)
    for outcome in outcomes:
        for occurrence in outcome.occurrences:
            if isinstance(decide(occurrence.original, RULES), Invalid):
                assert occurrence.rewritten is None
    for bad in ("{{ .Values.image }}", "Nginx/Foo", "quay.io/UPPER:1"):
        assert text.count(bad) == out.decode().count(bad)
