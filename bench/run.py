#!/usr/bin/env python3
"""Benchmark registry-rewrite against its floor (`cat`) and its peers.

Why a script and not timed tests: wall time on a shared 2-core machine is
noisy, so speed is reported as medians over several runs, side by side with
the tools a user would compare us with, measured in the same run:

- `cat`, the floor: what moving the bytes through a pipe costs;
- `python -c pass`, the floor for any Python tool (interpreter start-up), run
  by the interpreter of the registry-rewrite console script itself (its
  shebang): a pyenv shim in front of it would add its own start-up;
- a naive Python post-renderer: ruamel.yaml round-trip `load_all` + `dump_all`;
- `kustomize build` with an `images:` entry per distinct image name, the
  rewrite users already know (only when kustomize is installed).

registry-rewrite is measured as users run it: this checkout installed by pip
from a wheel into a temporary venv (`install.py`), its console script.  The
checkout's own editable install pays for setuptools' editable finder at every
start; it is one more row of the single-chart table, to show by how much.
With `--base REF` (e.g. `main`), that commit is installed alike and measured in
the same rounds on the corpus, the single chart, the Deployment and the Pods,
after a check that both write the same bytes: the nothing-regresses rows.

Every run is a fresh subprocess fed through a pipe, like Helm feeds a
post-renderer.  The commands compared with each other run in turn, round after
round, so that a slow spell of the machine hits them alike.  Peak RSS is
measured by GNU time (`/usr/bin/time -f %M`), which forks the command from its
own small process.  Two easier ways give wrong figures here:
`getrusage(RUSAGE_CHILDREN)` deltas cannot give a per-run peak (its `ru_maxrss`
is the maximum over all children so far), and the rusage of a child forked
straight from this script starts at this script's own RSS (Linux carries the
pre-exec high-water mark over `exec`: `cat` showed 19 MB).  Without GNU time,
`os.wait4` is used and the RSS column says it is an upper bound.

Inputs are built in a temporary directory from ../shared/corpus (never copied
into the project): the 7 distinct charts concatenated (ingress-nginx-palette
is left out: it repeats ingress-nginx's resource names, which kustomize
rejects), the small chart ingress-nginx.yaml alone (against kustomize too: Helm
runs a post-renderer once per chart, so this is the case users meet most), the
corpus repeated to 1x, 10x, 40x and 52x (>= 50 MB) for the scaling runs, and
two generated shapes (`inputs.py`): one ~20 MB Deployment with 50k containers
and 100k small Pods.

Wall time is what users wait for, but on a machine shared with other work it
stretches while the CPU time a run needs does not: the CPU seconds
(user + system, from `wait4`, to the microsecond) are shown beside the wall time.

Usage: python3 bench/run.py [--repeat N] [--quick] [--base REF] > bench/RESULTS.md
Markdown goes to stdout, progress to stderr.  Without the corpus it prints
why and exits 0.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from inputs import DEPLOYMENT_CONTAINERS, SMALL_PODS, write_deployment, write_pods
from install import InstallError, export, install

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
CHARTS = ("argo-workflows", "cert-manager", "ingress-nginx", "kafka",
          "kube-prometheus-stack", "postgresql", "redis")
SMALL_CHART = "ingress-nginx"
SCALES = (1, 10, 40, 52)  # 52 x 0.98 MB >= 50 MB
MB = 1_000_000

# The seed rules plus Docker Hub / Quay mirrors.  mirrors.yaml also has the
# source rule that `registry.internal.example:5000` (redis) needs, because
# `all` cannot prefix a registry with a port; localhost:5000 (the
# kube-prometheus-stack Alertmanager) gets one too, for when that kind is
# extracted.
RULE_ARGS = ("-c", str(ROOT / "fixtures" / "rules" / "mirrors.yaml"),
             "--rule", "localhost:5000=mirror.example.com/local")

RUAMEL_ROUND_TRIP = (
    "import sys\n"
    "from ruamel.yaml import YAML\n"
    "yaml = YAML()\n"
    "yaml.dump_all(yaml.load_all(sys.stdin), sys.stdout)\n"
)

TARGET_VS_KUSTOMIZE = 0.08
TARGET_VS_RUAMEL = 0.04
TARGET_SMALL_SECONDS = 0.2
TARGET_SMALL_VS_KUSTOMIZE = 1.0
TARGET_RSS_MB = 100
TARGET_DEPLOYMENT_SECONDS = 3.0
TARGET_DEPLOYMENT_RSS_RATIO = 5.0  # peak RSS / document size
TARGET_PODS_SECONDS = 3.5
TARGET_PODS_RSS_MB = 50
# Nothing regresses: CPU medians of the base and this tree, measured in the same
# rounds, may differ by this much before it counts (run-to-run noise here).
TARGET_NO_REGRESSION = 1.05


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float  # user + system seconds
    max_rss_kb: int
    returncode: int
    stderr: bytes


@dataclass(frozen=True)
class Result:
    label: str
    input_bytes: int
    runs: tuple[Run, ...]

    @property
    def wall(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(r.cpu for r in self.runs)

    @property
    def rss_mb(self) -> float:
        return max(r.max_rss_kb for r in self.runs) / 1024

    @property
    def mb_per_s(self) -> float:
        return self.input_bytes / MB / self.wall


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


GNU_TIME = "/usr/bin/time"


def has_gnu_time() -> bool:
    try:
        out = subprocess.run([GNU_TIME, "-f", TIME_FORMAT, "true"], capture_output=True,
                             text=True)
    except OSError:
        return False
    return out.returncode == 0 and _time_fields(out.stderr) is not None


TIME_FORMAT = "%M %U %S"


def _time_fields(text: str) -> tuple[int, float] | None:
    """(peak RSS KB, CPU seconds) from GNU time's last line, which follows
    "Command exited with non-zero status N" when the command failed."""
    fields = text.strip().splitlines()[-1].split() if text.strip() else []
    try:
        rss, user, system = fields
        return int(rss), float(user) + float(system)
    except ValueError:
        return None


USE_GNU_TIME = has_gnu_time()


def run_once(cmd: Sequence[str], stdin_path: Path | None, cwd: Path | None = None) -> Run:
    """One subprocess, its stdin a pipe that `cat` fills from the file, its
    stdout discarded.

    The bench itself moves no data: feeding and draining from Python threads
    competed for the CPU with the command measured (10 % on the corpus, on 2
    cores), and only the commands reading stdin paid for it.
    """
    rss_file = None
    if USE_GNU_TIME:
        handle, rss_file = tempfile.mkstemp(prefix="rr-bench-rss-")
        os.close(handle)
        cmd = [GNU_TIME, "-f", TIME_FORMAT, "-o", rss_file, *cmd]
    start = time.perf_counter()
    feeder = subprocess.Popen(["cat", str(stdin_path)], stdout=subprocess.PIPE) \
        if stdin_path else None
    proc = subprocess.Popen(
        list(cmd), cwd=cwd, stdin=feeder.stdout if feeder else subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    if feeder and feeder.stdout:
        feeder.stdout.close()  # the command holds the only read end now
    assert proc.stderr is not None
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stderr.close()
    if feeder:
        feeder.wait()
    max_rss_kb, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    if rss_file:
        fields = _time_fields(Path(rss_file).read_text())
        os.unlink(rss_file)
        if fields is not None:
            # GNU time's peak RSS is the command's own; its CPU seconds have a
            # resolution of 10 ms, a ninth of a single-chart run: the CPU time
            # kept is wait4's (microseconds; it includes the ~1 ms that GNU
            # time itself uses, alike for every command).
            max_rss_kb = fields[0]
    return Run(wall, cpu, max_rss_kb, proc.returncode, stderr)


@dataclass(frozen=True)
class Spec:
    """One command to measure: `runs` times, fed `stdin` (when given)."""

    key: str
    label: str
    cmd: tuple[str, ...]
    stdin: Path | None
    input_bytes: int
    runs: int
    cwd: Path | None = None


def measure_together(specs: Sequence[Spec]) -> dict[str, Result]:
    """Run the commands in turn, round after round, not each one's runs in a row.

    This machine is a shared VM whose speed drifts (a busy neighbour, not
    steal time the guest could see): one slow spell doubled every figure for
    a minute.  Interleaved, a spell hits every command alike, so
    the ratios between them compare like with like.  A command with fewer
    runs (the slow ruamel round-trip) takes part in the first rounds only.
    """
    runs: dict[str, list[Run]] = {spec.key: [] for spec in specs}
    for round_ in range(max(spec.runs for spec in specs)):
        for spec in specs:
            if round_ >= spec.runs:
                continue
            run = run_once(spec.cmd, spec.stdin, spec.cwd)
            if run.returncode != 0:
                message = run.stderr.decode(errors="replace").strip().splitlines()
                raise SystemExit(f"bench: {spec.label}: exit {run.returncode}: "
                                 f"{message[-1] if message else 'no message'}")
            runs[spec.key].append(run)
    results = {}
    for spec in specs:
        result = Result(spec.label, spec.input_bytes, tuple(runs[spec.key]))
        log(f"{spec.label}: median {result.wall:.3f} s ({result.cpu:.3f} s CPU), "
            f"{result.rss_mb:.1f} MB peak")
        results[spec.key] = result
    return results


def editable_script() -> str | None:
    """The console script beside this Python (the checkout's editable install)."""
    beside = Path(sys.executable).with_name("registry-rewrite")
    return str(beside) if beside.exists() else shutil.which("registry-rewrite")


def registry_rewrite_command(explicit: str | None, where: Path) -> tuple[list[str], str]:
    """The command measured, and how it was installed.

    By default the checkout installed as users install it (`install.py`), not
    the editable install of its `.venv`, whose finder every start pays for.
    The console script itself, never a pyenv shim in front of it (~70 ms here).
    """
    if explicit:
        return explicit.split(), "given with --cmd"
    try:
        script = install(ROOT, where)
    except InstallError as err:
        log(f"{err}; measuring the editable install instead")
        found = editable_script()
        if not found:
            raise SystemExit("bench: registry-rewrite is not installed (pip install -e .)") \
                from None
        return [found], f"editable install (installing a copy failed: {err})"
    return [str(script)], ("`pip install` of a wheel of this checkout into a temporary venv "
                           "(bench/install.py)")


def interpreter_of(script: str) -> str:
    """The Python a console script runs on (its shebang), for the floor: the
    floor must be the interpreter the tool itself starts, not the one running
    this bench (a pyenv shim, or a Python without the venv's site)."""
    try:
        with open(script, "rb") as handle:
            first = handle.readline().decode("utf-8", "replace").strip()
    except OSError:
        return sys.executable
    if first.startswith("#!") and "python" in first and " " not in first[2:].strip():
        return first[2:].strip()
    return sys.executable


def byte_compile() -> str:
    """Write the checkout's .pyc files, as `pip install` does, for the rows
    that run the editable install.

    An editable install run with PYTHONDONTWRITEBYTECODE=1 (as on this
    machine) recompiles every module of the package from source on every run,
    ~15 ms that no installed copy pays.
    """
    import compileall

    ok = compileall.compile_dir(str(ROOT / "post_renderer"), quiet=1, force=False)
    return "the checkout byte-compiled first (as pip install does)" if ok else \
        "byte-compiling the checkout failed: its editable rows include compiling from source"


def same_output(cmd: Sequence[str], base: Sequence[str], stdin_path: Path) -> bool:
    """Do the two commands write the same bytes, diagnostics and exit code,
    with and without `--report -`?  Timing a tree whose output changed would
    compare different work."""
    for extra in ((), ("--report", "-")):
        answers = []
        for command in (cmd, base):
            with stdin_path.open("rb") as source:
                done = subprocess.run([*command, *extra], stdin=source, capture_output=True)
            answers.append((done.returncode, done.stdout, done.stderr))
        if answers[0] != answers[1]:
            return False
    return True


def kustomize_binary() -> str | None:
    local = ROOT / ".tools" / "bin" / "kustomize"
    return str(local) if local.exists() else shutil.which("kustomize")


_IMAGE_LINE = re.compile(r"""^\s*-?\s*image:\s*["']?([^"'\s#]+)""", re.M)


def kustomize_images(text: str) -> list[tuple[str, str]]:
    """(name, newName) for every distinct image name in the stream, rewritten by
    our own rules, so kustomize does the same work we do."""
    sys.path.insert(0, str(ROOT))
    from post_renderer.config.load import build_config
    from post_renderer.rewrite.reference import ReferenceError, parse_reference
    from post_renderer.rewrite.rules import Rewrite, decide

    rules = build_config(RULE_ARGS[1], [RULE_ARGS[3]]).rules
    pairs: dict[str, str] = {}
    for value in _IMAGE_LINE.findall(text):
        try:
            ref = parse_reference(value)
        except ReferenceError:
            continue
        decision = decide(value, rules)
        if isinstance(decision, Rewrite):
            pairs.setdefault(ref.name, decision.new[: len(decision.new) - len(ref.suffix)])
    return sorted(pairs.items())


TARGET_HOSTS = (b"mirror.example.com/", b"example.registry.com/")


def count_rewritten(cmd: Sequence[str], stdin_path: Path | None) -> int:
    """How many values point at a mirror after one run: a check that both tools
    did the work they are timed for."""
    with (stdin_path.open("rb") if stdin_path else open(os.devnull, "rb")) as source:
        out = subprocess.run(list(cmd), stdin=source, capture_output=True).stdout
    return sum(out.count(host) for host in TARGET_HOSTS)


def write_kustomization(directory: Path, corpus: Path, images: list[tuple[str, str]]) -> None:
    directory.mkdir()
    shutil.copyfile(corpus, directory / "corpus.yaml")  # the name the kustomization lists
    lines = ["apiVersion: kustomize.config.k8s.io/v1beta1", "kind: Kustomization",
             "resources:", "- corpus.yaml", "images:"]
    for name, new_name in images:
        lines += [f"- name: {name}", f"  newName: {new_name}"]
    (directory / "kustomization.yaml").write_text("\n".join(lines) + "\n")


def version_of(cmd: Sequence[str]) -> str:
    try:
        out = subprocess.run(list(cmd), capture_output=True, text=True, timeout=30)
    except OSError:
        return "?"
    return (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr) else "?"


def git_commit() -> str:
    out = subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--format=%h %s"],
                         capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--",
                            "post_renderer"], capture_output=True, text=True).stdout.strip()
    return out.stdout.strip() + (" (post_renderer/ has uncommitted changes)" if dirty else "")


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeat", type=int, default=7, help="runs per fast measurement")
    parser.add_argument("--slow-repeat", type=int, default=5,
                        help="runs for the ruamel round-trip and the scale runs")
    parser.add_argument("--quick", action="store_true", help="one run each, no 40x/52x")
    parser.add_argument("--cmd", help="registry-rewrite command to measure (default: the "
                        "console script beside this Python)")
    parser.add_argument("--base", metavar="REF",
                        help="also install git REF of this checkout (e.g. main) and measure it "
                        "in the same rounds on the corpus, the small chart, the Deployment and "
                        "the Pods: the nothing-regresses rows, with its output compared")
    parser.add_argument("--pathological", action="store_true",
                        help="also measure the hostile inputs of bench/pathological.py "
                        "(alias and merge bombs, deep nesting, 1M documents: minutes)")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeat = args.slow_repeat = 1
    missing = [c for c in CHARTS if not (args.corpus / f"{c}.yaml").is_file()]
    if missing:
        print(f"bench: skipped: shared corpus not found at {args.corpus} "
              f"(missing {', '.join(missing)}.yaml)")
        return 0

    compiled = byte_compile()
    kustomize = kustomize_binary()
    scales = SCALES[:2] if args.quick else SCALES

    with tempfile.TemporaryDirectory(prefix="rr-bench-") as tmp_name:
        tmp = Path(tmp_name)
        script, installed = registry_rewrite_command(args.cmd, tmp / "install")
        rr = script + list(RULE_ARGS)
        python = interpreter_of(rr[0])
        editable = editable_script() if not args.cmd else None
        if editable == rr[0]:
            editable = None
        base_rr, differing = None, []
        if args.base:
            base_script = install(export(ROOT, args.base, tmp / "base-src"),
                                  tmp / "base-install")
            base_rr = (str(base_script), *RULE_ARGS)
        corpus = tmp / "corpus.yaml"
        corpus.write_bytes(b"".join((args.corpus / f"{c}.yaml").read_bytes() for c in CHARTS))
        small = args.corpus / f"{SMALL_CHART}.yaml"
        size, small_size = corpus.stat().st_size, small.stat().st_size

        log(f"corpus {size} bytes, small chart {small_size} bytes")
        images: list[tuple[str, str]] = []
        rewritten = {"registry-rewrite": count_rewritten(rr, corpus)}
        specs = [Spec("rr", "registry-rewrite corpus", tuple(rr), corpus, size, args.repeat),
                 Spec("cat", "cat corpus", ("cat",), corpus, size, args.repeat),
                 Spec("ruamel", "ruamel round-trip corpus", (python, "-c", RUAMEL_ROUND_TRIP),
                      corpus, size, args.slow_repeat)]
        if kustomize:
            images = kustomize_images(corpus.read_text(encoding="utf-8"))
            write_kustomization(tmp / "kustomize", corpus, images)
            build = (kustomize, "build", str(tmp / "kustomize"))
            rewritten["kustomize"] = count_rewritten(build, None)
            specs.append(Spec("kustomize", "kustomize build corpus", build, None, size,
                              args.repeat))
        if base_rr:
            specs.append(Spec("base-rr", f"{args.base} corpus", base_rr, corpus, size,
                              args.repeat))
        results = measure_together(specs)
        small_specs = [
            Spec("rr-small", "registry-rewrite small", tuple(rr), small, small_size, args.repeat),
            Spec("cat-small", "cat small", ("cat",), small, small_size, args.repeat),
            Spec("python-small", "python -c pass", (python, "-c", "pass"), None, small_size,
                 args.repeat)]
        if editable:
            small_specs.append(Spec("editable-small", "registry-rewrite small, editable",
                                    (editable, *RULE_ARGS), small, small_size, args.repeat))
        if kustomize:
            small_images = kustomize_images(small.read_text(encoding="utf-8"))
            write_kustomization(tmp / "kustomize-small", small, small_images)
            build = (kustomize, "build", str(tmp / "kustomize-small"))
            small_specs.append(Spec("kustomize-small", "kustomize build small", build, None,
                                    small_size, args.repeat))
        if base_rr:
            small_specs.append(Spec("base-rr-small", f"{args.base} small", base_rr, small,
                                    small_size, args.repeat))
        results |= measure_together(small_specs)

        deployment, pods = tmp / "deployment.yaml", tmp / "pods.yaml"
        shapes = [
            Spec("deployment", f"registry-rewrite {DEPLOYMENT_CONTAINERS}-container Deployment",
                 tuple(rr), deployment, write_deployment(deployment), args.slow_repeat),
            Spec("pods", f"registry-rewrite {SMALL_PODS} Pods", tuple(rr), pods,
                 write_pods(pods), args.slow_repeat)]
        if base_rr:
            shapes += [Spec(f"base-{spec.key}", f"{args.base} {spec.key}", base_rr, spec.stdin,
                            spec.input_bytes, spec.runs) for spec in list(shapes)]
            differing = [path.name for path in (corpus, small, deployment, pods)
                         if not same_output(rr, base_rr, path)]
        results |= measure_together(shapes)

        base = corpus.read_bytes()
        scale_specs = []
        for factor in scales:
            path = tmp / f"corpus-{factor}x.yaml"
            with path.open("wb") as out:
                for _ in range(factor):
                    out.write(base)
            scale_specs.append(Spec(str(factor), f"registry-rewrite {factor}x", tuple(rr), path,
                                    len(base) * factor,
                                    args.slow_repeat if factor > 1 else args.repeat))
        scaled = {int(key): result for key, result in measure_together(scale_specs).items()}

        print(report(args, rr, kustomize, results, scaled, images,
                     f"{installed}; {compiled}", rewritten, differing))
        if args.pathological:
            from pathological import table

            print("## Pathological inputs\n")
            print(table(script))
    return 0


BASE_INPUTS = (("corpus", "rr"), ("small chart", "rr-small"), ("Deployment", "deployment"),
               ("Pods", "pods"))


def against_base(ref: str, results: dict[str, Result], differing: list[str]) -> list[str]:
    """This checkout against `ref`, both installed alike, measured in the same rounds."""
    same = (f"**differ** on {', '.join(differing)}.\n" if differing
            else "byte-identical on all four inputs.\n")
    out = [f"## Against {ref}: the same inputs, measured in the same rounds\n",
           f"Output, diagnostics and exit code, with and without `--report -`: {same}",
           f"| input | wall s | {ref} wall s | CPU s | {ref} CPU s | CPU / {ref} |",
           "|---|---:|---:|---:|---:|---:|"]
    for name, key in BASE_INPUTS:
        this, base = results[key], results[f"base-{key}"]
        out.append(f"| {name} | {this.wall:.3f} | {base.wall:.3f} | {this.cpu:.3f} "
                   f"| {base.cpu:.3f} | {this.cpu / base.cpu:.2f}x |")
    out.append("")
    return out


def regression_targets(ref: str, results: dict[str, Result], differing: list[str]) -> list[str]:
    """Nothing regresses: CPU time (steadier than wall on a shared machine) per input."""
    out = [f"| output identical to {ref} (4 inputs, with and without --report) "
           f"| {'no: ' + ', '.join(differing) if differing else 'yes'} "
           f"| {verdict(not differing)} |"]
    for name, key in BASE_INPUTS:
        ratio = results[key].cpu / results[f"base-{key}"].cpu
        out.append(f"| {name}: CPU <= {TARGET_NO_REGRESSION}x {ref} | {ratio:.2f}x "
                   f"| {verdict(ratio <= TARGET_NO_REGRESSION)} |")
    return out


def _round_drift(scaled: dict[int, Result], low: int, middle: int, high: int) -> float:
    """The late/early marginal-rate ratio of each round, then their median.

    The machine's speed drifts by up to 1.6x for seconds to minutes at a time
    (a pure-Python loop measured 4.2 to 6.7 M iterations a second), so
    medians of different input sizes can come from different spells.  Within
    one round the runs are seconds apart: the ratio of each round compares
    like with like, and the median drops the rounds a spell cut through."""
    sizes = [scaled[f].input_bytes / MB for f in (low, middle, high)]
    rounds = min(len(scaled[f].runs) for f in (low, middle, high))
    drifts = []
    for i in range(rounds):
        t0, t1, t2 = (scaled[f].runs[i].wall for f in (low, middle, high))
        early = (sizes[1] - sizes[0]) / (t1 - t0)
        late = (sizes[2] - sizes[1]) / (t2 - t1)
        drifts.append(late / early)
    return statistics.median(drifts)


def _marginal(scaled: dict[int, Result], low: int, high: int) -> float:
    """MB/s between two scale runs: the start-up, paid by both, cancels out."""
    return (scaled[high].input_bytes - scaled[low].input_bytes) / MB / (
        scaled[high].wall - scaled[low].wall)


def report(args: argparse.Namespace, rr: list[str], kustomize: str | None,
           results: dict[str, Result], scaled: dict[int, Result],
           images: list[tuple[str, str]], compiled: str, rewritten: dict[str, int],
           differing: list[str]) -> str:
    out: list[str] = []
    add = out.append
    rr_result, ruamel = results["rr"], results["ruamel"]
    add("# Benchmark results\n")
    python = os.path.relpath(sys.executable, ROOT) if sys.executable.startswith(str(ROOT)) \
        else "python3"
    add(f"Command: `{' '.join([python, 'bench/run.py', *sys.argv[1:]])}` "
        f"(repeat {args.repeat}, slow repeat {args.slow_repeat}); medians of wall time per "
        "whole process, the commands of a table run in turn, round after round; "
        "peak RSS is the largest of the runs "
        + ("(GNU time `%M`).\n" if USE_GNU_TIME else "(`os.wait4`: an upper bound, it "
           "includes this script's RSS at fork).\n"))
    add(f"- Date: {datetime.date.today().isoformat()}; commit: {git_commit()}")
    add(f"- Machine: {os.cpu_count()} CPUs, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}")
    add(f"- registry-rewrite installed by {compiled}")
    shown = [Path(rr[0]).name, *(a.replace(f"{ROOT}/", "") for a in rr[1:])]
    add(f"- registry-rewrite: `{' '.join(shown)}`")
    if kustomize:
        add(f"- kustomize: {version_of([kustomize, 'version'])} "
            f"with {len(images)} `images:` entries (one per distinct image name, "
            "newName from the same rules)")
    else:
        add("- kustomize: not installed (run scripts/install-tools); its rows are left out")
    add("- values pointing at a mirror after one run: " + ", ".join(
        f"{tool} {count}" for tool, count in rewritten.items())
        + " (kustomize's `images:` covers PodSpec containers only; registry-rewrite also "
        "rewrites CRD image fields, image flags and env vars)")
    add("")
    add(f"## Corpus: 7 distinct charts concatenated ({rr_result.input_bytes / MB:.2f} MB)\n")
    add("| tool | median wall s | CPU s | MB/s | peak RSS MB | registry-rewrite / tool |")
    add("|---|---:|---:|---:|---:|---:|")
    rows = [("registry-rewrite", rr_result), ("cat (floor)", results["cat"]),
            ("ruamel.yaml round-trip", ruamel)]
    if "kustomize" in results:
        rows.append(("kustomize build (`images:`)", results["kustomize"]))
    for name, result in rows:
        ratio = rr_result.wall / result.wall
        add(f"| {name} | {result.wall:.3f} | {result.cpu:.3f} | {result.mb_per_s:.2f} "
            f"| {result.rss_mb:.1f} | {ratio:.3f}x |")
    add("")
    add(f"## Small chart: {SMALL_CHART}.yaml alone ({results['rr-small'].input_bytes} bytes)\n")
    add("| tool | median wall s | CPU s | peak RSS MB | registry-rewrite / tool |")
    add("|---|---:|---:|---:|---:|")
    small_rows = [("registry-rewrite", "rr-small"), ("cat (floor)", "cat-small"),
                  (f"`{Path(interpreter_of(rr[0])).name} -c pass` (interpreter floor: the console "
                   "script's own Python)", "python-small")]
    if "editable-small" in results:
        small_rows.append(("registry-rewrite, the checkout's editable install (`pip install "
                           "-e`: setuptools' finder at every start)", "editable-small"))
    if "kustomize-small" in results:
        small_rows.append(("kustomize build (`images:`)", "kustomize-small"))
    for name, key in small_rows:
        ratio = results["rr-small"].wall / results[key].wall
        add(f"| {name} | {results[key].wall:.3f} | {results[key].cpu:.3f} "
            f"| {results[key].rss_mb:.1f} | {ratio:.2f}x |")
    add("")
    add("## Shapes: one large document, many small ones\n")
    add("| input | MB | median wall s | CPU s | peak RSS MB | peak RSS / input |")
    add("|---|---:|---:|---:|---:|---:|")
    for name, key in ((f"one Deployment, {DEPLOYMENT_CONTAINERS} containers", "deployment"),
                      (f"{SMALL_PODS} small Pods (no --report)", "pods")):
        result = results[key]
        add(f"| {name} | {result.input_bytes / MB:.1f} | {result.wall:.2f} | {result.cpu:.2f} "
            f"| {result.rss_mb:.1f} | {result.rss_mb * 1024 * 1024 / result.input_bytes:.1f}x |")
    add("")
    add("## Scale: the corpus repeated, streamed through a pipe\n")
    add("| input | MB | median wall s | MB/s | peak RSS MB |")
    add("|---|---:|---:|---:|---:|")
    for factor, result in scaled.items():
        add(f"| {factor}x | {result.input_bytes / MB:.1f} | {result.wall:.2f} "
            f"| {result.mb_per_s:.2f} | {result.rss_mb:.1f} |")
    factors = sorted(scaled)
    if len(factors) >= 2 and factors[-1] > factors[1]:
        rate = _marginal(scaled, factors[1], factors[-1])
        add(f"\nMarginal throughput between {factors[1]}x and {factors[-1]}x: {rate:.2f} MB/s "
            "(start-up excluded: the cost of one more MB once running).")
    add("")
    if args.base:
        out += against_base(args.base, results, differing)
    add("## Targets\n")
    add("| target | measured | |")
    add("|---|---:|---|")
    if "kustomize" in results:
        ratio = rr_result.wall / results["kustomize"].wall
        add(f"| corpus wall <= {TARGET_VS_KUSTOMIZE}x kustomize | {ratio:.3f}x "
            f"| {verdict(ratio <= TARGET_VS_KUSTOMIZE)} |")
    ratio = rr_result.wall / ruamel.wall
    add(f"| corpus wall <= {TARGET_VS_RUAMEL}x ruamel round-trip | {ratio:.3f}x "
        f"| {verdict(ratio <= TARGET_VS_RUAMEL)} |")
    small = results["rr-small"].wall
    add(f"| small chart <= {TARGET_SMALL_SECONDS} s | {small:.3f} s "
        f"| {verdict(small <= TARGET_SMALL_SECONDS)} |")
    if "kustomize-small" in results:
        ratio = small / results["kustomize-small"].wall
        add(f"| small chart wall <= {TARGET_SMALL_VS_KUSTOMIZE}x kustomize | {ratio:.2f}x "
            f"| {verdict(ratio <= TARGET_SMALL_VS_KUSTOMIZE)} |")
    big = results["deployment"]
    add(f"| Deployment wall <= {TARGET_DEPLOYMENT_SECONDS} s | {big.wall:.2f} s "
        f"({big.cpu:.2f} s CPU) | {verdict(big.wall <= TARGET_DEPLOYMENT_SECONDS)} |")
    rss_ratio = big.rss_mb * 1024 * 1024 / big.input_bytes
    add(f"| Deployment peak RSS <= {TARGET_DEPLOYMENT_RSS_RATIO}x the document "
        f"| {rss_ratio:.1f}x | {verdict(rss_ratio <= TARGET_DEPLOYMENT_RSS_RATIO)} |")
    pods = results["pods"]
    add(f"| Pods wall <= {TARGET_PODS_SECONDS} s | {pods.wall:.2f} s ({pods.cpu:.2f} s CPU) "
        f"| {verdict(pods.wall <= TARGET_PODS_SECONDS)} |")
    add(f"| Pods peak RSS < {TARGET_PODS_RSS_MB} MB | {pods.rss_mb:.1f} MB "
        f"| {verdict(pods.rss_mb < TARGET_PODS_RSS_MB)} |")
    largest = scaled[factors[-1]]
    add(f"| peak RSS < {TARGET_RSS_MB} MB at {largest.input_bytes / MB:.0f} MB "
        f"| {largest.rss_mb:.1f} MB | {verdict(largest.rss_mb < TARGET_RSS_MB)} |")
    if args.base:
        out += regression_targets(args.base, results, differing)
    if len(factors) >= 3:
        # Linear means a constant cost per MB once started: compare the marginal
        # rate of the first steps with that of the last ones (start-up cancels out).
        early, late = _marginal(scaled, factors[0], factors[1]), _marginal(
            scaled, factors[1], factors[-1])
        drift = _round_drift(scaled, factors[0], factors[1], factors[-1])
        add(f"| linear: marginal MB/s {factors[1]}x..{factors[-1]}x vs "
            f"{factors[0]}x..{factors[1]}x (medians {late:.1f} / {early:.1f}; median of "
            f"the per-round ratios) | {drift:.2f} | {verdict(0.8 <= drift <= 1.25)} |")
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
