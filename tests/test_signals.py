"""A run stopped by a signal (Helm's or Argo CD's timeout, ^C) cleans up like
a failed one: the 0600 login file is removed and no skopeo child runs on.

The registry is a listener on 127.0.0.1 that accepts and never answers, so
the real skopeo is still waiting when the signal comes.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import cli_command

POD = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
       "  - name: a\n    image: nginx:1.25\n")


@pytest.fixture
def silent_registry() -> Iterator[str]:
    """host:port of a listener that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    try:
        yield f"127.0.0.1:{server.getsockname()[1]}"
    finally:
        server.close()


def children_with(text: str) -> list[int]:
    """Pids of live processes whose command line mentions `text`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if text.encode() in cmdline and state != "Z":
            found.append(int(entry.name))
    return found


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129),
                                              (signal.SIGINT, 130)])
@pytest.mark.parametrize("route", [["verify", "--retries", "0"], ["--verify"], ["sync", "--retries", "0"]])
def test_a_signal_removes_the_login_file_and_stops_skopeo(
    silent_registry: str, tmp_path: Path, signum: int, code: int, route: list[str]
) -> None:
    if shutil.which("skopeo") is None:
        pytest.skip("skopeo is not installed")
    temp = tmp_path / "tmp"
    temp.mkdir()
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(
        f'imageReplacementRules:\n  "docker.io": "{silent_registry}/m"\n'
        f"credentials:\n  - domain: \"{silent_registry}\"\n    username: u\n"
        "    password: HANGSECRET123\n"
        f'registries:\n  "{silent_registry}": {{plainHTTP: true}}\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_REWRITE_")}
    env["TMPDIR"] = str(temp)
    proc = subprocess.Popen([*cli_command(), *route, "-c", str(cfg)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    assert proc.stdin is not None
    proc.stdin.write(POD.encode())
    proc.stdin.close()
    proc.stdin = None  # written and closed: communicate() must not flush it
    deadline = time.monotonic() + 60
    while not children_with(str(temp)) and time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else b""
        time.sleep(0.1)
    skopeo = children_with(str(temp))
    assert skopeo, "skopeo never started"
    assert any(p.name.startswith("registry-rewrite-auth-") for p in temp.iterdir())
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == code, err.decode()
    assert b"Traceback" not in err
    assert b"HANGSECRET123" not in out + err
    assert out == b""
    assert list(temp.iterdir()) == []  # the login file and its directory are gone
    deadline = time.monotonic() + 10
    while children_with(str(temp)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert children_with(str(temp)) == []
