"""A real CNCF Distribution registry (Debian's `docker-registry`) on loopback for the ModelCar tests,
and the reference tools that check what was pushed (`skopeo`), installed with apt when missing.

- `RegistryServer`: plain HTTP, or TLS with a CA the test makes (openssl) and htpasswd users (Basic
  challenge), or a token service (`TokenServer`, Bearer challenge: JWTs signed with openssl). Its
  access log counts the requests (blob uploads started, for instance).
- `push_busybox_base`: a one-layer base image made from Debian's static busybox, pushed with skopeo.
- `skopeo_inspect` / `skopeo_layers`: what the registry holds, as the reference tools read it.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import tarfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from aptget import Unavailable, apt_install

PACKAGES = {
    "docker-registry": "docker-registry",
    "skopeo": "skopeo",
    "htpasswd": "apache2-utils",
    "openssl": "openssl",
}
BUSYBOX = Path("/bin/busybox")
BUSYBOX_TOOLS = ("sh", "ls", "cat", "id", "sleep", "sha256sum", "find")


def ensure_packages() -> None:
    missing = sorted({pkg for tool, pkg in PACKAGES.items() if not shutil.which(tool)})
    if not BUSYBOX.is_file() or b"statically linked" not in _file_kind(BUSYBOX):
        missing.append("busybox-static")
    apt_install(missing)


def _file_kind(path: Path) -> bytes:
    """Whether busybox is the static one (busybox-static replaces the dynamic build at /bin/busybox)."""
    if not path.is_file():
        return b""
    data = path.read_bytes()
    return b"statically linked" if b"PT_INTERP" not in data and b"/lib64/ld-linux" not in data else b"dynamic"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class TestCA:
    cert: Path
    server_cert: Path
    server_key: Path


def make_ca(directory: Path) -> TestCA:
    """A CA and a server certificate for 127.0.0.1 and localhost, as strict as Python's TLS checks want."""
    directory.mkdir(parents=True, exist_ok=True)

    def ssl(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=directory)

    ssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-keyout", "ca.key", "-out", "ca.crt",
        "-subj", "/CN=odh-tec test CA", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    )  # fmt: skip
    ssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1")
    (directory / "ext.cnf").write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n"
        "authorityKeyIdentifier=keyid,issuer\nsubjectKeyIdentifier=hash\n"
    )
    ssl(
        "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.crt", "-days", "2", "-extfile", "ext.cnf",
    )  # fmt: skip
    return TestCA(directory / "ca.crt", directory / "server.crt", directory / "server.key")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class TokenServer:
    """A registry token service (docker's token auth spec): Basic credentials in, an RS256 JWT out,
    granting the scopes asked for, signed by a certificate the registry trusts (x5c header)."""

    issuer = "odh-tec-test-issuer"
    service = "odh-tec-test-registry"

    def __init__(self, directory: Path, users: dict[str, str]):
        directory.mkdir(parents=True, exist_ok=True)
        self.key, self.cert = directory / "token.key", directory / "token.crt"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-keyout", str(self.key),
             "-out", str(self.cert), "-subj", "/CN=odh-tec test token signer"],
            check=True, capture_output=True,
        )  # fmt: skip
        self.users = users
        self.scopes: list[list[str]] = []  # what each granted token request asked for
        self.refused = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                query = parse_qs(urlsplit(self.path).query)
                if not server._authorized(self.headers.get("Authorization", "")):
                    server.refused += 1
                    self.send_response(401)
                    self.end_headers()
                    return
                scopes = query.get("scope", [])
                server.scopes.append(scopes)
                body = json.dumps({"token": server.token(scopes), "expires_in": 300}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def realm(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/token"

    def _authorized(self, header: str) -> bool:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        user, _, password = base64.b64decode(value).decode().partition(":")
        return self.users.get(user) == password

    def token(self, scopes: list[str]) -> str:
        access = []
        for scope in scopes:
            kind, _, rest = scope.partition(":")
            name, _, actions = rest.rpartition(":")
            access.append({"type": kind, "name": name, "actions": actions.split(",")})
        der = ssl.PEM_cert_to_DER_cert(self.cert.read_text())
        header = {"typ": "JWT", "alg": "RS256", "x5c": [base64.b64encode(der).decode()]}
        now = int(time.time())
        claims = {
            "iss": self.issuer, "sub": "alice", "aud": self.service, "exp": now + 300, "nbf": now - 10,
            "iat": now, "jti": os.urandom(8).hex(), "access": access,
        }  # fmt: skip
        signing_input = f"{_b64url(json.dumps(header).encode())}.{_b64url(json.dumps(claims).encode())}"
        signature = subprocess.run(
            ["openssl", "dgst", "-sha256", "-sign", str(self.key)],
            input=signing_input.encode(), check=True, capture_output=True,
        ).stdout  # fmt: skip
        return f"{signing_input}.{_b64url(signature)}"

    def start(self) -> TokenServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@dataclass
class RegistryServer:
    directory: Path
    ca: TestCA | None = None
    users: dict[str, str] = field(default_factory=dict)  # htpasswd users (Basic auth), or the token service's
    token: TokenServer | None = None  # Bearer auth through this token service instead of htpasswd
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen | None = None

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.directory / "registry.log"

    def _config(self) -> Path:
        storage = self.directory / "storage"
        storage.mkdir(parents=True, exist_ok=True)
        lines = [
            "version: 0.1",
            "log:",
            "  level: info",
            "  accesslog:",
            "    disabled: false",
            "storage:",
            "  filesystem:",
            f"    rootdirectory: {storage}",
            "  delete:",
            "    enabled: true",
            "http:",
            f"  addr: {self.host}",
            "  secret: odh-tec-test-secret",
        ]
        if self.ca is not None:
            lines += ["  tls:", f"    certificate: {self.ca.server_cert}", f"    key: {self.ca.server_key}"]
        if self.token is not None:
            lines += [
                "auth:",
                "  token:",
                f"    realm: {self.token.realm}",
                f"    service: {self.token.service}",
                f"    issuer: {self.token.issuer}",
                f"    rootcertbundle: {self.token.cert}",
            ]
        elif self.users:
            htpasswd = self.directory / "htpasswd"
            htpasswd.write_text("")
            for user, password in self.users.items():
                subprocess.run(["htpasswd", "-Bb", str(htpasswd), user, password], check=True, capture_output=True)
            lines += ["auth:", "  htpasswd:", "    realm: odh-tec-test", f"    path: {htpasswd}"]
        config = self.directory / "config.yml"
        config.write_text("\n".join(lines) + "\n")
        return config

    def start(self) -> RegistryServer:
        config = self._config()
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                ["docker-registry", "serve", str(config)], stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"docker-registry exited: {self.log.read_text()[-2000:]}")
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.05)
        raise RuntimeError("docker-registry did not start")

    def stop(self, *, kill: bool = False) -> None:
        if self.process is not None and self.process.poll() is None:
            (self.process.kill if kill else self.process.terminate)()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self, *, kill: bool = False) -> None:
        """`kill`: a crash (SIGKILL), uploads in flight cut off."""
        self.stop(kill=kill)
        self.start()

    def requests(self, method: str, path_pattern: str) -> int:
        """How many `method` requests whose path matches `path_pattern` the access log shows."""
        pattern = re.compile(rf'"{method} {path_pattern}')
        return sum(1 for line in self.log.read_text(errors="replace").splitlines() if pattern.search(line))

    # The reference tools ---------------------------------------------------------------------

    def tool_args(self, direction: str = "") -> list[str]:
        """skopeo's TLS and credential options for this registry (`direction`: "src"/"dest"/"")."""
        prefix = f"--{direction}-" if direction else "--"
        out = [f"{prefix}tls-verify=false"]
        if self.users:
            user, password = next(iter(self.users.items()))
            out.append(f"{prefix}creds={user}:{password}")
        return out


def skopeo(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["skopeo", *args], check=check, capture_output=True, text=True, timeout=120)


def skopeo_inspect(server: RegistryServer, image: str, *, raw: bool = False) -> dict:
    args = ["inspect", *server.tool_args(), *(["--raw"] if raw else []), f"docker://{server.host}/{image}"]
    return json.loads(skopeo(*args).stdout)


def skopeo_layers(server: RegistryServer, image: str, out: Path) -> dict[str, bytes]:
    """Every regular file of every layer, as `skopeo copy docker://… dir:` brings them back: path → bytes
    (later layers win). Layers are read with Python's tarfile, gzip or not."""
    skopeo("copy", *server.tool_args("src"), f"docker://{server.host}/{image}", f"dir:{out}")
    manifest = json.loads((out / "manifest.json").read_text())
    files: dict[str, bytes] = {}
    for layer in manifest["layers"]:
        data = (out / layer["digest"].split(":", 1)[1]).read_bytes()
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tar:
            for member in tar.getmembers():
                if member.isfile():
                    extracted = tar.extractfile(member)
                    assert extracted is not None
                    files[member.name] = extracted.read()
    return files


def layer_members(out: Path, digest: str) -> list[tarfile.TarInfo]:
    with tarfile.open(out / digest.split(":", 1)[1], mode="r:*") as tar:
        return tar.getmembers()


# The base image ------------------------------------------------------------------------------------


def busybox_oci_dir(directory: Path) -> Path:
    """An OCI layout with one gzip layer: /bin/busybox (static) and its applet links."""
    blobs = directory / "blobs" / "sha256"
    blobs.mkdir(parents=True, exist_ok=True)

    def blob(data: bytes) -> dict:
        digest = hashlib.sha256(data).hexdigest()
        (blobs / digest).write_bytes(data)
        return {"digest": f"sha256:{digest}", "size": len(data)}

    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in ("bin/", "tmp/"):
            info = tarfile.TarInfo(name.rstrip("/"))
            info.type, info.mode = tarfile.DIRTYPE, 0o1777 if name == "tmp/" else 0o755
            tar.addfile(info)
        data = BUSYBOX.read_bytes()
        info = tarfile.TarInfo("bin/busybox")
        info.size, info.mode = len(data), 0o755
        tar.addfile(info, io.BytesIO(data))
        for tool in BUSYBOX_TOOLS:
            link = tarfile.TarInfo(f"bin/{tool}")
            link.type, link.linkname = tarfile.SYMTYPE, "busybox"
            tar.addfile(link)
    uncompressed = raw.getvalue()
    layer = blob(gzip.compress(uncompressed, mtime=0))
    config = blob(
        json.dumps(
            {
                "architecture": "amd64",
                "os": "linux",
                "config": {"Env": ["PATH=/bin"], "Cmd": ["/bin/sh"], "Labels": {"base": "busybox"}},
                "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(uncompressed).hexdigest()]},
                "history": [{"created_by": "odh-tec tests: static busybox"}],
            }
        ).encode()
    )
    manifest = blob(
        json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **config},
                "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", **layer}],
            }
        ).encode()
    )
    (directory / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    (directory / "index.json").write_text(
        json.dumps(
            {
                "schemaVersion": 2,
                "manifests": [
                    {
                        "mediaType": "application/vnd.oci.image.manifest.v1+json",
                        **manifest,
                        "annotations": {"org.opencontainers.image.ref.name": "latest"},
                    }
                ],
            }
        )
    )
    return directory


def push_busybox_base(server: RegistryServer, oci_dir: Path, image: str = "base/busybox:latest") -> str:
    skopeo("copy", *server.tool_args("dest"), f"oci:{oci_dir}:latest", f"docker://{server.host}/{image}")
    return f"{server.host}/{image}"


# Fixtures, imported by the test modules that use them ----------------------------------------------


@pytest.fixture(scope="session")
def registry_tools() -> None:
    try:
        ensure_packages()
    except Unavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def busybox_dir(registry_tools, tmp_path_factory) -> Path:
    return busybox_oci_dir(tmp_path_factory.mktemp("busybox-oci"))


@pytest.fixture(scope="session")
def plain_registry(busybox_dir, tmp_path_factory) -> Iterator[RegistryServer]:
    """Plain HTTP, no auth, with the busybox base at base/busybox:latest."""
    server = RegistryServer(tmp_path_factory.mktemp("registry-plain")).start()
    push_busybox_base(server, busybox_dir)
    yield server
    server.stop()
