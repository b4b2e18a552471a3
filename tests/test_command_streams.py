"""The subcommands (auth, sync, verify, images) keep the main command's
promises about the standard streams: a closed stdin or stdout, a full stdout
(/dev/full) is one error line and exit 1, never a traceback; with stderr
closed a clean run still exits 0 and writes nothing else to stdout.

No registry is asked: the stream's image is under no rule (verify has
nothing to check) and sync runs with --dry-run.
"""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

import pytest
from conftest import cli_command

POD = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
       "  - name: a\n    image: nginx:1.25\n")
CONFIG = ('imageReplacementRules:\n  "docker.io": "m.example.com/d"\n'
          "credentials:\n  - {domain: m.example.com, username: u, password: S3cret-pw}\n")
COMMANDS = {
    "auth": ["auth"],
    "sync": ["sync", "--dry-run"],
    "verify": ["verify", "--rule", "quay.io=m.example.com/q"],
    "images": ["images"],
}


def run(tmp_path: Path, command: str, redirect: str) -> subprocess.CompletedProcess[str]:
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(CONFIG)
    pod = tmp_path / "pod.yaml"
    pod.write_text(POD)
    args = [*cli_command(), *COMMANDS[command], "-c", str(cfg)]
    if command == "verify":  # only the quay.io rule: nothing points at a mirror
        cfg.write_text(CONFIG.replace('"docker.io"', '"ghcr.io"'))
    line = f"{shlex.join(args)} < {shlex.quote(str(pod))} {redirect}"
    return subprocess.run(["bash", "-c", line], capture_output=True, text=True, timeout=60)


def one_error(result: subprocess.CompletedProcess[str], text: str) -> None:
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr
    assert "S3cret-pw" not in result.stderr
    assert [line for line in result.stderr.splitlines() if ": error: " in line] == [
        f"registry-rewrite: error: {text}"]


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_closed_stdin_is_one_line(tmp_path: Path, command: str) -> None:
    result = run(tmp_path, command, "<&-")
    if command == "auth":  # auth reads no stdin
        assert result.returncode == 0
        return
    assert result.returncode == 1
    one_error(result, "stdin is closed: pipe the manifests in")


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_full_stdout_is_one_line(tmp_path: Path, command: str) -> None:
    result = run(tmp_path, command, "> /dev/full")
    if command == "verify":  # writes nothing to stdout
        assert result.returncode == 0, result.stderr
        return
    assert result.returncode == 1
    one_error(result, "cannot write to stdout: No space left on device")


@pytest.mark.parametrize("command", ["auth", "sync", "images"])
def test_a_closed_stdout_is_one_line(tmp_path: Path, command: str) -> None:
    result = run(tmp_path, command, ">&-")
    assert result.returncode == 1
    what = {"auth": "the login file", "sync": "the plan", "images": "the listing"}[command]
    one_error(result, f"stdout is closed: nowhere to write {what}")


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_closed_stderr_keeps_a_clean_run_clean(tmp_path: Path, command: str) -> None:
    result = run(tmp_path, command, "2>&-")
    assert result.returncode == 0
    assert "registry-rewrite:" not in result.stdout  # no diagnostic moved to stdout
