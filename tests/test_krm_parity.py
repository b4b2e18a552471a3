"""KRM mode runs the same pipeline as every other route: credentials (a
generated pull Secret and imagePullSecrets), an existing pullSecret, `allow`
and --report work under the real `kustomize build --enable-alpha-plugins
--enable-exec` and `kpt fn eval`, with problems reported as results."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path
from typing import Any

from conftest import FIXTURES, cli_command, find_tool, run_tool, tool_env
from ruamel.yaml import YAML
from test_kustomize import kpt, kpt_package  # noqa: F401 - kpt is a fixture

PASSWORD = "krm-parity-pa55word"  # a value that must never leave in clear text
MIRROR = "mirror.example.com"
SECRET = "registry-rewrite-mirror-example-com"


def load_all(text: str) -> list[Any]:
    return [d for d in YAML(typ="safe", pure=False).load_all(text) if d is not None]


def wrapper(tmp_path: Path, *args: str) -> Path:
    """An exec path that runs the installed command with extra flags (kustomize
    and kpt run a path, not a command line)."""
    script = tmp_path / "registry-rewrite-wrapper"
    quoted = " ".join(f"'{a}'" for a in args)
    script.write_text(f"#!/bin/sh\nexec '{cli_command()[0]}' {quoted} \"$@\"\n")
    script.chmod(0o755)
    return script


def kustomize_layout(tmp_path: Path, exec_path: Path | str, settings: str) -> Path:
    root = tmp_path / "kustomize"
    shutil.copytree(FIXTURES / "kustomize" / "base", root / "base")
    layout = root / "overlay"
    layout.mkdir()
    (layout / "kustomization.yaml").write_text(
        "resources:\n  - ../base\ntransformers:\n  - registry-rewrite.yaml\n")
    (layout / "registry-rewrite.yaml").write_text(
        "apiVersion: registry-rewrite/v1\nkind: RegistryRewrite\nmetadata:\n"
        "  name: registry-rewrite\n  annotations:\n    config.kubernetes.io/function: |\n"
        f"      exec:\n        path: {exec_path}\n"
        f"spec:\n  imageReplacementRules:\n    all: {MIRROR}/all\n{settings}")
    return layout


CREDENTIALS = (f"  credentials:\n  - domain: {MIRROR}\n    username: robot\n"
               "    passwordRef: {env: KRM_PARITY_PASSWORD}\n")


def pull_secret_names(doc: dict[str, Any]) -> list[str]:
    spec = doc["spec"]["template"]["spec"] if doc["kind"] == "Deployment" else (
        doc["spec"]["jobTemplate"]["spec"]["template"]["spec"])
    return [s["name"] for s in spec.get("imagePullSecrets", [])]


def assert_secret(secret: dict[str, Any]) -> None:
    assert secret["type"] == "kubernetes.io/dockerconfigjson"
    config = json.loads(base64.b64decode(secret["data"][".dockerconfigjson"]))
    assert config["auths"][MIRROR]["password"] == PASSWORD


def test_kustomize_credentials_allow_and_report(tmp_path: Path) -> None:
    kustomize = find_tool("kustomize")
    report = tmp_path / "report.json"
    layout = kustomize_layout(tmp_path, wrapper(tmp_path, "--report", str(report)),
                              CREDENTIALS + f"  allow: [{MIRROR}]\n")
    result = run_tool([kustomize, "build", "--enable-alpha-plugins", "--enable-exec",
                       str(layout)], tool_env(KRM_PARITY_PASSWORD=PASSWORD))
    assert result.returncode == 0, result.stderr
    assert PASSWORD not in result.stderr
    docs = load_all(result.stdout)
    [secret] = [d for d in docs if d["kind"] == "Secret"]
    assert secret["metadata"]["name"] == SECRET
    assert_secret(secret)
    workloads = [d for d in docs if d["kind"] in ("Deployment", "CronJob")]
    assert len(workloads) == 2
    assert all(pull_secret_names(d) == [SECRET] for d in workloads)
    written = json.loads(report.read_text())
    assert PASSWORD not in report.read_text()
    assert written["pullSecrets"] == [{"name": SECRET, "namespace": None, "domain": MIRROR}]
    assert {i["rewritten"] for i in written["images"]} == {
        f"{MIRROR}/all/docker.io/library/nginx:1.27",
        f"{MIRROR}/all/quay.io/prometheus/node-exporter:v1.8.2",
        f"{MIRROR}/all/docker.io/library/busybox:1.36",
        f"{MIRROR}/all/us-docker.pkg.dev/palette-images/tools/backup:2.1"}


def test_kustomize_allow_violation_fails_the_build(tmp_path: Path) -> None:
    kustomize = find_tool("kustomize")
    layout = kustomize_layout(tmp_path, "registry-rewrite", "  allow: [other.example.com]\n")
    result = run_tool([kustomize, "build", "--enable-alpha-plugins", "--enable-exec",
                       str(layout)], tool_env())
    assert result.returncode != 0
    assert "is not under an allowed prefix (allow: other.example.com)" in result.stderr


def fn_config(tmp_path: Path, data: str) -> Path:
    path = tmp_path / "fn-config.yaml"
    path.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: registry-rewrite\n"
                    f"data:\n  imageReplacementRules: |\n    \"all\": \"{MIRROR}/all\"\n{data}")
    return path


def test_kpt_credentials_from_a_configmap_function_config(kpt: str, tmp_path: Path) -> None:  # noqa: F811
    package = kpt_package(tmp_path)
    config = fn_config(tmp_path, (
        f"  credentials: |\n    - domain: {MIRROR}\n      username: robot\n"
        "      passwordRef: {env: KRM_PARITY_PASSWORD}\n"
        f"  allow: {MIRROR}\n"))
    result = run_tool([kpt, "fn", "eval", str(package), "--exec", "registry-rewrite",
                       "--fn-config", str(config)], tool_env(KRM_PARITY_PASSWORD=PASSWORD))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert PASSWORD not in output
    docs = [d for path in sorted(package.glob("*.yaml")) for d in load_all(path.read_text())]
    [secret] = [d for d in docs if d["kind"] == "Secret"]
    assert secret["metadata"]["name"] == SECRET
    assert_secret(secret)
    assert all(pull_secret_names(d) == [SECRET] for d in docs if d["kind"] != "Secret")


def test_kpt_existing_pull_secret_and_an_allow_violation(kpt: str, tmp_path: Path) -> None:  # noqa: F811
    package = kpt_package(tmp_path)
    good = run_tool([kpt, "fn", "eval", str(package), "--exec", "registry-rewrite",
                     "--fn-config", str(fn_config(tmp_path, "  pullSecret: mirror-pull\n"))],
                    tool_env())
    assert good.returncode == 0, good.stdout + good.stderr
    assert "imagePullSecrets:" in (package / "deployment.yaml").read_text()
    assert "- name: mirror-pull" in (package / "cronjob.yaml").read_text()
    (tmp_path / "again").mkdir()
    bad = run_tool([kpt, "fn", "eval", str(kpt_package(tmp_path / "again")), "--exec",
                    "registry-rewrite", "--fn-config",
                    str(fn_config(tmp_path, "  allow: other.example.com\n"))], tool_env())
    output = bad.stdout + bad.stderr
    assert bad.returncode != 0
    assert "[error]" in output and "is not under an allowed prefix" in output
