"""The same exclusions, exact, scoped and pattern rules on every route: a rules
file and a pack values file on the CLI, a KRM functionConfig (spec, top level,
ConfigMap data; through the CLI and the real kustomize), the Argo CD plugin's
sidecar environment, Helm 3's --post-renderer and Helm 4's plugin.  Every route must
give the same images, written out by hand below."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
from conftest import FIXTURES, run_cli, run_tool, tool_env
from ruamel.yaml import YAML
from test_argocd import app_copy, argocd_env, helm_bin, plugin, run_step  # noqa: F401
from test_helm import documents, helm3, helm4, helm_env, images, template  # noqa: F401
from test_kustomize import kustomize  # noqa: F401

# The keys beside imageReplacementRules, as every route writes them.
EXTRA = r"""
exclude:
  - quay.io/prometheus
  - mirror.example.com/bb
rules:
  - {source: "docker.io/library/nginx:1.27", target: "mirror.example.com/patched/nginx:1.27-p1"}
  - {source: docker.io, target: mirror.example.com/jobs, kinds: [batch/Job]}
  - pattern: 'docker\.io/library/busybox:(.*)'
    target: 'mirror.example.com/bb/busybox:\1'
    examples: {"busybox:1.36": "mirror.example.com/bb/busybox:1.36"}
"""
PAIRS = '"docker.io": "mirror.example.com/hub"\n"all": "example.registry.com/internal-images"\n'
RULES_DOC = "imageReplacementRules: |\n" + textwrap.indent(PAIRS, "  ") + EXTRA.lstrip("\n")

BUSYBOX = "mirror.example.com/bb/busybox:1.36"  # pattern
NGINX = "mirror.example.com/patched/nginx:1.27-p1"  # exact
EXPORTER = "quay.io/prometheus/node-exporter:v1.8.2"  # excluded
HOOK = "mirror.example.com/jobs/bitnami/kubectl:1.30"  # scoped to batch/Job
BACKUP = ("example.registry.com/internal-images/"  # a CronJob is not a Job: `all`
          "us-docker.pkg.dev/palette-images/tools/backup:2.1")
UNUSED_HUB = ('registry-rewrite: warning: rule "docker.io": "mirror.example.com/hub" matched no '
              "image in this stream")
BASE = FIXTURES / "kustomize" / "base"
BASE_STREAM = (BASE / "deployment.yaml").read_text() + "---\n" + (BASE / "cronjob.yaml").read_text()
BASE_EXPECTED = [BUSYBOX, NGINX, EXPORTER, BACKUP]


def pulled(stream: str | bytes) -> list[str]:
    """The image values in stream order, without trailing comments."""
    text = stream.decode() if isinstance(stream, bytes) else stream
    return [image.split(" #", 1)[0].strip().strip('"') for image in images(text)]


def indented(text: str, spaces: int) -> str:
    return textwrap.indent(text, " " * spaces)


def test_rules_file(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(RULES_DOC)
    result = run_cli(["-c", str(path)], BASE_STREAM)
    assert result.returncode == 0, result.stderr
    assert pulled(result.stdout) == BASE_EXPECTED


def test_pack_values_file(tmp_path: Path) -> None:
    path = tmp_path / "pack.yaml"
    path.write_text("charts:\n  registry-connect:\n    config:\n      registry:\n"
                    + indented(RULES_DOC, 8))
    result = run_cli(["-c", str(path)], BASE_STREAM)
    assert result.returncode == 0, result.stderr
    assert pulled(result.stdout) == BASE_EXPECTED


def test_pack_errors_name_the_pack_path(tmp_path: Path) -> None:
    path = tmp_path / "pack.yaml"
    path.write_text("charts:\n  registry-connect:\n    config:\n      registry:\n"
                    "        imageReplacementRules: {}\n        exclude: [all]\n")
    result = run_cli(["-c", str(path)], BASE_STREAM)
    assert result.returncode == 2
    assert "charts.registry-connect.config.registry.exclude[0]" in result.stderr.decode()


def configmap_data() -> str:
    """kpt's ConfigMap form: every value of `data` is a string."""
    doc = YAML(typ="safe").load(EXTRA)
    lines = ["imageReplacementRules: |", indented(PAIRS, 2).rstrip("\n")]
    for key in ("exclude", "rules"):
        text = EXTRA.split(f"{key}:\n", 1)[1].split("\nrules:", 1)[0]
        assert YAML(typ="safe").load(text) == doc[key]
        lines += [f"{key}: |", indented(text.rstrip("\n"), 2)]
    return "\n".join(lines) + "\n"


FUNCTION_CONFIGS = {
    "spec": "apiVersion: x/v1\nkind: RegistryRewrite\nmetadata: {name: f}\nspec:\n"
            + indented(RULES_DOC, 2),
    "top-level": "apiVersion: x/v1\nkind: RegistryRewrite\nmetadata: {name: f}\n" + RULES_DOC,
    "configmap": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: f}\ndata:\n"
                 + indented(configmap_data(), 2),
}


@pytest.mark.parametrize("form", FUNCTION_CONFIGS)
def test_krm_function_config(form: str) -> None:
    items = "".join(f"- {indented(doc, 2)[2:]}" for doc in BASE_STREAM.split("---\n"))
    source = ("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n" + items
              + "functionConfig:\n" + indented(FUNCTION_CONFIGS[form], 2))
    result = run_cli([], source)
    assert result.returncode == 0, result.stderr
    assert pulled(result.stdout) == BASE_EXPECTED
    # results: only the rules these two objects give no work (no Job, no plain Hub image)
    results = YAML(typ="safe").load(result.stdout)["results"]
    assert [(r["severity"], r["message"]) for r in results] == [
        ("warning", '2 rules matched no image in this stream: "docker.io" (in kinds batch/Job), '
         '"docker.io" (--report lists them)')]


def test_legacy_config_object_argument(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(FUNCTION_CONFIGS["spec"])
    result = run_cli([str(path)], BASE_STREAM)
    assert result.returncode == 0, result.stderr
    assert pulled(result.stdout) == BASE_EXPECTED


def test_kustomize_exec_krm_function(kustomize: str, tmp_path: Path) -> None:  # noqa: F811
    layout = tmp_path / "krm"
    layout.mkdir()
    for name in ("deployment.yaml", "cronjob.yaml"):
        shutil.copy(BASE / name, layout / name)
    (layout / "kustomization.yaml").write_text(
        "resources:\n  - deployment.yaml\n  - cronjob.yaml\n"
        "transformers:\n  - registry-rewrite.yaml\n")
    (layout / "registry-rewrite.yaml").write_text(
        "apiVersion: registry-rewrite/v1\nkind: RegistryRewrite\nmetadata:\n"
        "  name: registry-rewrite\n  annotations:\n"
        "    config.kubernetes.io/function: |\n      exec:\n        path: registry-rewrite\n"
        "spec:\n" + indented(RULES_DOC, 2))
    result = run_tool([kustomize, "build", "--enable-alpha-plugins", "--enable-exec",
                       str(layout)], tool_env())
    assert result.returncode == 0, result.stderr
    assert sorted(pulled(result.stdout)) == sorted(BASE_EXPECTED)


def test_argocd_plugin_environment(plugin: dict, helm_bin: Path,  # noqa: F811
                                   tmp_path: Path) -> None:
    app = app_copy(tmp_path)
    # the administrator's rules: the sidecar's $REGISTRY_REWRITE_RULES, in mapping form
    env = argocd_env(helm_bin, tmp_path, REGISTRY_REWRITE_RULES=RULES_DOC)
    result = run_step(plugin, "generate", app, env)
    assert result.returncode == 0, result.stderr
    # every Docker Hub image here went to a more specific rule than the prefix
    assert result.stderr.splitlines() == [UNUSED_HUB]
    # `helm template` output: hooks and tests are rewritten too
    assert images(result.stdout) == [BUSYBOX, NGINX, EXPORTER, BUSYBOX, HOOK]


def test_helm3_post_renderer(helm3: str, tmp_path: Path) -> None:  # noqa: F811
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES_DOC)
    result = template(helm3, helm_env(tmp_path), "--post-renderer", "registry-rewrite",
                      "--post-renderer-args=-c", f"--post-renderer-args={rules}")
    assert result.returncode == 0, result.stderr
    assert images(documents(result.stdout)["demo/templates/deployment.yaml"]) \
        == [BUSYBOX, NGINX, EXPORTER]


def test_helm4_plugin(helm4: tuple[str, Path], tmp_path: Path) -> None:  # noqa: F811
    helm, home = helm4
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES_DOC)
    result = template(helm, helm_env(home, REGISTRY_REWRITE_CONFIG=str(rules)),
                      "--post-renderer", "registry-rewrite")
    assert result.returncode == 0, result.stderr
    docs = documents(result.stdout)
    assert images(docs["demo/templates/deployment.yaml"]) == [BUSYBOX, NGINX, EXPORTER]
    assert images(docs["demo/templates/hook-job.yaml"]) == [HOOK]
    assert images(docs["demo/templates/tests/test-connection.yaml"]) == [BUSYBOX]


def test_a_pull_secret_follows_every_rule_that_moves_an_image(tmp_path: Path) -> None:
    """Exact and pattern targets need not lie under a prefix target: an image a
    rule moved pulls from the mirror all the same, on the first run and the next."""
    path = tmp_path / "rules.yaml"
    path.write_text(RULES_DOC.replace('  "all": "example.registry.com/internal-images"\n', "")
                    + "pullSecret: mirror-pull\n")
    first = run_cli(["-c", str(path)], BASE_STREAM)
    assert first.returncode == 0, first.stderr
    docs = list(YAML(typ="safe").load_all(first.stdout))
    pod = docs[0]["spec"]["template"]["spec"]
    assert [c["image"] for c in pod["initContainers"] + pod["containers"]] == [
        BUSYBOX, NGINX, EXPORTER]
    assert pod["imagePullSecrets"] == [{"name": "mirror-pull"}]
    # the CronJob's image: no rule (no `all` here), so no pull secret
    assert "imagePullSecrets" not in str(docs[1])
    second = run_cli(["-c", str(path)], first.stdout)
    assert (second.returncode, second.stdout) == (0, first.stdout)


@pytest.mark.parametrize(("tenant", "message"), [
    # an exact image would come before the administrator's pattern rule
    ('"quay.io/x/y:1": "evil.example.com/y:1"', "is an exact image rule: a tenant may add "
     "prefixes only"),
    ('exclude: "quay.io"', "'exclude' is not a rule"),
    ('rules: "x"', "'rules' is not a rule"),
])
def test_tenant_rules_add_prefixes_only(tmp_path: Path, tenant: str, message: str) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text('imageReplacementRules: {"docker.io": "mirror.example.com/hub"}\n'
                    "exclude: [mirror.example.com/q]\nrules:\n"
                    "  - pattern: 'quay\\.io/(.*)'\n    target: 'mirror.example.com/q/\\1'\n"
                    "    examples: {'quay.io/x/y:1': 'mirror.example.com/q/x/y:1'}\n")
    result = run_cli(["-c", str(path)], BASE_STREAM,
                     env={"REGISTRY_REWRITE_TENANT_RULES": tenant})
    assert (result.returncode, result.stdout) == (2, b"")
    assert "$REGISTRY_REWRITE_TENANT_RULES: " in result.stderr.decode()
    assert message in result.stderr.decode()
