"""Escapes a red-team review found past the soundness fixes, one test per
class, through the installed CLI; where the question is what the cluster
pulls, kubectl reading the output is the oracle."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import cli_command, find_tool, run_cli
from test_trust import POD, _images


def kubectl_images(manifests: bytes) -> list[str]:
    """Every `image` kubectl reads in a stream of any number of objects."""
    result = subprocess.run(
        [find_tool("kubectl"), "label", "--local", "-f", "-", "x=y", "-o", "json"],
        input=manifests, capture_output=True, timeout=60,
        env={**os.environ, "KUBECONFIG": os.devnull})
    assert result.returncode == 0, result.stderr.decode()
    text, objects, at = result.stdout.decode(), [], 0
    decoder = json.JSONDecoder()
    while text[at:].strip():
        obj, end = decoder.raw_decode(text, len(text) - len(text[at:].lstrip()))
        objects.append(obj)
        at = end
    flat: list[Any] = []
    for obj in objects:
        flat += obj["items"] if obj.get("kind") == "List" else [obj]
    return sorted(_images(flat))

ADMIN = """imageReplacementRules: |
  "all": "reg.local/m"
allow: [reg.local/]
"""
# The test_trust Pod as the one item of a ResourceList.
POD_ITEM = "items:\n" + "".join(("- " if i == 0 else "  ") + line + "\n"
                                for i, line in enumerate(POD.splitlines()))


def _resource_list(function_config: str) -> str:
    return ("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nfunctionConfig:\n"
            + "".join(f"  {line}\n" for line in function_config.splitlines()) + POD_ITEM)


# --- configuration from the input stream may only narrow -------------------------

WIDENING = {
    "top-level-rules-and-allow": ('imageReplacementRules: |\n  "all": "evil.io/m"\n'
                                  "allow: [evil.io/]", "imageReplacementRules"),
    "configmap-credentials-file": (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fc}\ndata:\n"
        "  credentials: |\n    - domain: reg.local\n      username: x\n"
        "      passwordRef: {file: /etc/passwd}", "data.credentials"),
    "spec-pull-secret": ("apiVersion: example.com/v1\nkind: Cfg\nmetadata: {name: c}\n"
                         "spec:\n  pullSecret: mine", "spec.pullSecret"),
    "extractors": ("extractors: []", "extractors"),
    "registries": ("registries: {evil.io: {plainHTTP: true}}", "registries"),
    "content": ("content: {sync: {enable: true}}", "content"),
}


@pytest.mark.parametrize("route", ["-c", "env", "flags", "positional"])
@pytest.mark.parametrize("case", sorted(WIDENING))
def test_stream_config_cannot_widen_the_operators(tmp_path: Path, route: str,
                                                  case: str) -> None:
    config = tmp_path / "rules.yaml"
    config.write_text(ADMIN)
    args, env = {
        "-c": (["-c", str(config)], {}),
        "env": ([], {"REGISTRY_REWRITE_CONFIG": str(config)}),
        "flags": (["--all", "reg.local/m", "--allow", "reg.local/"], {}),
        "positional": ([str(config)], {}),
    }[route]
    function_config, path = WIDENING[case]
    result = run_cli(args, _resource_list(function_config), env=env)
    assert result.returncode == 2, result.stderr.decode()
    assert f"functionConfig: {path}: refused".encode() in result.stderr
    assert b"root:" not in result.stdout  # no file was read on its behalf
    assert b"image: evil.io" not in result.stdout and b"image: quay.io/a:1" in result.stdout


@pytest.mark.parametrize("allow, code", [("[reg.local/m/]", 0), ("[reg.local/other/]", 1)])
def test_stream_config_allow_narrows_the_operators(tmp_path: Path, allow: str,
                                                   code: int) -> None:
    config = tmp_path / "rules.yaml"
    config.write_text(ADMIN)
    stream = _resource_list("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fc}\n"
                            f"data:\n  allow: '{allow}'")
    result = run_cli(["-c", str(config)], stream)
    assert result.returncode == code, result.stderr.decode()
    assert kubectl_images(result.stdout) == ["reg.local/m/quay.io/a:1"]
    # a wider list from the stream never admits what the operator's refuses
    wide = _resource_list("allow: [quay.io/, reg.local/]")
    result = run_cli(["--rule", "docker.io=reg.local/m", "--allow", "reg.local/"], wide)
    assert result.returncode == 1
    assert b"'quay.io/a:1' is not under an allowed prefix" in result.stderr


def test_stream_config_is_the_configuration_without_an_operators() -> None:
    stream = _resource_list('imageReplacementRules: |\n  "all": "reg.local/k"\nallow: [reg.local/]')
    result = run_cli([], stream)
    assert result.returncode == 0, result.stderr.decode()
    assert kubectl_images(result.stdout) == ["reg.local/k/quay.io/a:1"]


# --- Lists by structure: any object with an `items` list ------------------------

CONTAINER = """    containers:
    - name: c
      image: evil.io/x:1
"""


@pytest.mark.parametrize("kind", ["ConfigMap", "Secret", "Service", "PodList", "Whatever"])
def test_list_detection_goes_by_items_not_kind(kind: str) -> None:
    stream = (f"apiVersion: v1\nkind: {kind}\nmetadata:\n  name: x\nitems:\n"
              "- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: p\n  spec:\n"
              + "".join("  " + line + "\n" for line in CONTAINER.splitlines()))
    result = run_cli(["--all", "reg.local/", "--allow", "reg.local/", "--strict"], stream)
    assert result.returncode == 0, result.stderr.decode()
    assert kubectl_images(result.stdout) == ["reg.local/evil.io/x:1"]


# --- tags that change a string's content: !!binary ------------------------------

POD_HEAD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {app: image}\nspec:\n"
BINARY_KEYS = {
    "binary-image-key": POD_HEAD + "  containers:\n  - name: c\n    !!binary aW1hZ2U=: evil.io/x:1\n",
    "verbatim-tag": POD_HEAD + "  containers:\n  - name: c\n"
                    "    !<tag:yaml.org,2002:binary> aW1hZ2U=: evil.io/x:1\n",
    "uri-escaped-tag": POD_HEAD.replace("{app: image}", "{}") + "  containers:\n  - name: c\n"
                       "    !!bin%61ry aW1hZ2U=: evil.io/x:1\n",
    "binary-kind-key": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: p\n"
                       "!!binary a2luZA==: Pod\nspec:\n  containers:\n  - name: c\n"
                       "    image: evil.io/x:1\n",
}


@pytest.mark.parametrize("case", sorted(BINARY_KEYS))
def test_binary_tagged_keys_are_read_as_kubernetes_reads_them(case: str) -> None:
    stream = BINARY_KEYS[case]
    result = run_cli(["--all", "reg.local/", "--allow", "reg.local/", "--strict"], stream)
    if result.returncode == 0:
        assert kubectl_images(result.stdout) == ["reg.local/evil.io/x:1"]
    else:  # refused, naming the place
        assert result.returncode == 1 and b"document 0" in result.stderr


def test_binary_tagged_duplicate_key_fails_closed() -> None:
    stream = (POD_HEAD + "  containers:\n  - name: c\n    image: reg.local/ok:1\n"
              "    !!binary aW1hZ2U=: evil.io/x:1\n")
    result = run_cli(["--all", "reg.local/", "--allow", "reg.local/"], stream)
    assert result.returncode == 1
    assert b"duplicate key 'image'" in result.stderr


@pytest.mark.parametrize("value", ["!!binary amcuam8vampq", "!!binary not-base64"])
def test_binary_tagged_image_value_is_an_error(value: str) -> None:
    stream = POD_HEAD + f"  containers:\n  - name: c\n    image: {value}\n"
    result = run_cli(["--rule", "quay.io=reg.local/q", "--allow", "docker.io/library/"], stream)
    assert result.returncode == 1
    assert b"!!binary" in result.stderr and b"line 9" in result.stderr
    assert b"reg.local" not in result.stdout


# --- escapes in double-quoted keys ----------------------------------------------

@pytest.mark.parametrize("escape", [b"\\\xc2\x85", b"\\\xe2\x80\xa8", b"\\\xe2\x80\xa9",
                                    b"\\\r\n", b"\\\n"])
def test_escaped_line_breaks_of_every_kind_are_parsed(escape: bytes) -> None:
    stream = (b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n"
              b"  - name: c\n    ? \"ima" + escape + b"      ge\"\n    : evil.io/x:1\n")
    result = run_cli(["--all", "reg.local/", "--allow", "reg.local/", "--strict"], stream)
    assert result.returncode == 0, result.stderr.decode()
    assert kubectl_images(result.stdout) == ["reg.local/evil.io/x:1"]


# --- document boundaries: where kubectl, Helm and YAML would cut differently ----

HIDDEN_POD = (b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n"
              b"  - name: c\n    image: evil.io/x:1\n")
FIRST = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n"


@pytest.mark.parametrize("separator", [
    b"---#x:", b"---\f", b"---\v", b"---\xc2\xa0#x:", b"---\xe3\x80\x80", b"---\xc2\x85",
    b"--- \f", b"---x", b"----", b"--- key: v"])
def test_disputed_document_separators_fail(separator: bytes) -> None:
    stream = FIRST + separator + b"\n" + HIDDEN_POD
    result = run_cli(["--all", "reg.local/", "--allow", "reg.local/", "--strict"], stream)
    assert result.returncode == 1
    assert b"line 5: a line starting with `---`" in result.stderr
    assert result.stdout == stream  # every document still written, unchanged


@pytest.mark.parametrize("separator", [b"---", b"--- ", b"---\t# c", b"--- # Source: x",
                                       b"---\r"])
def test_agreed_document_separators_pass(separator: bytes) -> None:
    stream = FIRST + separator + b"\n" + HIDDEN_POD
    result = run_cli(["--all", "reg.local/", "--allow", "reg.local/", "--strict"], stream)
    assert result.returncode == 0, result.stderr.decode()
    assert kubectl_images(result.stdout) == ["reg.local/evil.io/x:1"]


def test_content_after_a_document_end_marker_fails() -> None:
    result = run_cli(["--all", "reg.local/"], FIRST + b"...\n" + HIDDEN_POD)
    assert result.returncode == 1
    assert b"document 1, line 6: content after a `...` line" in result.stderr
    result = run_cli(["--all", "reg.local/"], FIRST + b"...\n# c\n---\n" + HIDDEN_POD)
    assert result.returncode == 0, result.stderr.decode()


def test_comment_lines_after_a_document_end_marker_cost_their_length() -> None:
    """A CRLF comment line must be read one way only: were its `\\r` both
    the comment's and the line break's, 60 such lines before the content
    would take 2**60 tries."""
    comments = b"# c\r\n" * 60
    result = run_cli(["--all", "reg.local/"], FIRST + b"...\n" + comments + HIDDEN_POD)
    assert result.returncode == 1
    assert b"document 1, line 6: content after a `...` line" in result.stderr
    result = run_cli(["--all", "reg.local/"], FIRST + b"...\n" + comments)
    assert result.returncode == 0, result.stderr.decode()


# --- the images subcommand: the same stream guards ------------------------------

@pytest.mark.parametrize("redirect, message", [
    ("> /dev/full", "cannot write to stdout: No space left on device"),
    (">&-", "stdout is closed"),
    ("<&-", "stdin is closed"),
])
def test_images_command_stream_guards(redirect: str, message: str) -> None:
    exe = subprocess.list2cmdline(cli_command())
    result = subprocess.run(["sh", "-c", f"{exe} images --all reg.local/ {redirect}"],
                            input=POD_HEAD.encode() + b"  containers: [{name: c, image: x}]\n",
                            capture_output=True, timeout=60)
    assert result.returncode == 1
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"registry-rewrite: error: {message}"), lines
