"""`registry-rewrite sync` and the rewrite route's `content.sync.enable`, against
real registries on 127.0.0.1: a plain-HTTP source and a TLS + htpasswd mirror.

The oracle is the mirror's own HTTP API (tests/registries.py), never skopeo
or the code under test: every rewritten reference must resolve there by tag
and by digest, to the digest the image was built with.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import MIRROR_USER, Registries, assert_no_traceback, run_cli, stderr_lines

PASSWORD_VAR = "SYNC_TEST_MIRROR_PASSWORD"


@dataclass
class Scenario:
    config: Path
    stream: bytes
    digests: dict[str, str]  # repository -> digest built
    env: dict[str, str]
    repos: dict[str, str]


def write_config(registries: Registries, path: Path, extra: str = "",
                 password_var: str = PASSWORD_VAR) -> Path:
    path.write_text(
        "imageReplacementRules:\n"
        f'  "{registries.source.host}": "{registries.mirror.host}/mirror"\n'
        "credentials:\n"
        f"  - domain: {registries.mirror.host}\n"
        f"    username: {MIRROR_USER}\n"
        f"    passwordRef: {{env: {password_var}}}\n"
        "registries:\n"
        f"  {registries.source.host}:\n    plainHTTP: true\n"
        f"  {registries.mirror.host}:\n    caFile: {registries.mirror.ca_file}\n" + extra)
    return path


def pod(name: str, images: list[str]) -> str:
    containers = "".join(f"  - name: c{i}\n    image: {image}\n" for i, image in enumerate(images))
    return (f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\nspec:\n"
            f"  containers:\n{containers}")


@pytest.fixture
def scenario(registries: Registries, tmp_path: Path) -> Scenario:
    """Four images in the source: single-arch by tag, a multi-arch index by tag,
    one referenced as tag@digest, one digest-only."""
    repos = {k: registries.unique(k) for k in ("single", "multi", "pinned", "bare")}
    digests = {
        "single": registries.push_source(repos["single"], "1.0", "single"),
        "multi": registries.push_source(repos["multi"], "2.0", "multi", ("amd64", "arm64")),
        "pinned": registries.push_source(repos["pinned"], "3.0", "pinned"),
        "bare": registries.push_source(repos["bare"], "build", "bare"),
    }
    src = registries.source.host
    images = [f"{src}/{repos['single']}:1.0", f"{src}/{repos['multi']}:2.0",
              f"{src}/{repos['pinned']}:3.0@{digests['pinned']}",
              f"{src}/{repos['bare']}@{digests['bare']}"]
    stream = (pod("app", images[:2]) + "---\n" + pod("other", images[2:])).encode()
    return Scenario(write_config(registries, tmp_path / "rules.yaml"), stream, digests,
                    {PASSWORD_VAR: registries.mirror.password or ""}, repos)


REFERENCE = re.compile(r"image: (\S+)")


def summary(result: subprocess.CompletedProcess[bytes]) -> str:
    """The run's one summary line (the failures, if any, are listed after it)."""
    [line] = [line for line in stderr_lines(result) if line.startswith("registry-rewrite: sync: ")]
    return line


def test_sync_fills_the_mirror_and_every_rewritten_reference_resolves(
        registries: Registries, scenario: Scenario) -> None:
    result = run_cli(["sync", "-c", str(scenario.config)], scenario.stream, env=scenario.env)
    assert_no_traceback(result)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == b""
    lines = stderr_lines(result)
    assert sum(line.startswith("registry-rewrite: copied ") for line in lines) == 4
    assert summary(result) == ("registry-rewrite: sync: 4 copied, 0 already present, 0 failed "
                               "(of 4 images)")

    rewritten = run_cli(["-c", str(scenario.config)], scenario.stream, env=scenario.env)
    assert rewritten.returncode == 0, rewritten.stderr.decode()
    references = REFERENCE.findall(rewritten.stdout.decode())
    assert len(references) == 4
    mirror = registries.mirror
    for reference, key in zip(references, ("single", "multi", "pinned", "bare"), strict=True):
        name, _, digest = reference.partition("@")
        host, _, path = name.partition("/")
        assert host == mirror.host
        repo, _, tag = path.partition(":")
        want = scenario.digests[key]
        if tag:
            assert mirror.manifest_digest(repo, tag) == want, reference
        if digest:
            assert digest == want
            assert mirror.manifest_digest(repo, digest) == want, reference
        if key == "bare":  # digest-only: also tagged, so garbage collection keeps it
            assert mirror.tags(repo) == ["sha256-" + want.split(":")[1]]


def test_a_second_sync_copies_nothing(registries: Registries, scenario: Scenario) -> None:
    first = run_cli(["sync", "-c", str(scenario.config), "-j", "2"], scenario.stream,
                    env=scenario.env)
    assert first.returncode == 0, first.stderr.decode()
    second = run_cli(["sync", "-c", str(scenario.config)], scenario.stream, env=scenario.env)
    assert second.returncode == 0, second.stderr.decode()
    lines = stderr_lines(second)
    assert not any(line.startswith("registry-rewrite: copied ") for line in lines)
    assert sum(line.startswith("registry-rewrite: present ") and "same digest, skipped" in line
               for line in lines) == 4
    assert summary(second).startswith("registry-rewrite: sync: 0 copied, 4 already present")


def test_a_moved_source_tag_is_copied_again(registries: Registries, scenario: Scenario) -> None:
    assert run_cli(["sync", "-c", str(scenario.config)], scenario.stream,
                   env=scenario.env).returncode == 0
    moved = registries.push_source(scenario.repos["single"], "1.0", "single, rebuilt")
    again = run_cli(["sync", "-c", str(scenario.config)], scenario.stream, env=scenario.env)
    assert again.returncode == 0
    assert summary(again).startswith("registry-rewrite: sync: 1 copied, 3 already")
    assert registries.mirror.manifest_digest(f"mirror/{scenario.repos['single']}", "1.0") == moved


def test_wrong_password_fails_clearly_without_the_secret(
        registries: Registries, scenario: Scenario) -> None:
    wrong = "Wr0ng-" + (registries.mirror.password or "")
    result = run_cli(["sync", "-c", str(scenario.config), "--retries", "0"], scenario.stream,
                     env={PASSWORD_VAR: wrong})
    assert_no_traceback(result)
    assert result.returncode == 1
    errors = [line for line in stderr_lines(result) if ": error: " in line]
    assert len(errors) == 4
    assert all("authentication failed (check credentials for this registry)" in line
               for line in errors)
    assert wrong not in result.stderr.decode()
    assert wrong not in result.stdout.decode()
    assert summary(result).endswith("0 copied, 0 already present, 4 failed (of 4 images)")


def test_missing_images_and_tls_failures_are_each_listed(
        registries: Registries, scenario: Scenario, tmp_path: Path) -> None:
    missing = f"{registries.source.host}/{registries.unique('never-pushed')}:1"
    stream = scenario.stream + b"---\n" + pod("broken", [missing]).encode()
    result = run_cli(["sync", "-c", str(scenario.config), "--retries", "0"], stream,
                     env=scenario.env)
    assert result.returncode == 1
    [error] = [line for line in stderr_lines(result) if ": error: " in line]
    assert error.startswith(f"registry-rewrite: error: copy {missing} -> ")
    assert "image not found" in error
    assert "4 copied, 0 already present, 1 failed (of 5 images)" in summary(result)

    untrusted = write_config(registries, tmp_path / "untrusted.yaml").read_text()
    untrusted = re.sub(r"\n    caFile: .*", "\n    plainHTTP: false", untrusted)
    (tmp_path / "untrusted.yaml").write_text(untrusted)
    result = run_cli(["sync", "-c", str(tmp_path / "untrusted.yaml"), "--retries", "0"],
                     scenario.stream, env=scenario.env)
    assert result.returncode == 1
    errors = [line for line in stderr_lines(result) if ": error: " in line]
    assert len(errors) == 4 and all("TLS failure" in line for line in errors)


def test_unreachable_registry_is_retried_then_reported(
        registries: Registries, tmp_path: Path) -> None:
    from registries import free_port

    closed = f"127.0.0.1:{free_port()}"
    config = tmp_path / "rules.yaml"
    config.write_text(f'imageReplacementRules:\n  "{closed}": "{closed}/mirror"\n'
                      f"registries:\n  {closed}:\n    plainHTTP: true\n")
    result = run_cli(["sync", "-c", str(config), "--retries", "1"],
                     pod("p", [f"{closed}/app:1"]))
    assert result.returncode == 1
    [error] = [line for line in stderr_lines(result) if ": error: " in line]
    assert "registry unreachable" in error and "(after 2 attempts)" in error


def test_dry_run_lists_without_touching_a_registry(
        registries: Registries, scenario: Scenario) -> None:
    result = run_cli(["sync", "-c", str(scenario.config), "--dry-run"], scenario.stream)
    assert result.returncode == 0, result.stderr.decode()
    lines = result.stdout.decode().splitlines()
    assert len(lines) == 4
    bare = scenario.digests["bare"]
    assert (f"{registries.source.host}/{scenario.repos['bare']}@{bare} -> "
            f"{registries.mirror.host}/mirror/{scenario.repos['bare']}:"
            f"sha256-{bare.split(':')[1]}") in lines
    assert registries.mirror.tags(f"mirror/{scenario.repos['single']}") == []
    # the output of a rewrite has nothing left to copy from, and that is said
    rewritten = run_cli(["-c", str(scenario.config)], scenario.stream, env=scenario.env).stdout
    again = run_cli(["sync", "-c", str(scenario.config), "--dry-run"], rewritten)
    assert again.returncode == 0 and again.stdout == b""
    assert any("looks rewritten already" in line for line in stderr_lines(again))


def test_pack_content_images_are_synced(registries: Registries, tmp_path: Path) -> None:
    repo = registries.unique("util")
    digest = registries.push_source(repo, "22.04", "util")
    pack = tmp_path / "pack.yaml"
    pack.write_text(
        f"pack:\n  content:\n    images:\n      - image: {registries.source.host}/{repo}:22.04\n"
        "charts:\n  registry-connect:\n    config:\n      registry:\n"
        "        imageReplacementRules: |\n"
        f'          "{registries.source.host}": "{registries.mirror.host}/palette"\n'
        "        credentials:\n"
        f"          - domain: {registries.mirror.host}\n"
        f"            username: {MIRROR_USER}\n"
        f"            passwordRef: {PASSWORD_VAR}\n"
        "        registries:\n"
        f"          {registries.source.host}: {{plainHTTP: true}}\n"
        f"          {registries.mirror.host}: {{caFile: {registries.mirror.ca_file}}}\n")
    result = run_cli(["sync", "-c", str(pack)], b"",
                     env={PASSWORD_VAR: registries.mirror.password or ""})
    assert result.returncode == 0, result.stderr.decode()
    assert registries.mirror.manifest_digest(f"palette/{repo}", "22.04") == digest


# --- the rewrite route under content.sync.enable ---

SYNC_ON = "content:\n  sync:\n    enable: true\n"


def test_rewrite_route_syncs_before_it_writes(registries: Registries, scenario: Scenario,
                                              tmp_path: Path) -> None:
    config = write_config(registries, tmp_path / "sync-on.yaml", SYNC_ON)
    plain = run_cli(["-c", str(scenario.config)], scenario.stream, env=scenario.env)
    result = run_cli(["-c", str(config)], scenario.stream, env=scenario.env)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == plain.stdout  # the same manifests, byte for byte
    for key in ("single", "multi"):
        assert registries.mirror.tags(f"mirror/{scenario.repos[key]}")


def test_rewrite_route_writes_nothing_when_a_copy_fails(
        registries: Registries, scenario: Scenario, tmp_path: Path) -> None:
    config = write_config(registries, tmp_path / "sync-on.yaml", SYNC_ON)
    missing = f"{registries.source.host}/{registries.unique('gone')}:1"
    stream = scenario.stream + b"---\n" + pod("broken", [missing]).encode()
    result = run_cli(["-c", str(config)], stream, env=scenario.env)
    assert_no_traceback(result)
    assert result.returncode == 1
    assert result.stdout == b""
    assert any(f"copy {missing} -> " in line and "image not found" in line
               for line in stderr_lines(result))


def test_rewrite_route_without_sync_never_touches_a_registry(
        registries: Registries, scenario: Scenario, tmp_path: Path) -> None:
    off = write_config(registries, tmp_path / "off.yaml",
                       "content:\n  sync:\n    enable: false\n")
    for config in (off, scenario.config):
        result = run_cli(["-c", str(config)], scenario.stream, env=scenario.env)
        assert result.returncode == 0
        assert not any("copied" in line or "sync" in line for line in stderr_lines(result))
    assert registries.mirror.tags(f"mirror/{scenario.repos['single']}") == []


# --- auth ---

def test_auth_writes_the_login_file_skopeo_accepts(
        registries: Registries, scenario: Scenario, tmp_path: Path) -> None:
    import json
    import subprocess

    from conftest import find_tool

    result = run_cli(["auth", "-c", str(scenario.config)], env=scenario.env)
    assert result.returncode == 0, result.stderr.decode()
    assert (registries.mirror.password or "") not in result.stderr.decode()
    assert list(json.loads(result.stdout)["auths"]) == [registries.mirror.host]
    authfile = tmp_path / "auth.json"
    authfile.write_bytes(result.stdout)
    # the real consumer: skopeo logs in with it (the mirror demands a login)
    assert run_cli(["sync", "-c", str(scenario.config)], scenario.stream,
                   env=scenario.env).returncode == 0
    assert registries.mirror.ca_file is not None
    # the real consumer: skopeo logs in with it (the mirror demands a login)
    listed = subprocess.run(
        [find_tool("skopeo"), "list-tags", f"--authfile={authfile}",
         f"--cert-dir={registries.mirror.ca_file.parent}",
         f"docker://{registries.mirror.host}/mirror/{scenario.repos['single']}"],
        capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout)["Tags"] == ["1.0"]
    without = subprocess.run(
        [find_tool("skopeo"), "list-tags", f"--authfile={tmp_path / 'none.json'}",
         f"--cert-dir={registries.mirror.ca_file.parent}",
         f"docker://{registries.mirror.host}/mirror/{scenario.repos['single']}"],
        capture_output=True, text=True, timeout=60)
    assert without.returncode != 0  # the oracle: the login is what made it work


def resource_list(image: str) -> bytes:
    return ("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n"
            "- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: app\n  spec:\n"
            f"    containers:\n    - name: app\n      image: {image}\n").encode()


def test_krm_route_syncs_too(registries: Registries, scenario: Scenario,
                             tmp_path: Path) -> None:
    """A ResourceList (kustomize, kpt) runs the same stages: it syncs, and a
    failed copy is an error result and exit 1."""
    config = write_config(registries, tmp_path / "sync-on.yaml", SYNC_ON)
    image = f"{registries.source.host}/{scenario.repos['multi']}:2.0"
    result = run_cli(["-c", str(config)], resource_list(image), env=scenario.env)
    assert result.returncode == 0, result.stderr.decode()
    assert f"image: {registries.mirror.host}/mirror/{scenario.repos['multi']}:2.0" \
        in result.stdout.decode()
    assert registries.mirror.manifest_digest(f"mirror/{scenario.repos['multi']}", "2.0") \
        == scenario.digests["multi"]
    gone = f"{registries.source.host}/{registries.unique('gone')}:1"
    failed = run_cli(["-c", str(config)], resource_list(gone), env=scenario.env)
    assert failed.returncode == 1
    assert "image not found" in failed.stderr.decode()
    assert "results:" in failed.stdout.decode() and "image not found" in failed.stdout.decode()


def test_helm_post_renderer_fills_the_mirror_or_fails_the_render(
        registries: Registries, tmp_path: Path) -> None:
    """`helm template --post-renderer` with content.sync.enable: the real Helm 3."""
    from conftest import find_tool, run_tool, tool_env

    helm = find_tool("helm3")
    repo = registries.unique("helm-app")
    digest = registries.push_source(repo, "1.0", "helm app")
    chart = tmp_path / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: app\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text(f"image: {registries.source.host}/{repo}:1.0\n")
    (chart / "templates" / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\nspec:\n  containers:\n"
        "  - name: app\n    image: {{ .Values.image }}\n")
    config = write_config(registries, tmp_path / "sync-on.yaml", SYNC_ON)
    env = tool_env(**{PASSWORD_VAR: registries.mirror.password or "",
                      "HELM_DATA_HOME": str(tmp_path / "helm"),
                      "HELM_CONFIG_HOME": str(tmp_path / "helm"),
                      "HELM_CACHE_HOME": str(tmp_path / "helm")})
    renderer = ["--post-renderer", "registry-rewrite", "--post-renderer-args=-c",
                f"--post-renderer-args={config}"]
    ok = run_tool([helm, "template", "r1", str(chart), *renderer], env)
    assert ok.returncode == 0, ok.stderr
    assert f"image: {registries.mirror.host}/mirror/{repo}:1.0" in ok.stdout
    assert registries.mirror.manifest_digest(f"mirror/{repo}", "1.0") == digest

    gone = f"{registries.source.host}/{registries.unique('gone')}:1"
    failed = run_tool([helm, "template", "r1", str(chart), "--set", f"image={gone}",
                       *renderer], env)
    assert failed.returncode != 0
    assert "image not found" in failed.stderr and "no manifest was written" in failed.stderr
    assert "kind: Pod" not in failed.stdout


# --- configuration, terminals, a missing engine ---

@pytest.mark.parametrize(("extra", "message"), [
    ("content:\n  sync:\n    enable: yes please\n", "content.sync.enable: must be true or false"),
    ("content:\n  images: nginx\n", "content.images: must be a list of images"),
    ("registries:\n  mirror.example.com:\n    insecure: true\n",
     "registries.mirror.example.com: unknown key 'insecure'"),
    ("registries:\n  mirror.example.com:\n    plainHTTP: 1\n", "plainHTTP: must be true or false"),
    ("registries:\n  mirror.example.com:\n    caFile: missing.pem\n",
     "caFile: file missing.pem does not exist"),
    ("registries:\n  mirror.example.com/path:\n    plainHTTP: true\n", "without a path"),
])
def test_content_and_registries_keys_are_validated_up_front(
        tmp_path: Path, extra: str, message: str) -> None:
    config = tmp_path / "rules.yaml"
    config.write_text('imageReplacementRules:\n  "all": "mirror.example.com"\n' + extra)
    for args in (["sync", "-c", str(config)], ["images", "-c", str(config)], ["-c", str(config)]):
        result = run_cli(args, pod("p", ["nginx:1"]))
        assert_no_traceback(result)
        assert result.returncode == 2 and result.stdout == b""
        [line] = stderr_lines(result)
        assert line.startswith(f"registry-rewrite: error: configuration: {config}: ")
        assert message in line


def test_missing_skopeo_says_how_to_install_it(tmp_path: Path) -> None:
    from conftest import cli_command

    config = tmp_path / "rules.yaml"
    config.write_text('imageReplacementRules:\n  "all": "mirror.example.com"\n' + SYNC_ON)
    env = {"PATH": str(Path(cli_command()[0]).parent)}  # the CLI, and no skopeo
    for args in (["sync", "-c", str(config)], ["-c", str(config)]):
        result = run_cli(args, pod("p", ["nginx:1"]), env=env)
        assert_no_traceback(result)
        assert result.returncode == 1 and result.stdout == b""
        assert any("skopeo not found on PATH: install it with your package manager "
                   "(apt-get install skopeo" in line for line in stderr_lines(result))


def run_on_terminal(args: list[str], stdin: bytes, env: dict[str, str],
                    which: str) -> tuple[int, bytes]:
    """Run the CLI with stdout or stderr on a pseudo-terminal; (code, what the terminal got)."""
    import os
    import pty
    import subprocess

    from conftest import cli_command

    leader, follower = pty.openpty()
    streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, which: follower}
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_REWRITE_")}
    process = subprocess.Popen([*cli_command(), *args], stdin=subprocess.PIPE,
                               env={**full_env, **env}, **streams)  # type: ignore[call-overload]
    os.close(follower)
    process.stdin.write(stdin)
    process.stdin.close()
    received = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        received += chunk
    os.close(leader)
    return process.wait(timeout=120), received


def test_auth_refuses_a_terminal(scenario: Scenario) -> None:
    code, received = run_on_terminal(["auth", "-c", str(scenario.config)], b"", scenario.env,
                                     "stdout")
    assert code == 2
    assert b"auths" not in received and scenario.env[PASSWORD_VAR].encode() not in received


def test_progress_is_one_live_line_on_a_terminal(scenario: Scenario) -> None:
    code, received = run_on_terminal(["sync", "-c", str(scenario.config)], scenario.stream,
                                     scenario.env, "stderr")
    assert code == 0, received
    text = received.decode()
    assert "\r\x1b[K[1/4] " in text and "\r\x1b[K[4/4] " in text
    assert text.rstrip().endswith("sync: 4 copied, 0 already present, 0 failed (of 4 images)")


def test_one_tag_pinned_and_unpinned_ends_where_the_source_tag_is(
        registries: Registries, tmp_path: Path) -> None:
    """`app:1@OLD` and `app:1` in one stream push the same mirror tag: both
    digests arrive, and the tag ends where the source's tag points now."""
    repo = registries.unique("moving")
    old = registries.push_source(repo, "1", "first build")
    new = registries.push_source(repo, "1", "second build")
    src = registries.source.host
    stream = pod("p", [f"{src}/{repo}:1@{old}", f"{src}/{repo}:1"]).encode()
    config = write_config(registries, tmp_path / "rules.yaml")
    env = {PASSWORD_VAR: registries.mirror.password or ""}
    result = run_cli(["sync", "-c", str(config), "-j", "8"], stream, env=env)
    assert result.returncode == 0, result.stderr.decode()
    mirror = registries.mirror
    assert mirror.manifest_digest(f"mirror/{repo}", old) == old
    assert mirror.manifest_digest(f"mirror/{repo}", "1") == new
    again = run_cli(["sync", "-c", str(config), "-j", "8"], stream, env=env)
    assert "0 copied, 2 already present" in summary(again)
    assert mirror.manifest_digest(f"mirror/{repo}", "1") == new


def test_only_the_pack_logs_in_not_the_users_own_logins(
        registries: Registries, scenario: Scenario, tmp_path: Path) -> None:
    """A login the user has in ~/.docker/config.json or in
    $XDG_RUNTIME_DIR/containers/auth.json is not used: a run depends on the pack."""
    import base64
    import json

    token = base64.b64encode(f"{MIRROR_USER}:{registries.mirror.password}".encode()).decode()
    logins = json.dumps({"auths": {registries.mirror.host: {"auth": token}}})
    for where in (tmp_path / "home" / ".docker" / "config.json",
                  tmp_path / "run" / "containers" / "auth.json"):
        where.parent.mkdir(parents=True)
        where.write_text(logins)
    config = tmp_path / "no-credentials.yaml"
    config.write_text(re.sub(r"credentials:\n(  .*\n|    .*\n)*", "",
                             scenario.config.read_text()))
    assert "credentials" not in config.read_text()
    result = run_cli(["sync", "-c", str(config), "--retries", "0"], scenario.stream,
                     env={"HOME": str(tmp_path / "home"),
                          "XDG_RUNTIME_DIR": str(tmp_path / "run")})
    assert result.returncode == 1
    assert "authentication failed" in result.stderr.decode()


def test_printed_skopeo_commands_work_as_printed(
        registries: Registries, scenario: Scenario, tmp_path: Path) -> None:
    """`auth > FILE`, then `images --format skopeo --authfile FILE | sh -e`
    against the plain-HTTP source and the TLS + htpasswd mirror, unedited."""
    import subprocess

    from conftest import find_tool

    auth = run_cli(["auth", "-c", str(scenario.config)], env=scenario.env)
    assert auth.returncode == 0
    authfile = tmp_path / "auth" / "config.json"
    authfile.parent.mkdir(mode=0o700)
    authfile.write_bytes(auth.stdout)
    # the CA alone in its directory: skopeo trusts every *.crt in a --cert-dir
    assert registries.mirror.ca_file is not None
    assert [p.name for p in registries.mirror.ca_file.parent.iterdir()] == ["ca.crt"]
    listing = run_cli(["images", "-c", str(scenario.config), "--format", "skopeo",
                       "--authfile", str(authfile)], scenario.stream)
    assert listing.returncode == 0, listing.stderr.decode()
    assert registries.mirror.password not in listing.stdout.decode()
    shell = subprocess.run(["sh", "-e"], input=listing.stdout, capture_output=True, timeout=300,
                           env={"PATH": str(Path(find_tool("skopeo")).parent) + ":/usr/bin:/bin",
                                "HOME": str(tmp_path)})
    assert shell.returncode == 0, shell.stderr.decode()
    for key, tag in (("single", "1.0"), ("multi", "2.0"), ("pinned", "3.0")):
        assert registries.mirror.manifest_digest(f"mirror/{scenario.repos[key]}", tag) \
            == scenario.digests[key]
    bare = scenario.digests["bare"]
    assert registries.mirror.manifest_digest(f"mirror/{scenario.repos['bare']}",
                                             "sha256-" + bare.split(":")[1]) == bare
