"""A tenant rule's target never shares a mirror namespace with an
administrator rule's target, exact image rules included (through the CLI,
with the channels the Argo CD plugin sets)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import assert_no_traceback, run_cli

POD = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
       "  - name: a\n    image: nginx:1\n")
ADMIN = ('imageReplacementRules:\n  "docker.io": "mirror.example.com/hub"\n'
         '  "docker.io/library/nginx:1.25": "mirror.example.com/patched/nginx:1.25-p1"\n')


@pytest.mark.parametrize(("tenant", "refused"), [
    ('"quay.io": "mirror.example.com/patched/nginx"', True),
    ('"quay.io": "mirror.example.com/patched"', True),
    ('"quay.io": "mirror.example.com/patched/nginx/x"', True),
    ('"quay.io": "mirror.example.com/hub/quay"', True),
    ('"quay.io": "mirror.example.com/patchedx"', False),  # whole components only
    ('"quay.io": "mirror.example.com/quay"', False),
])
def test_tenant_targets_stay_out_of_the_administrators_namespaces(
    tmp_path: Path, tenant: str, refused: bool
) -> None:
    admin = tmp_path / "admin.yaml"
    admin.write_text(ADMIN)
    result = run_cli([], POD, env={"REGISTRY_REWRITE_CONFIG": str(admin),
                                   "REGISTRY_REWRITE_TENANT_RULES": tenant})
    assert_no_traceback(result)
    if refused:
        assert result.returncode == 2
        assert result.stdout == b""
        assert "has a target that overlaps the target of the administrator's rule" \
            in result.stderr.decode()
    else:
        assert result.returncode == 0, result.stderr.decode()
