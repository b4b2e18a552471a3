"""Each distinct reference is decided once per run, within bounds."""

from __future__ import annotations

from post_renderer.config.load import build_config
from post_renderer.extract.table import build_table
from post_renderer.model import Document
from post_renderer.stages.rewrite import DECIDED_LENGTH, DECISIONS_KEPT, Context, RewriteStage

RULES = build_config(None, ["docker.io=mirror.example.com/hub"], environ={}).rules


def pod(image: str) -> bytes:
    return (f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n"
            f"  - name: c\n    image: {image}\n").encode()


def run(stage: RewriteStage, image: str) -> bytes:
    doc = Document(0, 1, pod(image))
    stage.process(doc)
    return doc.output()


def test_a_repeated_reference_is_rewritten_alike_every_time() -> None:
    stage = RewriteStage(Context(RULES, build_table()))
    outputs = {run(stage, "nginx:1.25") for _ in range(3)}
    assert outputs == {pod("mirror.example.com/hub/library/nginx:1.25")}
    assert list(stage.decisions) == ["nginx:1.25"]


def test_the_decisions_kept_are_bounded_in_number_and_length() -> None:
    stage = RewriteStage(Context(RULES, build_table()))
    for i in range(DECISIONS_KEPT + 10):
        assert run(stage, f"app{i}:v1") == pod(f"mirror.example.com/hub/library/app{i}:v1")
    assert 0 < len(stage.decisions) <= DECISIONS_KEPT
    long_name = "a" * DECIDED_LENGTH + ":v1"
    run(stage, long_name)
    assert long_name not in stage.decisions


DIGEST = "sha256:" + "ab" * 32


def test_references_differing_only_in_case_tag_or_digest_are_decided_apart() -> None:
    """The cache is keyed by the exact reference: a hit for one spelling must
    never answer for another."""
    stage = RewriteStage(Context(RULES, build_table()))
    hub = "mirror.example.com/hub/library/"
    expected = {
        "nginx:1.25": hub + "nginx:1.25",
        "nginx:1.26": hub + "nginx:1.26",
        f"nginx@{DIGEST}": f"{hub}nginx@{DIGEST}",
        f"nginx:1.25@{DIGEST}": f"{hub}nginx:1.25@{DIGEST}",
        "docker.io/library/nginx:1.25": hub + "nginx:1.25",
        "NGINX:1.25": "NGINX:1.25",  # not a valid reference: left as it is, with an error
    }
    for _ in range(2):  # the second round is answered from the cache
        for image, rewritten in expected.items():
            doc = Document(0, 1, pod(image))
            stage.process(doc)
            assert doc.output() == pod(rewritten), image
            assert bool(doc.diagnostics) == (image == "NGINX:1.25"), image
    assert sorted(stage.decisions) == sorted(expected)
