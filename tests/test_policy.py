"""The allow-list policy: after rewriting, every image must be under
an allowed prefix, or the run fails (exit 1) naming each offender."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES, assert_no_traceback, run_cli, stderr_lines
from ruamel.yaml import YAML

INVENTORY = FIXTURES / "inventory"
RULES = INVENTORY / "rules.yaml"
STREAM = INVENTORY / "stream.yaml"
POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - image: {}\n"


def errors(result: object) -> list[str]:
    return [line for line in stderr_lines(result) if " error: " in line]  # type: ignore[arg-type]


def test_everything_under_the_prefix_passes_and_changes_nothing() -> None:
    plain = run_cli(["-c", str(RULES)], STREAM.read_bytes())
    # the gcr.io image is not rewritten (the typo'd rule), so allow gcr.io too
    result = run_cli(["-c", str(RULES), "--allow", "mirror.example.com", "--allow", "gcr.io"],
                     STREAM.read_bytes())
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == plain.stdout and errors(result) == []


def test_each_offender_is_one_error_naming_document_and_path() -> None:
    result = run_cli(["-c", str(RULES), "--allow", "mirror.example.com"], STREAM.read_bytes())
    assert_no_traceback(result)
    assert result.returncode == 1
    assert errors(result) == [
        ("registry-rewrite: error: document 1 (Deployment/worker), "
         "spec.template.spec.containers[1].image: 'gcr.io/google-containers/pause:3.9' is not "
         "under an allowed prefix (allow: mirror.example.com)")
    ]
    # a CI gate, not a filter: every document is still written, rewritten
    assert result.stdout == run_cli(["-c", str(RULES)], STREAM.read_bytes()).stdout


def test_prefixes_match_on_component_boundaries() -> None:
    image = "mirror.example.com/hubby/x:1"
    rule = ["--rule", "quay.io=mirror.example.com/quay"]
    assert run_cli([*rule, "--allow", "mirror.example.com/hub"],
                   POD.format(image)).returncode == 1
    assert run_cli([*rule, "--allow", "mirror.example.com/hubby"],
                   POD.format(image)).returncode == 0


def test_docker_hub_short_names_are_normalized() -> None:
    result = run_cli(["--rule", "quay.io=m.example.com/q", "--allow", "docker.io/library"],
                     POD.format("nginx:1"))
    assert result.returncode == 0, result.stderr.decode()


def test_an_unparsable_image_cannot_be_allowed() -> None:
    result = run_cli(["--all", "m.example.com", "--allow", "m.example.com"],
                     POD.format('"{{ .Values.image }}"'))
    assert result.returncode == 1
    assert "is not under an allowed prefix" in errors(result)[0]


def test_allow_from_the_rules_file_and_the_pack_adds_to_flags(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES.read_text() + "allow:\n  - mirror.example.com\n")
    stream = STREAM.read_bytes()
    assert run_cli(["-c", str(rules)], stream).returncode == 1
    assert run_cli(["-c", str(rules), "--allow", "gcr.io/google-containers"],
                   stream).returncode == 0
    pack = tmp_path / "pack.yaml"
    pack.write_text(
        "charts:\n  registry-connect:\n    config:\n      registry:\n"
        "        imageReplacementRules: |\n          \"all\": \"mirror.example.com/all\"\n"
        "        allow: mirror.example.com/all\n")
    assert run_cli(["-c", str(pack)], stream).returncode == 0
    assert run_cli(["-c", str(pack), "--allow", "x.example.com"], stream).returncode == 0


@pytest.mark.parametrize(("config", "flags", "message"), [
    ("", ["--allow", "Not A Prefix"], "--allow: allow 'Not A Prefix'"),
    ('allow: ["mirror.example.com:tag"]\n', [], "rules.yaml: allow: allow 'mirror.example.com:tag'"),
    ("allow: {a: b}\n", [], "rules.yaml: allow: must be a registry/repository prefix"),
])
def test_bad_prefixes_are_usage_errors(
    tmp_path: Path, config: str, flags: list[str], message: str
) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES.read_text() + config)
    result = run_cli(["-c", str(rules), *flags], STREAM.read_bytes())
    assert_no_traceback(result)
    assert result.returncode == 2 and result.stdout == b""
    assert message in result.stderr.decode(), result.stderr.decode()


def test_a_krm_resource_list_gets_the_same_policy_check() -> None:
    """The KRM mode runs the same stages as a stream: an image outside the
    allow-list (from a flag or from the functionConfig) is an error result
    naming the item, and exit 1; an allowed one passes."""
    items = ("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n"
             "- apiVersion: v1\n  kind: Pod\n  metadata: {name: p}\n  spec:\n"
             "    containers:\n    - image: nginx:1\n")
    from_config = (items + "functionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n"
                   "  metadata: {name: f}\n  data:\n    allow: other.example.com\n")
    for args, source in ((["--all", "m.example.com", "--allow", "other.example.com"], items),
                         (["--all", "m.example.com"], from_config)):
        result = run_cli(args, source)
        assert result.returncode == 1, result.stderr.decode()
        results = YAML(typ="safe").load(result.stdout)["results"]
        [error] = [r for r in results if r["severity"] == "error"]
        assert "'m.example.com/docker.io/library/nginx:1' is not under an allowed prefix" in (
            error["message"])
        assert error["resourceRef"] == {"apiVersion": "v1", "kind": "Pod", "name": "p"}
        assert error["field"] == {"path": "spec.containers[0].image"}
        assert_no_traceback(result)
    assert run_cli(["--all", "m.example.com", "--allow", "m.example.com"], items).returncode == 0
