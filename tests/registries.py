"""Real registries on 127.0.0.1 and small OCI images built by hand, for tests.

The registry is the CNCF distribution registry from the distribution's
packages (`docker-registry`, installed by scripts/install-tools), started on a
free port of 127.0.0.1 only; one plain-HTTP source, one TLS + htpasswd mirror
whose certificate is signed by a throw-away CA made with `openssl`.  Images are
written as OCI layouts (blobs, manifest, index; no network) and pushed with
`skopeo copy oci:DIR:TAG docker://…`, so their digests are known exactly.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import socket
import ssl
import subprocess
import tarfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def make_ca(directory: Path) -> tuple[Path, Path, Path]:
    """(ca.crt, server.crt, server.key): a CA and a certificate for 127.0.0.1 it signed."""
    # The CA certificate alone in its directory: a skopeo --cert-dir takes every
    # *.crt there as a CA and wants a *.cert beside every *.key.
    (directory / "ca").mkdir(parents=True, exist_ok=True)
    (directory / "server").mkdir(parents=True, exist_ok=True)
    ca_crt, ca_key = directory / "ca" / "ca.crt", directory / "server" / "ca.key"
    server = directory / "server"
    key, csr, crt = server / "server.key", server / "server.csr", server / "server.crt"
    ext = server / "server.ext"
    ext.write_text("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                   "keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n")

    def openssl(*args: str | Path) -> None:
        subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca_crt,
            "-days", "2", "-subj", "/CN=registry-rewrite test CA",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
            "-subj", f"/CN={LOOPBACK}")
    openssl("x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key, "-CAserial", server / "ca.srl", "-CAcreateserial",
            "-out", crt, "-days", "2", "-extfile", ext)
    return ca_crt, crt, key


def htpasswd_line(user: str, password: str) -> str:
    """A bcrypt htpasswd entry (the only hash the distribution registry accepts)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import crypt  # libxcrypt's bcrypt; no extra dependency for one test hash

    hashed = crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16))
    assert hashed and hashed.startswith("$2"), "this libc's crypt() has no bcrypt"
    return f"{user}:{hashed}\n"


@dataclass
class Registry:
    """One running registry; `host` is `127.0.0.1:PORT`."""

    host: str
    root: Path
    process: subprocess.Popen[bytes]
    ca_file: Path | None = None
    user: str | None = None
    password: str | None = None

    def _opener_context(self) -> ssl.SSLContext | None:
        return ssl.create_default_context(cafile=str(self.ca_file)) if self.ca_file else None

    @property
    def url(self) -> str:
        return f"{'https' if self.ca_file else 'http'}://{self.host}"

    def get(self, path: str, accept: Sequence[str] = (OCI_MANIFEST, OCI_INDEX)
            ) -> tuple[int, dict[str, str], bytes]:
        """A raw GET on the registry API (the test oracle: no skopeo involved)."""
        request = urllib.request.Request(self.url + path, headers={"Accept": ", ".join([
            *accept, "application/vnd.docker.distribution.manifest.v2+json",
            "application/vnd.docker.distribution.manifest.list.v2+json"])})
        if self.user and self.password:
            token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        try:
            with urllib.request.urlopen(request, timeout=10,
                                        context=self._opener_context()) as answer:
                return answer.status, dict(answer.headers), answer.read()
        except urllib.error.HTTPError as err:
            return err.code, dict(err.headers), err.read()

    def manifest_digest(self, repository: str, reference: str) -> str | None:
        """The digest of the manifest `repository:reference` serves, or None (404)."""
        status, _, body = self.get(f"/v2/{repository}/manifests/{reference}")
        if status == 404:
            return None
        assert status == 200, (status, body[:200])
        return "sha256:" + hashlib.sha256(body).hexdigest()

    def tags(self, repository: str) -> list[str]:
        status, _, body = self.get(f"/v2/{repository}/tags/list", accept=("application/json",))
        if status == 404:
            return []
        assert status == 200, (status, body[:200])
        return sorted(json.loads(body).get("tags") or [])

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_registry(binary: str, workdir: Path, *, tls: tuple[Path, Path, Path] | None = None,
                   user: str | None = None, password: str | None = None) -> Registry:
    """Start a distribution registry on a free 127.0.0.1 port and wait until it answers."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    host = f"{LOOPBACK}:{port}"
    lines = ["version: 0.1", "log:", "  level: error", "  accesslog:", "    disabled: true",
             "storage:", "  filesystem:", f"    rootdirectory: {workdir / 'data'}",
             "  delete:", "    enabled: true",
             "http:", f"  addr: {host}", "  secret: registry-rewrite-tests"]
    if tls is not None:
        _, crt, key = tls
        lines += ["  tls:", f"    certificate: {crt}", f"    key: {key}"]
    if user and password:
        htpasswd = workdir / "htpasswd"
        htpasswd.write_text(htpasswd_line(user, password))
        lines += ["auth:", "  htpasswd:", "    realm: registry-rewrite-tests",
                  f"    path: {htpasswd}"]
    config = workdir / "config.yml"
    config.write_text("\n".join(lines) + "\n")
    log = open(workdir / "registry.log", "wb")  # noqa: SIM115 - kept for the process' life
    process = subprocess.Popen([binary, "serve", str(config)], stdout=log, stderr=log,
                               stdin=subprocess.DEVNULL)
    registry = Registry(host, workdir, process, tls[0] if tls else None, user, password)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"registry exited: {(workdir / 'registry.log').read_text()}")
        try:
            status, _, _ = registry.get("/v2/")
            if status in (200, 401):
                return registry
        except (OSError, ssl.SSLError):
            pass
        time.sleep(0.1)
    registry.stop()
    raise RuntimeError(f"registry on {host} did not answer within 20s")


# --- OCI images, by hand ---

@dataclass
class OCILayout:
    """An OCI image layout directory being written."""

    path: Path
    refs: list[dict[str, object]] = field(default_factory=list)

    def blob(self, data: bytes) -> dict[str, object]:
        digest = hashlib.sha256(data).hexdigest()
        blobs = self.path / "blobs" / "sha256"
        blobs.mkdir(parents=True, exist_ok=True)
        (blobs / digest).write_bytes(data)
        return {"digest": f"sha256:{digest}", "size": len(data)}

    def json_blob(self, media_type: str, document: dict[str, object]) -> dict[str, object]:
        data = json.dumps(document, separators=(",", ":"), sort_keys=True).encode()
        return {"mediaType": media_type, **self.blob(data)}

    def image(self, content: str, arch: str) -> dict[str, object]:
        """A one-layer image whose layer holds `content`; returns its manifest descriptor."""
        raw = io.BytesIO()
        with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
            data = f"{content} {arch}\n".encode()
            info = tarfile.TarInfo("hello.txt")
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            tar.addfile(info, io.BytesIO(data))
        tar_bytes = raw.getvalue()
        layer = {"mediaType": OCI_LAYER, **self.blob(gzip.compress(tar_bytes, mtime=0))}
        config = self.json_blob(OCI_CONFIG, {
            "architecture": arch, "os": "linux", "config": {},
            "rootfs": {"type": "layers",
                       "diff_ids": ["sha256:" + hashlib.sha256(tar_bytes).hexdigest()]}})
        return self.json_blob(OCI_MANIFEST, {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                                             "config": config, "layers": [layer]})

    def add(self, tag: str, content: str, platforms: Sequence[str] = ("amd64",)) -> str:
        """An image (an index when several platforms) tagged `tag`; returns its digest."""
        if len(platforms) == 1:
            top = self.image(content, platforms[0])
        else:
            manifests = [{**self.image(content, arch),
                          "platform": {"architecture": arch, "os": "linux"}}
                         for arch in platforms]
            top = self.json_blob(OCI_INDEX, {"schemaVersion": 2, "mediaType": OCI_INDEX,
                                             "manifests": manifests})
        self.refs.append({**top, "annotations": {"org.opencontainers.image.ref.name": tag}})
        (self.path / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')
        (self.path / "index.json").write_text(json.dumps(
            {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": self.refs}))
        return str(top["digest"])


def push(skopeo: str, layout: Path, tag: str, registry: Registry, destination: str) -> None:
    """`skopeo copy oci:LAYOUT:TAG docker://HOST/DESTINATION`, digests preserved."""
    args = [skopeo, "copy", "--all", "--preserve-digests", "--quiet",
            f"oci:{layout}:{tag}", f"docker://{registry.host}/{destination}"]
    if registry.ca_file is None:
        args.insert(2, "--dest-tls-verify=false")
    else:
        args[2:2] = [f"--dest-cert-dir={registry.ca_file.parent}"]
    env = {"PATH": "/usr/bin:/bin"}
    authfile = None
    if registry.user and registry.password:
        authfile = registry.root / "push-auth.json"
        token = base64.b64encode(f"{registry.user}:{registry.password}".encode()).decode()
        authfile.write_text(json.dumps({"auths": {registry.host: {"auth": token}}}))
        authfile.chmod(0o600)
        args.insert(2, f"--dest-authfile={authfile}")
    done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
