"""Kustomize 5.6 (exec KRM function and legacy exec plugin), kubectl kustomize
(legacy exec plugin only) and kpt (exec KRM function), end to end with the
real binaries on fixtures/kustomize and fixtures/kpt."""

from __future__ import annotations

import difflib
import os
import re
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT, find_tool, run_tool, tool_env

KUSTOMIZE = FIXTURES / "kustomize"
PLUGIN_HOME = ROOT / "plugins" / "kustomize" / "plugin"
BAD_TARGET = '"all": "Not A Registry"'
BAD_MESSAGE = 'target "Not A Registry" of "all"'

# fixtures/kustomize/base images → the fixtures' rules
EXPECTED = [
    "mirror.example.com/hub/library/nginx:1.27",
    "mirror.example.com/quay/prometheus/node-exporter:v1.8.2",
    "mirror.example.com/hub/library/busybox:1.36",
    "example.registry.com/internal-images/us-docker.pkg.dev/palette-images/tools/backup:2.1",
]


def images(stream: str) -> list[str]:
    return [m.strip().strip('"') for m in re.findall(r"^\s*-?\s*image: (.+)$", stream, re.MULTILINE)]


def changed_lines(before: str, after: str) -> list[str]:
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    return [line for line in diff if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def broken_copy(tmp_path: Path, layout: str) -> Path:
    """fixtures/kustomize copied, with an invalid "all" target in `layout`."""
    root = tmp_path / "kustomize"
    shutil.copytree(KUSTOMIZE, root)
    config = root / layout / "registry-rewrite.yaml"
    text = config.read_text()
    assert '"all": "example.registry.com/internal-images"' in text
    config.write_text(text.replace('"all": "example.registry.com/internal-images"', BAD_TARGET))
    return root / layout


@pytest.fixture(scope="module")
def kustomize() -> str:
    return find_tool("kustomize")


@pytest.fixture(scope="module")
def kubectl() -> str:
    return find_tool("kubectl")


# --- exec KRM function ------------------------------------------------------

def test_exec_krm_function(kustomize: str) -> None:
    env = tool_env()
    plain = run_tool([kustomize, "build", str(KUSTOMIZE / "base")], env)
    result = run_tool([kustomize, "build", "--enable-alpha-plugins", "--enable-exec",
                       str(KUSTOMIZE / "krm-function")], env)
    assert result.returncode == 0, result.stderr
    assert images(result.stdout) == EXPECTED
    # only image lines differ from a build without the function: the
    # ConfigMap that mentions an image stays, and kustomize found every
    # resource again by the annotations it had added (none leak out)
    changed = changed_lines(plain.stdout, result.stdout)
    assert len(changed) == 8 and all("image:" in line for line in changed), changed
    assert "config.kubernetes.io" not in result.stdout
    assert result.stderr == ""


def test_exec_krm_function_is_skipped_without_enable_exec(kustomize: str) -> None:
    """Documented in docs/kustomize.md: kustomize skips it silently; the flags are required."""
    result = run_tool([kustomize, "build", "--enable-alpha-plugins",
                       str(KUSTOMIZE / "krm-function")], tool_env())
    assert result.returncode == 0
    assert "image: nginx:1.27" in result.stdout


def test_exec_krm_function_bad_rules_fail_with_the_message(
    kustomize: str, tmp_path: Path
) -> None:
    layout = broken_copy(tmp_path, "krm-function")
    result = run_tool([kustomize, "build", "--enable-alpha-plugins", "--enable-exec",
                       str(layout)], tool_env())
    assert result.returncode != 0
    assert result.stdout == ""
    # kustomize passes the function's stderr through
    assert BAD_MESSAGE in result.stderr and "couldn't execute function" in result.stderr


def test_shipped_krm_function_example(kustomize: str) -> None:
    result = run_tool([kustomize, "build", "--enable-alpha-plugins", "--enable-exec",
                       str(ROOT / "plugins" / "kustomize" / "krm-function")], tool_env())
    assert result.returncode == 0, result.stderr
    assert images(result.stdout) == [
        "example.registry.com/internal-images/docker.io/library/nginx:1.27",
        "example.registry.com/internal-images/packs/flannel/0.27.0/cni-plugins:v1.6.2",
    ]


# --- legacy exec plugin ------------------------------------------------------

def legacy_build(tool: str, layout: Path) -> list[str]:
    if Path(tool).name.startswith("kubectl"):
        return [tool, "kustomize", "--enable-alpha-plugins", str(layout)]
    return [tool, "build", "--enable-alpha-plugins", str(layout)]


@pytest.mark.parametrize("which", ["kubectl", "kustomize"])
def test_legacy_exec_plugin(which: str, tmp_path: Path) -> None:
    tool = find_tool(which)
    result = run_tool(legacy_build(tool, KUSTOMIZE / "legacy-plugin"),
                      tool_env(KUSTOMIZE_PLUGIN_HOME=str(PLUGIN_HOME)))
    assert result.returncode == 0, result.stderr
    assert images(result.stdout) == EXPECTED
    assert "image: nginx:1.27 is only mentioned here" in result.stdout


@pytest.mark.parametrize("which", ["kubectl", "kustomize"])
def test_legacy_exec_plugin_bad_rules_fail_with_the_message(which: str, tmp_path: Path) -> None:
    tool = find_tool(which)
    layout = broken_copy(tmp_path, "legacy-plugin")
    result = run_tool(legacy_build(tool, layout),
                      tool_env(KUSTOMIZE_PLUGIN_HOME=str(PLUGIN_HOME)))
    assert result.returncode != 0
    assert result.stdout == ""
    # the plugin's stderr is part of kustomize's error
    assert BAD_MESSAGE in result.stderr and "failure in plugin" in result.stderr


def test_legacy_exec_plugin_passes_args_one_liner(kubectl: str, tmp_path: Path) -> None:
    """`argsOneLiner: --strict` reaches the CLI after the config path."""
    root = tmp_path / "kustomize"
    shutil.copytree(KUSTOMIZE, root)
    (root / "legacy-plugin" / "registry-rewrite.yaml").open("a").write("argsOneLiner: --strict\n")
    deployment = root / "base" / "deployment.yaml"
    deployment.write_text(deployment.read_text().replace("image: busybox:1.36", 'image: ""'))
    result = run_tool(legacy_build(kubectl, root / "legacy-plugin"),
                      tool_env(KUSTOMIZE_PLUGIN_HOME=str(PLUGIN_HOME)))
    assert result.returncode != 0
    assert "registry-rewrite: error:" in result.stderr
    assert "initContainers[0].image: '': not a valid image reference" in result.stderr


def test_shipped_legacy_plugin_example(kubectl: str) -> None:
    result = run_tool(legacy_build(kubectl, ROOT / "plugins" / "kustomize" / "legacy-plugin"),
                      tool_env(KUSTOMIZE_PLUGIN_HOME=str(PLUGIN_HOME)))
    assert result.returncode == 0, result.stderr
    assert images(result.stdout) == [
        "example.registry.com/internal-images/docker.io/library/nginx:1.27",
        "example.registry.com/internal-images/packs/flannel/0.27.0/cni-plugins:v1.6.2",
    ]


# --- kpt ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def kpt() -> str:
    """kpt ships with the Google Cloud SDK (beside gcloud), not with install-tools."""
    found = shutil.which("kpt")
    gcloud = shutil.which("gcloud")
    if not found and gcloud:
        beside = Path(os.path.realpath(gcloud)).parent / "kpt"
        found = str(beside) if os.access(beside, os.X_OK) else None
    if not found:
        pytest.skip("kpt not found on PATH or beside gcloud: install kpt (a release binary, "
                    "or the Google Cloud SDK's) on PATH")
    return found


def kpt_package(tmp_path: Path) -> Path:
    package = tmp_path / "pkg"
    shutil.copytree(FIXTURES / "kpt" / "pkg", package)
    return package


def package_diff(package: Path) -> list[str]:
    changed: list[str] = []
    for path in sorted(package.iterdir()):
        original = (FIXTURES / "kpt" / "pkg" / path.name).read_text()
        changed += changed_lines(original, path.read_text())
    return changed


def test_kpt_fn_eval_with_fn_config(kpt: str, tmp_path: Path) -> None:
    package = kpt_package(tmp_path)
    result = run_tool([kpt, "fn", "eval", str(package), "--exec", "registry-rewrite",
                       "--fn-config", str(FIXTURES / "kpt" / "fn-config.yaml")], tool_env())
    assert result.returncode == 0, result.stdout + result.stderr
    # kpt writes the package in place; only image lines changed
    changed = package_diff(package)
    assert len(changed) == 8 and all("image:" in line for line in changed), changed
    assert images("\n".join(line[1:] for line in changed if line.startswith("+"))) == [
        "example.registry.com/internal-images/us-docker.pkg.dev/palette-images/tools/backup:2.1",
        "mirror.example.com/hub/library/busybox:1.36",
        "mirror.example.com/hub/library/nginx:1.27 # Docker Hub short name",
        "mirror.example.com/quay/prometheus/node-exporter:v1.8.2",
    ]


def test_kpt_fn_eval_with_key_value_config(kpt: str, tmp_path: Path) -> None:
    package = kpt_package(tmp_path)
    rules = '"quay.io": "mirror.example.com/quay"\n"all": "all.example.com"'
    result = run_tool([kpt, "fn", "eval", str(package), "--exec", "registry-rewrite",
                       "--", f"imageReplacementRules={rules}"], tool_env())
    assert result.returncode == 0, result.stdout + result.stderr
    text = (package / "deployment.yaml").read_text()
    assert "image: all.example.com/docker.io/library/nginx:1.27" in text
    assert 'image: "mirror.example.com/quay/prometheus/node-exporter:v1.8.2"' in text


def test_kpt_shows_warnings_as_results(kpt: str, tmp_path: Path) -> None:
    package = kpt_package(tmp_path)
    (package / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: odd\nspec:\n  containers:\n"
        "  - name: c\n    image: \"\"\n")
    result = run_tool([kpt, "fn", "eval", str(package), "--exec", "registry-rewrite",
                       "--fn-config", str(FIXTURES / "kpt" / "fn-config.yaml")], tool_env())
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "[warning] v1/Pod/odd spec.containers[0].image: '': not a valid image reference" \
        in output


def test_kpt_bad_rules_fail_and_leave_the_package_alone(kpt: str, tmp_path: Path) -> None:
    package = kpt_package(tmp_path)
    result = run_tool([kpt, "fn", "eval", str(package), "--exec", "registry-rewrite",
                       "--", f"imageReplacementRules={BAD_TARGET}"], tool_env())
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "[FAIL]" in output and "[error]" in output and BAD_MESSAGE in output
    assert package_diff(package) == []


def test_kpt_fn_render_kptfile_pipeline(kpt: str, tmp_path: Path) -> None:
    package = kpt_package(tmp_path)
    (package / "Kptfile").write_text(
        "apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: pkg\npipeline:\n"
        "  mutators:\n    - exec: registry-rewrite\n      configMap:\n"
        "        imageReplacementRules: |\n"
        "          \"all\": \"example.registry.com/internal-images\"\n")
    refused = run_tool([kpt, "fn", "render", str(package)], tool_env())
    assert refused.returncode != 0 and "--allow-exec" in refused.stdout + refused.stderr
    result = run_tool([kpt, "fn", "render", "--allow-exec", str(package)], tool_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "image: example.registry.com/internal-images/docker.io/library/nginx:1.27" in (
        package / "deployment.yaml").read_text()
