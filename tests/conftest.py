"""Shared test helpers: the installed CLI as a subprocess, fixture paths."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

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


def assert_no_traceback(result: subprocess.CompletedProcess[bytes]) -> None:
    assert b"Traceback" not in result.stderr, result.stderr.decode()


SEED_RULES = FIXTURES / "rules" / "seed.yaml"
