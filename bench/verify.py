#!/usr/bin/env python3
"""Benchmark `registry-rewrite verify`: N references, cold (asking the mirror)
and with the lock file (no network).

A TLS + htpasswd distribution registry on 127.0.0.1 (as in the tests:
tests/registries.py) holds N small single-layer images under the mirror's
prefix; the stream names them by their source names, so `verify` rewrites
and then checks each one.  Cold runs ask the mirror (`-j 1` and the default
`-j 8`); lock runs read the lock file a first run wrote.  The variants
alternate round after round, so a slow spell of the shared machine hits all
alike; medians are reported.

Usage: python3 bench/verify.py [--images N] [--rounds R]   (Markdown line on stdout)
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
SOURCE = "registry.example.com"  # never contacted: the rules map it to the mirror


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    tools = {name: shutil.which(name) for name in ("docker-registry", "skopeo", "openssl")}
    missing = [name for name, path in tools.items() if path is None]
    if missing:
        print(f"bench/verify.py: {', '.join(missing)} not found (run scripts/install-tools)",
              file=sys.stderr)
        return 0
    cli = shutil.which("registry-rewrite") or str(Path(sys.executable).with_name(
        "registry-rewrite"))
    password = secrets.token_urlsafe(18)
    with tempfile.TemporaryDirectory(prefix="bench-verify-") as tmp:
        root = Path(tmp)
        mirror = start_registry(str(tools["docker-registry"]), root / "mirror",
                                tls=make_ca(root / "pki"), user=USER, password=password)
        try:
            for i in range(args.images):
                layout = OCILayout(root / "layouts" / f"img{i}")
                layout.add("1", f"bench image {i}")
                push(str(tools["skopeo"]), layout.path, "1", mirror, f"m/bench/img{i}:1")
            stream = "".join(
                f"---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}\nspec:\n"
                f"  containers:\n  - name: c\n    image: {SOURCE}/bench/img{i}:1\n"
                for i in range(args.images)).encode()
            config = root / "rules.yaml"
            config.write_text(
                f'imageReplacementRules:\n  "{SOURCE}": "{mirror.host}/m"\n'
                f"credentials:\n  - domain: {mirror.host}\n    username: {USER}\n"
                f"    passwordRef: {{env: {PASSWORD_VAR}}}\n"
                f"registries:\n  {mirror.host}: {{caFile: {mirror.ca_file}}}\n")
            env = {**os.environ, PASSWORD_VAR: password}
            lock = root / "images.lock.json"

            def run(*extra: str) -> float:
                start = time.perf_counter()
                done = subprocess.run([cli, "verify", "-c", str(config), *extra],
                                      input=stream, capture_output=True, env=env, check=False)
                elapsed = time.perf_counter() - start
                last = done.stderr.decode().splitlines()[-1]
                if done.returncode != 0 or f"all {args.images} mirror references" not in last:
                    raise SystemExit(f"verify {extra} failed: {done.stderr.decode()[-500:]}")
                return elapsed

            run("--lock", str(lock))  # writes the lock file (and warms the registry)
            variants = {"cold -j 1": ("-j", "1"), "cold -j 8": ("-j", "8"),
                        "lock": ("--lock", str(lock))}
            times: dict[str, list[float]] = {name: [] for name in variants}
            for r in range(args.rounds):
                order = list(variants) if r % 2 == 0 else list(reversed(variants))
                for name in order:
                    times[name].append(run(*variants[name]))
                    print(f"round {r}: {name}: {times[name][-1]:.2f}s", file=sys.stderr)
        finally:
            mirror.stop()
    median = {name: statistics.median(t) for name, t in times.items()}
    load = os.getloadavg()[0]
    print(f"| verify, {args.images} references (1-layer images), TLS + htpasswd mirror on "
          f"127.0.0.1 | cold -j 1: {median['cold -j 1']:.2f}s | cold -j 8: "
          f"{median['cold -j 8']:.2f}s | lock file: {median['lock']:.2f}s | median of "
          f"{args.rounds}, {os.cpu_count()} cores, load average {load:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
