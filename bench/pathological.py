#!/usr/bin/env python3
"""Hostile inputs: time and peak RSS of registry-rewrite on each, with the
outcome it must have (docs/robustness.md).

Why: resource bounds are a promise on inputs nobody writes by hand, so each
class gets one input built to hit it, and the row shows the bound holds:
the alias bomb of nested aliased Lists (every walk visits a node once), a
merge-key bomb (copies budgeted), flow and block nesting past the limits
(refused quickly), a 40 MB first document that mentions ResourceList (only
its top-level keys decide KRM mode), and many small documents (memory bound
by the largest document, not the stream: no --report).

Usage: python3 bench/pathological.py [--documents N] > table.md
(bench/run.py --pathological appends the same table to its report.)
Inputs are written to a temporary directory; nothing is kept.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import MB, registry_rewrite_command, run_once  # noqa: E402

ARGS = ("--all", "mirror.example.com")
POD = (b"---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p%d\nspec:\n  containers:\n"
       b"  - name: c\n    image: nginx:1\n")


def alias_bomb() -> Iterator[bytes]:
    """10^11 paths through 12 levels of Lists aliased ten times each."""
    yield (b"apiVersion: v1\nkind: List\nx:\n  l0: &l0 {apiVersion: v1, kind: List, items: "
           b"[{apiVersion: v1, kind: Pod, spec: {containers: [{name: c, image: 'nginx:1'}]}}]}\n")
    for i in range(1, 12):
        yield (f"  l{i}: &l{i} {{apiVersion: v1, kind: List, items: ["
               + ", ".join([f"*l{i - 1}"] * 10) + "]}\n").encode()
    yield b"items: [*l11]\n"


def merge_bomb() -> Iterator[bytes]:
    """2000 mappings merging a 1000-key anchor 100 times each (2*10^8 copies)."""
    yield b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n"
    yield b"    a0: &a0 {" + b", ".join(b"k%d: v" % i for i in range(1000)) + b"}\n"
    for i in range(1, 2000):
        yield b"    a%d: {<<: [" % i + b", ".join([b"*a0"] * 100) + b"]}\n"
    yield b"spec:\n  containers:\n  - name: c\n    image: nginx:1\n"


def flow_nesting() -> Iterator[bytes]:
    """100000 levels of flow sequences (refused past 1000)."""
    yield b"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
    yield b"  - name: c\n    image: nginx:1\n    args: " + b"[" * 100_000 + b"]" * 100_000 + b"\n"


def block_nesting() -> Iterator[bytes]:
    """9990 levels of block mappings (allowed; refused past 10000)."""
    yield b"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
    yield b"  - name: c\n    image: nginx:1\n  x:\n"
    for depth in range(9_990):
        yield b" " * (depth + 3) + b"a:\n"


def resource_list_word(size: int = 40 * MB) -> Iterator[bytes]:
    """A 40 MB List whose items mention ResourceList (not a KRM ResourceList)."""
    item = (b"- {apiVersion: v1, kind: Pod, metadata: {name: p, annotations: "
            b"{a: ResourceList}}, spec: {containers: [{name: c, image: 'nginx:1'}]}}\n")
    yield b"apiVersion: v1\nkind: List\nitems:\n"
    for _ in range(size // len(item)):
        yield item


def small_documents(count: int) -> Callable[[], Iterator[bytes]]:
    def build() -> Iterator[bytes]:
        for i in range(count):
            yield POD % i
    build.__doc__ = f"{count} small Pods, block style, no --report"
    return build


def table(rr: list[str], documents: int = 1_000_000) -> str:
    """The hostile inputs through the command `rr` (a console script)."""
    cases: list[tuple[str, Callable[[], Iterator[bytes]], str]] = [
        ("alias bomb (nested aliased Lists)", alias_bomb, "exit 0, 1 image rewritten once"),
        ("merge-key bomb", merge_bomb, "exit 1, merge keys copy too many entries"),
        ("flow nesting, 100000 levels", flow_nesting, "exit 1, nested deeper than 1000"),
        ("block nesting, 9990 levels", block_nesting, "exit 0"),
        ("40 MB first document mentioning ResourceList", resource_list_word,
         "exit 0, streamed as a List"),
        (f"{documents} small documents", small_documents(documents), "exit 0, RSS < 100 MB"),
    ]
    rows = ["| input | MB | exit | wall s | peak RSS MB | expected |",
            "|---|---:|---:|---:|---:|---|"]
    with tempfile.TemporaryDirectory(prefix="rr-patho-") as tmp:
        for label, build, expected in cases:
            path = Path(tmp) / "input.yaml"
            with path.open("wb") as out:
                for block in build():
                    out.write(block)
            size = path.stat().st_size
            print(f"pathological: {label} ({size / MB:.1f} MB)", file=sys.stderr, flush=True)
            run = run_once([*rr, *ARGS], path)
            rows.append(f"| {label} | {size / MB:.1f} | {run.returncode} | {run.wall:.2f} | "
                        f"{run.max_rss_kb / 1024:.1f} | {expected} |")
            path.unlink()
    return "\n".join(rows) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=1_000_000,
                        help="how many small documents in the last row")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rr-patho-install-") as tmp:
        rr, _ = registry_rewrite_command(None, Path(tmp))
        print("## Pathological inputs\n")
        print(table(rr, args.documents))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
