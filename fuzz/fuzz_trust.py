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

`--target pullsecrets` (seeds: every fixture manifest): the input is one
document.  For each mapping found at a PodSpec path, `add_pull_secrets`
either reports a problem or returns text that parses, whose PodSpec now lists
the name, and which equals the input everywhere else (the tree minus the
added entry); nothing raises.

Usage (findings go to fuzz/findings/):

    python3 fuzz/fuzz_trust.py --target config -max_total_time=900
    python3 fuzz/fuzz_trust.py --target pullsecrets -max_total_time=900
"""

from __future__ import annotations

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
    from post_renderer.stages.pullsecrets import KEY, add_pull_secrets, find_node
    from post_renderer.yaml.tree import LocateError, locate

CANARY = "Pa55CANARYw0rd"
ENVIRON = {"REGISTRY_PASSWORD": CANARY, "REGISTRY_USER": "robot"}
WORK = Path(tempfile.mkdtemp(prefix="rr-fuzz-config-"))
CONFIG = WORK / "rules.yaml"
SECRET = "registry-rewrite-fuzz"
POD_SPEC_PATHS = ("spec", "spec.template.spec", "spec.jobTemplate.spec.template.spec",
                  "items[0].spec", "items[0].spec.template.spec")


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
            out.update((k, _plain(v, seen)) for k, v in node.items())
        return seen[id(node)]
    if isinstance(node, list):
        if id(node) not in seen:
            seen[id(node)] = out_list = []
            out_list.extend(_plain(v, seen) for v in node)
        return seen[id(node)]
    return None if node is None else str(node)


def check_pullsecrets(data: bytes) -> None:
    try:
        text = data.decode("utf-8")
        before = locate(text).root
    except (UnicodeDecodeError, LocateError):
        return  # the pipeline reports these documents; the inserter never sees them
    needs = {path: [SECRET] for path in POD_SPEC_PATHS
             if isinstance(find_node(before, path), dict)}
    if not needs:
        return
    out, problems = add_pull_secrets(data, needs)
    failed = {p.pod_spec for p in problems}
    after = locate(out.decode("utf-8")).root  # must parse: LocateError is a finding
    for path in needs:
        if path in failed:
            continue
        spec = find_node(after, path)
        assert isinstance(spec, dict), f"{path} is no longer a mapping"
        listed = spec.get(KEY)
        assert isinstance(listed, list) and any(
            isinstance(e, dict) and e.get("name") == SECRET for e in listed), \
            f"{path}.{KEY} does not list the secret: {listed!r}"
    if not failed:
        expected = _plain(before)
        got = _plain(after)
        for path in needs:
            _drop_added(find_node(expected, path), find_node(got, path))
        assert expected == got, "the document changed beyond imagePullSecrets"


def _drop_added(expected: Any, got: Any) -> None:
    """Remove what the insertion was allowed to add, so the rest must be equal."""
    if not isinstance(got, dict) or not isinstance(expected, dict):
        return
    listed = got.get(KEY)
    if isinstance(listed, list):
        kept = [e for e in listed if not (isinstance(e, dict) and e.get("name") == SECRET)]
        original = expected.get(KEY)
        if isinstance(original, list):
            original[:] = [e for e in original
                           if not (isinstance(e, dict) and e.get("name") == SECRET)]
        if original is None and not kept:
            del got[KEY]
            expected.pop(KEY, None)
        else:
            got[KEY] = kept
            if original is None:
                expected[KEY] = []


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
