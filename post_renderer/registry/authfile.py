"""The login file: the pack's credentials in the docker/containers format.

skopeo, crane, docker and podman all read `{"auths": {HOST: {"auth": …}}}`.
Passing credentials as `--creds user:pass` would put them in every process
listing, so the engine only ever gets the path of this file, which is created
readable by the user alone, in a private directory, and removed afterwards.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from ..config.credentials import Credential
from ..stages.secrets import auth_key

AUTH_FILE_NAME = "auth.json"


def login_document(credentials: Iterable[Credential]) -> str:
    """The login file's text (keys sorted: the same pack gives the same file)."""
    auths = {}
    for credential in credentials:
        user = credential.username.reveal()
        secret = f"{user}:{credential.password.reveal()}"
        auths[auth_key(credential.domain)] = {"auth": base64.b64encode(secret.encode()).decode()}
    return json.dumps({"auths": auths}, indent=2, sort_keys=True) + "\n"


def matching(credentials: Iterable[Credential], hosts: Iterable[str]) -> list[Credential]:
    """The credentials whose domain is one of `hosts` (source or destination registries)."""
    wanted = set(hosts)
    return [c for c in credentials if c.domain in wanted]


@contextmanager
def login_file(credentials: Iterable[Credential]) -> Iterator[str]:
    """A temporary 0600 login file holding `credentials`; removed on exit.

    Always a file, even without credentials, in a private directory the
    engine also uses as its home (see `skopeo`): it then reads no login the
    user happens to have, so a run depends on the pack alone.
    """
    directory = tempfile.mkdtemp(prefix="registry-rewrite-auth-")  # mode 0700
    try:
        path = os.path.join(directory, AUTH_FILE_NAME)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(login_document(credentials))
        yield path
    finally:
        shutil.rmtree(directory, ignore_errors=True)
