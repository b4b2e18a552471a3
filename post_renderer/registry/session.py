"""One run's registry access: the engine with its login file and CA directories,
set up once and torn down however the run ends."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager

from ..config.credentials import Credential
from .authfile import login_file, matching
from .connection import Connections
from .skopeo import DEFAULT_TIMEOUT, Skopeo


@contextmanager
def open_registry(connections: Connections, credentials: Iterable[Credential],
                  hosts: Iterable[str], timeout: float = DEFAULT_TIMEOUT) -> Iterator[Skopeo]:
    """The engine, logged in to those of `hosts` the credentials name.

    skopeo takes CAs as a directory of `*.crt` files, so each configured CA
    file gets a private directory holding a link to it.
    """
    used = matching(credentials, hosts)
    secrets = [c.password.reveal() for c in used]
    with ExitStack() as stack:
        authfile = stack.enter_context(login_file(used))
        cert_dirs: dict[str, str] = {}
        for conn in connections.by_host.values():
            if conn.ca_file and conn.ca_file not in cert_dirs:
                directory = tempfile.mkdtemp(prefix="registry-rewrite-ca-")
                stack.callback(shutil.rmtree, directory, True)
                os.symlink(conn.ca_file, os.path.join(directory, "ca.crt"))
                cert_dirs[conn.ca_file] = directory
        yield Skopeo(connections, authfile, cert_dirs, secrets, timeout)
