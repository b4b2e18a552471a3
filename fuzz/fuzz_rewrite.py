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

Usage (seeds come from fixtures/; findings are written to fuzz/findings/):

    python3 -m pip install atheris
    python3 fuzz/fuzz_rewrite.py -max_total_time=600          # 10 minutes
    python3 fuzz/fuzz_rewrite.py fuzz/findings/crash-...      # replay one input

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
from pathlib import Path

import atheris

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

with atheris.instrument_imports(include=["post_renderer"]):
    from post_renderer.extractors import build_table
    from post_renderer.pipeline import Context, rewrite_bytes
    from post_renderer.rules import RuleSet
    from post_renderer.stream import split_documents

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
            assert outcome.data == chunk.data, f"document {chunk.index} changed without a rewrite"
    step = 1 + (data[0] % 97 if data else 0)
    trickled = [c.data for c in split_documents(io.BufferedReader(_Trickle(data, step)))]
    assert trickled == [c.data for c in chunks], "split depends on pipe read sizes"
    again, _ = rewrite_bytes(out, CTX)
    assert again == out, "second run changed the output"


def test_one_input(data: bytes) -> None:
    check(data)


def seed_corpus() -> str:
    work = Path(tempfile.mkdtemp(prefix="rr-fuzz-corpus-"))
    for n, path in enumerate(sorted((ROOT / "fixtures").rglob("*.yaml"))):
        shutil.copyfile(path, work / f"{n:03d}-{path.name}")
    return str(work)


def main() -> None:
    args = sys.argv[:]
    findings = ROOT / "fuzz" / "findings"
    findings.mkdir(exist_ok=True)
    if not any(a.startswith("-artifact_prefix=") for a in args):
        args.append(f"-artifact_prefix={findings}/")
    if not any(a.startswith("-dict=") for a in args):
        args.append(f"-dict={ROOT / 'fuzz' / 'yaml.dict'}")
    if not any(not a.startswith("-") and os.path.exists(a) for a in args[1:]):
        args.append(seed_corpus())
    atheris.Setup(args, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
