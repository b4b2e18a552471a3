"""Coverage of the kinds and fields of real operator charts (fixtures/coverage).

Each fixture marks every reference a node pulls with src.example.com and
every push target with push.example.com, so the oracle is plain text: after
`src.example.com=dst.example.com` the output must be the input with that one
host replaced, byte for byte, except where a fixture says otherwise.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURES, assert_no_traceback, run_cli, stderr_lines

DIR = FIXTURES / "coverage"
SRC = ["--rule", "src.example.com=dst.example.com"]
FULLY_REWRITTEN = ["opentelemetry.yaml", "rook-ceph.yaml", "eck.yaml", "strimzi.yaml",
                   "crossplane.yaml", "tekton-operator.yaml", "cnpg-barman-cloud.yaml",
                   "pull-secrets.yaml"]


def rewritten(text: str) -> str:
    return text.replace("src.example.com", "dst.example.com")


@pytest.mark.parametrize("name", FULLY_REWRITTEN)
def test_every_pulled_reference_is_rewritten_in_place_and_nothing_else(name: str) -> None:
    source = (DIR / name).read_text()
    result = run_cli(SRC, source)
    assert_no_traceback(result)
    assert (result.returncode, stderr_lines(result)) == (0, [])
    assert result.stdout.decode() == rewritten(source)
    again = run_cli(SRC, result.stdout)
    assert (again.stdout, again.stderr) == (result.stdout, b"")


def test_strimzi_image_maps_are_rewritten_per_reference_in_place() -> None:
    source = (DIR / "strimzi.yaml").read_text()
    out = run_cli(["--all", "mirror.example.com/all"], source).stdout.decode()
    # each `version=REF` entry of the block and of the one-line map, in place
    assert ("              value: |\n"
            "                3.9.0=mirror.example.com/all/src.example.com/strimzi/kafka:"
            "0.47.0-kafka-3.9.0\n") in out
    assert ('value: "3.9.0=mirror.example.com/all/src.example.com/strimzi/kafka:0.47.0-kafka-'
            '3.9.0 4.0.0=mirror.example.com/all/src.example.com/strimzi/kafka:0.47.0-kafka-'
            '4.0.0"') in out
    assert "value: mirror.example.com/all/src.example.com/strimzi/maven-builder:0.47.0" in out
    assert "value: IfNotPresent" in out  # STRIMZI_IMAGE_PULL_POLICY is not an image


def test_generic_flag_and_env_names_count_only_in_their_containers() -> None:
    """`--provider` is Crossplane's init container's; `IMAGE_*` the Tekton
    operator's: elsewhere they stay as they are, even with `all`."""
    for name, kept in (("crossplane.yaml", "            - --provider\n            - aws\n"),
                       ("tekton-operator.yaml", "- name: IMAGE_PULL_POLICY\n"
                                                "              value: Always\n")):
        result = run_cli(["--all", "mirror.example.com"], (DIR / name).read_text())
        assert result.returncode == 0 and result.stderr == b""
        assert kept in result.stdout.decode()
    out = run_cli(["--all", "m.example.com"], (DIR / "crossplane.yaml").read_text()).stdout
    assert b'- --provider\n          - "m.example.com/src.example.com/crossplane-contrib/' in out


def test_a_name_matched_row_applies_to_that_configmap_only() -> None:
    rook = (DIR / "rook-ceph.yaml").read_text()
    other = rook.replace("name: rook-csi-operator-image-set-configmap", "name: unrelated", 1)
    result = run_cli(SRC, other)
    assert result.returncode == 0 and stderr_lines(result) == []  # `plugin:` is no image key
    out = result.stdout.decode()
    assert 'plugin: "src.example.com/cephcsi/cephcsi:v3.14.0"' in out
    assert 'ROOK_CSI_CEPH_IMAGE: "dst.example.com/cephcsi/cephcsi:v3.14.0"' in out


def test_configmap_data_under_image_keys_is_audited_never_rewritten() -> None:
    source = (DIR / "configmap-audit.yaml").read_text()
    for extra in ([], ["--rewrite-unknown"]):
        result = run_cli([*SRC, *extra], source)
        assert result.returncode == 0 and result.stdout.decode() == source
        assert [line.split(": '", 1)[0] for line in stderr_lines(result)] == [
            "registry-rewrite: warning: document 1 (ConfigMap/job-runner-settings), line 10, "
            "data.RUNNER_IMAGE",
            "registry-rewrite: warning: document 1 (ConfigMap/job-runner-settings), line 11, "
            "data.helperImage"]
    strict = run_cli([*SRC, "--strict"], source)
    assert strict.returncode == 1


def test_barman_cloud_sidecar_in_a_renamed_release_is_still_covered() -> None:
    source = (DIR / "cnpg-barman-cloud.yaml").read_text().replace(
        "name: plugin-barman-cloud\n  namespace", "name: backups-plugin-barman-cloud\n  namespace")
    result = run_cli(SRC, source)
    assert (result.returncode, result.stderr) == (0, b"")
    assert "SIDECAR_IMAGE: dst.example.com/" in result.stdout.decode()


def test_push_targets_are_never_rewritten_nor_warned_about() -> None:
    source = (DIR / "build-outputs.yaml").read_text()
    builder = ("registry-rewrite: warning: document 4 (TaskRun/kaniko-run), line 56, "
               "spec.params[1].value: 'src.example.com/kaniko-project/executor:v1.23.2' looks "
               "like an image but no extractor covers it")
    plain = run_cli(["--all", "mirror.example.com"], source)
    assert plain.returncode == 0
    [line] = stderr_lines(plain)  # BUILDER_IMAGE is pulled: a param no row can know
    assert line.startswith(builder.replace("src.example.com", "src.example.com"))
    unknown = run_cli(["--all", "mirror.example.com", "--rewrite-unknown"], source)
    assert (unknown.returncode, unknown.stderr) == (0, b"")
    out = unknown.stdout.decode()
    assert out.count("push.example.com") == source.count("push.example.com")
    assert "mirror.example.com/push.example.com" not in out
    assert "value: mirror.example.com/src.example.com/kaniko-project/executor:v1.23.2" in out
    assert "image: mirror.example.com/src.example.com/containers/buildah:v1.39.0" in out


def test_strimzi_build_output_is_left_alone_by_rewrite_unknown() -> None:
    source = (DIR / "strimzi.yaml").read_text()
    result = run_cli([*SRC, "--rewrite-unknown"], source)
    assert (result.returncode, result.stderr) == (0, b"")
    assert "image: push.example.com/team/connect-with-plugins:latest" in result.stdout.decode()


def test_istio_injector_values_are_a_notice_with_advice() -> None:
    source = (DIR / "istio-injector.yaml").read_text()
    for extra in ([], ["--rewrite-unknown"]):
        result = run_cli([*SRC, *extra], source)
        assert result.returncode == 0 and result.stdout.decode() == source
        [line] = stderr_lines(result)
        assert line.startswith("registry-rewrite: warning: document 1 "
                               "(ConfigMap/istio-sidecar-injector), line 13, data.values: "
                               "the Istio injector builds proxy images from global.hub")
        assert "set the chart's global.hub" in line


def test_tag_only_victoriametrics_object_warns_that_the_default_decides() -> None:
    source = (DIR / "victoriametrics.yaml").read_text()
    result = run_cli(["--all", "mirror.example.com"], source)
    assert result.returncode == 0
    assert stderr_lines(result) == [
        "registry-rewrite: warning: document 2 (VMAgent/agent), line 43, spec.image.tag: only a "
        "tag ('v1.120.0'), nothing to rewrite: the operator's default repository decides "
        "(rewrite the operator's default image, or set the repository here)"]
    out = result.stdout.decode()
    assert "    tag: v1.120.0\n" in out  # never taken for an image
    assert "value: mirror.example.com/src.example.com/victoriametrics/vmagent\n" in out


def test_report_lists_each_reference_of_a_map(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    run_cli([*SRC, "--report", str(report)], (DIR / "strimzi.yaml").read_text())
    paths = [i["path"] for i in json.loads(report.read_text())["images"]]
    map_path = "spec.template.spec.containers[0].env[2].value"
    assert paths.count(map_path) == 3


@pytest.mark.parametrize(("row", "reason"), [
    ("{kind: Widget, paths: [spec.image], pullSecrets: imagePullSecrets}",
     "must be a dotted path to a list inside the resource"),
    ("{kind: Widget, paths: [spec.image], pullSecrets: 'spec.pull[*]'}",
     "must be a dotted path"),
    ("{kind: Widget, paths: [spec.image], containerNames: [main]}",
     "containerNames needs containers or podSpecs"),
    ("{kind: Widget, paths: [spec.image], name: [1]}", "name must be a string or a list"),
    ("{kind: Widget, envMaps: [X], paths: []}", "give at least one of"),
])
def test_new_row_keys_are_validated(tmp_path: Path, row: str, reason: str) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(f"imageReplacementRules:\n  all: m.example.com\nextractors:\n  - {row}\n")
    result = run_cli(["-c", str(rules)], "")
    assert_no_traceback(result)
    assert result.returncode == 2
    [line] = stderr_lines(result)
    assert "extractors[0]" in line and reason in line


def test_a_user_row_can_name_a_configmap_and_map_an_env(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "imageReplacementRules:\n  src.example.com: dst.example.com\nextractors:\n"
        "  - {kind: ConfigMap, apiVersion: v1, name: 'job-runner-*', "
        "paths: [data.RUNNER_IMAGE, data.helperImage]}\n"
        "  - {kind: Deployment, apiVersion: apps, podSpecs: [spec.template.spec], "
        "envMaps: [RUNTIMES]}\n")
    configmap = (DIR / "configmap-audit.yaml").read_text()
    result = run_cli(["-c", str(rules)], configmap)
    assert (result.returncode, result.stderr) == (0, b"")
    assert result.stdout.decode() == rewritten(configmap).replace(
        "image: dst.example.com/acme/embedded:1.0", "image: src.example.com/acme/embedded:1.0")
    deployment = ("apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n"
                  "      containers:\n      - image: a.example.com/x:1\n        env:\n"
                  "        - name: RUNTIMES\n          value: >-\n            py=src.example.com/py:3\n"
                  "            go=src.example.com/go:1.24\n")
    out = run_cli(["-c", str(rules)], deployment).stdout.decode()
    assert out == rewritten(deployment)


# --- pull secrets where the operator makes the pods ---------------------------------

PASSWORD = "s3cret-Pa55"
CREDENTIALS = ("imageReplacementRules:\n  src.example.com: registry.example.com/mirror\n"
               "credentials:\n  - domain: registry.example.com\n    username: robot\n"
               "    passwordRef: {env: COVERAGE_PASSWORD}\n")
SECRET = "registry-rewrite-registry-example-com"


def _documents(text: str) -> list[dict]:
    from ruamel.yaml import YAML

    return [d for d in YAML(typ="safe").load_all(text) if d]


def test_each_kind_gets_pull_secrets_where_its_pods_take_them(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(CREDENTIALS)
    source = (DIR / "pull-secrets.yaml").read_text()
    result = run_cli(["-c", str(rules)], source, env={"COVERAGE_PASSWORD": PASSWORD})
    assert result.returncode == 0
    assert PASSWORD.encode() not in result.stderr
    docs = _documents(result.stdout.decode())
    by_kind = {d["kind"]: d for d in docs if d["kind"] != "Secret"}
    entry = {"name": SECRET}
    for kind in ("Prometheus", "ThanosRuler", "PrometheusAgent", "Workflow", "VMSingle",
                 "Cluster"):
        assert by_kind[kind]["spec"]["imagePullSecrets"] == [entry], kind
    assert by_kind["Alertmanager"]["spec"]["imagePullSecrets"] == [entry,
                                                                   {"name": "already-there"}]
    assert by_kind["CronWorkflow"]["spec"]["workflowSpec"]["imagePullSecrets"] == [entry]
    assert "imagePullSecrets" not in by_kind["OpenTelemetryCollector"]["spec"]
    secrets = sorted(d["metadata"]["namespace"] for d in docs if d["kind"] == "Secret")
    assert secrets == ["agents", "argo", "data", "monitoring", "observability"]
    assert stderr_lines(result) == [
        "registry-rewrite: warning: document 9 (OpenTelemetryCollector/gateway), "
        "spec.image: 'registry.example.com/mirror/otel/opentelemetry-collector-contrib:0.120.0' "
        f"needs the pull secret {SECRET}, but OpenTelemetryCollector has no known place for "
        "pull secrets: add it to the imagePullSecrets of the service account its pods run as "
        "(or name the place with `pullSecrets:` in an extractor row)"]
    # byte-exact elsewhere: dropping the added lines and Secrets gives the rewrite back
    added = f"  imagePullSecrets:\n    - name: {SECRET}\n"
    out = result.stdout.decode().split("\n---\n# Generated by registry-rewrite")[0] + "\n"
    out = out.replace(f"- name: {SECRET}\n    - name: already-there", "- name: already-there")
    out = out.replace(added, "")
    out = out.replace(f"    imagePullSecrets:\n      - name: {SECRET}\n", "")
    assert out == source.replace("src.example.com", "registry.example.com/mirror")
    again = run_cli(["-c", str(rules)], result.stdout, env={"COVERAGE_PASSWORD": PASSWORD})
    assert again.stdout == result.stdout


def test_an_existing_pull_secret_goes_to_the_same_places(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("imageReplacementRules:\n  src.example.com: registry.example.com/mirror\n"
                     "pullSecret: mirror-pull\n")
    result = run_cli(["-c", str(rules)], (DIR / "pull-secrets.yaml").read_text())
    docs = {d["kind"]: d for d in _documents(result.stdout.decode())}
    assert "Secret" not in docs
    assert docs["Prometheus"]["spec"]["imagePullSecrets"] == [{"name": "mirror-pull"}]
    assert docs["CronWorkflow"]["spec"]["workflowSpec"]["imagePullSecrets"] == [
        {"name": "mirror-pull"}]
    [line] = stderr_lines(result)
    assert "(OpenTelemetryCollector/gateway)" in line and "needs the pull secret mirror-pull" in line


def test_images_handed_to_other_pods_do_not_ask_for_pull_secrets(tmp_path: Path) -> None:
    """An operator's env and flag images are pulled by the pods it makes, not
    by its own: its PodSpec gets pull secrets for its own image only."""
    rules = tmp_path / "rules.yaml"
    rules.write_text(CREDENTIALS)
    result = run_cli(["-c", str(rules)], (DIR / "strimzi.yaml").read_text(),
                     env={"COVERAGE_PASSWORD": PASSWORD})
    assert result.returncode == 0
    # KafkaConnect's own pods pull spec.image (Strimzi's place for pull secrets,
    # spec.template.pod, is not in the document): a warning naming it
    [line] = stderr_lines(result)
    assert line.startswith("registry-rewrite: warning: document 2 (KafkaConnect/connect), "
                           "spec.image: ")
    out = result.stdout.decode()
    assert out.count(f"- name: {SECRET}") == 1  # the operator Deployment's PodSpec
    kafka_connect = next(d for d in _documents(out) if d["kind"] == "KafkaConnect")
    assert "imagePullSecrets" not in kafka_connect["spec"]


def test_the_audit_finds_nothing_a_row_could_cover_in_any_fixture() -> None:
    """Over every manifest fixture, with an `all` rule: the only uncovered
    image-like values are the audit's own demonstration (a CRD nobody knows)
    and a Tekton param that a row cannot judge (a `*_IMAGE` param may be an
    input or a build output)."""
    expected = {("extractors/unknown-crd.yaml", "spec.image"),
                ("extractors/unknown-crd.yaml", "spec.agentImage"),
                ("extractors/unknown-crd.yaml", "spec.workers[0].image"),
                ("extractors/unknown-crd.yaml", "spec.workers[0].args[0]"),
                ("coverage/build-outputs.yaml", "spec.params[1].value")}
    found = set()
    for path in sorted(FIXTURES.rglob("*.yaml")):
        text = path.read_text()
        if "\nkind:" not in "\n" + text or "/templates/" in str(path) or "{{" in text:
            continue  # rules files, chart values and templates are not manifests
        result = run_cli(["--all", "mirror.example.com"], text)
        assert_no_traceback(result)
        for line in stderr_lines(result):
            if "but no extractor covers it" in line:
                field = line.split(", ")[2].split(": '")[0]
                found.add((str(path.relative_to(FIXTURES)), field))
    assert found == expected


def test_the_audit_sees_split_images_of_unknown_kinds() -> None:
    """`{repository, tag}` under an image key had no image-like key of its own:
    a CRD nobody knows with that shape was a silent miss."""
    doc = ("apiVersion: example.com/v1\nkind: Gadget\nmetadata:\n  name: g\nspec:\n"
           "  image:\n    repository: src.example.com/gadget\n    tag: \"1.0\"\n"
           "  sidecarImage: {repository: src.example.com/side, tag: \"2\"}\n")
    result = run_cli(SRC, doc)
    assert [line.split(": '")[0] for line in stderr_lines(result)] == [
        "registry-rewrite: warning: document 0 (Gadget/g), line 7, spec.image.repository",
        "registry-rewrite: warning: document 0 (Gadget/g), line 9, spec.sidecarImage.repository"]
    unknown = run_cli([*SRC, "--rewrite-unknown"], doc)
    assert (unknown.returncode, unknown.stderr) == (0, b"")
    assert unknown.stdout.decode() == rewritten(doc)


def test_a_resource_list_gets_the_same_coverage() -> None:
    """The KRM route runs the same stages: an image map, a name-matched
    ConfigMap and a push target behave in a ResourceList as in a stream."""
    items = "".join(
        "\n".join("  " + line if line else line for line in
                  ("- " + doc.strip().replace("\n", "\n  ")).split("\n")) + "\n"
        for name in ("strimzi.yaml", "cnpg-barman-cloud.yaml")
        for doc in (DIR / name).read_text().split("\n---\n")[1:])
    source = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n" + items
    result = run_cli(SRC, source)
    assert_no_traceback(result)
    assert result.returncode == 0, result.stderr.decode()
    out = result.stdout.decode()
    assert out == rewritten(source)
    assert "push.example.com/team/connect-with-plugins:latest" in out


def test_an_optional_place_is_used_where_the_document_has_it(tmp_path: Path) -> None:
    """Strimzi's pods take pull secrets from spec.template.pod, which is
    optional: used when present, else the object is named in a warning."""
    rules = tmp_path / "rules.yaml"
    rules.write_text(CREDENTIALS)
    connect = ("apiVersion: kafka.strimzi.io/v1beta2\nkind: KafkaConnect\nmetadata:\n"
               "  name: c\n  namespace: kafka\nspec:\n  image: src.example.com/kafka:1\n")
    with_pod = connect + "  template:\n    pod:\n      priorityClassName: high\n"
    env = {"COVERAGE_PASSWORD": PASSWORD}
    placed = run_cli(["-c", str(rules)], with_pod, env=env)
    assert placed.returncode == 0 and stderr_lines(placed) == []
    assert (f"    pod:\n      imagePullSecrets:\n        - name: {SECRET}\n"
            "      priorityClassName: high\n") in placed.stdout.decode()
    missing = run_cli(["-c", str(rules)], connect, env=env)
    assert missing.returncode == 0
    [line] = stderr_lines(missing)
    assert "(KafkaConnect/c), spec.image: " in line and "no known place" in line
