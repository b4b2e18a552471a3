"""Output fidelity: the bytes out are the bytes in, except image scalars."""

from __future__ import annotations

import difflib

import pytest
from conftest import FIXTURES, SEED_RULES, assert_no_traceback, run_cli, stderr_lines
from syrupy.assertion import SnapshotAssertion

STREAM = FIXTURES / "manifests" / "helm-stream.yaml"
MIRRORS = FIXTURES / "rules" / "mirrors.yaml"


def changed_lines(before: str, after: str) -> list[str]:
    return [
        line for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


@pytest.mark.parametrize("rules", [SEED_RULES, MIRRORS], ids=["seed", "mirrors"])
def test_helm_stream_snapshot(rules: object, snapshot: SnapshotAssertion) -> None:
    source = STREAM.read_text()
    result = run_cli(["-c", str(rules)], source)
    assert result.returncode == 0, result.stderr.decode()
    out = result.stdout.decode()
    assert out == snapshot
    changed = changed_lines(source, out)
    assert changed and all("image:" in line for line in changed), changed
    # the ConfigMap data and the annotation that mention an image stay
    assert "image: us-docker.pkg.dev/palette-images/should/stay:1.0" in out
    assert '"image: us-docker.pkg.dev/palette-images/not/a/field:1"' in out
    # no final newline in, none out
    assert not out.endswith("\n")


def test_crlf_and_quoting_are_kept() -> None:
    lf = STREAM.read_text()
    crlf = lf.replace("\n", "\r\n")
    out_lf = run_cli(["-c", str(SEED_RULES)], lf).stdout
    result = run_cli(["-c", str(SEED_RULES)], crlf.encode())
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == out_lf.replace(b"\n", b"\r\n")


def test_second_run_changes_nothing() -> None:
    first = run_cli(["-c", str(MIRRORS)], STREAM.read_bytes())
    once = first.stdout
    twice = run_cli(["-c", str(MIRRORS)], once)
    # the same warnings, if any: a rule unmatched on the first run stays unmatched
    assert twice.returncode == 0 and twice.stdout == once and twice.stderr == first.stderr


@pytest.mark.parametrize(
    "stream",
    [
        "",
        "\n",
        "---\n",
        "--- \n---\n...\n",
        "# only a comment\n",
        "---\nnull\n---\n- a\n- b\n---\njust a scalar\n---\n",
        "{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"json\"}, "
        "\"spec\": {\"containers\": [{\"name\": \"c\", \"image\": \"quay.io/x:1\"}]}}\n",
        "\ufeffapiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: quay.io/x:1\n",
        "kind: Pod\napiVersion: v1\nspec:\n  containers:\n  - image: |-\n      quay.io/x:1\n",
        "kind: Pod\napiVersion: v1\nspec:\n  containers:\n  - image: >-\n      quay.io/x:1\n---\n",
        "kind: Pod\napiVersion: v1\nx: &img quay.io/x:1\nspec:\n  containers:\n"
        "  - image: *img\n  - image: *img\n",
        "kind: Pod\napiVersion: v1\nspec:\n  containers:\n  - image: !!str quay.io/x:1\n"
        "  - image: \"quay.io/\\x79:1\"\n",
        "kind: Pod\napiVersion: v1\nspec:\n  containers:\n  - image: ünïcödé/x\n  - image: quay.io/é\n",
        "a: 1\n...\n---\nb: 2\n...\n# trailing comment\n",
    ],
    ids=["empty", "newline", "separator", "separators", "comment", "non-mappings", "json", "bom",
         "literal", "folded", "alias", "tag-and-escape", "non-ascii", "end-markers"],
)
def test_edge_streams(stream: str, snapshot: SnapshotAssertion) -> None:
    result = run_cli(["--all", "mirror.example.com"], stream.encode())
    assert_no_traceback(result)
    assert result.returncode == 0, result.stderr.decode()
    assert {"stdout": result.stdout.decode(), "stderr": result.stderr.decode()} == snapshot
    changed = changed_lines(stream, result.stdout.decode())
    assert all("quay.io" in line or "ünïcödé" in line for line in changed), changed


def test_malformed_yaml_is_one_line_and_the_document_passes_through() -> None:
    good = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: quay.io/x:1\n"
    bad = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: [quay.io/x:1\n"
    stream = "---\n" + good + "---\n" + bad + "---\n" + good
    result = run_cli(["--all", "m.example.com"], stream)
    assert result.returncode == 1
    [line] = stderr_lines(result)
    assert line.startswith("registry-rewrite: error: document 1, line ") and "malformed YAML" in line
    out = result.stdout.decode()
    assert out.count("---\n") == 3 and out.count("m.example.com/quay.io/x:1") == 2
    assert bad in out
    assert_no_traceback(result)


def test_duplicate_key_is_an_error() -> None:
    stream = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: quay.io/x\n    image: quay.io/y\n"
    result = run_cli(["--all", "m.example.com"], stream)
    assert result.returncode == 1
    assert "duplicate key 'image'" in result.stderr.decode()
    assert result.stdout.decode() == stream


def test_invalid_utf8_in_an_image_document_is_an_error() -> None:
    stream = b"kind: Pod\napiVersion: v1\nspec:\n  containers:\n  - image: quay.io/x\n    name: \xff\n"
    result = run_cli(["--all", "m.example.com"], stream)
    assert result.returncode == 1
    assert "invalid UTF-8" in result.stderr.decode() and "document 0" in result.stderr.decode()
    assert result.stdout == stream


def test_invalid_utf8_in_a_document_without_images_passes() -> None:
    stream = b"kind: ConfigMap\ndata:\n  x: \xff\n"
    result = run_cli(["--all", "m.example.com"], stream)
    assert (result.returncode, result.stdout) == (0, stream)


def test_each_document_is_written_before_the_next_is_read() -> None:
    """Streaming: document 0 comes out while stdin is still open."""
    import subprocess
    import threading

    from conftest import cli_command

    proc = subprocess.Popen([*cli_command(), "--all", "m.example.com"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    first = "---\napiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: quay.io/a:1\n"
    proc.stdin.write(first.encode() + b"---\n")  # the next separator ends document 0
    proc.stdin.flush()
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(proc.stdout.read(len(first) + len("m.example.com/"))))
    reader.start()
    reader.join(timeout=20)
    try:
        assert not reader.is_alive(), "document 0 was not written while stdin stayed open"
        assert got == [first.replace("quay.io/a:1", "m.example.com/quay.io/a:1").encode()]
    finally:
        proc.stdin.write(b"kind: Service\n")
        proc.stdin.close()
        proc.wait(timeout=20)
    assert proc.returncode == 0
