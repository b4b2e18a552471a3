#!/usr/bin/env python3
"""Coverage-guided fuzzing of the rewrite pipeline with atheris (not run in CI).

Why: the robustness tests cover the inputs we thought of; a fuzzer finds the
ones we did not (odd YAML that libyaml accepts, boundaries the line scanner
sees differently, values the reference parser mis-handles).  Every input goes
through the same code the CLI streams through, and these properties are
checked, so a finding is a failed property, not only a crash:

- nothing raises (the CLI would print an `internal error` line instead of a
  diagnostic naming the document);
- documents out = documents in, each output document is its input document
  when it was not rewritten, and the stream is the input byte for byte when
  nothing was rewritten;
- splitting does not depend on how the pipe delivers the bytes;
- a second run over the output changes nothing (idempotence).

With `--krm`, the input is a KRM ResourceList instead, answered as kustomize
and kpt would get it (krm.run, the functionConfig read as a rules layer):
nothing raises, an input that is not a ResourceList is left to the stream
target, the answer still parses as one ResourceList with as many items, and
an answer without diagnostics is answered unchanged the second time.

Usage (seeds come from fixtures/; findings are written to fuzz/findings/):

    python3 -m pip install atheris
    python3 fuzz/fuzz_rewrite.py -max_total_time=600          # 10 minutes
    python3 fuzz/fuzz_rewrite.py fuzz/findings/crash-...      # replay one input
    python3 fuzz/fuzz_rewrite.py --krm -max_total_time=600    # the KRM adapter

Without arguments naming a corpus directory, a working corpus is made in a
temporary directory from every *.yaml file under fixtures/, and
fuzz/yaml.dict gives libFuzzer YAML tokens to splice in.
"""

from __future__ import annotations

import io
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import atheris

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

with atheris.instrument_imports(include=["post_renderer"]):
    from post_renderer.config.load import Config, Layer, build_config
    from post_renderer.extract.table import build_table
    from post_renderer.pipeline import krm
    from post_renderer.pipeline.build import Options, rewrite_bytes
    from post_renderer.rewrite.rules import RuleSet
    from post_renderer.stages.rewrite import Context
    from post_renderer.yaml.split import split_documents
    from post_renderer.yaml.tree import LocateError, locate

RULES = RuleSet.from_pairs([
    ("all", "example.registry.com/internal-images"),
    ("us-docker.pkg.dev/palette-images", "example.registry.com/internal-images"),
    ("docker.io", "mirror.example.com/hub"),
    ("quay.io", "mirror.example.com/quay"),
    ("localhost:5000", "mirror.example.com/local"),
])
CTX = Context(RULES, build_table())


class _Trickle(io.RawIOBase):
    """A pipe that hands over the bytes in small, input-dependent pieces."""

    def __init__(self, data: bytes, step: int) -> None:
        self.data, self.pos, self.step = data, 0, step

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        n = min(len(buffer), self.step, len(self.data) - self.pos)
        buffer[:n] = self.data[self.pos:self.pos + n]
        self.pos += n
        return n


def check(data: bytes) -> None:
    out, outcomes = rewrite_bytes(data, CTX)
    chunks = list(split_documents(io.BytesIO(data)))
    assert len(outcomes) == len(chunks), "documents out != documents in"
    assert b"".join(c.data for c in chunks) == data, "split lost or added bytes"
    for chunk, outcome in zip(chunks, outcomes, strict=True):
        if not any(o.rewritten for o in outcome.occurrences):
            assert outcome.output() == chunk.data, f"document {chunk.index} changed, no rewrite"
    step = 1 + (data[0] % 97 if data else 0)
    trickled = [c.data for c in split_documents(io.BufferedReader(_Trickle(data, step)))]
    assert trickled == [c.data for c in chunks], "split depends on pipe read sizes"
    again, _ = rewrite_bytes(out, CTX)
    assert again == out, "second run changed the output"


def configure(layers: Sequence[Layer]) -> Config:
    """What the CLI's configure does for a ResourceList, with `all` always set."""
    return build_config(None, [], "example.registry.com/internal-images", environ={},
                        layers=layers)


def answer(data: bytes) -> tuple[bytes, int] | None:
    """krm.run's answer and its diagnostic count, or None when `data` does not
    start with a ResourceList (the stream target's ground)."""
    chunks = split_documents(io.BytesIO(data))
    first = next(chunks, None)
    doc = krm.parse_resource_list(first.data) if first else None
    if first is None or doc is None:
        return None
    out = io.BytesIO()
    diagnostics: list[object] = []
    krm.answer(first, chunks, doc, configure, Options(), out, diagnostics.append)
    return out.getvalue(), len(diagnostics)


def items_of(data: bytes) -> int:
    root = locate(data.decode("utf-8")).root
    assert isinstance(root, dict) and root.get("kind") == "ResourceList", "not a ResourceList"
    items = root.get("items")
    return len(items) if isinstance(items, list) else -1


def check_krm(data: bytes) -> None:
    answered = answer(data)
    if answered is None:
        return
    out, diagnostics = answered
    first = next(split_documents(io.BytesIO(data))).data
    try:
        before = items_of(first)
    except (LocateError, UnicodeDecodeError):
        return  # parse_resource_list read it with a different parser: nothing to compare
    assert items_of(out) == before, "items lost or added"
    if diagnostics == 0:
        again = answer(out)
        assert again is not None and again == (out, 0), "second answer differs"


TARGET = check


def test_one_input(data: bytes) -> None:
    TARGET(data)


def seed_corpus(pattern: str) -> str:
    work = Path(tempfile.mkdtemp(prefix="rr-fuzz-corpus-"))
    for n, path in enumerate(sorted((ROOT / "fixtures").rglob(pattern))):
        shutil.copyfile(path, work / f"{n:03d}-{path.name}")
    return str(work)


def main() -> None:
    global TARGET
    args = [a for a in sys.argv if a != "--krm"]
    krm_mode = len(args) != len(sys.argv)
    if krm_mode:
        TARGET = check_krm
    findings = ROOT / "fuzz" / "findings"
    findings.mkdir(exist_ok=True)
    if not any(a.startswith("-artifact_prefix=") for a in args):
        args.append(f"-artifact_prefix={findings}/")
    if not any(a.startswith("-dict=") for a in args):
        args.append(f"-dict={ROOT / 'fuzz' / 'yaml.dict'}")
    if not any(not a.startswith("-") and os.path.exists(a) for a in args[1:]):
        args.append(seed_corpus("*resourcelist*.yaml" if krm_mode else "*.yaml"))
    atheris.Setup(args, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
