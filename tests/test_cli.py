"""The command line as a newcomer types it: full option names only, a `help`
subcommand, `--version`; every usage error is one line and exit 2."""

from __future__ import annotations

import re
import tomllib

import pytest
from conftest import ROOT, run_cli

POD = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - {name: a, image: nginx:1.25}\n"


@pytest.mark.parametrize(("args", "unknown"), [
    (["--all", "m.example.com/x", "--stric"], "--stric"),
    (["--all", "m.example.com/x", "--rewrite"], "--rewrite"),
    (["--all", "m.example.com/x", "--rep", "out.json"], "--rep"),
    (["--con", "rules.yaml"], "--con"),
    (["images", "--all", "m.example.com/x", "--form", "json"], "--form json"),
])
def test_abbreviated_options_are_usage_errors(args: list[str], unknown: str) -> None:
    result = run_cli(args, POD)
    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr.decode() == (
        f"registry-rewrite: usage error: unrecognized arguments: {unknown} (see --help)\n")


def test_the_full_names_still_work() -> None:
    result = run_cli(["--all", "m.example.com/x", "--strict", "--rewrite-unknown"], POD)
    assert result.returncode == 0, result.stderr
    assert b"image: m.example.com/x/docker.io/library/nginx:1.25}" in result.stdout


@pytest.mark.parametrize(("args", "usage"), [
    (["help"], b"usage: registry-rewrite [-h]"),
    (["help", "images"], b"usage: registry-rewrite images [-h]"),
    (["help", "verify"], b"usage: registry-rewrite verify [-h]"),
])
def test_help_is_a_subcommand(args: list[str], usage: bytes) -> None:
    result = run_cli(args)
    assert result.returncode == 0
    assert result.stdout.startswith(usage)
    assert result.stderr == b""


def test_help_of_an_unknown_command_is_a_usage_error() -> None:
    result = run_cli(["help", "rewrite"])
    assert result.returncode == 2
    assert result.stderr.decode() == (
        "registry-rewrite: usage error: help rewrite: there is only `registry-rewrite help` "
        "and `registry-rewrite help COMMAND` for images, sync, verify, auth\n")


def test_version_is_the_package_version() -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    result = run_cli(["--version"])
    assert result.returncode == 0
    assert result.stdout.decode() == f"registry-rewrite {version}\n"
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
