"""The Argo CD Config Management Plugin (plugins/argocd), run the way the
cmp-server runs it: each step's command + args from plugin.yaml, exec'd in a
copy of the application directory with the build environment Argo CD sets
(ARGOCD_APP_*, ARGOCD_ENV_*, PARAM_*), with the real helm as `helm`.

Application parameters and env entries are a tenant's input; the sidecar's own
environment is the administrator's.  The tests on that boundary drive the
plugin script, so they cover what the cmp-server actually runs."""

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
# The sidecar setting that lets Applications add rules of their own.
TENANT_RULES_ALLOWED = {"REGISTRY_REWRITE_ALLOW_TENANT_RULES": "true"}


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
                     r'--include-crds .*\n.*\| registry-rewrite', script)


def test_generate_with_rules_from_the_application_env(
    plugin: dict[str, Any], helm_bin: Path, tmp_path: Path
) -> None:
    app = app_copy(tmp_path)
    env = argocd_env(helm_bin, tmp_path, ARGOCD_ENV_IMAGE_REPLACEMENT_RULES=RULES,
                     **TENANT_RULES_ALLOWED)
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
        helm_bin, tmp_path, ARGOCD_ENV_IMAGE_REPLACEMENT_RULES=RULES, **TENANT_RULES_ALLOWED,
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
    env = argocd_env(helm_bin, tmp_path, **TENANT_RULES_ALLOWED,
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
    assert "the Application sets neither the plugin env IMAGE_REPLACEMENT_RULES" in result.stderr


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
    env = argocd_env(helm_bin, tmp_path, ARGOCD_ENV_IMAGE_REPLACEMENT_RULES=RULES,
                     **TENANT_RULES_ALLOWED)
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
    # the ConfigMap docs/argocd.md creates from plugins/argocd/plugin.yaml
    assert volumes[config["name"]]["configMap"]["name"] == "registry-rewrite-cmp"
    assert mounts["/tmp"]["name"] != "tmp"  # never the repo-server's /tmp
    assert {"var-files", "plugins"} <= {m["name"] for m in sidecar["volumeMounts"]}


# --- what Argo CD's own Helm support passes: the cluster's version and APIs ---

CAPABILITIES = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: capabilities
data:
  kube: {{ .Capabilities.KubeVersion.Version | quote }}
  widget: {{ .Capabilities.APIVersions.Has "example.com/v1/Widget" | quote }}
  monitoring: {{ .Capabilities.APIVersions.Has "monitoring.coreos.com/v1" | quote }}
"""


def test_kube_version_and_api_versions_reach_helm(
    plugin: dict[str, Any], helm_bin: Path, tmp_path: Path
) -> None:
    app = app_copy(tmp_path)
    (app / "templates" / "capabilities.yaml").write_text(CAPABILITIES)
    env = argocd_env(helm_bin, tmp_path, REGISTRY_REWRITE_RULES=RULES, KUBE_VERSION="1.29.3",
                     KUBE_API_VERSIONS="v1,apps/v1,example.com/v1/Widget,monitoring.coreos.com/v1")
    result = run_step(plugin, "generate", app, env)
    assert result.returncode == 0, result.stderr
    assert 'kube: "v1.29.3"' in result.stdout
    assert 'widget: "true"' in result.stdout
    assert 'monitoring: "true"' in result.stdout
    # without them, Helm's defaults: no such APIs
    bare = run_step(plugin, "generate", app, argocd_env(helm_bin, tmp_path, REGISTRY_REWRITE_RULES=RULES))
    assert bare.returncode == 0, bare.stderr
    assert 'widget: "false"' in bare.stdout
    assert 'kube: "v1.29.3"' not in bare.stdout


@pytest.mark.parametrize("step", ["init", "generate"])
def test_a_source_that_is_not_a_chart_gets_a_plugin_message(
    plugin: dict[str, Any], helm_bin: Path, tmp_path: Path, step: str
) -> None:
    app = tmp_path / "repo" / "apps" / "shop"
    shutil.copytree(FIXTURES / "kustomize", app)
    result = run_step(plugin, step, app,
                      argocd_env(helm_bin, tmp_path, REGISTRY_REWRITE_RULES=RULES))
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        "registry-rewrite plugin: apps/shop is not a Helm chart (no Chart.yaml in the "
        "application's source directory); this plugin renders Helm charts only\n")


# --- the tenant boundary: value files stay inside the application's directory ---

LEAK = "leaked-from-outside"


@pytest.fixture()
def confined_app(tmp_path: Path) -> Path:
    """An app whose repository and sidecar hold files a tenant must not read."""
    app = app_copy(tmp_path)
    outside = f'image:\n  tag: "{LEAK}"\n'
    (tmp_path / "repo" / "apps" / "secret.yaml").write_text(outside)
    (tmp_path / "sidecar-secret.yaml").write_text(outside)
    (app / "sub").mkdir()
    (app / "sub" / "ok.yaml").write_text('image:\n  tag: "1.28"\n')
    # inside the repository (Argo CD allows that) but outside the application
    (app / "up-link.yaml").symlink_to(Path("..") / "secret.yaml")
    (app / "in-link.yaml").symlink_to(app / "sub" / "ok.yaml")
    return app


@pytest.mark.parametrize(("value", "why"), [
    ("{sidecar}", "an absolute path"),
    ("../secret.yaml", "a path with '..'"),
    ("sub/../../secret.yaml", "a path with '..'"),
    ("sub/..", "a path with '..'"),
    ("file://{sidecar}", "a URL"),
    ("http://127.0.0.1:9/values.yaml", "a URL"),
    ("oci://127.0.0.1:9/values", "a URL"),
    ("-", "an option or stdin, not a file"),
    ("--set=image.tag=x", "an option or stdin, not a file"),
    ("up-link.yaml", "a symlink that leaves the directory"),
    ("missing.yaml", "not found"),
    ("sub", "not a regular file"),
])
def test_values_files_are_confined_to_the_source_directory(
    plugin: dict[str, Any], helm_bin: Path, tmp_path: Path, confined_app: Path,
    value: str, why: str
) -> None:
    value = value.format(sidecar=tmp_path / "sidecar-secret.yaml")
    env = argocd_env(helm_bin, tmp_path, REGISTRY_REWRITE_RULES=RULES,
                     PARAM_VALUES_FILES_0="sub/ok.yaml", PARAM_VALUES_FILES_1=value)
    result = run_step(plugin, "generate", confined_app, env)
    assert result.returncode == 1
    assert result.stdout == ""
    assert LEAK not in result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("registry-rewrite plugin: values-files: ")
    assert f": {why}; values files must be files inside the application's source directory" in line


def test_values_files_inside_the_directory_are_used(
    plugin: dict[str, Any], helm_bin: Path, tmp_path: Path, confined_app: Path
) -> None:
    env = argocd_env(helm_bin, tmp_path, REGISTRY_REWRITE_RULES=RULES,
                     PARAM_VALUES_FILES_0="sub/ok.yaml", PARAM_VALUES_FILES_1="in-link.yaml",
                     PARAM_VALUES_FILES_2="./values.yaml")
    result = run_step(plugin, "generate", confined_app, env)
    assert result.returncode == 0, result.stderr
    assert "mirror.example.com/hub/library/nginx:1.27" in images(result.stdout)  # values.yaml last


@pytest.mark.parametrize("target", ["{sidecar}", "../../../../sidecar-secret.yaml"])
def test_a_symlink_out_of_the_repository_is_refused(
    plugin: dict[str, Any], helm_bin: Path, tmp_path: Path, confined_app: Path, target: str
) -> None:
    """Helm follows symlinks: a chart could render a sidecar file with .Files.Get."""
    (confined_app / "files").mkdir()
    (confined_app / "files" / "x").symlink_to(target.format(sidecar=tmp_path / "sidecar-secret.yaml"))
    (confined_app / "templates" / "leak.yaml").write_text(
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: leak}\n'
        'data:\n  x: {{ .Files.Get "files/x" | quote }}\n')
    result = run_step(plugin, "generate", confined_app,
                      argocd_env(helm_bin, tmp_path, REGISTRY_REWRITE_RULES=RULES))
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == ("registry-rewrite plugin: files/x: a symlink that leaves the "
                             "repository; the plugin renders nothing from outside it\n")


def test_a_symlink_inside_the_repository_is_followed(
    plugin: dict[str, Any], helm_bin: Path, tmp_path: Path, confined_app: Path
) -> None:
    (confined_app / "files").mkdir()
    (confined_app / "files" / "x").symlink_to(Path("..") / ".." / "secret.yaml")
    (confined_app / "templates" / "shared.yaml").write_text(
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: shared}\n'
        'data:\n  x: {{ .Files.Get "files/x" | quote }}\n')
    result = run_step(plugin, "generate", confined_app,
                      argocd_env(helm_bin, tmp_path, REGISTRY_REWRITE_RULES=RULES))
    assert result.returncode == 0, result.stderr
    assert LEAK in result.stdout  # the repository's own file: Argo CD allows it


# --- the tenant boundary: the administrator's configuration is authoritative ---

ADMIN_RULES = """\
imageReplacementRules: |
  "docker.io": "mirror.example.com/hub"
allow: [mirror.example.com, quay-mirror.example.com]
"""


def admin_env(helm_bin: Path, tmp_path: Path, **tenant: str) -> dict[str, str]:
    """The sidecar configured by its administrator (a rules file with an
    allow-list), plus what an Application sets."""
    rules = tmp_path / "admin-rules.yaml"
    rules.write_text(ADMIN_RULES)
    return argocd_env(helm_bin, tmp_path, REGISTRY_REWRITE_CONFIG=str(rules), **tenant)


def generate_with_tenant_rules(plugin: dict[str, Any], helm_bin: Path, tmp_path: Path,
                              rules: str) -> subprocess.CompletedProcess[str]:
    """The administrator's sidecar, allowing tenant rules; an Application
    that sets `rules` as its image-replacement-rules parameter."""
    env = admin_env(helm_bin, tmp_path, **TENANT_RULES_ALLOWED, PARAM_IMAGE_REPLACEMENT_RULES=rules)
    return run_step(plugin, "generate", app_copy(tmp_path), env)


def test_tenant_rules_are_refused_unless_the_administrator_allows_them(
    plugin: dict[str, Any], helm_bin: Path, tmp_path: Path
) -> None:
    app = app_copy(tmp_path)
    env = admin_env(helm_bin, tmp_path,
                    PARAM_IMAGE_REPLACEMENT_RULES='"quay.io": "quay-mirror.example.com/q"')
    result = run_step(plugin, "generate", app, env)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "the sidecar does not accept rules from Applications" in result.stderr
    # the administrator's rules alone render, and the gate holds
    alone = run_step(plugin, "generate", app, admin_env(helm_bin, tmp_path))
    assert alone.returncode == 1  # quay.io/prometheus/node-exporter is not allowed
    assert "quay.io/prometheus/node-exporter:v1.8.2' is not under an allowed prefix" in alone.stderr


def test_allowed_tenant_rules_only_add(
    plugin: dict[str, Any], helm_bin: Path, tmp_path: Path
) -> None:
    result = generate_with_tenant_rules(plugin, helm_bin, tmp_path,
                                        '"quay.io": "quay-mirror.example.com/q"')
    assert result.returncode == 0, result.stderr
    assert images(result.stdout) == [
        "mirror.example.com/hub/library/busybox:1.36",
        "mirror.example.com/hub/library/nginx:1.27",
        "quay-mirror.example.com/q/prometheus/node-exporter:v1.8.2",
        "mirror.example.com/hub/library/busybox:1.36",
        "mirror.example.com/hub/bitnami/kubectl:1.30",
    ]


@pytest.mark.parametrize(("tenant", "message"), [
    # the same source, a narrower one, or a spelling of the same source
    ('"docker.io": "evil.example.com/hub"', "would override the administrator's rule"),
    ('"docker.io/library": "evil.example.com/lib"', "would override the administrator's rule"),
    ('"index.docker.io/bitnami": "evil.example.com/b"', "would override the administrator's rule"),
    ('"library/nginx": "evil.example.com/n"', "would override the administrator's rule"),
    # a registry host is the same in any letters
    ('"Docker.IO/library": "evil.example.com/lib"', "would override the administrator's rule"),
    ('"quay.io": "DOCKER.io/library"', "has a target that would exempt images"),
    # a target that makes the administrator's images count as already rewritten
    ('"quay.io": "docker.io/library"', "has a target that would exempt images"),
    ('"quay.io": "docker.io"', "has a target that would exempt images"),
    # a target in the administrator's mirror namespace, either way round: a
    # sync would overwrite the images every other application pulls
    ('"quay.io": "mirror.example.com/hub"', "overlaps the target of the administrator's rule"),
    ('"quay.io": "mirror.example.com/hub/library"', "overlaps the target of the administrator's rule"),
    ('"quay.io": "Mirror.Example.com/hub/q"', "overlaps the target of the administrator's rule"),
    ('"quay.io": "mirror.example.com"', "overlaps the target of the administrator's rule"),
    # settings are not rules
    ('allow: "evil.example.com"', "'allow' is not a rule"),
    ('credentials: "x"', "'credentials' is not a rule"),
    ('pullSecret: "x"', "'pullSecret' is not a rule"),
    ('registries: "x"', "'registries' is not a rule"),
])
def test_tenant_rules_never_override_the_administrator(
    plugin: dict[str, Any], helm_bin: Path, tmp_path: Path, tenant: str, message: str
) -> None:
    result = generate_with_tenant_rules(plugin, helm_bin, tmp_path, tenant)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "registry-rewrite: error: configuration: $REGISTRY_REWRITE_TENANT_RULES: " in result.stderr
    assert message in result.stderr


def test_tenant_rules_cannot_take_images_from_the_administrators_all(
    plugin: dict[str, Any], helm_bin: Path, tmp_path: Path
) -> None:
    app = app_copy(tmp_path)
    env = argocd_env(helm_bin, tmp_path, **TENANT_RULES_ALLOWED,
                     REGISTRY_REWRITE_RULES='"all": "mirror.example.com/all"',
                     PARAM_IMAGE_REPLACEMENT_RULES='"quay.io": "evil.example.com/q"')
    result = run_step(plugin, "generate", app, env)
    assert result.returncode == 2
    assert "would take images from the administrator's rule \"all\"" in result.stderr


def test_tenant_rules_stay_under_the_administrators_allow_list(
    plugin: dict[str, Any], helm_bin: Path, tmp_path: Path
) -> None:
    result = generate_with_tenant_rules(plugin, helm_bin, tmp_path,
                                        '"quay.io": "evil.example.com/q"')
    assert result.returncode == 1
    assert "'evil.example.com/q/prometheus/node-exporter:v1.8.2' is not under an allowed prefix" in result.stderr


def test_a_tenant_cannot_smuggle_its_own_channel_in_from_the_sidecar(
    plugin: dict[str, Any], helm_bin: Path, tmp_path: Path
) -> None:
    """The tenant channel carries the Application's input only: the script
    clears whatever the sidecar environment held under that name."""
    app = app_copy(tmp_path)
    env = admin_env(helm_bin, tmp_path, REGISTRY_REWRITE_TENANT_RULES='"docker.io": "evil.example.com/h"')
    result = run_step(plugin, "generate", app, env)
    assert "evil.example.com" not in result.stdout + result.stderr


def test_the_sidecar_recipe_pins_what_the_tests_run() -> None:
    dockerfile = (ROOT / "plugins" / "argocd" / "Dockerfile").read_text()
    install = (ROOT / "scripts" / "install-tools").read_text()
    helm3 = re.search(r'^HELM3_VERSION="(v[0-9.]+)"', install, re.MULTILINE)
    assert helm3 is not None
    assert f"ARG HELM_VERSION={helm3.group(1)}\n" in dockerfile
    version = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.MULTILINE)
    assert version is not None
    assert f'ARG REGISTRY_REWRITE="registry-rewrite=={version.group(1)}"' in dockerfile
    assert "\nUSER 999\n" in dockerfile
    patch = PATCH.read_text()
    assert "plugins/argocd/Dockerfile" in patch


# --- the administrator's verification is not the tenant's to replace ---

TENANT_LOCK = ('{"lockVersion": 1, "images": [{"source": "docker.io/library/nginx:1.27", '
               '"destination": "mirror.example.com/hub/library/nginx:1.27", '
               '"digest": "sha256:' + "0" * 64 + '", "when": "x"}]}\n')
LOCK_REFUSED = "a lock file from the Application would replace that check and is refused"


@pytest.mark.parametrize(("name", "value"), [
    ("REGISTRY_REWRITE_VERIFY", "true"),
    ("REGISTRY_REWRITE_VERIFY", " 1 "),
    ("REGISTRY_REWRITE_PIN_DIGESTS", "Yes"),
])
def test_a_tenant_lock_file_cannot_replace_the_administrators_verification(
    plugin: dict[str, Any], helm_bin: Path, tmp_path: Path, name: str, value: str
) -> None:
    app = app_copy(tmp_path)
    (app / "lock.json").write_text(TENANT_LOCK)
    env = admin_env(helm_bin, tmp_path, **{name: value}, PARAM_LOCK_FILE="lock.json")
    result = run_step(plugin, "generate", app, env)
    assert result.returncode == 2
    assert result.stdout == ""
    assert f"lock-file: the sidecar sets {name}=true" in result.stderr
    assert LOCK_REFUSED in result.stderr


def test_a_tenant_lock_file_is_read_when_the_administrator_enforces_nothing(
    plugin: dict[str, Any], helm_bin: Path, tmp_path: Path
) -> None:
    app = app_copy(tmp_path)
    (app / "lock.json").write_text(TENANT_LOCK)
    env = admin_env(helm_bin, tmp_path, REGISTRY_REWRITE_VERIFY="false",
                    PARAM_LOCK_FILE="lock.json")
    result = run_step(plugin, "generate", app, env)
    assert LOCK_REFUSED not in result.stderr
