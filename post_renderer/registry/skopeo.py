"""The copy engine: skopeo, run as a subprocess.

skopeo is maintained by the containers project, packaged by every major
distribution, copies all platforms of an index with digests preserved, and
reads the docker/containers login file; nothing here copies a blob itself.
Its command line only ever carries references, paths and TLS switches:
credentials travel in the login file, never in argv, so a process listing
shows no secret.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Sequence

from .childenv import child_environment
from .children import run_child
from .connection import Connection, Connections
from .errors import EngineMissing, ImageMissing, RegistryError, Transient, classify

ENGINE = "skopeo"
DEFAULT_TIMEOUT = 600.0


def registry_of(reference: str) -> str:
    """The host[:port] of a fully qualified reference (`host/path:tag`)."""
    return reference.split("/", 1)[0].lower()


class Skopeo:
    """Copy, inspect and probe images with one login file and per-host TLS settings."""

    def __init__(self, connections: Connections, authfile: str,
                 cert_dirs: dict[str, str] | None = None, secrets: Sequence[str] = (),
                 timeout: float = DEFAULT_TIMEOUT, executable: str | None = None) -> None:
        found = executable or shutil.which(ENGINE)
        if found is None:
            raise EngineMissing(ENGINE)
        self.executable = found
        self.connections = connections
        self.authfile = authfile
        self.cert_dirs = cert_dirs or {}  # CA file -> directory skopeo reads *.crt from
        self.secrets = tuple(secrets)
        self.timeout = timeout
        # A home of its own beside the login file: skopeo also reads logins
        # from ~/.docker, $DOCKER_CONFIG and ~/.config/containers, which would
        # make a run depend on whoever runs it rather than on the pack.
        self.home = os.path.join(os.path.dirname(authfile), "home")
        os.makedirs(self.home, mode=0o700, exist_ok=True)

    def _tls_args(self, side: str, host: str) -> list[str]:
        """`--{side}-tls-verify` / `--{side}-cert-dir` for one registry; side is
        "src", "dest" or "" (inspect)."""
        conn: Connection = self.connections.for_host(host)
        prefix = f"--{side}-" if side else "--"
        args = [f"{prefix}tls-verify={'true' if conn.verify_tls else 'false'}"]
        if conn.ca_file and conn.verify_tls and conn.ca_file in self.cert_dirs:
            args.append(f"{prefix}cert-dir={self.cert_dirs[conn.ca_file]}")
        return args

    def _run(self, reference: str, args: list[str]) -> bytes:
        try:
            done = run_child([self.executable, *args], _engine_env(self.home, self.secrets),
                             self.timeout)
        except FileNotFoundError:
            raise EngineMissing(ENGINE) from None
        except subprocess.TimeoutExpired:
            raise Transient(reference, f"no answer within {self.timeout:.0f}s") from None
        if done.returncode != 0:
            raise classify(reference, done.stderr.decode("utf-8", "replace"), self.secrets)
        return done.stdout

    def copy(self, source: str, destination: str) -> None:
        """Copy every platform of `source` to `destination`, digests unchanged."""
        args = ["copy", "--all", "--preserve-digests", "--quiet",
                f"--src-authfile={self.authfile}", f"--dest-authfile={self.authfile}",
                *self._tls_args("src", registry_of(source)),
                *self._tls_args("dest", registry_of(destination)),
                f"docker://{source}", f"docker://{destination}"]
        try:
            self._run(source, args)
        except ImageMissing as err:
            # A missing destination repository is created by the push: a
            # not-found comes from the source.
            raise ImageMissing(source, err.detail) from None
        except RegistryError as err:
            if type(err) is RegistryError:
                raise RegistryError(f"{source} -> {destination}", err.detail) from None
            raise

    def raw_manifest(self, reference: str) -> bytes:
        return self._run(reference, ["inspect", "--raw", f"--authfile={self.authfile}",
                                     *self._tls_args("", registry_of(reference)),
                                     f"docker://{reference}"])

    def digest(self, reference: str) -> str:
        """The digest `reference` resolves to: of the index for a multi-arch image,
        the one a digest pin must name."""
        return "sha256:" + hashlib.sha256(self.raw_manifest(reference)).hexdigest()

    def exists(self, reference: str) -> bool:
        try:
            self.raw_manifest(reference)
        except ImageMissing:
            return False
        return True


def _engine_env(home: str, secrets: Sequence[str] = ()) -> dict[str, str]:
    """The shared child environment, with every place skopeo looks for logins
    or user configuration moved to `home`: the login file we pass is the only
    one it reads.  System-wide settings (/etc/containers: policy.json,
    registries.conf) still apply."""
    return child_environment({
        "HOME": home, "XDG_CONFIG_HOME": os.path.join(home, ".config"),
        "DOCKER_CONFIG": os.path.join(home, ".docker"),
        "XDG_RUNTIME_DIR": os.path.join(home, "run"),
    }, secrets)
