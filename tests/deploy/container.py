"""One run of the image, the way OpenShift runs it, reached only through loopback."""

from __future__ import annotations

import json
import re
import socket
import time
import uuid
from pathlib import Path

import httpx

from .podman import Podman

OPENSHIFT_UID = "1000680000"  # an arbitrary UID from a namespace's range; the group is always 0
# what OpenShift's restricted-v2 imposes on every container: an arbitrary UID in group 0, a read-only root
RESTRICTED = ("--user", f"{OPENSHIFT_UID}:0", "--read-only")
PREFIX = "/notebook/ns/x"

# Lists objects and multipart uploads of a bucket from inside the container, with the embedded S3's
# own keys (its ports are on the container's loopback only). botocore is in the image.
_S3_PROBE = """
import json, os, sys
import botocore.session
from botocore.config import Config
keys = json.load(open(os.path.join(os.environ["ODH_TEC_DATA_DIR"], "s3", "credentials.json")))
client = botocore.session.get_session().create_client(
    "s3", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id=keys["access_key_id"],
    aws_secret_access_key=keys["secret_access_key"], config=Config(s3={"addressing_style": "path"}))
bucket = sys.argv[2]
print(json.dumps({
    "keys": [o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", [])],
    "uploads": [u["Key"] for u in client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])],
}))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Container:
    """`podman run` as restricted-v2 would: --user <uid>:0, --read-only, /tmp on tmpfs, $HOME a volume.

    network="slirp": a network namespace of its own, one port published on 127.0.0.1 (the container
    cannot reach the host's loopback). network="host": the host's network namespace with the app bound
    to 127.0.0.1 (to reach an S3 on the host's loopback).
    """

    def __init__(
        self,
        podman: Podman,
        image: str,
        data: Path,
        *,
        env: dict[str, str] | None = None,
        network: str = "slirp",
        prefix: str = PREFIX,
    ):
        self.podman, self.image, self.data = podman, image, data
        self.env = {"NB_PREFIX": prefix, "LOG_LEVEL": "info", **(env or {})}
        self.network, self.prefix = network, prefix
        self.name = f"odh-tec-test-{uuid.uuid4().hex[:8]}"
        self.port = 0
        self.started = False

    # --- lifecycle ---

    def run_args(self) -> list[str]:
        self.port = free_port()
        args = [
            "run",
            "-d",
            "--name",
            self.name,
            *RESTRICTED,
            "--tmpfs",
            "/tmp:rw,size=256m,mode=1777",
            "-v",
            f"{self.data}:/opt/app-root/src",
            "--cap-drop",
            "ALL",
            "--security-opt",
            "no-new-privileges",
        ]
        if self.network == "host":
            args += ["--network", "host", "-e", "IP=127.0.0.1", "-e", f"PORT={self.port}"]
        else:
            args += ["--network", "slirp4netns:allow_host_loopback=false", "-p", f"127.0.0.1:{self.port}:8888"]
        for key, value in self.env.items():
            args += ["-e", f"{key}={value}"]
        return [*args, self.image]

    def start(self, timeout: float = 60) -> Container:
        self.podman(*self.run_args())
        self.started = True
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url("/api/livez"), timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if not self.running():
                raise AssertionError(f"the container exited:\n{self.logs()}")
            time.sleep(0.2)
        raise AssertionError(f"the app did not answer in {timeout:.0f} s:\n{self.logs()}")

    def running(self) -> bool:
        done = self.podman("inspect", "--format", "{{.State.Running}}", self.name, check=False)
        return done.stdout.strip() == "true"

    def signal(self, name: str) -> None:
        self.podman("kill", "--signal", name, self.name)

    def wait(self, timeout: float) -> int:
        return int(self.podman("wait", self.name, timeout=timeout).stdout.strip().splitlines()[-1])

    def stop_with_sigterm(self, timeout: float = 30) -> tuple[float, int]:
        """SIGTERM, as the kubelet sends; the seconds until the container has exited, and its status."""
        started = time.monotonic()
        self.signal("TERM")
        status = self.wait(timeout)
        return time.monotonic() - started, status

    def logs(self) -> str:
        done = self.podman("logs", self.name, check=False)
        return (done.stdout + done.stderr)[-8000:]

    def remove(self) -> None:
        if self.started:
            self.podman("rm", "-f", "-t", "0", self.name, check=False)
            self.started = False

    # --- HTTP through the published port ---

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return f"{self.root}{self.prefix}{path}"

    def client(self, **kwargs) -> httpx.Client:
        # A plain client: no Origin header, so the cross-site guard lets its writes through.
        kwargs.setdefault("timeout", 60)
        return httpx.Client(base_url=f"{self.root}{self.prefix}", **kwargs)

    def metric(self, name: str, **labels: str) -> float:
        """The sum of a metric's samples whose labels include `labels` (/metrics sits at the root path)."""
        text = httpx.get(f"{self.root}/metrics", timeout=10).text
        total = 0.0
        for line in text.splitlines():
            match = re.match(r"^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)", line)
            if not match or match.group(1) != name:
                continue
            found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(2) or ""))
            if all(found.get(k) == v for k, v in labels.items()):
                total += float(match.group(3))
        return total

    # --- the embedded S3, seen from inside ---

    def embedded_s3(self, bucket: str) -> dict:
        endpoint = httpx.get(self.url("/api/info"), timeout=10).json()["s3_endpoint"]
        done = self.podman("exec", self.name, "python", "-c", _S3_PROBE, endpoint, bucket, timeout=60)
        return json.loads(done.stdout)
