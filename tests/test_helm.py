"""Helm 3.18 (`--post-renderer EXECUTABLE`) and Helm 4.1.4 (`--post-renderer
PLUGIN`, plugins/helm) end to end, with the real binaries on fixtures/chart."""

from __future__ import annotations

import difflib
import re
import subprocess
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT, cli_command, find_tool, run_cli, run_tool, tool_env

CHART = FIXTURES / "chart"
MIRRORS = FIXTURES / "rules" / "mirrors.yaml"
INVALID = FIXTURES / "rules" / "invalid.yaml"
INVALID_MESSAGE = 'target "mirror.example.com/Hub Images" of "docker.io"'

# fixtures/chart images → fixtures/rules/mirrors.yaml
WEB = "mirror.example.com/hub/library/nginx:1.27"
EXPORTER = "mirror.example.com/quay/prometheus/node-exporter:v1.8.2"
INIT = "mirror.example.com/hub/library/busybox:1.36"
HOOK_BEFORE, HOOK_AFTER = "docker.io/bitnami/kubectl:1.30", "mirror.example.com/hub/bitnami/kubectl:1.30"
TEST_BEFORE, TEST_AFTER = "busybox:1.36", "mirror.example.com/hub/library/busybox:1.36"


def documents(stream: str) -> dict[str, str]:
    """Rendered documents by `# Source:` file."""
    docs: dict[str, str] = {}
    for doc in re.split(r"^---\n", stream, flags=re.MULTILINE):
        match = re.search(r"^# Source: (\S+)", doc, re.MULTILINE)
        if match:
            docs[match.group(1)] = docs.get(match.group(1), "") + doc
    return docs


def images(doc: str) -> list[str]:
    return [m.strip().strip('"') for m in re.findall(r"^\s*-?\s*image: (.+)$", doc, re.MULTILINE)]


def changed_lines(before: str, after: str) -> list[str]:
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    return [line for line in diff if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def helm_env(home: Path, **extra: str) -> dict[str, str]:
    """Helm with its own data/config/cache homes: no user plugins or repos
    leak in, and the Helm 4 plugin never lands where Helm 3 would load it."""
    return tool_env(HELM_DATA_HOME=str(home / "data"), HELM_CONFIG_HOME=str(home / "config"),
                    HELM_CACHE_HOME=str(home / "cache"), **extra)


def template(helm: str, env: dict[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    return run_tool([helm, "template", "r1", str(CHART), "-n", "apps", *extra], env)


# --- Helm 3 -----------------------------------------------------------------

@pytest.fixture(scope="module")
def helm3() -> str:
    helm = find_tool("helm3")
    version = subprocess.run([helm, "version", "--short"], capture_output=True, text=True, check=False).stdout
    assert version.startswith("v3."), f"{helm} is not Helm 3: {version}"
    return helm


@pytest.mark.parametrize(
    ("renderer", "how"),
    [("path", "args"), ("path", "env"), ("name", "args"), ("name", "env")],
    ids=["executable-path-with-args", "executable-path-with-env",
         "path-name-with-args", "path-name-with-env"],
)
def test_helm3_post_renderer(helm3: str, tmp_path: Path, renderer: str, how: str) -> None:
    executable = cli_command()[0] if renderer == "path" else "registry-rewrite"
    args = ["--post-renderer-args=--config", f"--post-renderer-args={MIRRORS}"]
    extra_env = {"REGISTRY_REWRITE_CONFIG": str(MIRRORS)} if how == "env" else {}
    env = helm_env(tmp_path, **extra_env)
    plain = template(helm3, env)
    result = template(helm3, env, "--post-renderer", executable, *(args if how == "args" else []))
    assert result.returncode == 0, result.stderr
    docs = documents(result.stdout)
    assert images(docs["demo/templates/deployment.yaml"]) == [INIT, WEB, EXPORTER]
    # Helm 3 never hands hooks (a hook Job, a test Pod) to a post-renderer
    assert images(docs["demo/templates/hook-job.yaml"]) == [HOOK_BEFORE]
    assert images(docs["demo/templates/tests/test-connection.yaml"]) == [TEST_BEFORE]
    # and apart from the image lines the render is what Helm produced
    changed = changed_lines(plain.stdout, result.stdout)
    assert len(changed) == 6 and all("image:" in line for line in changed), changed


def test_helm3_sends_crds_with_include_crds(helm3: str, tmp_path: Path) -> None:
    result = template(helm3, helm_env(tmp_path), "--include-crds", "--post-renderer",
                      "registry-rewrite", "--post-renderer-args=-c",
                      f"--post-renderer-args={MIRRORS}")
    assert result.returncode == 0, result.stderr
    assert "kind: CustomResourceDefinition" in documents(result.stdout)["demo/crds/widgets.yaml"]


def test_helm3_template_piped_rewrites_hooks_too(helm3: str, tmp_path: Path) -> None:
    """The way around Helm 3's hook gap: post-process `helm template` yourself."""
    rendered = template(helm3, helm_env(tmp_path))
    assert rendered.returncode == 0, rendered.stderr
    result = run_cli(["-c", str(MIRRORS)], rendered.stdout)
    assert result.returncode == 0
    docs = documents(result.stdout.decode())
    assert images(docs["demo/templates/hook-job.yaml"]) == [HOOK_AFTER]
    assert images(docs["demo/templates/tests/test-connection.yaml"]) == [TEST_AFTER]


def test_helm3_bad_rules_fail_with_the_message(helm3: str, tmp_path: Path) -> None:
    result = template(helm3, helm_env(tmp_path), "--post-renderer", "registry-rewrite",
                      "--post-renderer-args=-c", f"--post-renderer-args={INVALID}")
    assert result.returncode != 0
    assert result.stdout == ""
    # Helm 3 shows the post-renderer's stderr in its error
    assert "error while running post render" in result.stderr
    assert INVALID_MESSAGE in result.stderr


# --- Helm 4 -----------------------------------------------------------------

@pytest.fixture(scope="module")
def helm4(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """Helm 4 with plugins/helm installed into throw-away Helm homes."""
    helm = find_tool("helm4")
    version = subprocess.run([helm, "version", "--short"], capture_output=True, text=True, check=False).stdout
    assert version.startswith("v4."), f"{helm} is not Helm 4: {version}"
    home = tmp_path_factory.mktemp("helm4-home")
    installed = run_tool([helm, "plugin", "install", str(ROOT / "plugins" / "helm")],
                         helm_env(home))
    assert installed.returncode == 0, installed.stderr
    listed = run_tool([helm, "plugin", "list"], helm_env(home))
    assert re.search(r"^registry-rewrite\s+0\.1\.0\s+postrenderer/v1", listed.stdout, re.MULTILINE), \
        listed.stdout
    return helm, home


def test_helm4_plugin_rewrites_everything_including_hooks(helm4: tuple[str, Path]) -> None:
    helm, home = helm4
    env = helm_env(home)
    plain = template(helm, env)
    result = template(helm, env, "--post-renderer", "registry-rewrite",
                      "--post-renderer-args=--config", f"--post-renderer-args={MIRRORS}")
    assert result.returncode == 0, result.stderr
    docs = documents(result.stdout)
    assert images(docs["demo/templates/deployment.yaml"]) == [INIT, WEB, EXPORTER]
    # Helm 4 passes hooks and test Pods to the post-renderer
    assert images(docs["demo/templates/hook-job.yaml"]) == [HOOK_AFTER]
    assert images(docs["demo/templates/tests/test-connection.yaml"]) == [TEST_AFTER]
    # Helm regroups the output by the postrenderer.helm.sh/postrender-filename
    # annotation: every document is back under its own `# Source:`, none became
    # generated-by-postrender-N.yaml, so the annotation survived the rewrite.
    assert set(docs) == set(documents(plain.stdout))
    assert "generated-by-postrender" not in result.stdout
    assert "postrenderer.helm.sh/postrender-filename" not in result.stdout
    # Helm 4 re-serialises the post-renderer's output, so compare documents,
    # not bytes: the image-free ConfigMap (which mentions an image) is unchanged
    configmap = "demo/templates/configmap.yaml"
    assert docs[configmap] == documents(plain.stdout)[configmap]
    assert "image: nginx:1.27 is only mentioned here" in docs[configmap]


def test_helm4_rules_from_the_environment(helm4: tuple[str, Path]) -> None:
    helm, home = helm4
    result = template(helm, helm_env(home, REGISTRY_REWRITE_CONFIG=str(MIRRORS)),
                      "--post-renderer", "registry-rewrite")
    assert result.returncode == 0, result.stderr
    assert images(documents(result.stdout)["demo/templates/hook-job.yaml"]) == [HOOK_AFTER]


@pytest.mark.parametrize("how", ["flag", "env"])
def test_helm4_bad_rules_fail_and_the_error_log_says_why(
    helm4: tuple[str, Path], tmp_path: Path, how: str
) -> None:
    helm, home = helm4
    log = tmp_path / "registry-rewrite.log"
    args = ["--post-renderer-args=-c", f"--post-renderer-args={INVALID}"]
    if how == "flag":
        args += ["--post-renderer-args=--error-log", f"--post-renderer-args={log}"]
        env = helm_env(home)
    else:
        env = helm_env(home, REGISTRY_REWRITE_ERROR_LOG=str(log))
    result = template(helm, env, "--post-renderer", "registry-rewrite", *args)
    assert result.returncode != 0
    assert result.stdout == ""
    # Helm 4 swallows the plugin's stderr: only the error log has the reason
    assert 'plugin "registry-rewrite" exited with error' in result.stderr
    assert INVALID_MESSAGE not in result.stderr
    [line] = log.read_text().splitlines()
    assert line.startswith("registry-rewrite: error: configuration:") and INVALID_MESSAGE in line


def test_helm4_filename_annotation_passes_through_byte_for_byte() -> None:
    """What Helm 4 writes to the post-renderer (captured from 4.1.4)."""
    stream = (
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: r1-hook\n  annotations:\n"
        "    \"helm.sh/hook\": pre-install\n"
        "    postrenderer.helm.sh/postrender-filename: 'tiny/templates/hook.yaml'\n"
        "spec:\n  template:\n    spec:\n      containers:\n      - name: h\n"
        "        image: nginx:hook\n"
    )
    result = run_cli(["-c", str(MIRRORS)], stream)
    assert result.returncode == 0
    assert result.stdout.decode() == stream.replace(
        "image: nginx:hook", "image: mirror.example.com/hub/library/nginx:hook")
