#!/usr/bin/env python3
"""Coverage-guided fuzzing of the configuration loader and the pull-secret
inserter with atheris (not run in CI).

Why: both sit on a trust boundary.  The loader reads files that hold registry
passwords and must never echo one, whatever the YAML; the inserter writes into
documents kubectl will read and must never produce text that reads differently
from what it meant.  Properties checked, so a finding is a failed property:

`--target config` (seeds: fixtures/**/rules*.yaml and credentials files): the
input is a rules file.  Loading it either succeeds or raises ConfigError (no
other exception escapes), the message is one line, and it never contains the
canary password `Pa55CANARYw0rd`, wherever the fuzzer put it on a `password`
or `username` line (the file is fixed; an env var reference gives the canary
too).

`--target pullsecrets` (seeds: every fixture manifest): the input is a
stream, run through the real stages with `all` → the mirror and
`pullSecret`.  Each document either has an error naming the field, or its
output parses, equals the input except for image values moved under the
mirror and the secret added to imagePullSecrets (existing entries kept), and
names the secret when one of its PodSpecs' images was rewritten; nothing
raises.

Usage (findings go to fuzz/findings/):

    python3 fuzz/fuzz_trust.py --target config -max_total_time=900
    python3 fuzz/fuzz_trust.py --target pullsecrets -max_total_time=900
"""

from __future__ import annotations

import io
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import atheris

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

with atheris.instrument_imports(include=["post_renderer"]):
    from post_renderer.config.load import ConfigError, build_config
    from post_renderer.diagnostics import Diagnostic
    from post_renderer.pipeline.build import Options, build_stages
    from post_renderer.pipeline.core import Pipeline
    from post_renderer.pipeline.streams import Collect, documents
    from post_renderer.stages.pullsecrets import KEY
    from post_renderer.yaml.split import split_documents
    from post_renderer.yaml.tree import locate

CANARY = "Pa55CANARYw0rd"
ENVIRON = {"REGISTRY_PASSWORD": CANARY, "REGISTRY_USER": "robot"}
WORK = Path(tempfile.mkdtemp(prefix="rr-fuzz-config-"))
CONFIG = WORK / "rules.yaml"
SECRET = "registry-rewrite-fuzz"
MIRROR = "mirror.example.com"


def check_config(data: bytes) -> None:
    CONFIG.write_bytes(data)
    try:
        build_config(str(CONFIG), environ=ENVIRON)
    except ConfigError as err:
        message = Diagnostic("error", f"configuration: {err}").format()  # as the CLI says it
        assert "\n" not in message, f"multi-line message: {message!r}"
        if CANARY.encode() in data and _only_on_secret_lines(data):
            assert CANARY not in message, f"password echoed: {message!r}"


def _only_on_secret_lines(data: bytes) -> bool:
    """Every line holding the canary is a password/username line (elsewhere,
    e.g. as a key, echoing it is echoing a key, not a secret)."""
    return all(b"password" in line or b"username" in line
               for line in data.splitlines() if CANARY.encode() in line)


def _plain(node: Any, seen: dict[int, Any] | None = None) -> Any:
    """The tree as plain dicts/lists/strs, shared nodes converted once."""
    seen = {} if seen is None else seen
    if isinstance(node, dict):
        if id(node) not in seen:
            seen[id(node)] = out = {}
            out.update((str(k), _plain(v, seen)) for k, v in node.items())
        return seen[id(node)]
    if isinstance(node, list):
        if id(node) not in seen:
            seen[id(node)] = out_list = []
            out_list.extend(_plain(v, seen) for v in node)
        return seen[id(node)]
    return None if node is None else str(node)


def _pipeline_outputs(data: bytes) -> list[Any]:
    config = build_config(None, [], MIRROR, environ={})._replace(pull_secret=SECRET)
    collect = Collect()
    Pipeline(documents(split_documents(io.BytesIO(data))), build_stages(config, Options()),
             collect).run()
    return collect.documents


def check_pullsecrets(data: bytes) -> None:
    for doc in _pipeline_outputs(data):
        if any(d.is_error for d in doc.diagnostics):
            continue  # an error names the field: allowed, never a silent change
        out = doc.output()
        if out == doc.data:
            continue
        before = _plain(locate(doc.data.decode("utf-8")).root)
        after = _plain(locate(out.decode("utf-8")).root)  # LocateError here is a finding
        _same_but_rewritten(before, after)
        if any(o.pod_spec is not None and o.rewritten for o in doc.occurrences):
            assert SECRET.encode() in out, "a rewritten PodSpec did not get the secret"


def _same_but_rewritten(before: Any, after: Any) -> None:
    """Equal, except image values moved under the mirror and our secret added
    to imagePullSecrets (created where there was none or a null)."""
    stack = [(before, after, "")]
    seen: set[tuple[int, int]] = set()
    while stack:
        b, a, path = stack.pop()
        if isinstance(a, (dict, list)):
            if (id(b), id(a)) in seen:
                continue  # shared (an alias): compared once
            seen.add((id(b), id(a)))
        if isinstance(a, dict):
            assert isinstance(b, dict), f"{path}: became a mapping"
            for key in set(a) | set(b):
                if key == KEY:
                    added = a.get(KEY)
                    assert isinstance(added, list), f"{path}.{KEY}: not a list"
                    kept = [e for e in added if e != {"name": SECRET}]
                    assert kept == (b.get(KEY) or []), f"{path}.{KEY}: entries changed"
                    continue
                assert key in a and key in b, f"{path}.{key}: added or lost"
                stack.append((b[key], a[key], f"{path}.{key}"))
        elif isinstance(a, list):
            assert isinstance(b, list) and len(a) == len(b), f"{path}: list changed"
            stack.extend((x, y, f"{path}[{i}]") for i, (x, y) in enumerate(zip(b, a, strict=True)))
        else:
            assert a == b or (isinstance(a, str) and MIRROR in a), f"{path}: {b!r} -> {a!r}"


TARGETS = {"config": check_config, "pullsecrets": check_pullsecrets}
SEEDS = {"config": ("rules*.yaml", "*config*.yaml"), "pullsecrets": ("*.yaml",)}


def seed_corpus(target: str) -> str:
    work = Path(tempfile.mkdtemp(prefix=f"rr-fuzz-{target}-"))
    n = 0
    for pattern in SEEDS[target]:
        for path in sorted((ROOT / "fixtures").rglob(pattern)):
            shutil.copyfile(path, work / f"{n:03d}-{path.name}")
            n += 1
    if target == "config":
        (work / "canary.yaml").write_text(
            'imageReplacementRules: {"docker.io": "m.example.com/hub"}\n'
            "credentials:\n- domain: m.example.com\n  username: robot\n"
            f"  password: {CANARY}\n- domain: n.example.com\n  usernameRef: REGISTRY_USER\n"
            "  passwordRef: {env: REGISTRY_PASSWORD}\n", encoding="utf-8")
    return str(work)


def main() -> None:
    args = list(sys.argv)
    target = "config"
    if "--target" in args:
        at = args.index("--target")
        target = args[at + 1]
        del args[at:at + 2]
    check = TARGETS[target]
    findings = ROOT / "fuzz" / "findings"
    findings.mkdir(exist_ok=True)
    if not any(a.startswith("-artifact_prefix=") for a in args):
        args.append(f"-artifact_prefix={findings}/{target}-")
    if not any(a.startswith("-dict=") for a in args):
        args.append(f"-dict={ROOT / 'fuzz' / 'yaml.dict'}")
    if not any(not a.startswith("-") and os.path.exists(a) for a in args[1:]):
        args.append(seed_corpus(target))
    atheris.Setup(args, check)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
