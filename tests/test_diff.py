"""`--diff`: a unified diff of the stream in against the stream out, instead of
the manifests, with the exit code of the same run without it.  The oracles are
GNU diff (the same hunks as `diff -u` between the input and the normal output)
and patch (the diff turns the input into that output, without fuzz)."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import FIXTURES, SEED_RULES, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from post_renderer.pipeline.diff import DiffWriter

STREAM = FIXTURES / "manifests" / "helm-stream.yaml"
CREDENTIALS = FIXTURES / "credentials" / "rules.yaml"
WORKLOADS = FIXTURES / "credentials" / "workloads.yaml"
PASSWORD = {"REGISTRY_USER": "robot", "REGISTRY_PASSWORD": "s3cret-pw"}


def tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        pytest.skip(f"{name} not on PATH: install GNU diffutils and patch")
    return found


def gnu_diff(tmp_path: Path, before: bytes, after: bytes) -> bytes:
    (tmp_path / "before").write_bytes(before)
    (tmp_path / "after").write_bytes(after)
    result = subprocess.run([tool("diff"), "-u", "before", "after"], cwd=tmp_path,
                            capture_output=True, check=False)
    assert result.returncode in (0, 1), result.stderr
    return b"".join(result.stdout.splitlines(keepends=True)[2:])  # without the file header


def patched(tmp_path: Path, before: bytes, diff: bytes) -> bytes:
    target = tmp_path / "patched"
    target.write_bytes(before)
    result = subprocess.run([tool("patch"), "--no-backup-if-mismatch", str(target)], input=diff,
                            capture_output=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert b"fuzz" not in result.stdout and b"offset" not in result.stdout, result.stdout
    return target.read_bytes()


CASES = {
    "seed rules": (["-c", str(SEED_RULES)], STREAM.read_bytes(), {}),
    # generated pull Secrets after the last document, which has no final newline
    "pull secrets": (["-c", str(CREDENTIALS)], STREAM.read_bytes(), PASSWORD),
    "pull secrets, workloads": (["-c", str(CREDENTIALS)], WORKLOADS.read_bytes(), PASSWORD),
    "CRLF": (["-c", str(SEED_RULES)], STREAM.read_bytes().replace(b"\n", b"\r\n"), {}),
    # changes closer than twice the context join one hunk, across documents
    "adjacent documents": (["--all", "m.example.com/all"], b"".join(
        b"---\napiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - image: nginx:%d\n" % i for i in range(5)), {}),
    "invalid UTF-8 document": (["--all", "m.example.com/all"],
                               b"kind: ConfigMap\ndata: {a: \"\xff\"}\n---\n"
                               b"apiVersion: v1\nkind: Pod\nspec: {containers: [{image: a:1}]}\n", {}),
}


@pytest.mark.parametrize("case", CASES)
def test_the_diff_is_diff_u_of_the_output_and_applies(case: str, tmp_path: Path) -> None:
    args, stream, env = CASES[case]
    plain = run_cli(args, stream, env=env)
    result = run_cli([*args, "--diff"], stream, env=env)
    assert result.returncode == plain.returncode == 0, result.stderr
    assert result.stderr == plain.stderr
    assert plain.stdout != stream
    assert result.stdout.startswith(b"--- stdin\n+++ stdout\n@@ -")
    assert result.stdout[len(b"--- stdin\n+++ stdout\n"):] == gnu_diff(tmp_path, stream, plain.stdout)
    assert patched(tmp_path, stream, result.stdout) == plain.stdout


def test_nothing_to_change_is_an_empty_diff() -> None:
    stream = b"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{image: m.example.com/x/y:1}]\n"
    result = run_cli(["--rule", "docker.io=m.example.com/x", "--diff"], stream)
    assert (result.returncode, result.stdout) == (0, b"")


def test_exit_codes_and_diagnostics_are_those_of_the_run() -> None:
    """`all` cannot take a registry with a port into a path: exit 1 either way."""
    stream = (b"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
              b"    - image: localhost:5000/x:1\n    - image: nginx:1\n")
    plain = run_cli(["--all", "m.example.com/all"], stream)
    result = run_cli(["--all", "m.example.com/all", "--diff"], stream)
    assert result.returncode == plain.returncode == 1
    assert result.stderr == plain.stderr and b"would produce" in result.stderr
    assert result.stdout == (b"--- stdin\n+++ stdout\n@@ -4,4 +4,4 @@\n spec:\n   containers:\n"
                             b"     - image: localhost:5000/x:1\n-    - image: nginx:1\n"
                             b"+    - image: m.example.com/all/docker.io/library/nginx:1\n")


def test_a_usage_error_is_still_exit_2_with_nothing_written() -> None:
    result = run_cli(["--diff"], b"kind: Pod\n")
    assert (result.returncode, result.stdout) == (2, b"")


@pytest.mark.parametrize("name", ["kpt-resourcelist.yaml", "kustomize-resourcelist.yaml"])
def test_a_resource_list_answer_is_diffed_too(name: str, tmp_path: Path) -> None:
    stream = (FIXTURES / "krm" / name).read_bytes()
    plain = run_cli([], stream)
    result = run_cli(["--diff"], stream)
    assert result.returncode == plain.returncode
    assert result.stdout.startswith(b"--- stdin\n+++ stdout\n")
    assert patched(tmp_path, stream, result.stdout) == plain.stdout


# --- the diff writer over arbitrary documents: patch is the oracle ---


LINES = st.sampled_from([b"a\n", b"b\n", b"image: x\n", b"image: y\n", b"---\n", b"\n", b"c\r\n"])
DOCUMENT = st.lists(LINES, min_size=1, max_size=12).map(b"".join)


@st.composite
def streams(draw: st.DrawFn) -> tuple[list[bytes], list[bytes], bytes]:
    """Documents before and after (some changed, the last maybe without a final
    newline), and what the end adds (a generated document, maybe nothing)."""
    before = draw(st.lists(DOCUMENT, min_size=1, max_size=8))
    after = [draw(DOCUMENT) if draw(st.booleans()) else doc for doc in before]
    if draw(st.booleans()):  # an unterminated last line, on one side or both
        before[-1] = before[-1].rstrip(b"\n")
        if draw(st.booleans()):
            after[-1] = after[-1].rstrip(b"\n")
    generated = draw(st.sampled_from([b"", b"---\nkind: Secret\n", b"\n---\nkind: Secret\n"]))
    return before, after, generated


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stream=streams())
def test_any_diff_applies_with_patch_to_give_the_output(
    stream: tuple[list[bytes], list[bytes], bytes], tmp_path: Path
) -> None:
    before, after, generated = stream
    out = io.BytesIO()
    diff = DiffWriter(out)
    for old, new in zip(before, after, strict=True):
        diff.document(old, new)
    if generated:
        diff.document(None, generated)
    diff.close()
    whole_before, whole_after = b"".join(before), b"".join(after) + generated
    # nothing is written exactly when no document changed and none was added
    assert (out.getvalue() == b"") == (before == after and not generated)
    if out.getvalue():
        assert patched(tmp_path, whole_before, out.getvalue()) == whole_after
