"""What a child process (skopeo) inherits: never a variable a credential reads
its password from, nor the tool's own configuration variables.

skopeo is the real one, behind a wrapper on PATH that records the environment
it was started with (the oracle: /proc's view of the child, not our code).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import Registries, assert_no_traceback, run_cli
from test_sync import PASSWORD_VAR, Scenario, scenario  # noqa: F401 - the fixture


def recording_skopeo(tmp_path: Path) -> tuple[Path, Path]:
    """A directory holding `skopeo` that appends its environment to a file and
    runs the real skopeo; and that file."""
    real = shutil.which("skopeo")
    if real is None:
        pytest.skip("skopeo is not installed")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    record = tmp_path / "environ"
    wrapper = bindir / "skopeo"
    wrapper.write_text(f'#!/bin/sh\ncat /proc/$$/environ >> "{record}"\n'
                       f'printf "\\n--\\n" >> "{record}"\nexec "{real}" "$@"\n')
    wrapper.chmod(0o755)
    return bindir, record


@pytest.mark.parametrize("command", [["verify"], ["sync"]])
def test_children_never_inherit_a_credential_variable(
    registries: Registries, scenario: Scenario, tmp_path: Path,  # noqa: F811
    command: list[str],
) -> None:
    bindir, record = recording_skopeo(tmp_path)
    env = {**scenario.env,
           "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}",
           "REGISTRY_REWRITE_RULES": '"example.invalid": "m.example.invalid/x"',
           "UNRELATED_SETTING": "kept-out-too"}
    if command == ["verify"]:
        synced = run_cli(["sync", "-c", str(scenario.config)], scenario.stream, env=scenario.env)
        assert synced.returncode == 0, synced.stderr.decode()
    result = run_cli([*command, "-c", str(scenario.config)], scenario.stream, env=env)
    assert_no_traceback(result)
    assert result.returncode == 0, result.stderr.decode()
    seen = record.read_bytes()
    assert seen.count(b"\n--\n") >= 4  # every image reached a real skopeo
    password = scenario.env[PASSWORD_VAR].encode()
    assert password and password not in seen
    assert PASSWORD_VAR.encode() not in seen
    assert b"REGISTRY_REWRITE_" not in seen
    assert b"UNRELATED_SETTING" not in seen
    assert b"\0PATH=" in seen or seen.startswith(b"PATH=")
