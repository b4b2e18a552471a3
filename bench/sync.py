#!/usr/bin/env python3
"""Benchmark `registry-rewrite sync`: images per second with -j 1 and -j 8.

Two distribution registries on 127.0.0.1 (plain-HTTP source, TLS + htpasswd
mirror, as in the tests: tests/registries.py), N small single-layer images
pushed to the source, then `sync` into the mirror under a fresh prefix per
run, so every run copies all N (nothing is already present).  One untimed
warm-up run first: skopeo may mount blobs it has seen in the same registry,
and the first run would otherwise be the only one that cannot.  The -j 1 and
-j 8 runs alternate, round after round, so a slow spell of the shared machine
hits both alike; medians are reported.

Usage: python3 bench/sync.py [--images N] [--rounds R]   (Markdown line on stdout)
Needs docker-registry, skopeo and openssl (scripts/install-tools).
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from registries import OCILayout, make_ca, push, start_registry  # noqa: E402

USER, PASSWORD_VAR = "bench", "BENCH_MIRROR_PASSWORD"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=24)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    tools = {name: shutil.which(name) for name in ("docker-registry", "skopeo", "openssl")}
    missing = [name for name, path in tools.items() if path is None]
    if missing:
        print(f"bench/sync.py: {', '.join(missing)} not found (run scripts/install-tools)",
              file=sys.stderr)
        return 0
    cli = shutil.which("registry-rewrite") or str(Path(sys.executable).with_name(
        "registry-rewrite"))
    password = secrets.token_urlsafe(18)
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
        root = Path(tmp)
        registry = str(tools["docker-registry"])
        source = start_registry(registry, root / "source")
        mirror = start_registry(registry, root / "mirror", tls=make_ca(root / "pki"), user=USER,
                                password=password)
        try:
            images = []
            for i in range(args.images):
                layout = OCILayout(root / "layouts" / f"img{i}")
                layout.add("1", f"bench image {i}")
                push(str(tools["skopeo"]), layout.path, "1", source, f"bench/img{i}:1")
                images.append(f"{source.host}/bench/img{i}:1")
            stream = "".join(
                f"---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}\nspec:\n"
                f"  containers:\n  - name: c\n    image: {image}\n"
                for i, image in enumerate(images)).encode()
            env = {**os.environ, PASSWORD_VAR: password}

            def run(jobs: int, prefix: str) -> float:
                config = root / f"{prefix}.yaml"
                config.write_text(
                    f'imageReplacementRules:\n  "{source.host}": "{mirror.host}/{prefix}"\n'
                    f"credentials:\n  - domain: {mirror.host}\n    username: {USER}\n"
                    f"    passwordRef: {{env: {PASSWORD_VAR}}}\n"
                    f"registries:\n  {source.host}: {{plainHTTP: true}}\n"
                    f"  {mirror.host}: {{caFile: {mirror.ca_file}}}\n")
                start = time.perf_counter()
                done = subprocess.run([cli, "sync", "-c", str(config), "-j", str(jobs)],
                                      input=stream, capture_output=True, env=env, check=False)
                elapsed = time.perf_counter() - start
                last = done.stderr.decode().splitlines()[-1]
                if done.returncode != 0 or f"{args.images} copied" not in last:
                    raise SystemExit(f"sync -j {jobs} failed: {done.stderr.decode()[-500:]}")
                return elapsed

            run(8, "warmup")
            times: dict[int, list[float]] = {1: [], 8: []}
            for r in range(args.rounds):
                for jobs in ((1, 8) if r % 2 == 0 else (8, 1)):
                    times[jobs].append(run(jobs, f"r{r}j{jobs}"))
                    print(f"round {r}: -j {jobs}: {times[jobs][-1]:.1f}s", file=sys.stderr)
        finally:
            mirror.stop()
            source.stop()
    rate = {jobs: args.images / statistics.median(t) for jobs, t in times.items()}
    load = os.getloadavg()[0]
    print(f"| sync, {args.images} small images (1 layer, ~200 B), 127.0.0.1 source → TLS "
          f"mirror | -j 1: {rate[1]:.1f} images/s | -j 8: {rate[8]:.1f} images/s "
          f"(×{rate[8] / rate[1]:.1f}) | median of {args.rounds}, {os.cpu_count()} cores, "
          f"load average {load:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
