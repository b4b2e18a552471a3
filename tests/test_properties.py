"""Hypothesis properties over random streams of real workload shapes.

These call the pipeline in-process (the same code the CLI streams through) so
that CI can afford thousands of examples; HYPOTHESIS_EXAMPLES raises the count
(e.g. HYPOTHESIS_EXAMPLES=20000 for a long local run).

The streams are built like rendered charts: `# Source:` comments, every
workload kind of the built-in table (and `kind: List` around them), containers,
initContainers and ephemeralContainers with the fields real ones carry (ports,
env, args, resources, probes), block and flow style, comments after values,
LF or CRLF throughout.  The references come from the distribution/reference
grammar's corners (ports, IPv6, `__` and `--` separators, long tags, several
digest algorithms) and, for invalid ones, from corrupting valid ones (upper
case, white space, stray `:`/`@`/`/`, short digests, overlong names, template
expressions).  All properties are checked on each stream:

- documents out = documents in (the parser's count, and one outcome per chunk);
- the output parses to the input with only container image values changed,
  each to what the rules decide (invalid references and non-strings untouched);
- a second run changes nothing (idempotence);
- every invalid reference is reported as not rewritten.
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
from post_renderer.rewrite.rules import Invalid, Rewrite, RuleSet, decide
from post_renderer.stages.rewrite import Context

# 400 streams hold ~3,700 references; the invalid-reference test runs twice as many.
EXAMPLES = int(os.environ.get("HYPOTHESIS_EXAMPLES", "400"))
RULES = RuleSet.from_pairs([
    ("all", "example.registry.com/internal-images"),
    ("us-docker.pkg.dev/palette-images", "example.registry.com/internal-images"),
    ("docker.io", "mirror.example.com/hub"),
    ("quay.io/prometheus", "mirror.example.com/prom"),
])
CTX = Context(RULES, build_table())

# --- references ----------------------------------------------------------------------

component = st.from_regex(r"[a-z0-9]{1,6}(?:(?:[._]|__|-+)[a-z0-9]{1,4}){0,2}", fullmatch=True)
domain = st.sampled_from([
    "", "docker.io/", "index.docker.io/", "quay.io/", "quay.io/prometheus/", "localhost:5000/",
    "us-docker.pkg.dev/palette-images/", "registry.example:5000/", "gcr.io/",
    "example.registry.com/internal-images/", "mirror.example.com/hub/", "Registry.Example.COM/",
    "[::1]:5000/", "127.0.0.1:5000/", "a-b.c-d.example/", "localhost/",
])
tag = st.one_of(
    st.just(""), st.just(":" + "t" * 128),
    st.from_regex(r":[A-Za-z0-9_][A-Za-z0-9_.-]{0,12}", fullmatch=True),
)
digest = st.sampled_from(["", "", "@sha256:" + "ab" * 32, "@sha512:" + "cd" * 64,
                          "@multihash+base58:" + "0" * 32])
valid_ref = st.builds(lambda d, p, t, g: d + "/".join(p) + t + g,
                      domain, st.lists(component, min_size=1, max_size=3), tag, digest)

NOTORIOUS = ["{{ .Values.image }}", "{{ .Values.image.repository }}:{{ .Values.image.tag }}",
             "Nginx/Foo", "a b", "x:", "quay.io/UPPER:1", "", " quay.io/x", "quay.io//x",
             "quay.io/x@sha256:abc", "quay.io/x:" + "t" * 129, "x/" * 130 + "x", "-x", "x:1:2"]


@st.composite
def corrupted(draw: Any) -> str:
    """A valid reference broken in one of the ways real values are broken."""
    ref = draw(valid_ref)
    how = draw(st.sampled_from(["insert", "upper", "append", "prefix"]))
    if how == "insert":
        at = draw(st.integers(0, len(ref)))
        return ref[:at] + draw(st.sampled_from(list(" \t{}!#$%&*()=+,;<>?|\\\"'"))) + ref[at:]
    if how == "upper":
        head, _, last = ref.rpartition("/")
        return head + "/" + last.upper() if head else last.upper() + "/x"
    if how == "append":
        return ref + draw(st.sampled_from([":", "@", "/", "//x", "@sha256:abc", ":-t", ".."]))
    return draw(st.sampled_from(["/", ".", "-", "_", ":"])) + ref


invalid_ref = st.one_of(st.sampled_from(NOTORIOUS), corrupted()).filter(
    lambda ref: isinstance(decide(ref, RULES), Invalid))
image = st.one_of(valid_ref, valid_ref, valid_ref, invalid_ref)

# --- documents -------------------------------------------------------------------------

WORKLOADS = {
    "Pod": ("v1", ["spec"]),
    "ReplicationController": ("v1", ["spec", "template", "spec"]),
    "Deployment": ("apps/v1", ["spec", "template", "spec"]),
    "StatefulSet": ("apps/v1", ["spec", "template", "spec"]),
    "DaemonSet": ("apps/v1", ["spec", "template", "spec"]),
    "ReplicaSet": ("apps/v1", ["spec", "template", "spec"]),
    "Job": ("batch/v1", ["spec", "template", "spec"]),
    "CronJob": ("batch/v1", ["spec", "jobTemplate", "spec", "template", "spec"]),
}

PLAIN_SAFE = re.compile(r"[a-z][A-Za-z0-9_.:/@-]*[A-Za-z0-9]")
# Plain words that are booleans or null to YAML 1.1 (Kubernetes) or 1.2: quoted.
NOT_STRINGS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}
style = st.sampled_from(["plain", "plain", "single", "double"])


def quote(value: str, how: str) -> str:
    if how == "plain" and (not PLAIN_SAFE.fullmatch(value) or value in NOT_STRINGS):
        how = "single"
    if how == "single":
        return "'" + value.replace("'", "''") + "'"
    if how == "double":
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return value


EXTRA_FIELDS = [
    ("imagePullPolicy: IfNotPresent",),
    ("ports:", "- containerPort: 8080", "  name: http"),
    ("env:", "- name: LOG_LEVEL", "  value: debug", "- name: PORT", '  value: "8080"'),
    ('args: ["--port=8080", "-v", --log-format=json]',),
    ("command:", "- /bin/sh", "- -c", "- |", "  echo starting", "  exec app"),
    ("resources: {limits: {cpu: 100m, memory: 64Mi}}",),
    ("readinessProbe:", "  httpGet: {path: /healthz, port: http}"),
]


@st.composite
def container(draw: Any, n: int) -> list[str]:
    value = quote(draw(image), draw(style))
    comment = draw(st.sampled_from(["", "", "  # the image"]))
    if draw(st.integers(0, 4)) == 0:
        return [f"- {{name: c{n}, image: {value}}}{comment}"]
    lines = [f"- name: c{n}", f"  image: {value}{comment}"]
    for extra in draw(st.lists(st.sampled_from(EXTRA_FIELDS), max_size=3, unique=True)):
        lines += ["  " + line for line in extra]
    return lines


@st.composite
def workload(draw: Any) -> list[str]:
    kind = draw(st.sampled_from(sorted(WORKLOADS)))
    api, path = WORKLOADS[kind]
    lines = [f"apiVersion: {api}", f"kind: {kind}", "metadata:", f"  name: {kind.lower()}"]
    indent = ""
    for key in path:
        lines.append(f"{indent}{key}:")
        indent += "  "
    if draw(st.booleans()):
        lines.append(f"{indent}serviceAccountName: app")
    fields = draw(st.lists(st.sampled_from(["containers", "initContainers", "ephemeralContainers"]),
                           min_size=1, max_size=3, unique=True))
    for field in fields:
        lines.append(f"{indent}{field}:")
        for n in range(draw(st.integers(1, 3))):
            lines += [indent + line for line in draw(container(n))]
    return lines


@st.composite
def resource_document(draw: Any) -> str:
    """A workload, or a List of them, as Helm renders it."""
    if draw(st.integers(0, 4)) == 0:
        items = draw(st.lists(workload(), min_size=1, max_size=3))
        lines = ["apiVersion: v1", "kind: List", "items:"]
        for item in items:
            lines += [("- " if i == 0 else "  ") + line for i, line in enumerate(item)]
    else:
        lines = draw(workload())
    return "# Source: chart/templates/workload.yaml\n" + "\n".join(lines) + "\n"


other = st.sampled_from([
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  image: quay.io/prometheus/x\n",
    "apiVersion: v1\nkind: Service\nmetadata:\n  name: svc\n",
    "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n"
    "  annotations: {image: quay.io/prometheus/x}\nstringData: {a: b}\n",
    "# just a comment\n",
    "",
])


@st.composite
def stream(draw: Any) -> str:
    docs = draw(st.lists(st.one_of(resource_document(), resource_document(), other), max_size=6))
    text = "".join("---\n" + d for d in docs)
    return text.replace("\n", "\r\n") if draw(st.integers(0, 4)) == 0 else text


PROPS = settings(max_examples=EXAMPLES, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                        HealthCheck.filter_too_much])

# --- the oracle --------------------------------------------------------------------------


def load_all(data: bytes) -> list[Any]:
    """ruamel's pure-Python loader: it takes `:` in flow scalars, like Kubernetes."""
    return list(YAML(typ="safe", pure=True).load_all(data.decode("utf-8")))


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


def holds_workloads(doc: Any) -> bool:
    return isinstance(doc, dict) and doc.get("kind") in {*WORKLOADS, "List"}


@PROPS
@given(stream())
def test_stream_properties(text: str) -> None:
    data = text.encode()
    out, outcomes = rewrite_bytes(data, CTX)
    # a document is rewritten or passes, never split, merged or dropped
    assert len(outcomes) == text.count("---\n") + text.count("---\r\n")
    before, after = load_all(data), load_all(out)
    assert len(before) == len(after)
    for old, new in zip(before, after, strict=True):
        assert new == (map_images(old, expected_image) if holds_workloads(old) else old)
    # idempotence
    again, _ = rewrite_bytes(out, CTX)
    assert again == out
    # invalid references: reported as not rewritten
    for outcome in outcomes:
        for occurrence in outcome.occurrences:
            if isinstance(decide(occurrence.original, RULES), Invalid):
                assert occurrence.rewritten is None


@settings(max_examples=2 * EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.filter_too_much])
@given(invalid_ref, style)
def test_invalid_references_untouched(value: str, how: str) -> None:
    """Byte for byte: the raw text of an invalid reference, in any style, stays."""
    raw = quote(value, how)
    text = f"apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: c\n    image: {raw}\n"
    out, outcomes = rewrite_bytes(text.encode(), CTX)
    assert out == text.encode()
    [occurrence] = outcomes[0].occurrences
    assert occurrence.original == value and occurrence.rewritten is None
