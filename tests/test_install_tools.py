"""scripts/install-tools on a machine it cannot install on: outside CI it
falls back to the tools on PATH and never stops the test command; in CI it
fails.  Run on a copy of the script (its .tools/bin is the copy's) with a PATH
that holds basic commands only: no npm, no apt-get."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT, find_tool

BASICS = ["bash", "env", "mktemp", "rm", "mkdir", "sed", "head", "sha256sum", "cut", "cp",
          "chmod", "mv", "ln", "dirname", "uname", "python3", "tar", "awk", "cat", "ls", "id",
          "readlink", "basename", "tr", "grep", "sort"]


def run_install_tools(tmp_path: Path, ci: str, helm: str | None) -> tuple[subprocess.CompletedProcess[str], Path]:
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "install-tools", repo / "scripts")
    basics = tmp_path / "basics"
    basics.mkdir()
    for name in BASICS:
        found = shutil.which(name)
        assert found, name
        (basics / name).symlink_to(found)
    extra = tmp_path / "on-path"
    extra.mkdir()
    if helm:
        (extra / "helm").symlink_to(helm)
    env = {"HOME": str(tmp_path), "PATH": f"{basics}{os.pathsep}{extra}", "CI": ci}
    result = subprocess.run(["bash", str(repo / "scripts" / "install-tools")], env=env, cwd=repo,
                            capture_output=True, text=True, timeout=120, check=False)
    return result, repo / ".tools" / "bin"


def test_outside_ci_it_falls_back_to_path_and_exits_0(tmp_path: Path) -> None:
    helm3 = find_tool("helm3")
    result, bin_dir = run_install_tools(tmp_path, "false", helm3)
    assert result.returncode == 0, result.stderr
    assert "npm (Node.js) not found" in result.stderr
    # helm on PATH is a Helm 3: it stands in for helm3, never for helm4
    assert os.path.realpath(bin_dir / "helm3") == os.path.realpath(helm3)
    assert not (bin_dir / "helm4").exists()
    assert "helm4      -         MISSING: the tests that need it are skipped" in result.stdout
    assert "kustomize  -         MISSING" in result.stdout


def test_in_ci_a_tool_it_cannot_install_is_a_failure(tmp_path: Path) -> None:
    result, _ = run_install_tools(tmp_path, "true", None)
    assert result.returncode != 0
    assert "install-tools: ERROR: npm (Node.js) not found" in result.stderr


def test_a_missing_tool_is_skipped_with_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception) as skipped:
        find_tool("kpt-that-does-not-exist")
    assert "run scripts/install-tools (it needs npm on linux/amd64" in str(skipped.value)
