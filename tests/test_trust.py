"""No image escapes and the gate cannot be bypassed: one test (or a few) per class.

Each class is an input spelling that once got an image past the rewrite, a
secret into a message, or the tool into unbounded work.  Where the question
is "what will the cluster pull", the oracle is the real kubectl reading our
output offline (`kubectl annotate --local`), not our own parser.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import assert_no_traceback, cli_command, find_tool, run_cli, stderr_lines

MIRROR = "mirror.example.com"
ARGS = ["--all", MIRROR, "--allow", MIRROR]
POD = """apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
  - name: c
    image: quay.io/a:1
"""


def kubectl_images(manifests: bytes) -> list[str]:
    """Every `image` value kubectl reads in a stream (any depth, any kind)."""
    return sorted(_images(kubectl_objects(manifests)))


def _images(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "image" and isinstance(value, str):
                yield value
            else:
                yield from _images(value)
    elif isinstance(node, list):
        for item in node:
            yield from _images(item)


def errors(result: subprocess.CompletedProcess[bytes]) -> list[str]:
    return [line for line in stderr_lines(result) if ": error: " in line]


# --- the pre-parse test: any spelling of a workload is parsed -------------------

DISGUISED_WORKLOADS = {
    # JSON escapes in a key: no `image` text at all
    "json-unicode-escape": '{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, '
                           '"spec": {"containers": [{"name": "c", "imag\\u0065": "quay.io/a:1"}]}}\n',
    "yaml-hex-escape": POD.replace("    image:", '    "imag\\x65":'),
    "yaml-escaped-line-break": POD.replace("    image:", '    ? "ima\\\n      ge"\n    :'),
    # a fake `kind: ConfigMap` line inside a quoted scalar, the real kind quoted
    "quoted-kind-and-fake-configmap-line": POD.replace(
        "kind: Pod\nmetadata:\n  name: p\n",
        '"kind": Pod\nmetadata:\n  name: p\n  annotations:\n    note: "x\nkind: ConfigMap"\n'),
    # a merge key overriding the kind (go-yaml v2: the merge wins over earlier keys)
    "merge-key-overrides-configmap": "apiVersion: v1\nkind: ConfigMap\n<<: {kind: Pod}\n"
                                     + POD.split("kind: Pod\n", 1)[1],
    "space-before-colon": POD.replace("kind: Pod", "kind : Pod"),
    "tagged-and-anchored-kind": POD.replace("kind: Pod", "kind: !!str &k Pod"),
    "explicit-key": POD.replace("kind: Pod", "? kind\n: Pod"),
    "indented-root": "".join("  " + line + "\n" for line in POD.splitlines()),
    "flow-root": "{apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: "
                 "[{name: c, image: 'quay.io/a:1'}]}}\n",
}


@pytest.mark.parametrize("spelling", sorted(DISGUISED_WORKLOADS))
def test_sniff_parses_every_spelling_of_a_workload(spelling: str) -> None:
    data = DISGUISED_WORKLOADS[spelling].encode()
    assert kubectl_images(data) == ["quay.io/a:1"]  # what a cluster would pull unchanged
    result = run_cli(ARGS, data)
    assert_no_traceback(result)
    assert result.returncode == 0, result.stderr.decode()
    assert kubectl_images(result.stdout) == [f"{MIRROR}/quay.io/a:1"]


@pytest.mark.parametrize("document", [
    # no `image` text: the row's `package` field (Crossplane), in JSON
    '{"apiVersion": "pkg.crossplane.io/v1", "kind": "Provider", "metadata": {"name": "p"}, '
    '"spec": {"package": "xpkg.upbound.io/crossplane/provider-aws:v1"}}\n',
    "apiVersion: pkg.crossplane.io/v1\nkind : Provider\nmetadata: {name: p}\n"
    "spec:\n  package: xpkg.upbound.io/crossplane/provider-aws:v1\n",
], ids=["json", "space-before-colon"])
def test_sniff_parses_rows_without_image_text(document: str) -> None:
    result = run_cli(ARGS, document)
    assert result.returncode == 0, result.stderr.decode()
    assert f"{MIRROR}/xpkg.upbound.io/crossplane/provider-aws:v1" in result.stdout.decode()


@pytest.mark.parametrize("field", [
    "env: [{name: BASE_IMaGE, value: 'quay.io/b:1'}]",
    "args: ['--imAge=quay.io/b:1']",
], ids=["env-name-mixed-case", "flag-mixed-case"])
def test_sniff_sees_what_the_audit_sees_in_any_case(field: str) -> None:
    document = ("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n"
                f"spec:\n  runner:\n    {field}\n")
    result = run_cli([*ARGS, "--rewrite-unknown"], document)
    assert result.returncode == 0, result.stderr.decode()
    assert f"{MIRROR}/quay.io/b:1" in result.stdout.decode()


def test_sniff_still_skips_what_cannot_hold_an_image() -> None:
    """RBAC and ConfigMaps are not decoded: a NUL, which a parse would
    refuse, passes through in them untouched with exit 0."""
    role = ("apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n"
            '  name: "r\x00"\nrules: [{apiGroups: [""], resources: [pods], verbs: [get]}]\n')
    config = ('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n'
              'data:\n  image: quay.io/data:1\n  x: "\x00"\n')
    data = f"---\n{role}---\n{config}---\n{POD}".encode()
    result = run_cli(["--all", MIRROR], data)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.count(MIRROR.encode()) == 1


# --- merge keys ----------------------------------------------------------------

MERGED = """apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
  - &base {name: base, image: quay.io/merged:1}
  - <<: *base
    name: copy
  - name: second
    image: quay.io/overridden:1
    <<: {image: quay.io/wins-in-go-yaml-v2:1}
  - {<<: [{image: quay.io/first-wins:1}, {image: quay.io/second:1}], name: third}
"""


def test_merge_keys_are_resolved_like_kubernetes_and_rewritten_at_the_anchor() -> None:
    data = MERGED.encode()
    effective = ["quay.io/first-wins:1", "quay.io/merged:1", "quay.io/merged:1",
                 "quay.io/wins-in-go-yaml-v2:1"]
    assert kubectl_images(data) == effective
    result = run_cli(ARGS, data)
    assert result.returncode == 0, result.stderr.decode()
    assert kubectl_images(result.stdout) == [f"{MIRROR}/{image}" for image in effective]
    out = result.stdout.decode()
    assert "image: quay.io/overridden:1" in out  # not effective: left as written
    assert "quay.io/second:1" in out
    assert "- &base {name: base, image: mirror.example.com/quay.io/merged:1}" in out


@pytest.mark.parametrize("value", ["quay.io/x:1", "[a, b]", "[{image: x}, c]"])
def test_merge_key_that_is_not_a_mapping_is_an_error(value: str) -> None:
    data = POD.replace("  - name: c\n", f"  - name: c\n    <<: {value}\n")
    result = run_cli(ARGS, data)
    assert result.returncode == 1
    assert any("merge key" in line and "document 0" in line for line in errors(result))


def test_merge_key_bomb_is_refused_quickly() -> None:
    keys = ", ".join(f"k{i}: v" for i in range(1000))
    lines = [f"    a0: &a0 {{{keys}}}"]
    lines += [f"    a{i}: {{<<: [{', '.join(['*a0'] * 100)}]}}" for i in range(1, 2000)]
    data = POD.replace("  name: p\n", "  name: p\n  annotations:\n" + "\n".join(lines) + "\n")
    started = time.monotonic()
    result = run_cli(ARGS, data)
    assert time.monotonic() - started < 30
    assert result.returncode == 1
    assert any("merge keys" in line for line in errors(result))


# --- encodings ----------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32", "utf-32-be"])
def test_utf16_and_utf32_with_a_bom_are_rewritten_in_their_encoding(encoding: str) -> None:
    bom = {"utf-16-be": "\ufeff", "utf-32-be": "\ufeff"}.get(encoding, "")
    text = bom + "---\n" + POD + "---\n" + POD.replace("quay.io/a:1", "quay.io/b:1")
    result = run_cli(ARGS, text.encode(encoding))
    assert result.returncode == 0, result.stderr.decode()
    expected = text.replace("quay.io/", f"{MIRROR}/quay.io/")
    assert result.stdout == expected.encode(encoding)  # every other byte as it was


def test_utf16_is_what_kubectl_reads_too() -> None:
    data = POD.encode("utf-16")
    assert kubectl_images(data) == ["quay.io/a:1"]
    result = run_cli(ARGS, data)
    assert kubectl_images(result.stdout) == [f"{MIRROR}/quay.io/a:1"]


def test_invalid_utf16_is_an_error_not_nothing_to_do() -> None:
    data = POD.encode("utf-16") + b"\x00\xd8"  # a lone surrogate
    result = run_cli(ARGS, data)
    assert_no_traceback(result)
    assert result.returncode == 1
    assert any("invalid UTF-16-LE" in line for line in errors(result))


# --- references -----------------------------------------------------------------

def test_registry_hosts_are_case_insensitive_in_images_and_rules() -> None:
    data = POD.replace("quay.io/a:1", "Quay.IO/prometheus/x:1")
    result = run_cli(["--rule", "quay.io=mirror.example.com/quay", "--allow", MIRROR], data)
    assert result.returncode == 0, result.stderr.decode()
    assert "image: mirror.example.com/quay/prometheus/x:1" in result.stdout.decode()
    result = run_cli(["--rule", "QUAY.io/prometheus=mirror.example.com/prom",
                      "--allow", "Mirror.Example.COM"], POD.replace("a:1", "prometheus/y:1"))
    assert result.returncode == 0, result.stderr.decode()
    assert "image: mirror.example.com/prom/y:1" in result.stdout.decode()


def test_paths_stay_case_sensitive() -> None:
    result = run_cli(ARGS, POD.replace("quay.io/a:1", "quay.io/Prometheus/x:1"))
    assert result.returncode == 1
    assert any("lower-case" in line for line in stderr_lines(result))
    assert any("not under an allowed prefix" in line for line in errors(result))


@pytest.mark.parametrize("image", ["a" * 64, "0123456789abcdef" * 4 + ":1"])
def test_a_64_hex_repository_name_is_invalid(image: str) -> None:
    result = run_cli(ARGS, POD.replace("quay.io/a:1", image))
    assert result.returncode == 1
    assert any("image ID" in line for line in stderr_lines(result))


# --- secrets ------------------------------------------------------------------------

PASSWORD = "Pa55-w0rd-CANARY"


def rules_with(tmp_path: Path, credential: str) -> str:
    path = tmp_path / "rules.yaml"
    path.write_text('imageReplacementRules: {"quay.io": "mirror.example.com/quay"}\n'
                    f"credentials:\n- domain: mirror.example.com\n  username: robot\n{credential}")
    return str(path)


@pytest.mark.parametrize("credential", [
    f"  password: !{PASSWORD}\n",
    f"  password: !<{PASSWORD}> x\n",
    f"  password: *{PASSWORD}\n",
    f"  password: &{PASSWORD} [\n",
    f'  password: "{PASSWORD}\\q"\n',
    f"  password: {PASSWORD}\n  password: other\n",
    f"  password: {PASSWORD}\t\n\tx: 1\n",
    f"  password: !!binary {PASSWORD}\n",
    f"  password: !!int {PASSWORD}\n",
], ids=["tag", "verbatim-tag", "alias", "anchor", "escape", "duplicate", "tab", "binary",
        "int-tag"])
def test_secrets_never_in_config_parse_errors(tmp_path: Path, credential: str) -> None:
    result = run_cli(["-c", rules_with(tmp_path, credential)], POD)
    assert_no_traceback(result)
    assert result.returncode == 2
    assert PASSWORD.encode() not in result.stderr
    assert PASSWORD.encode() not in result.stdout


def test_secrets_non_utf8_password_env_is_refused_at_load(tmp_path: Path) -> None:
    path = rules_with(tmp_path, "  passwordRef: {env: REG_PASSWORD}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_REWRITE_")}
    result = subprocess.run(
        [*cli_command(), "-c", path], input=POD.encode(), capture_output=True, timeout=60,
        env={**{k.encode(): v.encode() for k, v in env.items()},
             b"REG_PASSWORD": b"s3cr\xe9t\xff"})
    assert result.returncode == 2
    [line] = stderr_lines(result)
    assert "environment variable REG_PASSWORD is not valid UTF-8" in line
    assert "\\x" not in line and "0xe9" not in line and "0xff" not in line
    assert result.stdout == b""


def test_secrets_non_utf8_password_file_is_refused_at_load(tmp_path: Path) -> None:
    (tmp_path / "password").write_bytes(b"s3cr\xe9t\n")
    result = run_cli(["-c", rules_with(tmp_path, "  passwordRef: {file: password}\n")], POD)
    assert result.returncode == 2
    [line] = stderr_lines(result)
    assert "file password" in line and "not valid UTF-8" in line and "s3cr" not in line


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "directory", "too-large"])
def test_secrets_file_ref_reads_regular_files_only(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "password"
    if kind == "fifo":
        os.mkfifo(target)  # nobody ever writes: reading it would hang forever
    elif kind == "directory":
        target.mkdir()
    elif kind == "too-large":
        target.write_bytes(b"x" * (1 << 20))
    else:
        target = Path("/dev/zero")
    config = rules_with(tmp_path, f"  passwordRef: {{file: {target}}}\n")
    started = time.monotonic()
    result = run_cli(["-c", config], POD)
    assert time.monotonic() - started < 10
    assert result.returncode == 2
    [line] = stderr_lines(result)
    reason = {"fifo": "not a regular file (a FIFO)", "dev-zero": "(a character device)",
              "directory": "(a directory)", "too-large": "larger than 65536 bytes"}[kind]
    assert reason in line and f"file {target}" in line


# --- resource bounds -----------------------------------------------------------------

def _nested_alias_lists(levels: int, root: str) -> str:
    lines = [root, "x:", "  l0: &l0 {apiVersion: v1, kind: List, items: [{apiVersion: v1, "
             "kind: Pod, spec: {containers: [{name: c, image: 'quay.io/a:1'}]}}]}"]
    lines += [f"  l{i}: &l{i} {{apiVersion: v1, kind: List, items: ["
              + ", ".join([f"*l{i - 1}"] * 10) + "]}" for i in range(1, levels)]
    lines.append(f"items: [*l{levels - 1}, {{kind: Pod, apiVersion: v1, spec: {{containers: "
                 "[{name: d, image: 'a b'}]}}]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("root", [
    "apiVersion: v1\nkind: List",
    "apiVersion: config.kubernetes.io/v1\nkind: ResourceList",
], ids=["list", "resource-list"])
def test_alias_bomb_of_nested_lists_is_walked_once(root: str) -> None:
    """10^11 paths, one node each: every walk (extraction, audit, List items,
    the KRM answer check, which here has results to add) visits a node once."""
    data = _nested_alias_lists(12, root)
    started = time.monotonic()
    result = run_cli(["--all", MIRROR], data)
    assert time.monotonic() - started < 20
    assert_no_traceback(result)
    assert result.stdout.decode().count(f"image: '{MIRROR}/quay.io/a:1'") == 1
    assert "not a valid image reference" in result.stderr.decode()


def test_resource_list_word_in_a_large_first_document_is_not_loaded() -> None:
    """Only the top-level keys decide KRM mode: a 5 MB List that mentions
    ResourceList streams like any other, in bounded time."""
    pod = "- {apiVersion: v1, kind: Pod, metadata: {name: p, annotations: {a: ResourceList}}, " \
          "spec: {containers: [{name: c, image: 'quay.io/a:1'}]}}\n"
    data = "apiVersion: v1\nkind: List\nitems:\n" + pod * 40_000
    started = time.monotonic()
    result = run_cli(["--all", MIRROR], data)
    assert time.monotonic() - started < 120
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.count(MIRROR.encode()) == 40_000


# --- output integrity ---------------------------------------------------------------

def _run_shell(redirect: str, stdin: bytes = POD.encode()) -> subprocess.CompletedProcess[bytes]:
    exe = cli_command()[0]
    return subprocess.run(["sh", "-c", f'"{exe}" --all {MIRROR} "$@" {redirect}', "sh"],
                          input=stdin, capture_output=True, timeout=60)


def test_output_integrity_report_to_dev_full() -> None:
    result = run_cli(["--all", MIRROR, "--report", "/dev/full"], POD)
    assert_no_traceback(result)
    assert result.returncode == 1
    assert errors(result) == ["registry-rewrite: error: cannot write the report: "
                              "No space left on device"]


def test_output_integrity_stdout_to_dev_full() -> None:
    result = _run_shell("> /dev/full")
    assert_no_traceback(result)
    assert result.returncode == 1
    assert errors(result) == ["registry-rewrite: error: cannot write to stdout: "
                              "No space left on device"]


@pytest.mark.parametrize("redirect, message", [
    (">&-", "stdout is closed"),
    ("<&-", "stdin is closed"),
])
def test_output_integrity_closed_streams(redirect: str, message: str) -> None:
    result = _run_shell(redirect)
    assert_no_traceback(result)
    assert result.returncode == 1
    [line] = stderr_lines(result)
    assert line.startswith(f"registry-rewrite: error: {message}")


def test_output_integrity_stdin_a_directory() -> None:
    """The interpreter itself refuses a directory on stdin before any of our
    code runs (CPython's init_sys_streams): no traceback, non-zero exit."""
    result = _run_shell("< /")
    assert_no_traceback(result)
    assert result.returncode != 0
    assert result.stdout == b""
    assert b"is a directory" in result.stderr


@pytest.mark.parametrize("document, code", [
    (POD, 0),
    (POD + "    env: [{name: X_IMAGE, value: 'quay.io/b:1'}]\n", 0),
    (POD.replace("quay.io/a:1", "'a b'"), 0),
    (POD.replace("quay.io/a:1", "'{{ .x }}'") + "---\n" + POD, 0),
])
def test_output_integrity_stderr_closed(document: str, code: int) -> None:
    """Diagnostics never land in the manifests, and a run's exit code is the
    one it has with stderr open (warnings only here: 0)."""
    closed = _run_shell("2>&-", document.encode())
    opened = run_cli(["--all", MIRROR], document)
    assert closed.returncode == opened.returncode == code
    assert closed.stdout == opened.stdout
    assert b"registry-rewrite" not in closed.stdout


# --- the gate: what the audit finds counts ------------------------------------------

def test_gate_counts_audit_found_values() -> None:
    """Under --allow an image in a field no extractor knows (an unknown CRD's
    field, a `*_IMAGE` env value, an image flag) is an offender, not a warning."""
    widget = ("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec:\n"
              "  image: quay.io/w:1\n  env: [{name: X_IMAGE, value: quay.io/e:1}]\n"
              "  args: [--some-image=quay.io/f:1]\n  ok: {image: mirror.example.com/fine:1}\n")
    result = run_cli(ARGS, widget)
    assert result.returncode == 1
    assert [line.split(", ", 1)[1].split(":", 1)[0] for line in errors(result)] == [
        "spec.image", "spec.env[0].value", "spec.args[0]"]
    assert all("is not under an allowed prefix" in line for line in errors(result))
    assert result.stdout.decode() == widget  # nothing rewritten without --rewrite-unknown


# --- every configuration route honours or refuses every setting ------------------

WIDGET = ("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n"
          "spec: {runner: quay.io/w:1}\n")
EXTRACTORS = "extractors:\n- {kind: Widget, paths: [spec.runner]}\n"


@pytest.mark.parametrize("obj", [
    "imageReplacementRules: {all: mirror.example.com}\n" + EXTRACTORS,
    "apiVersion: example.com/v1\nkind: Cfg\nmetadata: {name: x}\n"
    "imageReplacementRules: {all: mirror.example.com}\n" + EXTRACTORS,
], ids=["rules-file-shape", "top-level-of-an-object"])
def test_config_routes_positional_object_honours_extractors(tmp_path: Path, obj: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(obj)
    result = run_cli([str(path)], WIDGET)
    assert result.returncode == 0, result.stderr.decode()
    assert f"runner: {MIRROR}/quay.io/w:1" in result.stdout.decode()


@pytest.mark.parametrize("setting, expected", [
    ("allow: [mirror.example.com]\n", "is not under an allowed prefix"),
    ("pullSecret: regcred\n", None),
])
def test_config_routes_positional_object_honours_settings(
        tmp_path: Path, setting: str, expected: str | None) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("apiVersion: example.com/v1\nkind: Cfg\nmetadata: {name: x}\n"
                    "imageReplacementRules: {docker.io: mirror.example.com/hub}\n" + setting)
    result = run_cli([str(path)], POD)
    if expected:
        assert result.returncode == 1 and any(expected in line for line in errors(result))
    else:
        result = run_cli([str(path)], POD.replace("quay.io/a:1", "nginx:1"))
        assert result.returncode == 0, result.stderr.decode()
        assert "imagePullSecrets" in result.stdout.decode()


@pytest.mark.parametrize("section", ["spec", "data"])
def test_config_routes_refuse_extractors_where_not_read(tmp_path: Path, section: str) -> None:
    kind = "ConfigMap" if section == "data" else "Cfg"
    path = tmp_path / "config.yaml"
    path.write_text(f"apiVersion: v1\nkind: {kind}\nmetadata: {{name: x}}\n{section}:\n"
                    "  imageReplacementRules: '{all: mirror.example.com}'\n"
                    "  extractors: '[]'\n")
    result = run_cli([str(path)], WIDGET)
    assert result.returncode == 2
    assert any("unknown key 'extractors'" in line for line in errors(result))


def test_config_routes_function_config_honours_extractors() -> None:
    resource_list = (
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n"
        "- {apiVersion: example.com/v1, kind: Widget, metadata: {name: w}, "
        "spec: {runner: 'quay.io/w:1'}}\nfunctionConfig:\n  apiVersion: example.com/v1\n"
        "  kind: Cfg\n  metadata: {name: x}\n  imageReplacementRules: {all: mirror.example.com}\n"
        "  extractors:\n  - {kind: Widget, paths: [spec.runner]}\n")
    result = run_cli([], resource_list)
    assert result.returncode == 0, result.stderr.decode()
    assert f"runner: '{MIRROR}/quay.io/w:1'" in result.stdout.decode()


# --- imagePullSecrets over every existing form ----------------------------------

PULL_SPEC = "  containers:\n  - {name: c, image: quay.io/a:1}\n"
PULL_FORMS = {
    "empty": "spec:\n  imagePullSecrets:\n" + PULL_SPEC,
    "empty-with-comment": "spec:\n  imagePullSecrets: # none\n" + PULL_SPEC,
    "null": "spec:\n  imagePullSecrets: null\n" + PULL_SPEC,
    "tilde": "spec:\n  imagePullSecrets: ~\n" + PULL_SPEC,
    "tag-null": "spec:\n  imagePullSecrets: !!null\n" + PULL_SPEC,
    "tag-null-null": "spec:\n  imagePullSecrets: !!null null\n" + PULL_SPEC,
    "bare-anchor": "spec:\n  imagePullSecrets: &a\n" + PULL_SPEC,
    "tagged-flow": "spec:\n  imagePullSecrets: !!seq [{name: x}]\n" + PULL_SPEC,
    "anchored-flow": "spec:\n  imagePullSecrets: &l [{name: x}]\n" + PULL_SPEC,
    "empty-flow": "spec:\n  imagePullSecrets: []\n" + PULL_SPEC,
    "block": "spec:\n  imagePullSecrets:\n  - name: x\n" + PULL_SPEC,
    "tagged-block": "spec:\n  imagePullSecrets: !!seq\n  - name: x\n" + PULL_SPEC,
    "anchored-block": "spec:\n  imagePullSecrets: &l\n  - name: x\n" + PULL_SPEC,
    "quoted-key": 'spec:\n  "imagePullSecrets": null\n' + PULL_SPEC,
    "merged": "spec:\n  <<: {imagePullSecrets: null}\n" + PULL_SPEC,
    "flow-spec-tag-null": "spec: {imagePullSecrets: !!null , containers: "
                          "[{name: c, image: quay.io/a:1}]}\n",
    "flow-spec-empty-anchor": "spec: {imagePullSecrets: &a , containers: "
                              "[{name: c, image: quay.io/a:1}]}\n",
    # the value belongs to another field too: an error, never a change to that field
    "anchor-used-elsewhere": "spec:\n  imagePullSecrets: &a null\n  nodeName: *a\n" + PULL_SPEC,
    "alias-of-a-null": "spec:\n  nodeName: &a null\n  imagePullSecrets: *a\n" + PULL_SPEC,
    "alias-of-a-list": "spec:\n  tolerations: &t []\n  imagePullSecrets: *t\n" + PULL_SPEC,
}


@pytest.mark.parametrize("form", sorted(PULL_FORMS))
def test_pull_secrets_into_every_existing_form(tmp_path: Path, form: str) -> None:
    """Valid YAML that kubectl reads with the secret added and every other
    field as it was, or an error naming the field: never exit 0 with text
    kubectl cannot read."""
    rules = tmp_path / "rules.yaml"
    rules.write_text("imageReplacementRules: {all: mirror.example.com}\npullSecret: regcred\n")
    data = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n" + PULL_FORMS[form]
    result = run_cli(["-c", str(rules)], data)
    assert_no_traceback(result)
    if result.returncode == 1:
        assert form.startswith(("anchor-used", "alias-of"))
        assert any("spec.imagePullSecrets: " in line for line in errors(result))
        return
    assert result.returncode == 0, result.stderr.decode()
    before, after = kubectl_objects(data.encode())[0], kubectl_objects(result.stdout)[0]
    secrets = after["spec"].pop("imagePullSecrets")
    assert {"name": "regcred"} in secrets
    assert [s for s in secrets if s != {"name": "regcred"}] == (
        before["spec"].pop("imagePullSecrets", None) or [])
    for container in after["spec"]["containers"]:
        container["image"] = container["image"].replace(f"{MIRROR}/", "")
    assert after == before


def kubectl_objects(manifests: bytes) -> list[dict[str, Any]]:
    """The objects kubectl reads from a stream (as JSON)."""
    kubectl = find_tool("kubectl")
    result = subprocess.run(
        [kubectl, "annotate", "--local", "-f", "-", "checked=yes", "-o", "json"],
        input=manifests, capture_output=True, timeout=60,
        env={**os.environ, "KUBECONFIG": os.devnull})
    assert result.returncode == 0, result.stderr.decode()
    out = json.loads(result.stdout)
    return list(out["items"]) if out.get("kind") == "List" else [out]


@pytest.mark.parametrize("second", ['"\\u006bind": Pod', "kind: Pod", '"kind": Pod'])
def test_sniff_duplicate_kind_fails_closed(second: str) -> None:
    """Kubernetes' decoder keeps the last of duplicate keys: a ConfigMap line
    first and a Pod kind second is a Pod to a cluster.  Never skipped as a
    ConfigMap: a duplicate key is an error (exit 1)."""
    data = ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: p}\n" + second + "\n"
            "spec:\n  containers:\n  - {name: c, image: quay.io/a:1}\n").encode()
    assert kubectl_images(data) == ["quay.io/a:1"]
    result = run_cli(ARGS, data)
    assert result.returncode == 1
    assert any("duplicate key 'kind'" in line for line in errors(result))


def test_utf16_images_listing_sees_the_images() -> None:
    """The `images` command reads the same streams: UTF-16 images are listed."""
    result = run_cli(["images", "--all", MIRROR], POD.encode("utf-16"))
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode() == f"quay.io/a:1 -> {MIRROR}/quay.io/a:1\n"


def test_secrets_never_in_function_config_parse_errors() -> None:
    """A ResourceList arrives on stdin: its functionConfig's credentials may
    be malformed too, and the error goes to stderr and to a KRM result."""
    resource_list = (
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n"
        "functionConfig:\n  apiVersion: example.com/v1\n  kind: Cfg\n  metadata: {name: x}\n"
        "  imageReplacementRules: {all: mirror.example.com}\n  credentials:\n"
        f"  - domain: mirror.example.com\n    username: robot\n    password: *{PASSWORD}\n")
    result = run_cli(["--all", MIRROR], resource_list)
    assert_no_traceback(result)
    assert result.returncode == 1
    assert any("undefined anchor" in line for line in errors(result))
    assert PASSWORD.encode() not in result.stderr
