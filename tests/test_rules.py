"""Every seed rule form, through the installed CLI (one process per rule set)."""

from __future__ import annotations

import functools

import pytest
from conftest import (
    SEED_RULES,
    assert_no_traceback,
    run_cli,
    stderr_lines,
    without_unmatched_rules,
)
from ruamel.yaml import YAML

DIGEST = "sha256:" + "0123456789abcdef" * 4
SEED = ("-c", str(SEED_RULES))
PALETTE = "us-docker.pkg.dev/palette-images"
INTERNAL = "example.registry.com/internal-images"

# rule set name -> CLI arguments
RULE_SETS: dict[str, tuple[str, ...]] = {
    "seed": SEED,
    "sources": (
        "--rule", "gcr.io/foo=mirror.example.com/foo",
        "--rule", "gcr.io=mirror.example.com/gcr",
        "--rule", "bitnami=mirror.example.com/bitnami",
        "--rule", "docker.io=mirror.example.com/hub",
        "--rule", "registry.example=mirror.example.com/plain-host",
        "--rule", "localhost:5000=mirror.example.com/local",
    ),
    # order in the file must not matter: shorter source first here
    "order": ("--rule", "gcr.io=m.example.com/short", "--rule", "gcr.io/a/b=m.example.com/long"),
    "all-only": ("--all", INTERNAL),
}

# (rule set, image, expected image)
CASES: list[tuple[str, str, str]] = [
    # the two examples of the Registry Connect docs
    ("seed", f"{PALETTE}/packs/flannel/0.27.0/cni-plugins:v1.6.2",
     f"{INTERNAL}/packs/flannel/0.27.0/cni-plugins:v1.6.2"),
    ("all-only", f"{PALETTE}/packs/flannel/0.27.0/cni-plugins:v1.6.2",
     f"{INTERNAL}/{PALETTE}/packs/flannel/0.27.0/cni-plugins:v1.6.2"),
    # all prepends to the normalized name
    ("seed", "nginx:1.25", f"{INTERNAL}/docker.io/library/nginx:1.25"),
    ("seed", "bitnami/kafka:4.0", f"{INTERNAL}/docker.io/bitnami/kafka:4.0"),
    ("seed", "index.docker.io/library/nginx", f"{INTERNAL}/docker.io/library/nginx"),
    # tag and digest verbatim; no :latest invented
    ("seed", f"{PALETTE}/x:1.0@{DIGEST}", f"{INTERNAL}/x:1.0@{DIGEST}"),
    ("seed", f"{PALETTE}/x@{DIGEST}", f"{INTERNAL}/x@{DIGEST}"),
    ("seed", f"{PALETTE}/x", f"{INTERNAL}/x"),
    ("seed", "quay.io/x", f"{INTERNAL}/quay.io/x"),
    # the source equal to the whole name
    ("seed", PALETTE, INTERNAL),
    # component boundary
    ("seed", f"{PALETTE}-other/x:1", f"{INTERNAL}/{PALETTE}-other/x:1"),
    ("sources", "gcr.io/foo/x:1", "mirror.example.com/foo/x:1"),
    ("sources", "gcr.io/foo", "mirror.example.com/foo"),
    ("sources", "gcr.io/foobar/x:1", "mirror.example.com/gcr/foobar/x:1"),
    ("sources", "registry.example/x", "mirror.example.com/plain-host/x"),
    ("sources", "registry.example:5000/x", "registry.example:5000/x"),  # bare host never matches host:port
    ("sources", "localhost:5000/x:2", "mirror.example.com/local/x:2"),
    # Docker Hub normalization on both sides
    ("sources", "bitnami/kafka:4.0", "mirror.example.com/bitnami/kafka:4.0"),
    ("sources", "docker.io/bitnami/kafka:4.0", "mirror.example.com/bitnami/kafka:4.0"),
    ("sources", "index.docker.io/bitnami/kafka", "mirror.example.com/bitnami/kafka"),
    ("sources", "nginx", "mirror.example.com/hub/library/nginx"),
    ("sources", "library/nginx:1", "mirror.example.com/hub/library/nginx:1"),
    ("sources", "docker.io/nginx", "mirror.example.com/hub/library/nginx"),
    # no rule matches: untouched
    ("sources", "quay.io/x:1", "quay.io/x:1"),
    # longest source wins whatever the order
    ("order", "gcr.io/a/b/c:1", "m.example.com/long/c:1"),
    ("order", "gcr.io/a/bc:1", "m.example.com/short/a/bc:1"),
    # idempotence: already under a target (or the all prefix) stays
    ("seed", f"{INTERNAL}/x:1", f"{INTERNAL}/x:1"),
    ("seed", f"{INTERNAL}/docker.io/library/nginx:1", f"{INTERNAL}/docker.io/library/nginx:1"),
    ("sources", "mirror.example.com/hub/library/nginx", "mirror.example.com/hub/library/nginx"),
    ("all-only", f"{INTERNAL}", f"{INTERNAL}"),
    ("all-only", f"{INTERNAL}-2/x", f"{INTERNAL}/{INTERNAL}-2/x"),
]

POD = """---
apiVersion: v1
kind: Pod
metadata:
  name: case-{index}
spec:
  containers:
    - name: c
      image: {image}
"""


@functools.cache
def rewrite_all(rule_set: str) -> list[str]:
    """Run each rule set once over a stream holding one Pod per case."""
    images = [image for name, image, _ in CASES if name == rule_set]
    stream = "".join(POD.format(index=i, image=image) for i, image in enumerate(images))
    result = run_cli(RULE_SETS[rule_set], stream)
    assert result.returncode == 0, result.stderr.decode()
    docs = list(YAML(typ="safe").load_all(result.stdout))
    assert len(docs) == len(images)
    return [doc["spec"]["containers"][0]["image"] for doc in docs]


@pytest.mark.parametrize(("rule_set", "image", "expected"), CASES,
                         ids=[f"{c[0]}:{c[1][:60]}" for c in CASES])
def test_rule(rule_set: str, image: str, expected: str) -> None:
    position = [i for n, i, _ in CASES if n == rule_set].index(image)
    assert rewrite_all(rule_set)[position] == expected


def pod(image: str, name: str = "web") -> str:
    return POD.format(index=0, image=image).replace("case-0", name)


def test_invalid_rewrite_is_an_error_naming_document_field_image_and_rule() -> None:
    result = run_cli(SEED, pod("localhost:5000/x:1") + pod("nginx", "ok"))
    assert result.returncode == 1
    lines = without_unmatched_rules(stderr_lines(result))
    assert len(lines) == 1, lines
    line = lines[0]
    for part in ("document 0", "Pod/web", "spec.containers[0].image", "localhost:5000/x:1",
                 '"all"', 'source rule', '"localhost:5000"'):
        assert part in line
    # both documents are still written; the bad one unchanged, the good one rewritten
    out = result.stdout.decode()
    assert "image: localhost:5000/x:1" in out
    assert f"image: {INTERNAL}/docker.io/library/nginx" in out


@pytest.mark.parametrize("value", ['"{{ .Values.image }}"', '"nginx/Foo:1"', '""', '"a b"'])
def test_invalid_value_warns_and_stays(value: str) -> None:
    stream = pod(value)
    result = run_cli(SEED, stream)
    assert result.returncode == 0
    assert result.stdout.decode() == stream
    [line] = without_unmatched_rules(stderr_lines(result))
    assert "warning" in line and "document 0 (Pod/web)" in line and "spec.containers[0].image" in line
    strict = run_cli((*SEED, "--strict"), stream)
    assert strict.returncode == 1
    assert strict.stdout.decode() == stream
    assert "error" in strict.stderr.decode()


def test_null_image_is_not_an_image() -> None:
    stream = pod("null") + pod("~")
    result = run_cli((*SEED, "--strict"), stream)
    assert (result.returncode, result.stdout.decode(), result.stderr) == (0, stream, b"")


def test_non_string_image_warns() -> None:
    stream = pod("{repository: nginx}")
    result = run_cli(SEED, stream)
    assert result.returncode == 0
    assert "not a string" in result.stderr.decode()
    assert_no_traceback(result)
