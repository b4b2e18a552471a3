"""KRM mode: a ResourceList in, a ResourceList out (kustomize, kpt), and the
legacy exec plugin's config-object argument.  Through the CLI, without the
orchestrators; test_kustomize.py runs the real kustomize and kpt."""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, SEED_RULES, assert_no_traceback, run_cli, stderr_lines
from ruamel.yaml import YAML

KRM = FIXTURES / "krm"
KUSTOMIZE_LIST = KRM / "kustomize-resourcelist.yaml"
KPT_LIST = KRM / "kpt-resourcelist.yaml"


def load(data: bytes | str) -> Any:
    return YAML(typ="safe", pure=False).load(data)


def changed_lines(before: str, after: str) -> list[str]:
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    return [line for line in diff if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def resource_list(function_config: str, image: str = "nginx:1.27") -> str:
    return (
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n"
        "- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: p\n"
        f"  spec:\n    containers:\n    - name: c\n      image: {image}\n"
        f"functionConfig:\n{function_config}"
    )


def test_items_are_rewritten_in_place_and_every_other_byte_kept() -> None:
    source = KUSTOMIZE_LIST.read_text()
    result = run_cli([], source)
    assert result.returncode == 0, result.stderr.decode()
    out = result.stdout.decode()
    assert changed_lines(source, out) == [
        "-        - image: nginx:1.27",
        "+        - image: mirror.example.com/hub/library/nginx:1.27",
        '-        - image: "quay.io/prometheus/node-exporter:v1.8.2"',
        '+        - image: "mirror.example.com/quay/prometheus/node-exporter:v1.8.2"',
    ]
    # kustomize tracks resources by these annotations; they came through as written
    assert "      config.kubernetes.io/index: '1'\n" in out
    assert "      kustomize.config.k8s.io/id: |\n        group: apps\n" in out
    assert "results" not in load(result.stdout)
    assert result.stderr == b""


FUNCTION_CONFIGS = {
    "configmap-block-string": (
        "  apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: function-input}\n"
        "  data:\n    imageReplacementRules: |\n      \"docker.io\": \"mirror.example.com/hub\"\n"
    ),
    # kpt `-- imageReplacementRules=...` sends data in flow style
    "configmap-flow-kpt-kv": (
        "  metadata:\n    name: function-input\n"
        "  data: {imageReplacementRules: '\"docker.io\": \"mirror.example.com/hub\"'}\n"
        "  kind: ConfigMap\n  apiVersion: v1\n"
    ),
    "custom-kind-spec-mapping": (
        "  apiVersion: registry-rewrite/v1\n  kind: RegistryRewrite\n  metadata: {name: r}\n"
        "  spec:\n    imageReplacementRules:\n      docker.io: mirror.example.com/hub\n"
    ),
    "custom-kind-top-level": (
        "  apiVersion: registry-rewrite/v1\n  kind: RegistryRewrite\n  metadata: {name: r}\n"
        "  imageReplacementRules: |\n    \"docker.io\": \"mirror.example.com/hub\"\n"
    ),
}


@pytest.mark.parametrize("function_config", FUNCTION_CONFIGS.values(), ids=FUNCTION_CONFIGS)
def test_rules_come_from_function_config(function_config: str) -> None:
    result = run_cli([], resource_list(function_config))
    assert result.returncode == 0, result.stderr.decode()
    assert load(result.stdout)["items"][0]["spec"]["containers"][0]["image"] == (
        "mirror.example.com/hub/library/nginx:1.27")


def test_command_line_rules_refuse_function_config_rules() -> None:
    # An operator configuration makes the in-stream functionConfig untrusted:
    # its rules are refused (exit 2, naming the key path), never merged.
    source = resource_list(FUNCTION_CONFIGS["configmap-block-string"])
    result = run_cli(["--rule", "docker.io=flags.example.com/hub"], source)
    assert result.returncode == 2
    assert b"functionConfig: data.imageReplacementRules: refused" in result.stderr
    assert "image: nginx:1.27" in result.stdout.decode()


def test_rules_file_refuses_function_config_rules() -> None:
    source = resource_list(FUNCTION_CONFIGS["configmap-block-string"])
    result = run_cli([], source.replace("nginx:1.27", "quay.io/x/y:1"),
                     env={"REGISTRY_REWRITE_CONFIG": str(SEED_RULES)})
    assert result.returncode == 2
    assert b"functionConfig: data.imageReplacementRules: refused" in result.stderr


def test_rewrite_errors_and_warnings_become_results() -> None:
    result = run_cli([], KPT_LIST.read_text())
    assert result.returncode == 1
    out = load(result.stdout)
    containers = out["items"][0]["spec"]["template"]["spec"]["containers"]
    assert containers[0]["image"] == (
        "example.registry.com/internal-images/docker.io/library/nginx:1.27")
    assert containers[1]["image"] == "localhost:5000/tools/debug:1"
    error, warning = out["results"]
    ref = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "namespace": "prod"}
    assert error["severity"] == "error" and "localhost:5000" in error["message"]
    assert error["resourceRef"] == ref
    assert error["field"] == {"path": "spec.template.spec.containers[1].image"}
    assert error["file"] == {"path": "deploy.yaml", "index": 0}
    assert warning["severity"] == "warning" and "not a valid image reference" in warning["message"]
    assert warning["field"] == {"path": "spec.template.spec.containers[2].image"}
    # the same two diagnostics, one stderr line each
    lines = stderr_lines(result)
    assert len(lines) == 2 and "error" in lines[0] and "warning" in lines[1]


def test_a_warning_alone_exits_0() -> None:
    source = resource_list(FUNCTION_CONFIGS["configmap-block-string"], image='""')
    result = run_cli([], source)
    assert result.returncode == 0
    # the image's warning, then the rules it left unmatched (as in every route)
    warning, *unmatched = load(result.stdout)["results"]
    assert all("matched no image" in u["message"] for u in unmatched)
    assert warning["severity"] == "warning"
    assert warning["resourceRef"] == {"apiVersion": "v1", "kind": "Pod", "name": "p"}


@pytest.mark.parametrize(
    ("function_config", "expected"),
    [
        (("  apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: f}\n"
          "  data: {imageReplacementRules: '\"docker.io\": \"Bad Target\"'}\n"),
         'functionConfig: imageReplacementRules: target "Bad Target" of "docker.io"'),
        (("  apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: f}\n"
          "  data: {imageReplacmentRules: 'x: y'}\n"),
         "functionConfig: data: unknown key 'imageReplacmentRules'"),
        ("  apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: f}\n",
         "no rules: give functionConfig a imageReplacementRules"),
        (("  apiVersion: x/v1\n  kind: X\n  metadata: {name: f}\n"
          "  spec: {imageReplacementRules: [a]}\n"),
         "functionConfig: spec.imageReplacementRules: must be a mapping"),
    ],
    ids=["bad-target", "typo", "no-rules", "not-a-mapping"],
)
def test_bad_function_config_is_an_error_result(function_config: str, expected: str) -> None:
    source = resource_list(function_config)
    result = run_cli([], source)
    assert result.returncode == 1
    out = load(result.stdout)
    assert out["items"] == load(source)["items"]  # nothing rewritten
    [entry] = out["results"]
    assert entry["severity"] == "error" and expected in entry["message"]
    [line] = stderr_lines(result)
    assert expected in line
    assert_no_traceback(result)


def test_results_are_appended_before_an_end_marker_and_keep_crlf() -> None:
    source = KPT_LIST.read_text().replace("\n", "\r\n") + "...\r\n"
    result = run_cli([], source.encode())
    out = result.stdout.decode()
    assert out.endswith("...\r\n") and "\nresults:" in out
    assert "\n" not in out.replace("\r\n", "")
    assert len(load(out)["results"]) == 2


@pytest.mark.parametrize("form", ["json", "existing-results"])
def test_unusual_resource_lists_still_get_valid_results(form: str) -> None:
    doc = load(KPT_LIST.read_text())
    if form == "json":
        source = json.dumps(doc, indent=1)
    else:
        source = KPT_LIST.read_text() + "results:\n- {severity: info, message: old}\n"
    result = run_cli([], source)
    assert result.returncode == 1
    out = load(result.stdout)
    assert [r["severity"] for r in out["results"]] == ["error", "warning"]
    assert out["items"][0]["metadata"] == doc["items"][0]["metadata"]


def test_documents_after_the_resource_list_are_an_error() -> None:
    source = KUSTOMIZE_LIST.read_text() + "---\napiVersion: v1\nkind: Pod\n"
    result = run_cli([], source)
    assert result.returncode == 1
    out = load(result.stdout)
    assert out["kind"] == "ResourceList"
    assert "1 more document(s) after the ResourceList" in out["results"][0]["message"]


@pytest.mark.parametrize(
    "header",
    ["apiVersion: v1\nkind: List\n", "apiVersion: example.com/v1\nkind: ResourceList\n"],
    ids=["v1-List", "other-group"],
)
def test_other_lists_stream_as_manifests(header: str) -> None:
    source = header + "items:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: p}\n" \
        "  spec:\n    containers:\n    - image: nginx\n"
    result = run_cli(["--all", "m.example.com"], source)
    assert result.returncode == 0
    assert result.stdout.decode() == source.replace(
        "image: nginx", "image: m.example.com/docker.io/library/nginx")


LEGACY_STREAM = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  annotations:\n"
    "    kustomize.config.k8s.io/id: |\n      group: apps\n      kind: Deployment\n"
    "      name: web\n      version: v1\n  name: web\nspec:\n  template:\n    spec:\n"
    "      containers:\n      - image: nginx:1.27\n        name: web\n"
)


@pytest.mark.parametrize(
    "config",
    [
        ("apiVersion: registry-rewrite/v1\nkind: RegistryRewrite\nmetadata: {name: r}\n"
         "argsOneLiner: --strict\n"
         "imageReplacementRules: |\n  \"docker.io\": \"mirror.example.com/hub\"\n"),
        ("apiVersion: registry-rewrite/v1\nkind: RegistryRewrite\nmetadata: {name: r}\n"
         "spec:\n  imageReplacementRules:\n    docker.io: mirror.example.com/hub\n"),
        "imageReplacementRules: |\n  \"docker.io\": \"mirror.example.com/hub\"\n",
    ],
    ids=["top-level", "spec", "plain-rules-file"],
)
def test_legacy_exec_plugin_config_object_argument(tmp_path: Path, config: str) -> None:
    path = tmp_path / "kust-plugin-config-123"
    path.write_text(config)
    result = run_cli([str(path), "--strict"], LEGACY_STREAM)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode() == LEGACY_STREAM.replace(
        "image: nginx:1.27", "image: mirror.example.com/hub/library/nginx:1.27")


def test_legacy_config_object_errors_are_usage_errors(tmp_path: Path) -> None:
    path = tmp_path / "cfg.yaml"
    path.write_text("apiVersion: x/v1\nkind: X\nimageReplacementRules: {docker.io: 'A B'}\n")
    result = run_cli([str(path)], LEGACY_STREAM)
    assert (result.returncode, result.stdout) == (2, b"")
    [line] = stderr_lines(result)
    assert str(path) in line and 'target "A B"' in line
    missing = run_cli([str(tmp_path / "nope.yaml")], LEGACY_STREAM)
    assert missing.returncode == 2 and "No such file" in missing.stderr.decode()


def test_rules_from_the_environment_variable() -> None:
    rules = '"docker.io": "mirror.example.com/hub"\n"all": "all.example.com"\n'
    result = run_cli([], LEGACY_STREAM, env={"REGISTRY_REWRITE_RULES": rules})
    assert result.returncode == 0
    assert "image: mirror.example.com/hub/library/nginx:1.27" in result.stdout.decode()
    bad = run_cli([], LEGACY_STREAM, env={"REGISTRY_REWRITE_RULES": '"docker.io": "A B"'})
    assert (bad.returncode, bad.stdout) == (2, b"")
    [line] = stderr_lines(bad)
    assert "$REGISTRY_REWRITE_RULES" in line and 'target "A B"' in line


def test_environment_rules_override_the_rules_file() -> None:
    pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n" \
        "  - image: us-docker.pkg.dev/palette-images/x:1\n"
    result = run_cli([], pod, env={
        "REGISTRY_REWRITE_CONFIG": str(SEED_RULES),
        "REGISTRY_REWRITE_RULES": '"us-docker.pkg.dev/palette-images": "env.example.com/p"'})
    assert result.returncode == 0
    assert "image: env.example.com/p/x:1" in result.stdout.decode()


def test_a_resource_list_with_a_collection_as_a_key_is_no_internal_error() -> None:
    """A fuzz finding (fuzz_rewrite.py --krm): a mapping inside a mapping key
    (`? - {a: 1}`) made the ResourceList test's YAML constructor raise
    TypeError (a tuple of dicts is unhashable),
    which reached the user as `internal error`.  The tree builder reads it:
    it is answered as the ResourceList it is, items rewritten in place."""
    source = resource_list("  apiVersion: v1\n  kind: ConfigMap\n  data: {}\n").replace(
        "  spec:\n    containers:\n", "  spec:\n    ? - {a: 1}\n    : b\n    containers:\n")
    result = run_cli(["--all", "mirror.example.com"], source)
    assert_no_traceback(result)
    assert b"internal error" not in result.stderr
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode() == source.replace(
        "image: nginx:1.27", "image: mirror.example.com/docker.io/library/nginx:1.27")
