"""The configuration keys are declared once (config/schema.py): a typo names
the key path and the closest known key, and never echoes a value."""

from __future__ import annotations

from pathlib import Path

from conftest import run_cli, stderr_lines

from post_renderer.config.schema import EXTRACTOR_ROW

POD = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - image: nginx\n"


def usage_error(tmp_path: Path, rules: str) -> str:
    path = tmp_path / "rules.yaml"
    path.write_text(rules)
    result = run_cli(["-c", str(path)], POD)
    assert result.returncode == 2
    [line] = stderr_lines(result)
    return line


def test_a_typo_in_a_rules_file_gets_a_hint(tmp_path: Path) -> None:
    line = usage_error(tmp_path, "imageReplacementRules: {all: m.example.com}\nalow: [x]\n")
    assert "unknown key 'alow'; did you mean 'allow'?" in line
    assert "(a rules file holds: allow, content, credentials, exclude, extractors," in line


def test_a_typo_in_a_credential_names_its_path_and_not_its_value(tmp_path: Path) -> None:
    line = usage_error(tmp_path, (
        "imageReplacementRules: {all: m.example.com}\ncredentials:\n"
        "- domain: m.example.com\n  username: u\n  pasword: s3cr3t-value\n"))
    assert "credentials[0]: unknown key 'pasword'; did you mean 'password'?" in line
    assert "s3cr3t-value" not in line


def test_no_hint_when_nothing_is_close(tmp_path: Path) -> None:
    line = usage_error(tmp_path, (
        "imageReplacementRules: {all: m.example.com}\n"
        "extractors:\n- {kind: X, paths: [spec.image], colour: red}\n"))
    assert "extractors[0]: unknown key 'colour' (an extractor row holds:" in line
    assert "did you mean" not in line


def test_the_row_schema_declares_what_parse_row_reads() -> None:
    from post_renderer.extract.rows import _EXPRESSION_KEYS, _PATTERN_KEYS, _PULL_SECRET_KEY

    assert set(EXTRACTOR_ROW) == {"kind", "apiVersion", _PULL_SECRET_KEY, *_EXPRESSION_KEYS,
                                  *_PATTERN_KEYS}
