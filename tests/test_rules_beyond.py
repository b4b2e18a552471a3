"""Exclusions, exact images, scopes and pattern rules, through the installed CLI.

One rules file (fixtures/rules/beyond.yaml) holds every kind of rule; each
case names the image, where it is met (namespace, apiVersion, kind) and what
it must become, and says which step of the precedence it shows.  The expected
references are written out by hand, not computed.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest
from conftest import (
    FIXTURES,
    assert_no_traceback,
    run_cli,
    stderr_lines,
    without_unmatched_rules,
)
from ruamel.yaml import YAML

BEYOND = FIXTURES / "rules" / "beyond.yaml"
D = "sha256:" + "0123456789abcdef" * 4
INTERNAL = "example.registry.com/internal-images"
HUB = "mirror.example.com/hub"
SHADOWED = ('registry-rewrite: warning: rule "docker.io/library/busybox:1.36": '
            '"mirror.example.com/never/busybox:1" matched no image in this stream')
POD, DEPLOY, JOB = ("v1", "Pod"), ("apps/v1", "Deployment"), ("batch/v1", "Job")

# (why, image, namespace, (apiVersion, kind), expected)
CASES: list[tuple[str, str, str, tuple[str, str], str]] = [
    ("exclusion before all", "registry.k8s.io/pause:3.9", "default", POD,
     "registry.k8s.io/pause:3.9"),
    ("exclusion before exact", "busybox:1.36", "default", POD, "busybox:1.36"),
    ("exact exclusion is one tag", "busybox:1.37", "default", POD,
     f"{HUB}/library/busybox:1.37"),
    ("pattern exclusion", "quay.io/x/tool-debug:2", "default", POD, "quay.io/x/tool-debug:2"),
    ("exact before prefix", "nginx:1.25", "default", POD,
     "mirror.example.com/patched/nginx:1.25-p1"),
    ("exact after normalization", "index.docker.io/library/nginx:1.25", "default", DEPLOY,
     "mirror.example.com/patched/nginx:1.25-p1"),
    ("scoped exact before unscoped exact", "nginx:1.25", "team-a", POD,
     "mirror.example.com/team-a/nginx:1.25-a"),
    ("exact is one tag", "nginx:1.26", "default", POD, f"{HUB}/library/nginx:1.26"),
    ("exact tag does not take a digest-pinned image", f"nginx:1.25@{D}", "default", POD,
     f"{HUB}/library/nginx:1.25@{D}"),
    ("exact digest; target without tag keeps the image's", f"docker.io/redis@{D}", "default",
     POD, f"mirror.example.com/pinned/redis@{D}"),
    ("pattern before a longer prefix", "bitnami/kafka:4.0", "default", POD,
     "mirror.example.com/bitnami/kafka:4.0"),
    ("pattern groups", "bitnami/redis:7.2.4", "default", JOB,
     "mirror.example.com/bitnami/redis:7.2.4"),
    ("longest prefix when no pattern matches", "bitnami/kafka:latest", "default", POD,
     "mirror.example.com/bitnami-prefix/kafka:latest"),
    ("scoped prefix before unscoped of the same length", "gcr.io/x/y:1", "team-a", POD,
     "mirror.example.com/team-a/x/y:1"),
    ("scope: other namespace", "gcr.io/x/y:1", "team-b", DEPLOY, "mirror.example.com/gcr/x/y:1"),
    ("scoped exclusion", "gcr.io/private/x:1", "kube-system", POD, "gcr.io/private/x:1"),
    ("scoped exclusion elsewhere", "gcr.io/private/x:1", "team-b", POD,
     "mirror.example.com/gcr/private/x:1"),
    ("kind scope with group", "quay.io/a/b:1", "default", JOB,
     "mirror.example.com/batch-quay/a/b:1"),
    ("kind scope without group", "quay.io/a/b:1", "default", DEPLOY,
     "mirror.example.com/quay-deploy/a/b:1"),
    ("out of every kind scope: all", "quay.io/a/b:1", "default", POD,
     f"{INTERNAL}/quay.io/a/b:1"),
    ("nothing else: all", "ghcr.io/a/b:1", "default", POD, f"{INTERNAL}/ghcr.io/a/b:1"),
    ("an exact result stays", "mirror.example.com/patched/nginx:1.25-p1", "default", POD,
     "mirror.example.com/patched/nginx:1.25-p1"),
    ("an excluded pattern result stays", "mirror.example.com/bitnami/kafka:4.0", "default", POD,
     "mirror.example.com/bitnami/kafka:4.0"),
    ("under a prefix target stays", f"{HUB}/library/nginx:1.25", "default", POD,
     f"{HUB}/library/nginx:1.25"),
]


def document(index: int, image: str, namespace: str, kind: tuple[str, str]) -> str:
    api_version, name = kind
    head = (f"---\napiVersion: {api_version}\nkind: {name}\n"
            f"metadata:\n  name: case-{index}\n  namespace: {namespace}\nspec:\n")
    containers = f"  containers:\n    - name: c\n      image: {image}\n"
    if name == "Pod":
        return head + containers
    return head + "  template:\n    spec:\n" + "".join(
        f"    {line}\n" for line in containers.splitlines())


def stream_of(cases: list[tuple[str, str, str, tuple[str, str], str]]) -> str:
    return "".join(document(i, c[1], c[2], c[3]) for i, c in enumerate(cases))


def images_in(output: bytes) -> list[str]:
    images = []
    for doc in YAML(typ="safe").load_all(output):
        spec = doc["spec"]["template"]["spec"] if "template" in doc["spec"] else doc["spec"]
        images.append(spec["containers"][0]["image"])
    return images


@functools.cache
def rewritten() -> tuple[bytes, list[str]]:
    result = run_cli(["-c", str(BEYOND)], stream_of(CASES))
    assert result.returncode == 0, result.stderr.decode()
    # the exclusion shadows the busybox exact rule; every other rule decided an image
    assert stderr_lines(result) == [SHADOWED], result.stderr.decode()
    return result.stdout, images_in(result.stdout)


@pytest.mark.parametrize(("why", "image", "namespace", "kind", "expected"), CASES,
                         ids=[c[0] for c in CASES])
def test_precedence(why: str, image: str, namespace: str, kind: tuple[str, str],
                    expected: str) -> None:
    position = next(i for i, c in enumerate(CASES) if c[0] == why)
    assert rewritten()[1][position] == expected


def test_a_second_run_changes_nothing() -> None:
    once, _ = rewritten()
    twice = run_cli(["-c", str(BEYOND)], once)
    assert (twice.returncode, twice.stdout) == (0, once)
    assert "error" not in twice.stderr.decode()


def write_rules(tmp_path: Path, text: str) -> str:
    path = tmp_path / "rules.yaml"
    path.write_text(text)
    return str(path)


ALL_LINE = 'imageReplacementRules: |\n  "all": "example.registry.com/internal-images"\n'
PATTERN = "  - pattern: 'docker\\.io/bitnami/(.*)'\n    target: 'mirror.example.com/b/\\1'\n"

# (id, rules file text, what the error says): each is a usage error, exit 2
CONFIG_ERRORS: list[tuple[str, str, str]] = [
    ("pattern-needs-examples", ALL_LINE + "rules:\n" + PATTERN,
     "rules[0]: a pattern rule needs `examples`"),
    ("example-mismatch", ALL_LINE + "exclude: [mirror.example.com/b]\nrules:\n" + PATTERN
     + "    examples: {'bitnami/x:1': 'mirror.example.com/b/y:1'}\n",
     "expected 'mirror.example.com/b/y:1', but the rules give 'mirror.example.com/b/x:1'"),
    ("example-does-not-match", ALL_LINE + "exclude: [mirror.example.com/b]\nrules:\n" + PATTERN
     + "    examples: {'quay.io/x:1': 'mirror.example.com/b/x:1'}\n",
     "its normalized form 'quay.io/x:1' does not match the pattern"),
    ("example-does-not-converge", ALL_LINE + "rules:\n" + PATTERN
     + "    examples: {'bitnami/x:1': 'mirror.example.com/b/x:1'}\n",
     "the rules must converge (add 'mirror.example.com/b' to `exclude`"),
    ("example-shadowed-by-exclusion", ALL_LINE + "exclude: [docker.io/bitnami/x]\nrules:\n"
     + PATTERN + "    examples: {'bitnami/x:1': 'mirror.example.com/b/x:1'}\n",
     "but the rules give 'bitnami/x:1' by exclude \"docker.io/bitnami/x\""),
    ("missing-group", ALL_LINE + "exclude: [mirror.example.com/b]\nrules:\n"
     "  - {pattern: 'docker\\.io/(.*)', target: 'mirror.example.com/b/\\2',"
     " examples: {'x/y:1': 'mirror.example.com/b/x/y:1'}}\n",
     "the target cannot be filled in"),
    ("bad-regex", ALL_LINE + "rules:\n  - {pattern: 'a(', target: x, examples: {a: b}}\n",
     "rules[0]: pattern 'a(':"),
    ("unknown-entry-key", ALL_LINE + "rules:\n  - {source: a.io, target: b.io, namespace: x}\n",
     "rules[0]: unknown key 'namespace'"),
    ("source-and-pattern", ALL_LINE + "rules:\n  - {source: a.io, pattern: b, target: c.io}\n",
     "rules[0]: give exactly one of `source` and `pattern`"),
    ("no-target", ALL_LINE + "rules:\n  - {source: a.io}\n", "rules[0]: `target` must be"),
    ("bad-namespace", ALL_LINE + "rules:\n  - {source: a.io, target: b.io, namespaces: [Team_A]}\n",
     "rules[0].namespaces: 'Team_A' is not a namespace name"),
    ("bad-kind", ALL_LINE + "rules:\n  - {source: a.io, target: b.io, kinds: ['apps/']}\n",
     "rules[0].kinds: kind 'apps/'"),
    ("examples-on-a-prefix", ALL_LINE
     + "rules:\n  - {source: a.io, target: b.io, examples: {a.io/x: b.io/x}}\n",
     "rules[0]: `examples` belong to a pattern rule"),
    ("bad-exact-target", ALL_LINE + "rules:\n  - {source: 'a.io/x:1', target: 'b.io/X:1'}\n",
     "rules[0]: target \"b.io/X:1\" of \"a.io/x:1\""),
    ("exclude-all", ALL_LINE + "exclude: [all]\n", "exclude[0]: `all` cannot be excluded"),
    ("exclude-not-a-prefix", ALL_LINE + "exclude: ['Not A/Prefix']\n", "exclude[0]: 'Not A/Prefix'"),
    ("exclude-not-a-list", ALL_LINE + "exclude: 3\n", "exclude: must be a list of entries"),
    ("host-port-or-image", 'imageReplacementRules: {"redis:7": "m.example.com/redis:7-p"}\n',
     '"redis:7" reads as a registry host:port: for one image write its repository too, '
     'e.g. "docker.io/library/redis:7"'),
]


@pytest.mark.parametrize(("text", "message"), [c[1:] for c in CONFIG_ERRORS],
                         ids=[c[0] for c in CONFIG_ERRORS])
def test_config_errors_name_the_entry(tmp_path: Path, text: str, message: str) -> None:
    path = write_rules(tmp_path, text)
    result = run_cli(["-c", path], document(0, "nginx", "default", POD))
    assert_no_traceback(result)
    assert (result.returncode, result.stdout) == (2, b"")
    [line] = stderr_lines(result)
    assert line.startswith(f"registry-rewrite: error: configuration: {path}: ")
    assert message in line


def test_a_result_another_rule_would_rewrite_again_is_an_error_at_run_time(
        tmp_path: Path) -> None:
    """The examples pass, but an exact rule's result falls under the pattern."""
    path = write_rules(tmp_path, (
        'imageReplacementRules: |\n  "a.example.com/x:1": "b.example.com/y:1"\n'
        "exclude: [c.example.com]\n"
        "rules:\n  - pattern: 'b\\.example\\.com/(.*)'\n    target: 'c.example.com/\\1'\n"
        "    examples: {'b.example.com/z:1': 'c.example.com/z:1'}\n"))
    stream = document(0, "a.example.com/x:1", "shop", DEPLOY)
    result = run_cli(["-c", path], stream)
    assert result.returncode == 1
    assert result.stdout.decode() == stream  # left unchanged, still written
    [line] = without_unmatched_rules(stderr_lines(result))
    for part in ("document 0 (Deployment/case-0)", "spec.template.spec.containers[0].image",
                 "'b.example.com/y:1'", "would rewrite again to 'c.example.com/y:1'",
                 "add 'b.example.com/y' to `exclude`",
                 # no rule is scoped: where the image is met changes nothing
                 "`registry-rewrite explain b.example.com/y:1` shows"):
        assert part in line, line


def test_a_later_rule_with_the_same_source_and_scope_replaces_an_earlier_one(
        tmp_path: Path) -> None:
    path = write_rules(tmp_path, ALL_LINE + "rules:\n"
                       "  - {source: gcr.io, target: m.example.com/one, namespaces: [a]}\n"
                       "  - {source: gcr.io, target: m.example.com/two, namespaces: [a]}\n")
    result = run_cli(["-c", path, "--rule", "library/nginx:1=m.example.com/flag/nginx:1"],
                     document(0, "gcr.io/x:1", "a", POD) + document(1, "nginx:1", "a", POD))
    assert result.returncode == 0, result.stderr
    assert images_in(result.stdout) == ["m.example.com/two/x:1", "m.example.com/flag/nginx:1"]


def test_an_image_without_a_namespace_is_outside_every_namespace_scope(
        tmp_path: Path) -> None:
    path = write_rules(tmp_path, ALL_LINE + "rules:\n"
                       "  - {source: gcr.io, target: m.example.com/a, namespaces: [a]}\n")
    stream = document(0, "gcr.io/x:1", "a", POD).replace("  namespace: a\n", "")
    result = run_cli(["-c", path], stream)
    assert images_in(result.stdout) == ["example.registry.com/internal-images/gcr.io/x:1"]
    assert "matched no image" in result.stderr.decode()


def test_images_names_the_rule_and_its_kind_and_the_exclusion_that_kept_an_image() -> None:
    stream = (document(0, "gcr.io/private/x:1", "kube-system", POD)
              + document(1, "nginx:1.25", "kube-system", POD)
              + document(2, "gcr.io/private/x:1", "team-b", POD))
    text = run_cli(["images", "-c", str(BEYOND)], stream)
    assert text.stdout.decode().splitlines() == [
        "docker.io/library/nginx:1.25 -> mirror.example.com/patched/nginx:1.25-p1",
        'gcr.io/private/x:1 (excluded by exclude "gcr.io/private" (in namespaces kube-system))',
        "gcr.io/private/x:1 -> mirror.example.com/gcr/private/x:1",
    ]
    listed = json.loads(run_cli(["images", "-c", str(BEYOND), "--format", "json"],
                                stream).stdout)
    assert [(entry["rule"] or {}).get("kind") for entry in listed] == ["exact", "prefix", None]
    assert listed[2]["reason"].startswith('excluded by exclude "gcr.io/private"')
