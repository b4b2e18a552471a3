"""`registry-rewrite explain`: what it says, and that it agrees with the rewrite."""

from __future__ import annotations

import shlex
from itertools import groupby

from conftest import assert_no_traceback, run_cli, stderr_lines
from test_rules_beyond import BEYOND, CASES, POD, document, images_in

CONFIG = ("-c", str(BEYOND))


def explain(*args: str) -> tuple[int, str]:
    result = run_cli(["explain", *CONFIG, *args])
    assert_no_traceback(result)
    return result.returncode, result.stdout.decode()


def test_an_exact_rule_beats_a_prefix_and_says_why() -> None:
    code, out = explain("nginx:1.25", "--allow", "mirror.example.com")
    assert code == 0
    lines = out.splitlines()
    assert lines[:3] == ["nginx:1.25", "  normalized: docker.io/library/nginx:1.25",
                         "  at:         namespace (none), kind (none)"]
    matched = [line for line in lines if line.startswith("    ")]
    assert len(matched) == 4
    # the scoped exact rule is tried first, but not here
    assert "namespaces team-a" in matched[0] and matched[0].endswith("out of its scope)")
    assert matched[1].split()[0] == "exact" and matched[1].endswith("<- decides")
    assert '"docker.io": "mirror.example.com/hub"' in matched[2]  # the prefix, not deciding
    assert matched[3].split()[0] == "all"
    assert "  why:        an exact image rule comes before pattern, prefix and `all` rules" in lines
    assert "  result:     mirror.example.com/patched/nginx:1.25-p1" in lines
    assert "  allow:      accepted" in lines


def test_a_scope_applies_where_the_image_is_met() -> None:
    _, out = explain("nginx:1.25", "--namespace", "team-a", "--kind", "apps/Deployment")
    assert "  at:         namespace team-a, kind apps/Deployment" in out
    assert "  result:     mirror.example.com/team-a/nginx:1.25-a" in out
    assert "a scoped rule comes before an unscoped one of its kind" in out


def test_an_exclusion_and_the_allow_list() -> None:
    code, out = explain("registry.k8s.io/pause:3.9", "--allow", "mirror.example.com")
    assert code == 1
    assert "an exclusion is checked before any rule" in out
    assert "  result:     unchanged (excluded by exclude \"registry.k8s.io/pause\")" in out
    assert "  allow:      REJECTED: not under an allowed prefix" in out


def test_several_images_and_errors_exit_1() -> None:
    code, out = explain("ghcr.io/a:1", "Not/Valid", "localhost:5000/x:1")
    assert code == 1
    blocks = out.split("\n\n")
    assert len(blocks) == 3
    assert "  result:     example.registry.com/internal-images/ghcr.io/a:1" in blocks[0]
    assert "not a valid image reference" in blocks[1]
    assert "  error:      rule \"all\"" in blocks[2] and "not a valid reference" in blocks[2]


def test_usage_and_configuration_errors_exit_2() -> None:
    assert run_cli(["explain"]).returncode == 2  # no image
    bad_kind = run_cli(["explain", *CONFIG, "--kind", "apps/", "nginx"])
    assert bad_kind.returncode == 2 and "--kind" in bad_kind.stderr.decode()
    no_rules = run_cli(["explain", "nginx"])
    assert no_rules.returncode == 2 and "no rules given" in no_rules.stderr.decode()


def test_explain_agrees_with_the_rewrite_on_every_precedence_case() -> None:
    """The expectations are the hand-written ones of test_rules_beyond."""
    def place(case: tuple[str, str, str, tuple[str, str], str]) -> tuple[str, str]:
        api_version, kind = case[3]
        return case[2], (f"{api_version.split('/')[0]}/{kind}" if "/" in api_version else kind)

    for (namespace, kind), group in groupby(sorted(CASES, key=place), key=place):
        cases = list(group)
        _, out = explain(*(c[1] for c in cases), "--namespace", namespace, "--kind", kind)
        results = [line.split(":", 1)[1].strip() for line in out.splitlines()
                   if line.startswith("  result:")]
        expected = [c[4] if c[4] != c[1] else None for c in cases]
        assert [None if r.startswith("unchanged") else r for r in results] == expected, kind


def test_an_allow_list_error_names_the_explain_command_that_tells_why() -> None:
    stream = document(0, "registry.k8s.io/pause:3.9", "kube-system", POD)
    result = run_cli([*CONFIG, "--allow", "mirror.example.com"], stream)
    assert result.returncode == 1
    assert images_in(result.stdout) == ["registry.k8s.io/pause:3.9"]
    [line] = [line for line in stderr_lines(result) if "allowed prefix" in line]
    command = line.split("see `", 1)[1].rstrip("`")
    assert command == ("registry-rewrite explain registry.k8s.io/pause:3.9 "
                       "--namespace kube-system --kind Pod")
    args = shlex.split(command)[1:]
    code, out = explain(*args, "--allow", "mirror.example.com")
    assert code == 1 and "excluded by exclude" in out and "REJECTED" in out


def test_seed_rules_alone_keep_the_allow_list_message_as_it_was() -> None:
    result = run_cli(["--all", "mirror.example.com/x", "--allow", "other.example.com"],
                     document(0, "nginx", "default", POD))
    [line] = stderr_lines(result)
    assert line.endswith("is not under an allowed prefix (allow: other.example.com)")
