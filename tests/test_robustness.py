"""Hostile and odd inputs through the real CLI: nothing is lost, nothing crashes.

Every test drives `registry-rewrite --all mirror.example.com` as a subprocess
and checks the same promises (`check`): documents out = documents in; each
output document is its input document byte for byte, except image values that
gained the `mirror.example.com/` prefix (every image here is fully qualified,
so removing the prefix must give back the input exactly); stderr holds only
one-line `registry-rewrite: error|warning: ...` diagnostics, never a traceback;
any error means a non-zero exit.  Cases already covered by test_fidelity.py
(a BOM at the very start, a comment-only stream, a single JSON line, CRLF over
the Helm fixture, a simple alias, invalid UTF-8 in one document, a duplicate
image key) are extended here, not repeated.

| input | expected outcome |
|---|---|
| invalid UTF-8 in a document that may hold images | exit 1: `document N, line L: invalid UTF-8 (byte 0x..)`; that document passes unchanged; the others are rewritten |
| invalid UTF-8 in a document that cannot hold images | exit 0: passes unchanged (never decoded) |
| UTF-8 BOM before a later `---` (`cat` of files saved with a BOM) | exit 0: a document boundary as YAML says; both documents rewritten, BOMs kept |
| UTF-8 BOM inside a document (after `---`) | exit 1: malformed YAML (YAML allows a BOM only before a document); passes unchanged |
| NUL byte in a document that may hold images | exit 1: `line L: malformed YAML: unacceptable character #x0000: control characters are not allowed`; passes unchanged |
| NUL byte in a document that cannot hold images | exit 0: passes unchanged |
| NUL byte in a core `v1` Service (its kind has a row only for Knative's group) | exit 0: passes unchanged (never decoded) |
| `image` text and a NUL byte in a core ConfigMap or Secret (data, not a workload) | exit 0: passes unchanged (never decoded), unless a user extractor row names that kind |
| tabs in indentation | exit 1: `malformed YAML: ... (a tab in indentation: YAML indents with spaces only)`; passes unchanged |
| tabs as separation (after `key:`, before a comment, in a flow sequence) | exit 0: rewritten |
| truncated document (a workload cut at every 7th byte, each cut a document) | never a crash; exit 1; every document is either rewritten or unchanged; each error names its document |
| unclosed quote | exit 1: `found unexpected end of stream while scanning a quoted scalar`, on the line where the quote opens |
| unclosed flow mapping | exit 1: `... while parsing a flow mapping`, on the line where `{` opens |
| `:` or `?` in plain scalars inside flow collections (`{image: quay.io/a:1}`) | exit 0: rewritten (the bundled libyaml 0.1.7 refuses these; the pure-Python parser takes over) |
| duplicate keys (top level, in a flow mapping) | exit 1: `duplicate key 'kind'`; passes unchanged |
| a 20 MB single document | exit 0: its image rewritten, every other byte kept |
| nesting 10,000 levels deep (flow sequence, flow mapping, block sequence) | exit 0: image rewritten, the nested value kept; no recursion limit hit |
| anchors and aliases (`image: *img`, an aliased container) | exit 0: the anchored scalar is rewritten once; aliases stay aliases |
| alias bomb ("billion laughs", 10^9 leaves) | exit 0 well inside a 30 s timeout and a 512 MiB address-space limit: aliases are never expanded |
| `---` indented inside a block scalar | not a boundary: same document count; image rewritten |
| `---` at column 0 inside a top-level block scalar | a boundary, as for any YAML parser: same document count as the parser |
| documents with only comments, between workloads | exit 0: kept byte for byte, counted as documents |
| JSON (pretty-printed, a List, escaped strings) | exit 0: images rewritten inside their double quotes; output is valid JSON |
| Windows line endings throughout (CRLF separators, block scalars, errors) | exit 0 (or the same errors and lines as with LF): CRLF kept, no bare LF added |
| a document whose `kind` is a mapping or a list (a fuzz finding) | exit 0: warnings only; every document out |
"""

from __future__ import annotations

import io
import json
import resource
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

import pytest
from conftest import ROOT, assert_no_traceback, cli_command, run_cli
from ruamel.yaml import YAML

from post_renderer.yaml.split import split_documents

MIRROR = "mirror.example.com"
PREFIX = f"{MIRROR}/".encode()
ARGS = ["--all", MIRROR]

POD = (
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\nspec:\n  containers:\n"
    "  - name: c\n    image: quay.io/{name}:1\n"
)


def pod(name: str) -> bytes:
    return POD.format(name=name).encode()


def documents(data: bytes) -> list[bytes]:
    return [chunk.data for chunk in split_documents(io.BytesIO(data))]


def yaml_document_count(data: bytes) -> int:
    """How many documents a YAML parser sees (ruamel's pure-Python parser)."""
    events = YAML(typ="safe", pure=True).parse(data.decode("utf-8"))
    return sum(type(e).__name__ == "DocumentStartEvent" for e in events)


def check(
    result: subprocess.CompletedProcess[bytes], data: bytes, *, exit_code: int,
    rewritten: int | None = None, exact: bool = True,
) -> list[str]:
    """The promises every input must keep; returns the diagnostics.

    `exact`: removing the mirror prefix gives back each input document (true
    when every image is fully qualified); otherwise only lines holding an
    image may differ.
    """
    assert_no_traceback(result)
    lines = result.stderr.decode().splitlines()
    for line in lines:
        assert line.startswith(("registry-rewrite: error: ", "registry-rewrite: warning: ")), line
    assert result.returncode == exit_code, result.stderr.decode()
    if exit_code:
        assert any(": error: " in line for line in lines)
    docs_in, docs_out = documents(data), documents(result.stdout)
    assert len(docs_out) == len(docs_in)
    for before, after in zip(docs_in, docs_out, strict=True):
        if exact:
            assert after.replace(PREFIX, b"") == before.replace(PREFIX, b"")
        else:
            old, new = before.splitlines(), after.splitlines()
            assert len(old) == len(new)
            assert all(a == b or b"image" in a for a, b in zip(old, new, strict=True))
    if rewritten is not None:
        assert result.stdout.count(PREFIX) - data.count(PREFIX) == rewritten
    return lines


def errors(lines: Sequence[str]) -> list[str]:
    return [line for line in lines if ": error: " in line]


# --- encodings and bytes ---------------------------------------------------------

def test_invalid_utf8_among_good_documents() -> None:
    bad = pod("bad").replace(b"name: c", b"name: caf\xe9")  # latin-1, not UTF-8
    data = b"---\n" + pod("one") + b"---\n" + bad + b"---\n" + pod("two")
    lines = check(run_cli(ARGS, data), data, exit_code=1, rewritten=2)
    assert errors(lines) == ["registry-rewrite: error: document 1, line 17: "
                             "invalid UTF-8 (byte 0xe9)"]


def test_bom_before_a_later_separator_is_a_boundary() -> None:
    bom = "\ufeff".encode()
    data = bom + b"---\n" + pod("one") + bom + b"---\n" + pod("two")
    result = run_cli(ARGS, data)
    check(result, data, exit_code=0, rewritten=2)
    assert result.stdout.count(bom) == 2
    assert len(documents(data)) == yaml_document_count(data.replace(bom, b"")) == 2


def test_bom_inside_a_document_is_malformed() -> None:
    data = b"---\n" + pod("one") + b"---\n" + "\ufeff".encode() + pod("two")
    lines = check(run_cli(ARGS, data), data, exit_code=1, rewritten=1)
    [error] = errors(lines)
    assert error.startswith("registry-rewrite: error: document 1, line ") and "malformed YAML" in error


def test_nul_byte() -> None:
    nul = pod("nul").replace(b"name: c", b"name: c\x00d")
    config = b"apiVersion: v1\nkind: ConfigMap\ndata:\n  x: \"\x00\"\n"
    data = b"---\n" + nul + b"---\n" + config + b"---\n" + pod("ok")
    lines = check(run_cli(ARGS, data), data, exit_code=1, rewritten=1)
    assert errors(lines) == [
        "registry-rewrite: error: document 0, line 8: malformed YAML: "
        "unacceptable character #x0000: control characters are not allowed"]


def test_pre_parse_test_decodes_only_what_could_hold_an_image() -> None:
    """A Service without `image` text (core or Knative) cannot hold an image:
    it is never decoded (its NUL byte is not ours to judge).  A Crossplane
    Provider has no `image` text, yet its row's `package` field sends it to
    the parser."""
    service = b"apiVersion: v1\nkind: Service\nmetadata:\n  name: \"s\x00\"\n"
    provider = (b"apiVersion: pkg.crossplane.io/v1\nkind: Provider\nmetadata:\n"
                b"  name: p\nspec:\n  package: xpkg.upbound.io/crossplane/provider-aws:v1\n")
    knative = service.replace(b"v1\nkind", b"serving.knative.dev/v1\nkind")
    data = b"---\n" + service + b"---\n" + provider
    check(run_cli(ARGS, data), data, exit_code=0, rewritten=1)
    data = b"---\n" + knative + b"---\n" + provider
    check(run_cli(ARGS, data), data, exit_code=0, rewritten=1)
    with_image = knative.replace(b"metadata:", b"spec: {template: {spec: {containers: "
                                 b"[{image: quay.io/k:1}]}}}\nmetadata:")
    data = b"---\n" + with_image + b"---\n" + provider
    lines = check(run_cli(ARGS, data), data, exit_code=1, rewritten=1)
    assert [line.split(": ", 2)[2][:20] for line in errors(lines)] == ["document 0, line 6: "]


def test_core_config_map_is_never_parsed_unless_a_row_asks(tmp_path: Path) -> None:
    """A ConfigMap's data is data: with `image` text in it (and a NUL that a
    parse would refuse) it still passes through undecoded, exit 0.  A user row
    for ConfigMap sends it to the parser, which then reports the NUL."""
    config_map = (b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n"
                  b"  image: quay.io/app:1\n  note: \"\x00\"\n")
    data = b"---\n" + config_map + b"---\n" + pod("ok")
    check(run_cli(ARGS, data), data, exit_code=0, rewritten=1)
    rules = tmp_path / "rules.yaml"
    rules.write_text(f'imageReplacementRules:\n  all: "{MIRROR}"\n'
                     "extractors:\n  - {apiVersion: v1, kind: ConfigMap, paths: [data.image]}\n")
    lines = check(run_cli(["-c", str(rules)], data), data, exit_code=1, rewritten=1)
    assert [line.split(": ", 2)[2][:20] for line in errors(lines)] == ["document 0, line 8: "]


def test_tabs_in_indentation_are_malformed_with_a_hint() -> None:
    data = pod("tab").replace(b"\n  - name: c\n    image:", b"\n\t- name: c\n\t  image:")
    lines = check(run_cli(ARGS, data), data, exit_code=1, rewritten=0)
    [error] = errors(lines)
    assert "line 7" in error and "(a tab in indentation: YAML indents with spaces only)" in error


def test_tabs_as_separation_are_fine() -> None:
    data = (b"apiVersion: v1\nkind:\tPod\nspec:\n  containers:\n  - name: c\t# tab before\n"
            b"    image:\tquay.io/tab:1\t\n    args: [a,\tb]\n")
    check(run_cli(ARGS, data), data, exit_code=0, rewritten=1)


# --- malformed YAML --------------------------------------------------------------

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: "caf\u00e9"
  annotations: {note: 'it''s', list: [a, b]}
spec:
  template:
    spec:
      containers:
      - name: web
        image: "quay.io/web:1.0"
        args: ["--flag", '--other']
        command:
        - sh
        - -c
        - |
          echo hello
      - name: side
        image: quay.io/side@sha256:{digest}
""".replace("{digest}", "ab" * 32).encode()


def test_truncated_documents() -> None:
    """The same workload cut at every 7th byte, each cut its own document:
    inside keys, quotes, flow collections, block scalars and a UTF-8 sequence."""
    cuts = [DEPLOYMENT[:n] for n in range(1, len(DEPLOYMENT), 7)]
    data = b"".join(b"---\n" + cut + b"\n" for cut in cuts)
    result = run_cli(ARGS, data)
    lines = check(result, data, exit_code=1, exact=False)  # `quay.io` alone is a Hub name
    failed = {int(line.split("document ")[1].split(",")[0]) for line in errors(lines)}
    docs_out = documents(result.stdout)
    for index, (cut, out) in enumerate(zip(cuts, docs_out, strict=True)):
        if index in failed:
            assert out == b"---\n" + cut + b"\n"  # an error: passed through unchanged
    assert 0 < len(failed) < len(cuts)
    assert result.stdout.count(PREFIX) > 0


def test_truncated_stream_end() -> None:
    """The stream itself ends mid-document (no final newline)."""
    for n in (len(DEPLOYMENT) - 3, DEPLOYMENT.index(b"web:1.0"), DEPLOYMENT.index(b"\xc3") + 1):
        data = pod("first") + b"---\n" + DEPLOYMENT[:n]
        result = run_cli(ARGS, data)
        assert result.returncode in (0, 1)
        check(result, data, exit_code=result.returncode, exact=False)
        assert result.stdout.count(PREFIX) >= 1  # the first document is never lost


def test_unclosed_quote_points_at_the_quote() -> None:
    data = pod("q").replace(b"image: quay.io/q:1", b'image: "quay.io/q:1') + b"    args: [x]\n"
    lines = check(run_cli(ARGS, data), data, exit_code=1, rewritten=0)
    assert errors(lines) == ["registry-rewrite: error: document 0, line 8: malformed YAML: "
                             "found unexpected end of stream while scanning a quoted scalar"]


def test_unclosed_flow_mapping_points_at_the_brace() -> None:
    data = (b"apiVersion: v1\nkind: Pod\nspec: {containers: [{name: c, image: \"quay.io/f:1\"}]\n"
            b"---\n" + pod("after"))
    lines = check(run_cli(ARGS, data), data, exit_code=1, rewritten=1)
    [error] = errors(lines)
    assert error.startswith("registry-rewrite: error: document 0, line 3: malformed YAML: ")
    assert error.endswith("while parsing a flow mapping")


def test_colons_and_question_marks_in_flow_scalars() -> None:
    """Valid YAML 1.2 and valid for Kubernetes; libyaml 0.1.7 refuses it."""
    data = (b"apiVersion: v1\nkind: Pod\nspec: {containers: [{name: c, image: quay.io/flow:1,\n"
            b"  args: [--url=http://x:80/?q=1, a?b]}]}\n")
    check(run_cli(ARGS, data), data, exit_code=0, rewritten=1)


@pytest.mark.parametrize("data, key", [
    (b"apiVersion: v1\nkind: ConfigMap\nkind: Pod\nspec:\n  containers:\n"
     b"  - {name: c, image: quay.io/d:1}\n", "kind"),
    (b'{"apiVersion": "v1", "kind": "Pod", "spec": {"containers": '
     b'[{"name": "c", "name": "d", "image": "quay.io/d:1"}]}}\n', "name"),
])
def test_duplicate_keys(data: bytes, key: str) -> None:
    lines = check(run_cli(ARGS, data), data, exit_code=1, rewritten=0)
    [error] = errors(lines)
    assert error.endswith(f"malformed YAML: duplicate key '{key}'")


# --- size and shape ----------------------------------------------------------------

def test_20_mb_single_document() -> None:
    blob = b"".join(b"      line %07d of a large literal block, long enough to matter\n" % i
                    for i in range(290_000))
    env = b"".join(b"    - name: VAR_%d\n      value: \"v%d\"\n" % (i, i) for i in range(20_000))
    data = (b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: big\n  annotations:\n    blob: |\n"
            + blob + b"spec:\n  containers:\n  - name: c\n    image: quay.io/big:1\n    env:\n"
            + env)
    assert len(data) >= 20_000_000
    check(run_cli(ARGS, data), data, exit_code=0, rewritten=1)


@pytest.mark.parametrize("nested", [
    b"args: " + b"[" * 990 + b"]" * 990,
    b"args: " + b"{a: " * 990 + b"x" + b"}" * 990,
    b"args:\n    " + b"- " * 9_990 + b"x",
], ids=["flow-sequence", "flow-mapping", "block-sequence"])
def test_nesting_up_to_the_documented_depth(nested: bytes) -> None:
    data = pod("deep") + b"    " + nested + b"\n"
    check(run_cli(ARGS, data), data, exit_code=0, rewritten=1)


@pytest.mark.parametrize("nested", [
    b"args: " + b"[" * 100_000 + b"]" * 100_000,
    b"args: " + b"{a: " * 100_000 + b"x:y" + b"}" * 100_000,
    b"args:\n    " + b"- " * 10_001 + b"x",
], ids=["flow-sequence", "flow-mapping", "block-sequence"])
def test_deep_nesting_is_refused_beyond_the_documented_depth(nested: bytes) -> None:
    """Flow collections cost libyaml their depth per token: past 1000 levels
    (10000 for block ones, Kubernetes' own limit) the document is an error,
    in well under a second, not a quadratic parse."""
    data = pod("deep") + b"    " + nested + b"\n"
    started = time.monotonic()
    lines = check(run_cli(ARGS, data), data, exit_code=1, rewritten=0)
    assert time.monotonic() - started < 10
    assert any("nested deeper than" in line and "document 0" in line for line in errors(lines))


def test_anchors_and_aliases() -> None:
    """An anchor on an image, an alias in another container, and a whole
    container aliased into a second Pod spec: each anchored scalar is
    rewritten once, and every alias is kept as written."""
    data = b"""\
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  spec:
    containers:
    - &web {name: web, image: &img quay.io/anchored:1}
    - {name: copy, image: *img}
- apiVersion: v1
  kind: Pod
  spec:
    containers: [*web]
"""
    result = run_cli(ARGS, data)
    check(result, data, exit_code=0, rewritten=1)
    assert b"image: &img mirror.example.com/quay.io/anchored:1" in result.stdout
    assert b"image: *img" in result.stdout and b"[*web]" in result.stdout


def _limited_address_space() -> None:
    limit = 512 << 20  # expanding the bomb would need gigabytes
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def test_alias_bomb_is_never_expanded() -> None:
    levels = ["  l0: &l0 [" + ", ".join(['"lol"'] * 10) + "]"]
    levels += [f"  l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]" for i in range(1, 10)]
    data = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: lol\n  bomb:\n"
            + "\n".join("  " + level for level in levels) + "\n"
            "spec:\n  containers:\n  - name: c\n    image: &img quay.io/lol:1\n"
            "    args: *l9\n    env: [{name: X, value: *l9}]\n  - name: d\n    image: *img\n"
            ).encode()
    result = subprocess.run([*cli_command(), *ARGS], input=data, capture_output=True,
                            timeout=30, preexec_fn=_limited_address_space)
    check(result, data, exit_code=0, rewritten=1)


# --- document boundaries -----------------------------------------------------------

def test_separator_indented_inside_a_block_scalar_is_not_a_boundary() -> None:
    data = (b"---\napiVersion: v1\nkind: Pod\nmetadata:\n  annotations:\n    doc: |\n"
            b"      ---\n      ...\n      --- not a document\n"
            b"spec:\n  containers:\n  - name: c\n    image: quay.io/block:1\n---\n" + pod("two"))
    check(run_cli(ARGS, data), data, exit_code=0, rewritten=2)
    assert len(documents(data)) == yaml_document_count(data) == 2


def test_separator_at_column_0_ends_a_top_level_block_scalar() -> None:
    # `--- |` starts a document for YAML and Helm, not for kubectl (its rest
    # is not empty or a comment): the stream is refused, every document kept.
    data = b"--- |\n  text\n---\nthe next document\n---\n" + pod("three")
    lines = check(run_cli(ARGS, data), data, exit_code=1, rewritten=1)
    assert any("line 1: a line starting with `---`" in line for line in lines)
    assert len(documents(data)) == yaml_document_count(data) == 3


def test_comment_only_documents_between_workloads() -> None:
    data = (b"# leading comment\n---\n# only a comment\n---\n" + pod("one")
            + b"---\n# another\n# and another\n...\n# after an end marker\n---\n" + pod("two")
            + b"---\n# trailing comment\n")
    result = run_cli(ARGS, data)
    check(result, data, exit_code=0, rewritten=2)
    assert len(documents(data)) == 7


# --- other syntaxes ------------------------------------------------------------------

def test_json_documents() -> None:
    pretty = json.dumps({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"template": {"spec": {"containers": [
            {"name": "web", "image": "quay.io/pretty:1"},
            {"name": "esc", "image": "quay.io\\/escaped:1"}]}}},
    }, indent=2).replace("\\\\/", "\\/")
    as_list = json.dumps({"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [
            {"name": "c", "image": "quay.io/listed:1"}]}}]})
    data = f"{pretty}\n---\n{as_list}\n".encode()
    result = run_cli(ARGS, data)
    assert_no_traceback(result)
    assert result.returncode == 0, result.stderr.decode()
    out = [json.loads(doc.removeprefix(b"---\n")) for doc in documents(result.stdout)]
    containers = out[0]["spec"]["template"]["spec"]["containers"]
    assert [c["image"] for c in containers] == [
        f"{MIRROR}/quay.io/pretty:1", f"{MIRROR}/quay.io/escaped:1"]
    assert out[1]["items"][0]["spec"]["containers"][0]["image"] == f"{MIRROR}/quay.io/listed:1"
    # the escaped value is rendered afresh; every other byte is kept
    assert result.stdout.replace(PREFIX, b"").replace(
        b'"quay.io/escaped:1"', b'"quay.io\\/escaped:1"') == data


def test_windows_line_endings_throughout() -> None:
    lf = (b"---\r\n" + DEPLOYMENT + b"...\r\n# comment\r\n---\r\n" + pod("two")
          ).replace(b"\r\n", b"\n")
    crlf = lf.replace(b"\n", b"\r\n")
    out_lf, out_crlf = run_cli(ARGS, lf), run_cli(ARGS, crlf)
    check(out_crlf, crlf, exit_code=0, rewritten=3)
    assert out_crlf.stdout == out_lf.stdout.replace(b"\n", b"\r\n")
    assert b"\n" not in out_crlf.stdout.replace(b"\r\n", b"")


def test_windows_line_endings_in_errors() -> None:
    lf = b"---\n" + pod("one") + b"---\n" + pod("bad").replace(b"  - name", b"\t- name")
    crlf = lf.replace(b"\n", b"\r\n")
    lines_lf = check(run_cli(ARGS, lf), lf, exit_code=1, rewritten=1)
    lines_crlf = check(run_cli(ARGS, crlf), crlf, exit_code=1, rewritten=1)
    assert lines_crlf == lines_lf


def test_kind_that_is_not_a_string() -> None:
    """Found by fuzz/fuzz_rewrite.py: a mapping as `kind` crashed the audit
    and the rest of the stream was lost."""
    data = (b"apiVersion: v1\nkind: {template: x}\nspec:\n  image: quay.io/a:1\n---\n"
            b"kind: [Pod]\nspec:\n  containers:\n  - image: quay.io/b:1\n---\n" + pod("after"))
    lines = check(run_cli(ARGS, data), data, exit_code=0, rewritten=1)
    assert len(lines) == 2 and all(": warning: " in line for line in lines)


def test_fixture_stream_still_passes_after_all_this() -> None:
    """A guard for the helpers themselves: a clean stream keeps every promise."""
    data = (ROOT / "fixtures" / "manifests" / "helm-stream.yaml").read_bytes()
    result = run_cli(ARGS, data)
    assert result.returncode == 0
    assert len(documents(result.stdout)) == len(documents(data)) == yaml_document_count(data)
