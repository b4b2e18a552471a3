"""`registry-rewrite verify`, `--verify`, `--pin-digests` and `--lock`, against
the real registries on 127.0.0.1 of the sync tests (a plain-HTTP source, a TLS
+ htpasswd mirror).

The mirror is filled by the real `sync`; the oracle for what it serves is its
own HTTP API and the digests the images were built with (tests/registries.py),
never skopeo or the code under test.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from conftest import (
    MIRROR_USER,
    ROOT,
    Registries,
    assert_no_traceback,
    find_tool,
    run_cli,
    run_tool,
    stderr_lines,
    tool_env,
)
from test_sync import PASSWORD_VAR, Scenario, pod, scenario  # noqa: F401 - the fixture

IMAGE = re.compile(r"image: (\S+)")


@pytest.fixture
def synced(registries: Registries, scenario: Scenario) -> Scenario:  # noqa: F811
    """The sync tests' four images (single, multi-arch, tag@digest, digest-only),
    copied to the mirror by the real `sync`."""
    result = run_cli(["sync", "-c", str(scenario.config)], scenario.stream, env=scenario.env)
    assert result.returncode == 0, result.stderr.decode()
    return scenario


def line_of(stream: bytes, text: str) -> int:
    """The 1-based line of the stream's only line holding `text` (the oracle for
    a diagnostic's line)."""
    [line] = [i for i, row in enumerate(stream.decode().splitlines(), 1) if text in row]
    return line


def errors(result: subprocess.CompletedProcess[bytes]) -> list[str]:
    return [line for line in stderr_lines(result) if ": error: " in line]


# --- verify -----------------------------------------------------------------

def test_every_present_reference_verifies(synced: Scenario) -> None:
    result = run_cli(["verify", "-c", str(synced.config)], synced.stream, env=synced.env)
    assert_no_traceback(result)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == b""
    assert stderr_lines(result) == [
        "registry-rewrite: verify: all 4 mirror references are served (asked the mirror)"]
    # the rewritten output verifies the same way: its references are under the target
    rewritten = run_cli(["-c", str(synced.config)], synced.stream, env=synced.env).stdout
    again = run_cli(["verify", "-c", str(synced.config)], rewritten, env=synced.env)
    assert again.returncode == 0, again.stderr.decode()


def test_a_missing_tag_is_listed_with_its_document_and_field(
        registries: Registries, synced: Scenario) -> None:
    never = f"{registries.source.host}/{registries.unique('never-synced')}:1"
    stream = synced.stream + b"---\n" + pod("late", ["busybox:1", never]).encode()
    result = run_cli(["verify", "-c", str(synced.config)], stream, env=synced.env)
    assert_no_traceback(result)
    assert result.returncode == 1
    destination = never.replace(registries.source.host, f"{registries.mirror.host}/mirror")
    assert errors(result) == [
        f"registry-rewrite: error: document 2 (Pod/late), line {line_of(stream, never)}, "
        f"spec.containers[1].image: {destination}: the mirror does not serve this tag 1"]
    assert stderr_lines(result)[-1] == (
        "registry-rewrite: verify: 4 of 5 mirror references served, 1 missing, 0 tag moved, "
        "0 not checked (asked the mirror)")
    # an image no rule maps is pulled from where it is: said, not checked
    assert ("registry-rewrite: warning: docker.io/library/busybox:1: no rule maps this image; "
            "not checked (it is pulled from where it is)") in stderr_lines(result)


def test_a_moved_tag_under_tag_at_digest_is_a_mismatch(
        registries: Registries, synced: Scenario) -> None:
    repo = synced.repos["pinned"]
    pinned = synced.digests["pinned"]
    # the mirror's tag 3.0 moves: a rebuilt image synced under the same tag
    moved = registries.push_source(repo, "3.0", "pinned, rebuilt")
    assert moved != pinned
    retag = run_cli(["sync", "-c", str(synced.config)],
                    pod("retag", [f"{registries.source.host}/{repo}:3.0"]), env=synced.env)
    assert retag.returncode == 0, retag.stderr.decode()
    assert registries.mirror.manifest_digest(f"mirror/{repo}", "3.0") == moved

    result = run_cli(["verify", "-c", str(synced.config)], synced.stream, env=synced.env)
    assert result.returncode == 1
    destination = f"{registries.mirror.host}/mirror/{repo}:3.0@{pinned}"
    assert errors(result) == [
        f"registry-rewrite: error: document 1 (Pod/other), "
        f"line {line_of(synced.stream, f'{repo}:3.0@')}, spec.containers[0].image: "
        f"{destination}: the mirror's tag 3.0 points at {moved}, not at the digest the "
        "manifests pin"]


def test_auth_tls_and_unreachable_are_distinct_errors_without_secrets(
        registries: Registries, synced: Scenario, tmp_path: Path) -> None:
    from registries import free_port

    wrong = "Wr0ng-" + (registries.mirror.password or "")
    result = run_cli(["verify", "-c", str(synced.config)], synced.stream,
                     env={PASSWORD_VAR: wrong})
    assert_no_traceback(result)
    assert result.returncode == 1
    assert errors(result) == [
        f"registry-rewrite: error: verify: {registries.mirror.host}: authentication failed "
        "(check credentials for this registry): " + errors(result)[0].split(
            "credentials for this registry): ", 1)[1]]
    assert errors(result)[0].endswith("(4 references not checked)")
    assert wrong not in result.stderr.decode() and MIRROR_USER not in result.stderr.decode()

    untrusted = tmp_path / "untrusted.yaml"
    untrusted.write_text(re.sub(r"\n    caFile: .*", "\n    plainHTTP: false",
                                synced.config.read_text()))
    result = run_cli(["verify", "-c", str(untrusted)], synced.stream, env=synced.env)
    assert result.returncode == 1
    [error] = errors(result)
    assert error.startswith(f"registry-rewrite: error: verify: {registries.mirror.host}: "
                            "TLS failure (set caFile")
    assert error.endswith("(4 references not checked)")

    closed = f"127.0.0.1:{free_port()}"
    config = tmp_path / "closed.yaml"
    config.write_text(f'imageReplacementRules:\n  "all": "{closed}/mirror"\n'
                      f"registries:\n  {closed}:\n    plainHTTP: true\n")
    result = run_cli(["verify", "-c", str(config), "--retries", "1"], pod("p", ["nginx:1"]))
    assert result.returncode == 1
    [error] = errors(result)
    assert error.startswith(f"registry-rewrite: error: verify: {closed}: registry unreachable")
    assert error.endswith("(1 reference not checked, after 2 attempts)")


# --- the rewrite route ---------------------------------------------------------

def test_route_verify_writes_nothing_when_a_reference_is_missing(
        registries: Registries, synced: Scenario, tmp_path: Path) -> None:
    never = f"{registries.source.host}/{registries.unique('never-synced')}:1"
    stream = synced.stream + b"---\n" + pod("late", [never]).encode()
    report = tmp_path / "report.json"
    result = run_cli(["-c", str(synced.config), "--verify", "--report", str(report)], stream,
                     env=synced.env)
    assert_no_traceback(result)
    assert result.returncode == 1
    assert result.stdout == b""
    assert any(line.startswith(f"registry-rewrite: error: document 2 (Pod/late), "
                               f"line {line_of(stream, never)}, spec.containers[0].image: ")
               and "does not serve this tag" in line for line in stderr_lines(result))
    assert stderr_lines(result)[-1].endswith("; no manifest was written")
    # the report is still written: what the mirror serves, and null where it serves nothing
    entries = json.loads(report.read_text())["images"]
    assert [e["digest"] for e in entries] == [
        *(synced.digests[k] for k in ("single", "multi", "pinned", "bare")), None]

    ok = run_cli(["-c", str(synced.config), "--verify"], synced.stream, env=synced.env)
    assert ok.returncode == 0, ok.stderr.decode()
    plain = run_cli(["-c", str(synced.config)], synced.stream, env=synced.env)
    assert ok.stdout == plain.stdout and ok.stderr == b""


def test_pin_digests_pins_tags_to_the_mirror_and_only_image_scalars_change(
        registries: Registries, synced: Scenario, tmp_path: Path) -> None:
    plain = run_cli(["-c", str(synced.config)], synced.stream, env=synced.env).stdout.decode()
    report = tmp_path / "report.json"
    result = run_cli(["-c", str(synced.config), "--pin-digests", "--report", str(report)],
                     synced.stream, env=synced.env)
    assert result.returncode == 0, result.stderr.decode()
    pinned = result.stdout.decode()
    before, after = IMAGE.findall(plain), IMAGE.findall(pinned)
    digests = synced.digests
    # tag-only references get the digest the image was built with; the multi-arch
    # one its index digest; references with a digest keep theirs
    assert after == [before[0] + "@" + digests["single"], before[1] + "@" + digests["multi"],
                     before[2], before[3]]
    assert plain.replace(before[0], after[0]).replace(before[1], after[1]) == pinned
    # the report carries the digest each field pulls
    entries = json.loads(report.read_text())["images"]
    assert [e["digest"] for e in entries] == [digests[k] for k in
                                             ("single", "multi", "pinned", "bare")]
    assert [e["rewritten"] for e in entries] == after
    # idempotent: over its own output, and again over the render
    again = run_cli(["-c", str(synced.config), "--pin-digests", "--verify"],
                    result.stdout, env=synced.env)
    assert again.returncode == 0, again.stderr.decode()
    assert again.stdout == result.stdout
    twice = run_cli(["-c", str(synced.config), "--pin-digests"], synced.stream, env=synced.env)
    assert twice.stdout == result.stdout


def test_pin_fails_closed_when_the_mirror_lacks_the_tag(
        registries: Registries, synced: Scenario) -> None:
    never = f"{registries.source.host}/{registries.unique('never-synced')}:1"
    result = run_cli(["-c", str(synced.config), "--pin-digests"], pod("p", [never]),
                     env=synced.env)
    assert result.returncode == 1
    assert result.stdout == b""
    assert any("does not serve this tag" in line for line in errors(result))


# --- the lock file ---------------------------------------------------------------

def test_a_lock_file_is_used_with_the_registry_stopped(tmp_path: Path) -> None:
    """A registry of its own, so that stopping it leaves the others running."""
    from registries import OCILayout, push, start_registry

    binary, skopeo = find_tool("docker-registry"), find_tool("skopeo")
    registry = start_registry(binary, tmp_path / "registry")
    try:
        layout = OCILayout(tmp_path / "layout")
        single = layout.add("1.0", "locked")
        multi = layout.add("2.0", "locked multi", ("amd64", "arm64"))
        push(skopeo, layout.path, "1.0", registry, "mirror/library/app:1.0")
        push(skopeo, layout.path, "2.0", registry, "mirror/library/multi:2.0")
        config = tmp_path / "rules.yaml"
        config.write_text(f'imageReplacementRules:\n  "docker.io": "{registry.host}/mirror"\n'
                          f"registries:\n  {registry.host}:\n    plainHTTP: true\n")
        stream = pod("p", ["app:1.0", "multi:2.0"])
        lock = tmp_path / "images.lock.json"
        args = ["-c", str(config), "--pin-digests", "--verify", "--lock", str(lock)]
        first = run_cli(args, stream)
        assert first.returncode == 0, first.stderr.decode()
        entries = json.loads(lock.read_text())["images"]
        assert [(e["source"], e["destination"], e["digest"]) for e in entries] == [
            ("docker.io/library/app:1.0", f"{registry.host}/mirror/library/app:1.0", single),
            ("docker.io/library/multi:2.0", f"{registry.host}/mirror/library/multi:2.0", multi)]
        assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", e["when"]) for e in entries)
    finally:
        registry.stop()
    # the registry is gone: the lock file answers
    again = run_cli(args, stream)
    assert again.returncode == 0, again.stderr.decode()
    assert again.stdout == first.stdout
    checked = run_cli(["verify", "-c", str(config), "--lock", str(lock)], stream)
    assert checked.returncode == 0, checked.stderr.decode()
    assert stderr_lines(checked)[-1].endswith(f"(from the lock file {lock})")
    # an image the lock file does not hold is not looked up behind its back
    more = run_cli(args, pod("p", ["app:1.0", "other:3"]))
    assert more.returncode == 1 and more.stdout == b""
    assert any(f"not in the lock file {lock}; run with --lock-update" in line
               for line in errors(more))
    # --lock-update asks the registry: which is down
    update = run_cli([*args, "--lock-update"], stream)
    assert update.returncode == 1
    assert any("registry unreachable" in line for line in errors(update))
    assert json.loads(lock.read_text())["images"] == entries  # left as it was


def test_lock_update_without_lock_is_a_usage_error() -> None:
    result = run_cli(["--all", "mirror.example.com", "--lock-update"], pod("p", ["nginx:1"]))
    assert result.returncode == 2
    assert stderr_lines(result) == [
        "registry-rewrite: error: configuration: --lock-update needs --lock FILE"]


# --- integrations: Helm and kustomize fail before anything is applied -------------

def missing_target_config(registries: Registries, path: Path) -> Path:
    """Rules that send every image to a repository the source registry never had."""
    target = f"{registries.source.host}/{registries.unique('empty-mirror')}"
    path.write_text(f'imageReplacementRules:\n  "all": "{target}"\n'
                    f"registries:\n  {registries.source.host}:\n    plainHTTP: true\n")
    return path


def test_helm3_post_renderer_verify_fails_the_render(
        registries: Registries, tmp_path: Path) -> None:
    from test_helm import CHART

    helm = find_tool("helm3")
    config = missing_target_config(registries, tmp_path / "rules.yaml")
    env = tool_env(HELM_DATA_HOME=str(tmp_path / "data"), HELM_CONFIG_HOME=str(tmp_path / "c"),
                   HELM_CACHE_HOME=str(tmp_path / "cache"))
    result = run_tool([helm, "template", "r1", str(CHART), "-n", "apps", "--post-renderer",
                       "registry-rewrite", "--post-renderer-args=-c",
                       f"--post-renderer-args={config}", "--post-renderer-args=--verify"], env)
    assert result.returncode != 0
    assert result.stdout == ""
    assert re.search(r"error: document \d+ \(Deployment/r1-web\), line \d+, "
                     r"spec\.template\.spec\.containers\[0\]\.image: \S+/library/nginx:1\.27: "
                     r"the mirror does not serve this tag", result.stderr), result.stderr
    assert "no manifest was written" in result.stderr


def krm_function(registries: Registries, tmp_path: Path, target: str) -> tuple[Path, Path]:
    """fixtures/kustomize's exec KRM function with every image sent to `target` on
    the plain-HTTP registry: (the kustomization, the configuration with its
    connection settings, for REGISTRY_REWRITE_CONFIG)."""
    import shutil

    from test_kustomize import KUSTOMIZE

    config = tmp_path / "registries.yaml"
    config.write_text(f'imageReplacementRules:\n  "all": "{target}"\n'
                      f"registries:\n  {registries.source.host}:\n    plainHTTP: true\n")
    shutil.copytree(KUSTOMIZE / "base", tmp_path / "base")
    shutil.copytree(KUSTOMIZE / "krm-function", tmp_path / "fn")
    function = tmp_path / "fn" / "registry-rewrite.yaml"
    text = function.read_text()
    # The rules come from REGISTRY_REWRITE_CONFIG: beside it the functionConfig
    # may only narrow the allow-list.
    start = text.index("  imageReplacementRules: |")
    function.write_text(text[:start] + f'  allow: ["{target}"]\n')
    return tmp_path / "fn", config


def test_kustomize_krm_function_verify_fails_the_build(
        registries: Registries, tmp_path: Path) -> None:
    kustomize = find_tool("kustomize")
    target = f"{registries.source.host}/{registries.unique('empty-mirror')}"
    kustomization, config = krm_function(registries, tmp_path, target)
    # a kustomize exec function gets no arguments: the environment switches verify on
    env = tool_env(REGISTRY_REWRITE_CONFIG=str(config), REGISTRY_REWRITE_VERIFY="true")
    result = run_tool([kustomize, "build", "--enable-alpha-plugins", "--enable-exec",
                       str(kustomization)], env)
    assert result.returncode != 0
    assert result.stdout == ""
    # the line is in the ResourceList kustomize wrote, which the test does not see
    assert re.search(
        r"^registry-rewrite: error: document 0 \(Deployment/web\), line \d+, "
        r"items\[0\]\.spec\.template\.spec\.containers\[0\]\.image: "
        rf"{re.escape(target)}/docker\.io/library/nginx:1\.27: the mirror does not serve this "
        r"tag 1\.27$", result.stderr, re.MULTILINE), result.stderr
    assert "mirror references served" in result.stderr


def test_argocd_plugin_verify_parameter_fails_generation(
        registries: Registries, tmp_path: Path) -> None:
    from test_argocd import PLUGIN, app_copy, argocd_env, load, run_step

    plugin = load(PLUGIN)["spec"]
    helm_bin = tmp_path / "bin"
    helm_bin.mkdir()
    (helm_bin / "helm").symlink_to(find_tool("helm3"))
    app = app_copy(tmp_path)
    settings = missing_target_config(registries, tmp_path / "sidecar.yaml")
    target = re.search(r'"all": "(\S+)"', settings.read_text())
    assert target is not None
    # the sidecar's configuration (the administrator's): rules and connection settings
    env = argocd_env(helm_bin, tmp_path, REGISTRY_REWRITE_CONFIG=str(settings))
    assert run_step(plugin, "generate", app, env).returncode == 0  # the default: no check
    result = run_step(plugin, "generate", app, {**env, "PARAM_VERIFY": "true"})
    assert result.returncode != 0
    assert result.stdout == ""
    assert f"{target[1]}/docker.io/library/nginx:1.27: the mirror does not serve this tag" \
        in result.stderr, result.stderr
    # a tenant's lock file is read, never written, and only from inside the chart
    for lock, why in (("../outside.json", "a path with '..'"), ("/tmp/x.json", "an absolute path"),
                      ("missing.json", "not found")):
        refused = run_step(plugin, "generate", app, {**env, "PARAM_LOCK_FILE": lock})
        assert refused.returncode == 1 and refused.stdout == ""
        assert f"registry-rewrite plugin: lock-file: {lock}: {why}; the lock file must be" \
            in refused.stderr, refused.stderr
    params = {p["name"]: p for p in plugin["parameters"]["static"]}
    assert params["verify"]["string"] == params["pin-digests"]["string"] == "false"
    script = plugin["generate"]["args"][0]
    assert '"${PARAM_VERIFY:-false}"' in script and '"${PARAM_PIN_DIGESTS:-false}"' in script


def test_helm4_plugin_verify_fails_the_render(registries: Registries, tmp_path: Path) -> None:
    from test_helm import CHART

    helm = find_tool("helm4")
    env = tool_env(HELM_DATA_HOME=str(tmp_path / "data"), HELM_CONFIG_HOME=str(tmp_path / "c"),
                   HELM_CACHE_HOME=str(tmp_path / "cache"))
    installed = run_tool([helm, "plugin", "install", str(ROOT / "plugins" / "helm")], env)
    assert installed.returncode == 0, installed.stderr
    config = missing_target_config(registries, tmp_path / "rules.yaml")
    log = tmp_path / "errors.log"
    result = run_tool([helm, "template", "r1", str(CHART), "-n", "apps", "--post-renderer",
                       "registry-rewrite", "--post-renderer-args=-c",
                       f"--post-renderer-args={config}", "--post-renderer-args=--verify",
                       f"--post-renderer-args=--error-log={log}"], env)
    assert result.returncode != 0
    assert result.stdout == ""
    # Helm 4 hides a post-renderer's stderr: the error log has the reasons
    assert "the mirror does not serve this tag" in log.read_text()


@pytest.mark.parametrize(("content", "reason"), [
    ("{not json", "not a lock file (invalid JSON"),
    ('{"lockVersion": 9, "images": []}', "not a lock file of this version"),
    ('{"lockVersion": 1, "images": [{"source": "a", "destination": "Bad Ref", '
     f'"digest": "sha256:{64 * "0"}", "when": "x"}}]}}', "images[0].destination: "),
    ('{"lockVersion": 1, "images": [{"source": "a", "destination": "m.io/a:1", '
     '"digest": "sha256:00 evil", "when": "x"}]}', "images[0].digest: not a sha256 digest"),
    ('{"lockVersion": 1, "images": [' + ", ".join(
        f'{{"source": "a", "destination": "m.io/a:1", "digest": "sha256:{64 * d}", '
        '"when": "x"}' for d in "01") + "]}",
     "images[1]: m.io/a:1 is locked twice, to different digests"),
])
def test_a_broken_lock_file_is_a_usage_error_before_anything_is_written(
        tmp_path: Path, content: str, reason: str) -> None:
    lock = tmp_path / "images.lock.json"
    lock.write_text(content)
    for args in (["--all", "mirror.example.com", "--verify"],
                 ["verify", "--all", "mirror.example.com"]):
        result = run_cli([*args, "--lock", str(lock)], pod("p", ["nginx:1"]))
        assert_no_traceback(result)
        assert result.returncode == 2, result.stderr.decode()
        assert result.stdout == b""
        [line] = stderr_lines(result)
        assert line.startswith(f"registry-rewrite: error: configuration: --lock {lock}: {reason}")


def test_nothing_under_the_mirror_is_nothing_to_check(tmp_path: Path) -> None:
    """No registry is asked (the rule's target is not even resolvable)."""
    result = run_cli(["verify", "--rule", "quay.io=mirror.invalid/quay"], pod("p", ["nginx:1"]))
    assert result.returncode == 0, result.stderr.decode()
    assert stderr_lines(result)[-1] == (
        "registry-rewrite: verify: no reference points at the mirror: nothing to check")


def test_missing_skopeo_fails_closed_with_how_to_install_it(tmp_path: Path) -> None:
    from conftest import cli_command

    env = {"PATH": str(Path(cli_command()[0]).parent)}  # the CLI, and no skopeo
    for args in (["verify", "--all", "mirror.example.com"],
                 ["--all", "mirror.example.com", "--pin-digests"]):
        result = run_cli(args, pod("p", ["nginx:1"]), env=env)
        assert_no_traceback(result)
        assert result.returncode == 1 and result.stdout == b""
        assert "registry-rewrite: error: verify: skopeo not found on PATH: install it with " \
            "your package manager (apt-get install skopeo" in result.stderr.decode()
        assert stderr_lines(result)[-1] in (
            "registry-rewrite: verify: nothing was checked",
            "registry-rewrite: error: verify: nothing was checked; no manifest was written")


def test_kustomize_krm_function_pins_digests(registries: Registries, tmp_path: Path) -> None:
    from test_kustomize import changed_lines

    kustomize = find_tool("kustomize")
    prefix = registries.unique("krm-mirror")
    target = f"{registries.source.host}/{prefix}"
    digests = {}
    for image in ("docker.io/library/nginx:1.27", "quay.io/prometheus/node-exporter:v1.8.2",
                  "docker.io/library/busybox:1.36",
                  "us-docker.pkg.dev/palette-images/tools/backup:2.1"):
        repo, tag = image.rsplit(":", 1)
        digests[image] = registries.push_source(f"{prefix}/{repo}", tag, image)
    kustomization, config = krm_function(registries, tmp_path, target)
    build = [kustomize, "build", "--enable-alpha-plugins", "--enable-exec", str(kustomization)]
    plain = run_tool(build, tool_env(REGISTRY_REWRITE_CONFIG=str(config)))
    assert plain.returncode == 0, plain.stderr
    pinned = run_tool(build, tool_env(REGISTRY_REWRITE_CONFIG=str(config),
                                      REGISTRY_REWRITE_PIN_DIGESTS="true"))
    assert pinned.returncode == 0, pinned.stderr
    found = [m.strip().strip('"') for m in re.findall(r"^\s*-?\s*image: (.+)$", pinned.stdout,
                                                        re.MULTILINE)]
    # the fixture's four images, in its order, each pinned to the digest it was built with
    assert found == [f"{target}/{image}@{digest}" for image, digest in digests.items()]
    changed = changed_lines(plain.stdout, pinned.stdout)
    assert len(changed) == 8 and all("image:" in line for line in changed), changed


def test_a_registry_that_never_answers_times_out_per_request(tmp_path: Path) -> None:
    """A socket on 127.0.0.1 that accepts connections and says nothing."""
    import socket
    import time

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        host = f"127.0.0.1:{silent.getsockname()[1]}"
        config = tmp_path / "rules.yaml"
        config.write_text(f'imageReplacementRules:\n  "all": "{host}/mirror"\n'
                          f"registries:\n  {host}:\n    plainHTTP: true\n")
        started = time.monotonic()
        result = run_cli(["verify", "-c", str(config), "--timeout", "2", "--retries", "0"],
                         pod("p", ["nginx:1", "busybox:1"]))
        elapsed = time.monotonic() - started
    assert_no_traceback(result)
    assert result.returncode == 1
    [error] = errors(result)
    assert error.startswith(f"registry-rewrite: error: verify: {host}: temporary registry "
                            "failure: no answer within 2s (2 references not checked")
    assert elapsed < 15  # both asked at once, each given up after 2 s
