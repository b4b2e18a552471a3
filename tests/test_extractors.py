"""Issue #4: every image a chart ships — CRDs, flags and env, user extractors, the audit."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES, assert_no_traceback, run_cli, stderr_lines
from ruamel.yaml import YAML
from syrupy.assertion import SnapshotAssertion

from post_renderer.extract.glob import glob_matcher
from post_renderer.extract.jsonpath import check_path
from post_renderer.extract.rows import BUILTIN_FILE, builtin_table_data, parse_rows

DIR = FIXTURES / "extractors"
SRC = ["--rule", "src.example.com=dst.example.com"]


def documents(text: str) -> list[str]:
    return ["---" + d for d in text.split("\n---")[1:]]


CRD_DOCS = documents((DIR / "crds.yaml").read_text())


def test_every_builtin_expression_compiles() -> None:
    rows, shape = builtin_table_data()
    expressions = [e for r in rows for e in (*r.pod_specs, *r.containers, *r.paths, *r.split_images)]
    expressions += [*shape.pod_spec_containers, *shape.pod_spec_paths]
    assert len(rows) > 60
    assert [e for e in expressions if check_path(e)] == []


def test_builtin_table_reads_as_a_full_yaml_loader_reads_it() -> None:
    """The table is read with locate's composer, which keeps `<<` as a key;
    the merge-key rows must come out as ruamel's loader builds them."""
    data = YAML(typ="safe").load(BUILTIN_FILE.read_text(encoding="utf-8"))
    expected = parse_rows(data["extractors"], "built-in extractors", validate=False)
    rows, shape = builtin_table_data()
    assert rows == tuple(expected)
    assert shape.arg_flags == tuple(data["container"]["args"])
    assert shape.env_names == tuple(data["container"]["env"])
    assert {r.kind for r in rows} >= {"WorkflowTemplate", "ClusterTask", "VMAlertmanager"}


def test_glob_matcher_agrees_with_fnmatchcase() -> None:
    import fnmatch

    _, shape = builtin_table_data()
    patterns = (*shape.arg_flags, *shape.env_names, "a?c", "[xy]z")
    names = [*patterns, "auto-instrumentation-java-image", "auto-instrumentation--image",
             "RELATED_IMAGE_", "RELATED_IMAGEX", "STRIMZI_DEFAULT_KAFKA_IMAGE", "abc", "yz",
             "executor-image2", "xexecutor-image", "Executor-image", "", "*", "a\nc"]
    matches = glob_matcher(patterns)
    for name in names:
        assert matches(name) == any(fnmatch.fnmatchcase(name, p) for p in patterns), name
    assert glob_matcher(()).__call__("x") is False


@pytest.mark.parametrize("doc", CRD_DOCS, ids=[
    YAML(typ="safe").load(d)["kind"] + "." + YAML(typ="safe").load(d)["apiVersion"].split("/")[0]
    for d in CRD_DOCS])
def test_crd_images_rewritten(doc: str) -> None:
    result = run_cli(SRC, doc)
    assert result.returncode == 0 and result.stderr == b"", result.stderr.decode()
    out = result.stdout.decode()
    assert "src.example.com" not in out
    assert out.count("dst.example.com") == doc.count("src.example.com")
    assert out == doc.replace("src.example.com", "dst.example.com")


def test_split_image_keeps_its_tag() -> None:
    out = run_cli(SRC, (DIR / "crds.yaml").read_text()).stdout.decode()
    assert "repository: dst.example.com/victoriametrics/vmagent\n    tag: v1.110.0" in out


def test_argo_push_targets_and_scripts_are_not_images() -> None:
    out = run_cli(SRC, (DIR / "crds.yaml").read_text()).stdout.decode()
    assert '"--destination=push.example.com/apps/web:latest"' in out
    assert '"trivy image push.example.com/apps/web:latest"' in out


def test_flags_and_env(snapshot: SnapshotAssertion) -> None:
    source = (DIR / "flags-and-env.yaml").read_text()
    result = run_cli(SRC, source)
    assert result.returncode == 0 and result.stderr == b""
    out = result.stdout.decode()
    assert out == snapshot
    assert "src.example.com" not in out
    assert "value: 127.0.0.1:5432/postgres?sslmode=disable" in out
    assert "image: auto   #" in out
    # only the references changed: every flag keeps its spelling and quoting
    for flag in ('- --prometheus-config-reloader=dst', '- "--thanos-default-base-image=dst',
                 '"--executor-image", "dst', '"-entrypoint-image", "dst', '"-nop-image=dst',
                 '--engine-image, "dst', 'value: "dst.example.com/hashicorp/vault:1.18.1"'):
        assert flag in out, flag


UNKNOWN = (DIR / "unknown-crd.yaml").read_text()
AUDITED = ["spec.image", "spec.agentImage", "spec.workers[0].image", "spec.workers[0].args[0]"]


CONFIG_MAP_DATA = ("registry-rewrite: warning: document 1 (ConfigMap/widget-config), line 22, "
                   "data.image: 'src.example.com/in-configmap:1' in ConfigMap data looks like "
                   "an image; not rewritten")


def test_audit_names_every_uncovered_image() -> None:
    result = run_cli(SRC, UNKNOWN)
    assert result.returncode == 0
    assert result.stdout.decode() == UNKNOWN
    *lines, data = stderr_lines(result)
    assert len(lines) == len(AUDITED)
    for line, path in zip(lines, AUDITED, strict=True):
        assert line.startswith("registry-rewrite: warning: document 0 (Widget/gadget), line ")
        assert f", {path}: 'src.example.com/" in line and "extractor" in line
    assert data.startswith(CONFIG_MAP_DATA)


def test_audit_strict_is_an_error() -> None:
    result = run_cli([*SRC, "--strict"], UNKNOWN)
    assert result.returncode == 1
    assert len(stderr_lines(result)) == len(AUDITED) + 1
    assert all(" error: " in line for line in stderr_lines(result))


def test_rewrite_unknown_rewrites_but_not_annotations_or_configmaps() -> None:
    """ConfigMap data is the application's: reported, even with
    --rewrite-unknown, and never rewritten unless a row names the ConfigMap."""
    result = run_cli([*SRC, "--rewrite-unknown"], UNKNOWN)
    assert result.returncode == 0
    [line] = stderr_lines(result)
    assert line.startswith(CONFIG_MAP_DATA)
    out = result.stdout.decode()
    assert out.count("dst.example.com") == len(AUDITED)
    for kept in ("sidecar-image: src.example.com/annotated:1", "description: src.example.com/not",
                 "image: src.example.com/in-configmap:1"):
        assert kept in out


def test_audit_sees_an_image_env_var_in_a_document_without_lower_case_image() -> None:
    """The pre-parse test looks for `IMAGE` too: an env var is the only trace."""
    doc = ("apiVersion: example.com/v1\nkind: Gizmo\nmetadata:\n  name: g\nspec:\n  env:\n"
           "  - name: SIDECAR_IMAGE\n    value: src.example.com/sidecar:1\n")
    result = run_cli(SRC, doc)
    assert (result.returncode, result.stdout.decode()) == (0, doc)
    [line] = stderr_lines(result)
    assert line.startswith("registry-rewrite: warning: document 0 (Gizmo/g), line 8, "
                           "spec.env[0].value: 'src.example.com/sidecar:1'")


def test_user_extractor_covers_the_crd() -> None:
    result = run_cli(["-c", str(DIR / "rules.yaml")], UNKNOWN)
    assert result.returncode == 0
    [line] = stderr_lines(result)  # the ConfigMap is not the Widget's row
    assert line.startswith(CONFIG_MAP_DATA)
    out = result.stdout.decode()
    assert out.count("dst.example.com/mirror/") == len(AUDITED)
    assert '"--helper-image=dst.example.com/mirror/helper:4.0", "--verbose"' in out


def test_api_group_decides_between_same_named_kinds() -> None:
    stream = (
        "apiVersion: apps.kruise.io/v1beta1\nkind: StatefulSet\nspec:\n  template:\n    spec:\n"
        "      containers:\n      - image: src.example.com/a:1\n"
        "---\napiVersion: example.com/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n"
        "      containers:\n      - image: src.example.com/b:1\n"
    )
    result = run_cli(SRC, stream)
    out = result.stdout.decode()
    assert "dst.example.com/a:1" in out and "src.example.com/b:1" in out
    [warning] = stderr_lines(result)
    assert "document 1 (Deployment)" in warning and "spec.template.spec.containers[0].image" in warning


@pytest.mark.parametrize(
    ("extractors", "expected"),
    [
        ("- {kind: X, paths: ['spec.[[']}", "extractors[0]: bad jsonpath"),
        ("- {kind: X, paths: [spec.image], colour: red}", "extractors[0]: unknown key 'colour'"),
        ("- {paths: [spec.image]}", "extractors[0]: `kind` is required"),
        ("- {kind: X}", "extractors[0]: give at least one of"),
        ("- {kind: X, paths: [spec.image]}\n- {kind: Y, args: 3, paths: [a]}",
         "extractors[1]: args must be"),
        ("{kind: X}", "extractors: must be a list"),
    ],
)
def test_bad_user_extractors_are_usage_errors(tmp_path: Path, extractors: str, expected: str) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("imageReplacementRules:\n  quay.io: m.example.com\nextractors:\n"
                     + "\n".join("  " + line for line in extractors.splitlines()) + "\n")
    result = run_cli(["-c", str(rules)], "kind: Pod\n")
    assert result.returncode == 2
    [line] = stderr_lines(result)
    assert str(rules) in line and expected in line, line
    assert_no_traceback(result)


GLOB_ROW = """imageReplacementRules:
  "src.example.com": "dst.example.com"
extractors:
  - apiVersion: example.com/v1
    kind: Runner
    containers: [spec.runner]
    args: ["x[ab]yz"]
"""


def test_a_flag_glob_with_a_bracket_finds_documents_without_the_bracket_text(
        tmp_path: Path) -> None:
    """The pre-parse test looks for a flag glob's literal text: for `x[ab]yz`
    that is `x`, never `ab` (a class is not text every match contains)."""
    rules = tmp_path / "rules.yaml"
    rules.write_text(GLOB_ROW)
    doc = ("apiVersion: example.com/v1\nkind: Runner\nmetadata: {name: r}\n"
           "spec:\n  runner:\n    args: [--xayz=src.example.com/app:1]\n")
    result = run_cli(["-c", str(rules)], doc)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode() == doc.replace("src.example.com", "dst.example.com")


@pytest.mark.parametrize("flag", [
    "--destination=src.example.com/apps/web:latest",
    '"--d\\x65stination=src.example.com/apps/web:latest"',
    '"--destin\\u0061tion=src.example.com/apps/web:latest"',
    '"--destina\\\n  tion=src.example.com/apps/web:latest"',
])
def test_a_push_target_flag_is_never_rewritten_however_it_is_spelled(flag: str) -> None:
    """`--destination` (kaniko's push target) is left alone in any container,
    also when an escape spells its name and the letters are not in the text."""
    doc = ("apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n"
           "  metadata: {name: s}\n- apiVersion: batch/v1\n  kind: Job\n  metadata: {name: j}\n"
           "  spec:\n    template:\n      spec:\n        containers:\n        - name: kaniko\n"
           "          image: src.example.com/kaniko:1\n"
           f"          args:\n          - {flag}\n")
    result = run_cli(SRC, doc)
    assert result.returncode == 0 and result.stderr == b"", result.stderr.decode()
    out = result.stdout.decode()
    assert "image: dst.example.com/kaniko:1" in out
    assert out.count("src.example.com/apps/web:latest") == 1
