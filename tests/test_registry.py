"""The registry layer against real registries on 127.0.0.1: copy, digest,
presence, the login file, and one distinct error per failure class.

These call the layer's Python interface (the one `sync` and `verify` share)
with the real skopeo underneath; the oracle is the registry's own HTTP API.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest
from conftest import MIRROR_USER, Registries, find_tool

from post_renderer.config.credentials import Credential, SecretText
from post_renderer.registry.connection import Connection, Connections
from post_renderer.registry.errors import (
    AuthFailed,
    EngineMissing,
    ImageMissing,
    TLSFailed,
    Unreachable,
)
from post_renderer.registry.session import open_registry


def mirror_credential(registries: Registries, password: str | None = None) -> Credential:
    return Credential(registries.mirror.host, "s", SecretText(MIRROR_USER),
                      SecretText(password or registries.mirror.password or ""), "test")


def connections(registries: Registries, **mirror: Any) -> Connections:
    settings = {"ca_file": str(registries.mirror.ca_file), **mirror}
    return Connections({registries.source.host: Connection(plain_http=True),
                        registries.mirror.host: Connection(**settings)})


def hosts(registries: Registries) -> list[str]:
    return [registries.source.host, registries.mirror.host]


def test_copy_keeps_every_platform_and_the_index_digest(registries: Registries) -> None:
    repo = registries.unique("multi")
    digest = registries.push_source(repo, "1.0", "multi", ("amd64", "arm64"))
    source = f"{registries.source.host}/{repo}:1.0"
    destination = f"{registries.mirror.host}/mirror/{repo}:1.0"
    with open_registry(connections(registries), [mirror_credential(registries)],
                       hosts(registries)) as engine:
        assert not engine.exists(destination)
        engine.copy(source, destination)
        assert engine.digest(destination) == digest
        assert engine.digest(source) == digest
        assert engine.exists(destination)
    assert registries.mirror.manifest_digest(f"mirror/{repo}", "1.0") == digest
    # every platform's manifest arrived, not only the index
    for arch_digest in _index_children(registries, f"mirror/{repo}", digest):
        assert registries.mirror.manifest_digest(f"mirror/{repo}", arch_digest) == arch_digest


def _index_children(registries: Registries, repo: str, digest: str) -> list[str]:
    import json

    status, _, body = registries.mirror.get(f"/v2/{repo}/manifests/{digest}")
    assert status == 200
    children = [m["digest"] for m in json.loads(body)["manifests"]]
    assert len(children) == 2
    return children


def test_login_file_is_private_and_removed(registries: Registries) -> None:
    with open_registry(connections(registries), [mirror_credential(registries)],
                       hosts(registries)) as engine:
        path = Path(engine.authfile)
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert not path.exists() and not path.parent.exists()


def test_wrong_password_is_an_auth_error_without_the_secret(registries: Registries) -> None:
    wrong = "wrong-" + (registries.mirror.password or "")
    with open_registry(connections(registries), [mirror_credential(registries, wrong)],
                       hosts(registries)) as engine, pytest.raises(AuthFailed) as caught:
        engine.digest(f"{registries.mirror.host}/anything:1")
    assert wrong not in str(caught.value)
    assert "authentication failed" in str(caught.value)


def test_untrusted_certificate_is_a_tls_error(registries: Registries) -> None:
    plain = Connections({registries.source.host: Connection(plain_http=True)})
    with open_registry(plain, [mirror_credential(registries)], hosts(registries)) as engine:
        with pytest.raises(TLSFailed) as caught:
            engine.digest(f"{registries.mirror.host}/anything:1")
    assert "caFile" in str(caught.value)


def test_skip_tls_verify_reaches_a_self_signed_mirror(registries: Registries) -> None:
    repo = registries.unique("skip")
    registries.push_source(repo, "1", "skip")
    conns = connections(registries, ca_file=None, skip_tls_verify=True)
    with open_registry(conns, [mirror_credential(registries)], hosts(registries)) as engine:
        engine.copy(f"{registries.source.host}/{repo}:1", f"{registries.mirror.host}/{repo}:1")
        assert engine.exists(f"{registries.mirror.host}/{repo}:1")


def test_missing_image_and_unreachable_registry(registries: Registries) -> None:
    from registries import free_port

    with open_registry(connections(registries), [], hosts(registries)) as engine:
        with pytest.raises(ImageMissing):
            engine.digest(f"{registries.source.host}/{registries.unique('none')}:1")
        with pytest.raises(ImageMissing):
            engine.copy(f"{registries.source.host}/{registries.unique('none')}:1",
                        f"{registries.source.host}/x:1")
        closed = f"127.0.0.1:{free_port()}"
        engine.connections = Connections({closed: Connection(plain_http=True)})
        with pytest.raises(Unreachable) as caught:
            engine.digest(f"{closed}/app:1")
    assert "unreachable" in str(caught.value)


def test_missing_skopeo_says_how_to_install_it(tmp_path: Path) -> None:
    env_path = os.environ.get("PATH", "")
    os.environ["PATH"] = str(tmp_path)
    try:
        with pytest.raises(EngineMissing) as caught, open_registry(Connections(), [], []):
            pass
    finally:
        os.environ["PATH"] = env_path
    assert "apt-get install skopeo" in str(caught.value)


def test_no_secret_in_the_engine_command_line_or_environment(
        registries: Registries, tmp_path: Path) -> None:
    """What a process listing shows is argv (and /proc/PID/environ): a wrapper
    in front of the real skopeo records both for every run."""
    repo = registries.unique("ps")
    registries.push_source(repo, "1", "ps")
    record = tmp_path / "argv"
    wrapper = tmp_path / "skopeo"
    wrapper.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" >> {record}\nenv >> {record}\n'
                       f'exec {find_tool("skopeo")} "$@"\n')
    wrapper.chmod(0o755)
    password = registries.mirror.password or ""
    with open_registry(connections(registries), [mirror_credential(registries)],
                       hosts(registries)) as engine:
        engine.executable = str(wrapper)
        engine.copy(f"{registries.source.host}/{repo}:1", f"{registries.mirror.host}/{repo}:1")
        assert engine.digest(f"{registries.mirror.host}/{repo}:1").startswith("sha256:")
    recorded = record.read_text()
    assert f"docker://{registries.mirror.host}/{repo}:1" in recorded
    assert password not in recorded and MIRROR_USER not in recorded
