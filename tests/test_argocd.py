"""The Argo CD Config Management Plugin (plugins/argocd), run the way the
cmp-server runs it: each step's command + args from plugin.yaml, exec'd in a
copy of the application directory with the build environment Argo CD sets
(ARGOCD_APP_*, ARGOCD_ENV_*, PARAM_*), with the real helm as `helm`."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, ROOT, find_tool, run_tool, tool_env
from ruamel.yaml import YAML

PLUGIN = ROOT / "plugins" / "argocd" / "plugin.yaml"
PATCH = ROOT / "plugins" / "argocd" / "repo-server-patch.yaml"
RULES = '"docker.io": "mirror.example.com/hub"\n"all": "example.registry.com/internal-images"\n'


def load(path: Path) -> Any:
    return YAML(typ="safe", pure=False).load(path.read_text())


def images(stream: str) -> list[str]:
    return [m.strip().strip('"') for m in re.findall(r"^\s*-?\s*image: (.+)$", stream, re.MULTILINE)]


@pytest.fixture(scope="module")
def plugin() -> dict[str, Any]:
    spec = load(PLUGIN)
    assert (spec["apiVersion"], spec["kind"]) == ("argoproj.io/v1alpha1", "ConfigManagementPlugin")
    assert "discover" not in spec["spec"], "must be opted into by name, not grab every chart"
    return spec["spec"]  # type: ignore[no-any-return]


@pytest.fixture(scope="module", params=["helm3", "helm4"])
def helm_bin(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A PATH directory where `helm` is the pinned Helm 3 or Helm 4."""
    directory = tmp_path_factory.mktemp(f"{request.param}-bin")
    (directory / "helm").symlink_to(find_tool(request.param))
    return directory


def argocd_env(helm_bin: Path, home: Path, **extra: str) -> dict[str, str]:
    """The sidecar's environment plus what the repo-server sends for one app
    (Argo CD drops entries whose value is empty)."""
    env = tool_env(
        HELM_DATA_HOME=str(home / "data"), HELM_CONFIG_HOME=str(home / "config"),
        HELM_CACHE_HOME=str(home / "cache"),
        ARGOCD_APP_NAME="shop", ARGOCD_APP_NAMESPACE="shop-prod",
        ARGOCD_APP_PROJECT_NAME="default", ARGOCD_APP_REVISION="0123abcd",
        ARGOCD_APP_SOURCE_PATH="apps/shop", ARGOCD_APP_SOURCE_REPO_URL="https://git.example.com/r",
        ARGOCD_APP_SOURCE_TARGET_REVISION="HEAD", **extra)
    env["PATH"] = f"{helm_bin}:{env['PATH']}"
    return {k: v for k, v in env.items() if v}


def run_step(plugin: dict[str, Any], step: str, app: Path,
             env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [*plugin[step]["command"], *plugin[step].get("args", [])]
    return run_tool(command, env, cwd=app)


def app_copy(tmp_path: Path) -> Path:
    app = tmp_path / "repo" / "apps" / "shop"
    shutil.copytree(FIXTURES / "chart", app)
    return app


def test_generate_is_helm_template_piped_under_pipefail(plugin: dict[str, Any]) -> None:
    assert plugin["generate"]["command"] == ["bash", "-c"]
    [script] = plugin["generate"]["args"]
    assert script.startswith("set -euo pipefail\n")
    assert re.search(r'helm template "\$ARGOCD_APP_NAME" \. -n "\$ARGOCD_APP_NAMESPACE" '
                     r'--include-crds .*\n\s*\| registry-rewrite', script)


def test_generate_with_rules_from_the_application_env(
    plugin: dict[str, Any], helm_bin: Path, tmp_path: Path
) -> None:
    app = app_copy(tmp_path)
    env = argocd_env(helm_bin, tmp_path, ARGOCD_ENV_IMAGE_REPLACEMENT_RULES=RULES)
    init = run_step(plugin, "init", app, env)
    assert init.returncode == 0, init.stderr
    result = run_step(plugin, "generate", app, env)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert images(result.stdout) == [
        "mirror.example.com/hub/library/busybox:1.36",  # init container
        "mirror.example.com/hub/library/nginx:1.27",
        "example.registry.com/internal-images/quay.io/prometheus/node-exporter:v1.8.2",
        # `helm template` output holds hooks and tests: they are rewritten too
        "mirror.example.com/hub/library/busybox:1.36",
        "mirror.example.com/hub/bitnami/kubectl:1.30",
    ]
    assert "name: shop-web" in result.stdout  # release name = ARGOCD_APP_NAME
    assert "kind: CustomResourceDefinition" in result.stdout  # --include-crds


def test_parameters_override_env_and_their_defaults_are_applied(
    plugin: dict[str, Any], helm_bin: Path, tmp_path: Path
) -> None:
    app = app_copy(tmp_path)
    (app / "values-prod.yaml").write_text('image:\n  tag: "1.28"\n')
    (app / "values-quay.yaml").write_text("exporter:\n  image: quay.io/x/exporter:2\n")
    env = argocd_env(
        helm_bin, tmp_path, ARGOCD_ENV_IMAGE_REPLACEMENT_RULES=RULES,
        PARAM_IMAGE_REPLACEMENT_RULES='"all": "param.example.com/all"',
        PARAM_VALUES_FILES_0="values-prod.yaml", PARAM_VALUES_FILES_1="values-quay.yaml",
        ARGOCD_APP_PARAMETERS='[{"name":"image-replacement-rules","string":"…"}]')
    result = run_step(plugin, "generate", app, env)
    assert result.returncode == 0, result.stderr
    found = images(result.stdout)
    assert "param.example.com/all/docker.io/library/nginx:1.28" in found
    assert "param.example.com/all/quay.io/x/exporter:2" in found
    # PARAM_STRICT unset means its announced default "false": a bad image warns
    (app / "values-odd.yaml").write_text('image:\n  repository: ""\n  tag: ""\n')
    env["PARAM_VALUES_FILES_2"] = "values-odd.yaml"
    lenient = run_step(plugin, "generate", app, env)
    assert lenient.returncode == 0, lenient.stderr
    assert "registry-rewrite: warning:" in lenient.stderr
    strict = run_step(plugin, "generate", app, {**env, "PARAM_STRICT": "true"})
    assert strict.returncode != 0
    assert "registry-rewrite: error:" in strict.stderr


def test_announced_defaults_match_the_script(plugin: dict[str, Any]) -> None:
    params = {p["name"]: p for p in plugin["parameters"]["static"]}
    assert params["strict"]["string"] == "false"
    script = plugin["generate"]["args"][0]
    assert '"${PARAM_STRICT:-false}"' in script
    assert params["values-files"]["collectionType"] == "array"
    assert "PARAM_VALUES_FILES_$i" in script


def test_bad_rules_fail_generation_with_the_message(
    plugin: dict[str, Any], helm_bin: Path, tmp_path: Path
) -> None:
    app = app_copy(tmp_path)
    env = argocd_env(helm_bin, tmp_path,
                     ARGOCD_ENV_IMAGE_REPLACEMENT_RULES='"docker.io": "mirror.example.com/A B"')
    result = run_step(plugin, "generate", app, env)
    assert result.returncode != 0
    assert result.stdout == ""  # Argo CD must not prune on an empty render
    assert 'target "mirror.example.com/A B" of "docker.io"' in result.stderr


def test_missing_rules_fail_with_a_plugin_message(
    plugin: dict[str, Any], helm_bin: Path, tmp_path: Path
) -> None:
    app = app_copy(tmp_path)
    result = run_step(plugin, "generate", app, argocd_env(helm_bin, tmp_path))
    assert result.returncode == 2
    assert "set the Application's plugin env IMAGE_REPLACEMENT_RULES" in result.stderr


def test_init_builds_chart_dependencies(
    plugin: dict[str, Any], helm_bin: Path, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "chart", repo / "charts-src" / "demo")
    app = repo / "apps" / "umbrella"
    app.mkdir(parents=True)
    (app / "Chart.yaml").write_text(
        "apiVersion: v2\nname: umbrella\nversion: 1.0.0\ndependencies:\n"
        "  - name: demo\n    version: 0.1.0\n    repository: file://../../charts-src/demo\n")
    env = argocd_env(helm_bin, tmp_path, ARGOCD_ENV_IMAGE_REPLACEMENT_RULES=RULES)
    init = run_step(plugin, "init", app, env)
    assert init.returncode == 0, init.stderr
    result = run_step(plugin, "generate", app, env)
    assert result.returncode == 0, result.stderr
    assert "mirror.example.com/hub/library/nginx:1.27" in images(result.stdout)


def test_repo_server_patch_adds_the_sidecar() -> None:
    kubectl = find_tool("kubectl")
    result = run_tool([kubectl, "patch", "--local", "-o", "json", "--patch-file", str(PATCH),
                       "-f", str(FIXTURES / "argocd" / "argocd-repo-server.yaml")], tool_env())
    assert result.returncode == 0, result.stderr
    pod = YAML(typ="safe", pure=False).load(result.stdout)["spec"]["template"]["spec"]
    containers = {c["name"]: c for c in pod["containers"]}
    assert set(containers) == {"argocd-repo-server", "registry-rewrite"}
    sidecar = containers["registry-rewrite"]
    assert sidecar["command"] == ["/var/run/argocd/argocd-cmp-server"]
    assert sidecar["securityContext"]["runAsUser"] == 999
    mounts = {m["mountPath"]: m for m in sidecar["volumeMounts"]}
    config = mounts["/home/argocd/cmp-server/config/plugin.yaml"]
    assert config["subPath"] == "plugin.yaml"
    volumes = {v["name"]: v for v in pod["volumes"]}
    # the ConfigMap the README creates from plugins/argocd/plugin.yaml
    assert volumes[config["name"]]["configMap"]["name"] == "registry-rewrite-cmp"
    assert mounts["/tmp"]["name"] != "tmp"  # never the repo-server's /tmp
    assert {"var-files", "plugins"} <= {m["name"] for m in sidecar["volumeMounts"]}
