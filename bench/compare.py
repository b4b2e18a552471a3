#!/usr/bin/env python3
"""Compare this checkout with another (a base commit's worktree), interleaved.

The machine is shared, so the two trees run in turn, round after round, on
the same inputs, and only medians and their ratio are reported: a slow spell
hits both alike.  CPU time (user + system, which a busy machine inflates less
than wall time) is reported beside wall time.  Each run is a fresh
`python -m post_renderer` with PYTHONPATH set to its tree (one interpreter).

Inputs, from ../shared/corpus: the 7 distinct charts concatenated (`corpus`),
ingress-nginx alone (`small`), and the corpus with credentials for the mirror
registries (`credentials`: pull secrets and generated Secrets, the route that
re-parsed documents before the pipeline kept their tree).

Usage: python3 bench/compare.py BASE_TREE [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
CHARTS = ("argo-workflows", "cert-manager", "ingress-nginx", "kafka",
          "kube-prometheus-stack", "postgresql", "redis")
RULES = ROOT / "fixtures" / "rules" / "mirrors.yaml"
CREDENTIALS = """credentials:
- domain: mirror.example.com
  username: robot
  passwordRef: {env: BENCH_PASSWORD}
- domain: example.registry.com
  username: robot
  passwordRef: {env: BENCH_PASSWORD}
"""


def run(tree: Path, args: list[str], data: bytes) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run."""
    env = {**os.environ, "PYTHONPATH": str(tree), "BENCH_PASSWORD": "bench"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    # In the tree's own directory: `-m` puts the working directory first on
    # sys.path, ahead of PYTHONPATH, so run from another checkout it would
    # import that checkout for both trees.
    done = subprocess.run([sys.executable, "-m", "post_renderer", *args], input=data,
                          capture_output=True, env=env, check=False, cwd=tree)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{tree}: exit {done.returncode}: {done.stderr.decode()[:300]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", type=Path)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    if not CORPUS.is_dir():
        print(f"no corpus at {CORPUS}: nothing to measure")
        return 0
    corpus = b"".join((CORPUS / f"{c}.yaml").read_bytes() for c in CHARTS)
    small = (CORPUS / "ingress-nginx.yaml").read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        rules = Path(tmp) / "rules.yaml"
        rules.write_text(RULES.read_text() + CREDENTIALS)
        cases = {"corpus": (["-c", str(RULES)], corpus),
                 "small": (["-c", str(RULES)], small),
                 "credentials": (["-c", str(rules)], corpus)}
        trees = {"base": args.base.resolve(), "this": ROOT}
        times: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for _ in range(args.rounds):
            for case, (case_args, data) in cases.items():
                for name, tree in trees.items():
                    times.setdefault((case, name), []).append(run(tree, case_args, data))
    print(f"{args.rounds} rounds, interleaved; medians in ms (CPU: user + system)")
    print("| input | wall base | wall this | ratio | CPU base | CPU this | ratio |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for case in cases:
        row = [case]
        for column in (0, 1):
            base = statistics.median(t[column] for t in times[(case, "base")]) * 1000
            this = statistics.median(t[column] for t in times[(case, "this")]) * 1000
            row += [f"{base:.0f}", f"{this:.0f}", f"{this / base:.2f}"]
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
