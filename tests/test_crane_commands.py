"""`images --format crane` refuses what crane would do differently from the
flags: read another login file than --authfile, or drop TLS verification for
a registry the login is sent to (crane has one --insecure for both sides)."""

from __future__ import annotations

from pathlib import Path

from conftest import assert_no_traceback, run_cli, stderr_lines

POD = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
       "  - name: a\n    image: nginx:1.25\n")


def config(tmp_path: Path, credentials: bool) -> str:
    path = tmp_path / "cfg.yaml"
    path.write_text('imageReplacementRules:\n  "docker.io": "m.example.com/d"\n' + (
        "credentials:\n  - {domain: m.example.com, username: u, password: pw}\n"
        if credentials else ""))
    return str(path)


def test_an_authfile_crane_would_not_read_is_refused(tmp_path: Path) -> None:
    args = ["images", "-c", config(tmp_path, False), "--format", "crane"]
    result = run_cli([*args, "--authfile", str(tmp_path / "auth.json")], POD)
    assert_no_traceback(result)
    assert result.returncode == 2
    assert result.stdout == b""
    assert stderr_lines(result) == [
        f"registry-rewrite: error: configuration: --authfile {tmp_path}/auth.json: crane reads "
        "DOCKER_CONFIG/config.json, not this file; write the login file as DIR/config.json, "
        "or use --format skopeo"]
    named = run_cli([*args, "--authfile", str(tmp_path / "config.json")], POD)
    assert named.returncode == 0, named.stderr
    assert named.stdout.decode().startswith(f"DOCKER_CONFIG={tmp_path} crane copy ")


def test_one_insecure_for_a_credentialed_registry_is_refused(tmp_path: Path) -> None:
    args = ["images", "--format", "crane", "--plain-http", "docker.io"]
    result = run_cli([*args, "-c", config(tmp_path, True)], POD)
    assert_no_traceback(result)
    assert result.returncode == 2
    assert result.stdout == b""
    [line] = stderr_lines(result)
    assert ("crane's one --insecure (for docker.io) would also stop verifying TLS for "
            "m.example.com, where credentials are sent; use --format skopeo") in line
    # skopeo sets TLS per side: the same flags are fine there
    skopeo = run_cli(["images", "--format", "skopeo", "--plain-http", "docker.io", "-c",
                      config(tmp_path, True)], POD)
    assert skopeo.returncode == 0, skopeo.stderr
    assert "--src-tls-verify=false" in skopeo.stdout.decode()
    assert "--dest-tls-verify" not in skopeo.stdout.decode()
    # without credentials there is no login to protect
    plain = run_cli([*args, "-c", config(tmp_path, False)], POD)
    assert plain.returncode == 0, plain.stderr
    assert "crane copy --insecure" in plain.stdout.decode()
    assert stderr_lines(plain) == [
        "registry-rewrite: warning: --format crane: --insecure (for docker.io) also stops "
        "verifying TLS for the other registry of each command; --format skopeo sets it per "
        "registry"]
