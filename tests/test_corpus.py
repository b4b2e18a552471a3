"""End to end over the real rendered charts in ../shared/corpus (skipped without it)."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from conftest import CORPUS, FIXTURES, run_cli, without_unmatched_rules
from ruamel.yaml import YAML

from post_renderer.rewrite.rules import Rewrite, RuleSet, decide

FILES = sorted(CORPUS.glob("*.yaml")) if CORPUS.is_dir() else []
ARGS = ["-c", str(FIXTURES / "rules" / "seed.yaml"),
        "--rule", "docker.io=mirror.example.com/hub", "--rule", "quay.io=mirror.example.com/quay"]
RULES = RuleSet.from_pairs([
    ("all", "example.registry.com/internal-images"),
    ("us-docker.pkg.dev/palette-images", "example.registry.com/internal-images"),
    ("docker.io", "mirror.example.com/hub"), ("quay.io", "mirror.example.com/quay"),
])
WORKLOAD_KINDS = {"Pod", "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicaSet"}

pytestmark = pytest.mark.skipif(not FILES, reason=(
    f"needs the rendered charts in {CORPUS}, which only the project's shared machines have "
    "(not distributed; nothing to install)"))


def pod_spec_images(doc: dict) -> list[str]:
    spec = doc.get("spec", {})
    if doc["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    if doc["kind"] != "Pod":
        spec = spec["template"]["spec"]
    return [c["image"] for f in ("initContainers", "containers", "ephemeralContainers")
            for c in spec.get(f) or []]


# file -> (rewritten lines, errors): the errors are registries with a port under
# "all" (an invalid rewrite fails), e.g. redis's registry.internal.example:5000
EXPECTED = {
    "argo-workflows.yaml": (8, 0),  # 7 image fields (CronWorkflow, WorkflowTemplate) + --executor-image
    "cert-manager.yaml": (5, 0),  # 4 image fields + --acme-http01-solver-image=
    "ingress-nginx-palette.yaml": (4, 0),
    "ingress-nginx.yaml": (6, 0),
    "kafka.yaml": (13, 0),
    "kube-prometheus-stack.yaml": (22, 1),  # 21 fields + 2 operator flags; localhost:5000 errs
    "postgresql.yaml": (7, 0),
    "redis.yaml": (0, 5),
}
FLAG_LINES = ("--prometheus-config-reloader=", "--thanos-default-base-image=",
              "--acme-http01-solver-image=", "quay.io/argoproj/argoexec:v4.0.6")


@pytest.mark.parametrize("path", FILES, ids=[f.name for f in FILES])
def test_corpus_every_image_and_nothing_else(path: Path) -> None:
    """CRD images and flag images are rewritten too, the audit stays silent."""
    source = path.read_text()
    result = run_cli(ARGS, source)
    rewritten, errors = EXPECTED[path.name]
    stderr = without_unmatched_rules(result.stderr.decode().splitlines())
    assert len(stderr) == errors and all(" error: " in line for line in stderr), stderr
    assert not any("warning" in line for line in stderr)
    assert result.returncode == (1 if errors else 0)
    diff = [line for line in difflib.unified_diff(source.splitlines(),
                                                  result.stdout.decode().splitlines(),
                                                  lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert len(diff) == 2 * rewritten
    assert all("image:" in line or any(f in line for f in FLAG_LINES)
               or "mirror.example.com/quay/argoproj/argoexec" in line for line in diff), diff
    again = run_cli(ARGS, result.stdout)
    assert again.stdout == result.stdout


@pytest.mark.parametrize("path", FILES, ids=[f.name for f in FILES])
def test_corpus_workload_images(path: Path) -> None:
    source = path.read_text()
    result = run_cli(ARGS, source)
    docs_in = [d for d in YAML(typ="safe").load_all(source)]
    expected_errors = 0
    for doc in docs_in:
        if isinstance(doc, dict) and doc.get("kind") in WORKLOAD_KINDS:
            expected_errors += sum(not isinstance(decide(i, RULES), Rewrite)
                                   and "already" not in str(decide(i, RULES))
                                   for i in pod_spec_images(doc))
    assert expected_errors <= EXPECTED[path.name][1]
    out = result.stdout.decode()
    docs_out = list(YAML(typ="safe").load_all(out))
    assert len(docs_out) == len(docs_in)
    rewritten = 0
    for old, new in zip(docs_in, docs_out, strict=True):
        if isinstance(old, dict) and old.get("kind") in WORKLOAD_KINDS:
            for before, after in zip(pod_spec_images(old), pod_spec_images(new), strict=True):
                decision = decide(before, RULES)
                assert after == (decision.new if isinstance(decision, Rewrite) else before)
                rewritten += after != before
    assert rewritten <= EXPECTED[path.name][0]
