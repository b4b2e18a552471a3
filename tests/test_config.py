"""Configuration: the forms the rules come in, and usage errors (exit 2)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, SEED_RULES, assert_no_traceback, run_cli, stderr_lines

PALETTE_IMAGE = "us-docker.pkg.dev/palette-images/packs/flannel/0.27.0/cni-plugins:v1.6.2"
EXPECTED = "example.registry.com/internal-images/packs/flannel/0.27.0/cni-plugins:v1.6.2"
POD = f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - image: {PALETTE_IMAGE}\n"


@pytest.mark.parametrize(
    "args",
    [
        ["-c", str(SEED_RULES)],
        ["--config", str(FIXTURES / "rules" / "pack-values.yaml")],
        ["-c", str(FIXTURES / "rules" / "mirrors.yaml")],
        ["--rule", "us-docker.pkg.dev/palette-images=example.registry.com/internal-images"],
    ],
    ids=["rules-file", "pack-values", "mapping-form", "flag"],
)
def test_rule_sources(args: list[str]) -> None:
    result = run_cli(args, POD)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode() == POD.replace(PALETTE_IMAGE, EXPECTED)


def test_environment_variable_is_read_without_c() -> None:
    result = run_cli([], POD, env={"REGISTRY_REWRITE_CONFIG": str(SEED_RULES)})
    assert result.returncode == 0
    assert EXPECTED in result.stdout.decode()


def test_flags_override_the_file() -> None:
    result = run_cli(["-c", str(SEED_RULES), "--rule",
                      "us-docker.pkg.dev/palette-images=other.example.com/x"], POD)
    assert "image: other.example.com/x/packs/flannel" in result.stdout.decode()


def test_empty_input_gives_empty_output() -> None:
    result = run_cli(["-c", str(SEED_RULES)], b"")
    assert (result.returncode, result.stdout, result.stderr) == (0, b"", b"")


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "rules.yaml"
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("imageReplacementRules: {}\n", "has no rules"),
        ("imageReplacementRules: ''\n", "has no rules"),
        ("imageReplacementRules: [a]\n", "must be a mapping"),
        ("imageReplacementRules: |\n  not: [valid\n", "block string"),
        ("imageReplacementRules:\n  a: [b]\n", "must both be strings"),
        ("imageReplacementRules:\n  'Foo Bar': x.example.com\n", 'source "Foo Bar"'),
        ("imageReplacementRules:\n  quay.io: 'x.example.com/a:tag'\n", 'target "x.example.com/a:tag"'),
        ("imageReplacmentRules:\n  quay.io: x.example.com\n", "unknown key 'imageReplacmentRules'"),
        ("charts:\n  registry-connect: {}\n", "charts.registry-connect.config.registry"),
        ("- a\n", "expected a mapping"),
        ("a: [\n", "not valid YAML"),
    ],
)
def test_bad_config_is_a_usage_error(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    result = run_cli(["-c", path], POD)
    assert result.returncode == 2
    assert result.stdout == b""
    [line] = stderr_lines(result)
    assert path in line and expected in line
    assert_no_traceback(result)


def test_missing_file(tmp_path: Path) -> None:
    result = run_cli(["-c", str(tmp_path / "nope.yaml")], POD)
    assert result.returncode == 2
    assert "nope.yaml" in result.stderr.decode() and "No such file" in result.stderr.decode()


def test_no_rules_at_all_is_a_usage_error() -> None:
    result = run_cli([], POD)
    assert result.returncode == 2
    assert "no rules given" in result.stderr.decode()


def test_help_and_version_exit_0_with_their_text() -> None:
    """The entry point leaves through os._exit: argparse's own exits must keep
    their code and their (flushed) text."""
    result = run_cli(["--help"])
    assert result.returncode == 0 and result.stdout.startswith(b"usage: registry-rewrite")
    assert result.stdout.rstrip().endswith(b"the login file.")  # the epilog, all of it
    result = run_cli(["--version"])
    assert (result.returncode, result.stdout) == (0, b"registry-rewrite 0.1.0\n")


@pytest.mark.parametrize("code", [0, 1, 2])
def test_python_dash_m_is_the_same_command(code: int) -> None:
    """0 rewritten, 1 an invalid rewrite (`all` would put a port into a path),
    2 a usage error: the same codes and output as the console script."""
    args = {0: ["--rule", "us-docker.pkg.dev/palette-images=example.registry.com/internal-images"],
            1: ["--all", "mirror.example.com"], 2: ["--bogus"]}[code]
    pod = POD if code != 1 else POD.replace(PALETTE_IMAGE, "registry.example:5000/x:1")
    result = subprocess.run([sys.executable, "-m", "post_renderer", *args], input=pod.encode(),
                            capture_output=True, timeout=60)
    assert result.returncode == code
    assert result.stdout == (POD.replace(PALETTE_IMAGE, EXPECTED).encode() if code == 0
                             else pod.encode() if code == 1 else b"")
    assert result.stderr.count(b"\n") == (0 if code == 0 else 1)


@pytest.mark.parametrize("args", [["--rule", "nosign"], ["--bogus"], ["--rule", "=x"]])
def test_bad_flags(args: list[str]) -> None:
    result = run_cli(args, POD)
    assert result.returncode == 2
    assert_no_traceback(result)


def test_duplicate_key_in_config_names_the_key_not_the_values(tmp_path: Path) -> None:
    path = write(tmp_path, "imageReplacementRules:\n  quay.io: m.example.com\ncredentials:\n"
                 "  - domain: m.example.com\n    username: u\n    password: hunter2-old\n"
                 "    password: s3cr3t-NEW\n")
    result = run_cli(["-c", path], POD)
    assert result.returncode == 2
    [line] = stderr_lines(result)
    assert 'duplicate key "password"' in line
    assert b"hunter2" not in result.stderr and b"s3cr3t" not in result.stderr


@pytest.mark.parametrize("value", ["2020-13-45", "!!float s3cr3t"])
def test_unreadable_value_is_a_usage_error_without_echo(tmp_path: Path, value: str) -> None:
    path = write(tmp_path, f"imageReplacementRules:\n  quay.io: {value}\n")
    result = run_cli(["-c", path], POD)
    assert result.returncode == 2
    assert_no_traceback(result)
    [line] = stderr_lines(result)
    assert path in line and "a value cannot be read" in line
    assert b"s3cr3t" not in result.stderr


def test_usage_error_leaves_no_report_file(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    result = run_cli(["--report", str(report)], POD)
    assert result.returncode == 2
    assert not report.exists()
