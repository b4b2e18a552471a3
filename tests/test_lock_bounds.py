"""A lock file is read with bounds (a tenant may name one in Argo CD): a
regular file only, a size cap, bounded nesting, a boolean is not a version.
Each refusal is one line and exit 2, before anything is written."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import assert_no_traceback, run_cli, stderr_lines

POD = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
       "  - name: a\n    image: nginx:1.25\n")


def refused(tmp_path: Path, lock: str) -> str:
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text('imageReplacementRules:\n  "docker.io": "m.example.com/d"\n')
    result = run_cli(["-c", str(cfg), "--verify", "--lock", lock], POD)
    assert_no_traceback(result)
    assert result.returncode == 2
    assert result.stdout == b""
    [line] = stderr_lines(result)
    assert line.startswith(f"registry-rewrite: error: configuration: --lock {lock}: ")
    return line


def test_deep_nesting_is_refused_in_one_line(tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 200_000 + "]" * 200_000)
    assert refused(tmp_path, str(deep)).endswith("not a lock file (nested too deeply)")


def test_a_fifo_is_refused_without_waiting(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert "not a regular file" in refused(tmp_path, str(fifo))  # run_cli's timeout: no hang


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_a_device_is_refused(tmp_path: Path, device: str) -> None:
    assert "not a regular file" in refused(tmp_path, device)


def test_a_file_over_the_cap_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (8 * 1024 * 1024 + 1))
    assert refused(tmp_path, str(big)).endswith("larger than 8388608 bytes")


def test_a_boolean_is_not_a_lock_version(tmp_path: Path) -> None:
    lock = tmp_path / "lock.json"
    lock.write_text('{"lockVersion": true, "images": []}')
    assert "not a lock file of this version" in refused(tmp_path, str(lock))
