"""docs/kinds.md is generated from extractors.yaml and must not go stale."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT

SCRIPT = ROOT / "scripts" / "kinds_table.py"


def test_committed_kinds_page_matches_the_data() -> None:
    result = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr.decode()


def test_the_page_lists_every_row_and_the_new_shapes() -> None:
    from post_renderer.extract.rows import builtin_table_data

    page = (ROOT / "docs" / "kinds.md").read_text()
    rows, _ = builtin_table_data()
    assert page.count("\n| ") - page.count("\n| kind |") >= len(rows)
    for text in ("| OpenTelemetryCollector | opentelemetry.io |", "| CephCluster | ceph.rook.io |",
                 "`rook-csi-operator-image-set-configmap`", "in containers `crossplane-init`",
                 "image maps (`key=REF` entries) `STRIMZI_KAFKA_IMAGES`", "`spec.imagePullSecrets`",
                 "| KafkaConnect | kafka.strimzi.io |  | `spec.build.output.image` |",
                 "`istio-sidecar-injector`"):
        assert text in page, text
