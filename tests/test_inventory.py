"""Inventory: the --report JSON, the `images` subcommand and its
mirroring commands, and the rules that matched nothing."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from conftest import FIXTURES, assert_no_traceback, run_cli, stderr_lines

INVENTORY = FIXTURES / "inventory"
RULES = INVENTORY / "rules.yaml"
STREAM = INVENTORY / "stream.yaml"
TYPO = 'registry-rewrite: warning: rule "grc.io": "mirror.example.com/gcr" matched no image ' \
    'in this stream; did you mean "gcr.io"?'
D1 = "sha256:" + "0123456789abcdef" * 4
D2 = "sha256:" + "fedcba9876543210" * 4
PAUSE = "gcr.io/google-containers/pause:3.9"
PAIRS = [
    ("docker.io/library/busybox:1.36", "mirror.example.com/hub/library/busybox:1.36"),
    ("docker.io/library/nginx:1.27", "mirror.example.com/hub/library/nginx:1.27"),
    (f"quay.io/jetstack/cert-manager-controller@{D2}",
     f"mirror.example.com/quay/jetstack/cert-manager-controller@{D2}"),
    (f"quay.io/prometheus/nginx-exporter:1.4@{D1}",
     f"mirror.example.com/quay/prometheus/nginx-exporter:1.4@{D1}"),
]


# --- --report -------------------------------------------------------------------

def test_report_has_one_entry_per_image_field(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    plain = run_cli(["-c", str(RULES)], STREAM.read_bytes())
    result = run_cli(["-c", str(RULES), "--report", str(report)], STREAM.read_bytes())
    assert result.returncode == 0
    assert result.stdout == plain.stdout  # the report changes nothing on stdout
    data = json.loads(report.read_text())
    images = data["images"]
    assert len(images) == 6
    assert images[0] == {
        "document": 0, "apiVersion": "apps/v1", "kind": "Deployment", "namespace": "shop",
        "name": "web", "path": "spec.template.spec.containers[0].image",
        "original": "nginx:1.27", "rewritten": "mirror.example.com/hub/library/nginx:1.27",
        "rule": {"source": "docker.io", "target": "mirror.example.com/hub", "kind": "prefix"},
    }
    pause = next(i for i in images if i["original"].startswith("gcr.io/"))
    assert (pause["document"], pause["name"], pause["rewritten"], pause["rule"]) \
        == (1, "worker", None, None)
    assert {i["path"] for i in images if i["name"] == "web"} == {
        "spec.template.spec.containers[0].image", "spec.template.spec.containers[1].image",
        "spec.template.spec.initContainers[0].image"}
    assert data["unmatchedRules"] == [
        {"source": "grc.io", "target": "mirror.example.com/gcr", "kind": "prefix"}]
    assert data["pullSecrets"] == []


def test_report_dash_is_one_json_line_on_stderr() -> None:
    result = run_cli(["-c", str(RULES), "--report", "-"], STREAM.read_bytes())
    assert result.returncode == 0
    lines = stderr_lines(result)
    [report] = [line for line in lines if line.startswith("{")]
    assert len(json.loads(report)["images"]) == 6
    assert [line for line in lines if line != report] == [TYPO]
    assert b'"images"' not in result.stdout


def test_report_is_written_on_a_failing_run_too(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    stream = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n" \
        "  - image: localhost:5000/x:1\n"
    result = run_cli(["--all", "mirror.example.com", "--report", str(report)], stream)
    assert result.returncode == 1
    [entry] = json.loads(report.read_text())["images"]
    assert (entry["original"], entry["rewritten"]) == ("localhost:5000/x:1", None)


def test_unwritable_report_is_a_usage_error_before_anything_is_read(tmp_path: Path) -> None:
    result = run_cli(["-c", str(RULES), "--report", str(tmp_path / "no" / "such" / "dir.json")],
                     STREAM.read_bytes())
    assert_no_traceback(result)
    assert result.returncode == 2 and result.stdout == b""
    [line] = stderr_lines(result)
    assert line.startswith("registry-rewrite: error: --report ")


# --- unmatched rules ----------------------------------------------------------------

def test_a_rule_that_matched_nothing_is_reported() -> None:
    result = run_cli(["-c", str(RULES)], STREAM.read_bytes())
    assert result.returncode == 0
    assert stderr_lines(result) == [TYPO]


def test_many_unmatched_rules_are_one_line_and_a_typo_keeps_its_own() -> None:
    """A pack-wide rules file applied to one chart: the rules that matched
    nothing are one summary line; the one a step away from a registry this
    chart pulls from unrewritten gets a line of its own; --report lists all."""
    rules = [f"--rule=registry{i}.example.com=mirror.example.com/r{i}" for i in range(7)]
    typo = "--rule=quya.io=mirror.example.com/quay"
    pod = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: quay.io/x:1\n" \
        "  - image: docker.io/y:1\n"
    result = run_cli([*rules, typo, "--rule", "docker.io=mirror.example.com/hub",
                      "--report", "-"], pod)
    assert result.returncode == 0
    report, *lines = sorted(stderr_lines(result), key=lambda line: not line.startswith("{"))
    assert lines == [
        'registry-rewrite: warning: rule "quya.io": "mirror.example.com/quay" matched no '
        'image in this stream; did you mean "quay.io"?',
        'registry-rewrite: warning: 7 rules matched no image in this stream: '
        '"registry0.example.com", "registry1.example.com", "registry2.example.com", '
        '"registry3.example.com", "registry4.example.com" and 2 more (--report lists them)',
    ]
    assert len(json.loads(report)["unmatchedRules"]) == 8


def test_unmatched_rules_stay_quiet_without_images_and_for_all() -> None:
    configmap = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n"
    assert run_cli(["-c", str(RULES)], configmap).stderr == b""
    # every image matched a source rule, so `all` matched nothing: not a typo
    pod = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: quay.io/x:1\n"
    result = run_cli(["--rule", "quay.io=m.example.com/q", "--all", "m.example.com"], pod)
    assert result.stderr == b""


def test_a_second_run_does_not_warn_about_rules_that_did_their_work() -> None:
    once = run_cli(["-c", str(RULES)], STREAM.read_bytes())
    twice = run_cli(["-c", str(RULES)], once.stdout)
    assert twice.stdout == once.stdout
    assert stderr_lines(twice) == [TYPO]  # docker.io and quay.io are not reported


# --- the images subcommand ------------------------------------------------------

def images(*args: str, stdin: bytes | None = None) -> tuple[int, str, list[str]]:
    result = run_cli(["images", "-c", str(RULES), *args],
                     STREAM.read_bytes() if stdin is None else stdin)
    assert_no_traceback(result)
    return result.returncode, result.stdout.decode(), stderr_lines(result)


def test_images_text_lists_unique_pairs_and_no_manifests() -> None:
    code, out, err = images()
    assert code == 0 and err == [TYPO]
    # nginx:1.27 and docker.io/library/nginx:1.27 are one pair; the gcr.io image
    # that no rule matched is listed too: the cluster still pulls it, from gcr.io
    assert out.splitlines() == [
        *(f"{src} -> {dst}" for src, dst in PAIRS[:2]), f"{PAUSE} (no rule)",
        *(f"{src} -> {dst}" for src, dst in PAIRS[2:])]


def test_images_pairs_only_lists_what_to_mirror() -> None:
    code, out, _ = images("--pairs-only")
    assert code == 0
    assert out.splitlines() == [f"{src} -> {dst}" for src, dst in PAIRS]


def test_images_json() -> None:
    code, out, _ = images("--format", "json")
    assert code == 0
    data = json.loads(out)
    assert [(p["source"], p["destination"]) for p in data] == [*PAIRS[:2], (PAUSE, None),
                                                               *PAIRS[2:]]
    assert data[2] == {"source": PAUSE, "destination": None, "rule": None, "occurrences": 1,
                       "reason": "no rule"}
    assert data[1] == {"source": PAIRS[1][0], "destination": PAIRS[1][1],
                       "rule": {"source": "docker.io", "target": "mirror.example.com/hub", "kind": "prefix"},
                       "occurrences": 2}


def test_images_csv() -> None:
    code, out, _ = images("--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["source"], r["destination"]) for r in rows] == [*PAIRS[:2], (PAUSE, ""),
                                                               *PAIRS[2:]]
    assert rows[3]["rule_source"] == "quay.io" and rows[1]["occurrences"] == "2"
    assert rows[3]["rule_kind"] == "prefix"


def test_images_skopeo_commands() -> None:
    code, out, _ = images("--format", "skopeo")
    assert code == 0
    prefix = "skopeo copy --all --preserve-digests"
    assert out.splitlines() == [
        f"{prefix} docker://{PAIRS[0][0]} docker://{PAIRS[0][1]}",
        f"{prefix} docker://{PAIRS[1][0]} docker://{PAIRS[1][1]}",
        # a digest-only image also gets a tag, so garbage collection keeps it
        (f"{prefix} docker://{PAIRS[2][0]} docker://mirror.example.com/quay/jetstack/"
         f"cert-manager-controller:sha256-{D2.split(':')[1]}"),
        # skopeo refuses tag+digest: pull by the digest, keep the tag at the destination
        (f"{prefix} docker://quay.io/prometheus/nginx-exporter@{D1} "
         "docker://mirror.example.com/quay/prometheus/nginx-exporter:1.4"),
    ]


def test_images_crane_commands() -> None:
    code, out, _ = images("--format", "crane")
    assert code == 0
    assert out.splitlines()[0] == f"crane copy {PAIRS[0][0]} {PAIRS[0][1]}"
    assert out.splitlines()[3] == (f"crane copy quay.io/prometheus/nginx-exporter@{D1} "
                                   "mirror.example.com/quay/prometheus/nginx-exporter:1.4")


def test_images_needs_no_secret_values(tmp_path: Path) -> None:
    config = tmp_path / "rules.yaml"
    config.write_text(RULES.read_text() + "credentials:\n  - domain: mirror.example.com\n"
                      "    username: u\n    passwordRef: {env: NOT_SET_HERE}\n")
    result = run_cli(["images", "-c", str(config)], STREAM.read_bytes())
    assert result.returncode == 0 and len(result.stdout.decode().splitlines()) == 5
    # the rewrite itself needs them, and says which one is missing
    rewrite = run_cli(["-c", str(config)], STREAM.read_bytes())
    assert rewrite.returncode == 2 and "NOT_SET_HERE is not set" in rewrite.stderr.decode()


def test_images_errors_exit_1_and_still_list() -> None:
    stream = STREAM.read_bytes() + b"---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: bad\n" \
        b"spec:\n  containers:\n  - image: localhost:5000/x:1\n"
    result = run_cli(["images", "-c", str(RULES), "--all", "mirror.example.com"], stream)
    assert result.returncode == 1
    assert "document 2 (Pod/bad)" in result.stderr.decode()
    listed = result.stdout.decode().splitlines()
    assert len(listed) == 6  # + the gcr.io pause under `all`, + the image that failed
    assert "docker.io/localhost:5000/x:1" not in listed  # it is not mistaken for a name
    assert "localhost:5000/x:1 (rewrite failed: see the error above)" in listed


@pytest.mark.parametrize(("args", "message"), [
    (["--format", "yaml"], "invalid choice: 'yaml'"),
    (["--bogus"], "unrecognized arguments"),
])
def test_images_usage_errors(args: list[str], message: str) -> None:
    code, out, err = images(*args)
    assert code == 2 and out == ""
    assert message in err[0]


def test_images_allow_gates_every_listed_image() -> None:
    code, out, err = images("--allow", "mirror.example.com")
    assert code == 1 and len(out.splitlines()) == 5  # still listed
    [gate] = [line for line in err if "allowed prefix" in line]
    assert gate.startswith("registry-rewrite: error: document 1 (Deployment/worker)")
    assert repr(PAUSE) in gate
    code, _, err = images("--allow", "mirror.example.com", "--allow", "gcr.io")
    assert code == 0 and err == [TYPO]


def test_images_over_rewritten_output_says_so() -> None:
    rewritten = run_cli(["-c", str(RULES), "--all", "mirror.example.com"], STREAM.read_bytes())
    assert rewritten.returncode == 0
    result = run_cli(["images", "-c", str(RULES), "--all", "mirror.example.com"],
                     rewritten.stdout)
    assert result.returncode == 0
    assert result.stdout.decode().splitlines()[0].endswith("(already under mirror.example.com)")
    assert any("looks rewritten already" in line for line in stderr_lines(result))
    # a stream with an image no rule maps is not "already rewritten"
    assert not any("looks rewritten" in line for line in images()[2])


def test_pack_content_images_are_listed_by_the_same_rules(tmp_path: Path) -> None:
    pack = tmp_path / "pack.yaml"
    pack.write_text(
        "pack:\n  content:\n    images:\n"
        "      - image: us-docker.pkg.dev/palette-images/third-party/ubuntu-util:22.04\n"
        "      - quay.io/extra/tool:1\n"
        "charts:\n  registry-connect:\n    config:\n      registry:\n"
        "        imageReplacementRules: |\n"
        '          "us-docker.pkg.dev/palette-images": "mirror.example.com/palette"\n'
        '          "quay.io": "mirror.example.com/quay"\n')
    result = run_cli(["images", "-c", str(pack)], b"")
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().splitlines() == [
        "quay.io/extra/tool:1 -> mirror.example.com/quay/extra/tool:1",
        "us-docker.pkg.dev/palette-images/third-party/ubuntu-util:22.04 -> "
        "mirror.example.com/palette/third-party/ubuntu-util:22.04"]
    bad = pack.read_text().replace("quay.io/extra/tool:1", "Quay.io/Extra:1")
    pack.write_text(bad)
    result = run_cli(["images", "-c", str(pack)], b"")
    assert result.returncode == 2
    assert "pack.content.images[1]: 'Quay.io/Extra:1' is not a valid image reference" \
        in result.stderr.decode()


def test_copy_commands_carry_each_registry_settings(tmp_path: Path) -> None:
    ca = tmp_path / "pki" / "ca.crt"
    ca.parent.mkdir()
    ca.write_text("not read by images\n")
    config = tmp_path / "rules.yaml"
    config.write_text(RULES.read_text() + "registries:\n  mirror.example.com:\n"
                      f"    caFile: {ca}\n  quay.io:\n    skipTLSVerify: true\n")
    common = ["images", "-c", str(config), "--authfile", str(tmp_path / "config.json")]
    skopeo = run_cli([*common, "--format", "skopeo"], STREAM.read_bytes())
    assert skopeo.returncode == 0, skopeo.stderr
    lines = skopeo.stdout.decode().splitlines()
    auth = f"--src-authfile={tmp_path}/config.json --dest-authfile={tmp_path}/config.json"
    assert lines[0] == ("skopeo copy --all --preserve-digests "
                        f"--dest-cert-dir={ca.parent} {auth} "
                        f"docker://{PAIRS[0][0]} docker://{PAIRS[0][1]}")
    assert lines[3].startswith("skopeo copy --all --preserve-digests --src-tls-verify=false "
                               f"--dest-cert-dir={ca.parent} ")
    crane = run_cli([*common, "--format", "crane", "--plain-http", "mirror.example.com"],
                    STREAM.read_bytes())
    assert crane.returncode == 0, crane.stderr
    first = crane.stdout.decode().splitlines()[0]
    # the flag wins over the file's caFile: plain HTTP needs no CA
    assert first == (f"DOCKER_CONFIG={tmp_path} crane copy --insecure "
                     f"{PAIRS[0][0]} {PAIRS[0][1]}")
    missing = run_cli([*common, "--ca-file", f"mirror.example.com={tmp_path}/nope.crt"],
                      STREAM.read_bytes())
    assert missing.returncode == 2 and "nope.crt does not exist" in missing.stderr.decode()


def test_copy_commands_qualify_a_destination_without_a_registry() -> None:
    """A rule target on Docker Hub may be written without `docker.io`: the
    command still names the registry the cluster will pull from."""
    pod = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: quay.io/app/web:1\n"
    result = run_cli(["images", "--rule", "quay.io=myorg", "--format", "skopeo"], pod)
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().split()[-1] == "docker://docker.io/myorg/app/web:1"
