"""The allow gate and --strict are the same on every route that lets images
reach a cluster or a mirror: rewrite, images, sync, verify.  An image outside
the allowed prefixes, or one no rule maps under --strict, fails each of them.

None of these runs needs a registry: the stream has no image under a rule,
so nothing is asked of a mirror.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import assert_no_traceback, run_cli, stderr_lines

POD = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
       "  - name: a\n    image: quay.io/other/unmatched:1\n")
RULES = 'imageReplacementRules:\n  "docker.io": "m.example.com/d"\n'
OUTSIDE = ("error: document 0 (Pod/p), spec.containers[0].image: "
           "'quay.io/other/unmatched:1' is not under an allowed prefix")
ROUTES = [["verify"], ["sync", "--dry-run"], ["images"], []]


def config(tmp_path: Path, allow: bool) -> str:
    path = tmp_path / "cfg.yaml"
    path.write_text(RULES + ('allow: ["m.example.com/"]\n' if allow else ""))
    return str(path)


@pytest.mark.parametrize("route", ROUTES)
def test_the_configs_allow_fails_every_route(tmp_path: Path, route: list[str]) -> None:
    result = run_cli([*route, "-c", config(tmp_path, allow=True)], POD)
    assert_no_traceback(result)
    assert result.returncode == 1
    assert any(OUTSIDE in line for line in stderr_lines(result))


@pytest.mark.parametrize("route", ROUTES)
def test_allow_flag_is_accepted_and_fails_every_route(tmp_path: Path, route: list[str]) -> None:
    result = run_cli([*route, "-c", config(tmp_path, allow=False), "--allow", "m.example.com"],
                     POD)
    assert_no_traceback(result)
    assert result.returncode == 1
    assert any(OUTSIDE in line for line in stderr_lines(result))


def test_verify_strict_fails_an_image_no_rule_maps(tmp_path: Path) -> None:
    cfg = config(tmp_path, allow=False)
    loose = run_cli(["verify", "-c", cfg], POD)
    assert loose.returncode == 0, loose.stderr.decode()
    strict = run_cli(["verify", "-c", cfg, "--strict"], POD)
    assert_no_traceback(strict)
    assert strict.returncode == 1
    assert ("registry-rewrite: error: quay.io/other/unmatched:1: no rule maps this image; "
            "not checked (it is pulled from where it is)") in stderr_lines(strict)
