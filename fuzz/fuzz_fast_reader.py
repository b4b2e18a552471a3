#!/usr/bin/env python3
"""Coverage-guided fuzzing of the fast YAML reader against libyaml, with
atheris (not run in CI).

Why: the fast reader (post_renderer/yaml/fast.py) is trusted only where it
reads a document exactly as libyaml does, and refuses everything else.  The
differential tests cover generated and edited documents; a fuzzer steers
into the branches they miss.  Each input is decoded as UTF-8 (inputs that
are not are skipped: the reader only ever sees decoded text) and checked by
tests/located.py: nothing raises, and whenever the fast reader accepts
(with and without spans), libyaml accepts too and builds the same Located
(values, spans, styles, lines, key types and order, collection spans).  The
pre-parse test's top_level_fast, when it answers, answers as libyaml's events.

Usage (seeds are every document of fixtures/ and, when present, of
../shared/corpus; findings are written to fuzz/findings/):

    python3 -m pip install atheris
    python3 fuzz/fuzz_fast_reader.py -max_total_time=600
    python3 fuzz/fuzz_fast_reader.py fuzz/findings/crash-...   # replay one input
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import atheris

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

with atheris.instrument_imports(include=["post_renderer"]):
    from located import check

    from post_renderer.yaml.split import split_documents
    from post_renderer.yaml.toplevel import top_level_fast, top_level_libyaml


def test_one_input(data: bytes) -> None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    check(text)
    fast = top_level_fast(data)
    assert fast is None or fast == top_level_libyaml(data), data


def seed_corpus() -> str:
    """One file per document of the fixtures and the corpus."""
    work = Path(tempfile.mkdtemp(prefix="rr-fuzz-fast-"))
    sources = [*sorted((ROOT / "fixtures").rglob("*.yaml")),
               *sorted((ROOT.parent / "shared" / "corpus").glob("*.yaml"))]
    count = 0
    for path in sources:
        with path.open("rb") as stream:
            for chunk in split_documents(stream):
                (work / f"{count:05d}.yaml").write_bytes(chunk.data)
                count += 1
    return str(work)


def main() -> None:
    args = list(sys.argv)
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
