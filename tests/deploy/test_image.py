"""The container image (marker `image`): built by `make image` on a Debian 12 base, run the way
OpenShift runs it, against its embedded S3 and against an external S3 configured only by Data
Connection variables. Prints the build times, the image size and the stop time."""

from __future__ import annotations

import json
import os
import re
import time
import uuid

import httpx
import pytest

from served import slow_upload

from . import podman as pm
from .conftest import wait_until
from .container import RESTRICTED, Container

MiB = 1 << 20
APP_LAYER_LIMIT = 200 * MiB


def test_image_size_and_layers(image, podman, figures, tmp_path):
    layers = pm.image_layers(podman, image, tmp_path)
    total = podman.inspect(image)["Size"]
    figures.add(
        f"image {image}: {total / MiB:.0f} MiB uncompressed (base {podman.inspect(pm.BASE_TAG)['Size'] / MiB:.0f} MiB)"
    )
    for layer in layers:
        what = re.sub(r"\s+", " ", layer.created_by)[:70]
        figures.add(
            f"  layer {layer.diff_id[7:19]}: {layer.size / MiB:.1f} MiB, {layer.gzipped / MiB:.1f} MiB gzipped — {what}"
        )
    app = max(layers, key=lambda layer: layer.size)
    assert "COPY" in app.created_by or not app.created_by
    assert app.gzipped < APP_LAYER_LIMIT, f"the app layer is {app.gzipped / MiB:.0f} MiB gzipped"
    # Nothing else of weight: the home folder's layer is a directory entry.
    assert sum(layer.size for layer in layers if layer is not app) < MiB


def test_image_runs_as_any_uid_in_group_0(image, podman):
    config = podman.inspect(image)["Config"]
    env = dict(item.split("=", 1) for item in config["Env"])
    assert config["User"] == "1001"
    assert "8888/tcp" in config["ExposedPorts"]
    assert env["HOME"] == "/opt/app-root/src"
    assert env["ODH_TEC_DATA_DIR"].startswith(env["HOME"] + "/")
    assert (env["IP"], env["PORT"]) == ("0.0.0.0", "8888")
    # The image never opens itself up: the workbench sets NB_PREFIX, a team deployment AUTH=proxy.
    assert not {"AUTH", "AUTH_TOKEN", "NB_PREFIX", "AWS_S3_ENDPOINT"} & env.keys()
    script = r"""
set -eu
stat -c 'home %g %a' /opt/app-root/src
echo "venv-group-writable $(find /opt/odh-tec ! -type l -perm -g=w | wc -l)"
echo "pip $(ls /opt/odh-tec/bin | grep -c '^pip' || true)"
echo "pip-cache $(find / -xdev -type d -path '*/.cache/pip' 2>/dev/null | wc -l)"
echo "wheel-left $(find / -xdev -name 'odh_tec-*.whl' 2>/dev/null | wc -l)"
touch /opt/odh-tec/x 2>/dev/null && echo root-fs-writable || echo root-fs-read-only
command -v weed; command -v odh-tec
"""
    done = podman(
        "run",
        "--rm",
        "--network",
        "none",
        *RESTRICTED,
        "--entrypoint",
        "/bin/sh",
        image,
        "-c",
        script,
    )
    out = done.stdout
    assert re.search(r"^home 0 2?77[05]$", out, re.M), out  # group 0 may write $HOME
    assert "venv-group-writable 0" in out and "pip 0" in out and "pip-cache 0" in out and "wheel-left 0" in out
    assert "root-fs-read-only" in out
    assert "/opt/odh-tec/bin/weed" in out and "/opt/odh-tec/bin/odh-tec" in out


def test_refuses_to_start_open_without_prefix_or_auth(image, podman):
    done = podman(
        "run",
        "--rm",
        "--network",
        "none",
        *RESTRICTED,
        "--tmpfs",
        "/tmp",
        image,
        check=False,
        timeout=60,
    )
    assert done.returncode != 0
    assert "AUTH" in done.stdout + done.stderr


def _slow_upload(container: Container, bucket: str) -> None:
    """1 GiB, the first 48 MiB at once: a multipart upload is open when the stop comes."""
    slow_upload(container.url(f"/api/locations/s3:{bucket}/object"), "big.bin", 1 << 30, timeout=120)


@pytest.mark.parametrize("storage", ["embedded", "external"])
def test_workbench(storage, request, image, podman, data_dir, containers, figures):
    """The workbench contract under NB_PREFIX: UI, API, S3 round trip, /metrics, a clean SIGTERM in the
    middle of a 1 GiB upload, and data that outlives the container."""
    env: dict[str, str] = {}
    network = "slirp"
    s3 = None
    if storage == "external":
        # A SeaweedFS on the host's loopback, configured only by Data Connection variables.
        server = request.getfixturevalue("s3_server")
        s3 = server.client()
        default_bucket = f"dc-{uuid.uuid4().hex[:10]}"
        s3.create_bucket(Bucket=default_bucket)
        env = {
            "AWS_S3_ENDPOINT": server.endpoint,
            "AWS_ACCESS_KEY_ID": server.credentials.access_key_id,
            "AWS_SECRET_ACCESS_KEY": server.credentials.secret_access_key,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_S3_BUCKET": default_bucket,
        }
        network = "host"

    def launch() -> Container:
        container = Container(podman, image, data_dir, env=env, network=network)
        containers.append(container)
        return container.start()

    def s3_state(container: Container, bucket: str) -> dict:
        if s3 is None:
            return container.embedded_s3(bucket)
        return {
            "keys": [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])],
            "uploads": [u["Key"] for u in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])],
        }

    app = launch()
    api = app.client()
    # What the app writes in $HOME stays group 0's, writable by any UID of the group (umask 0002).
    assert api.put("/api/disclaimer", json={"accepted": True}).status_code == 200
    for written in (data_dir / ".local/share/odh-tec/config", data_dir / ".local/share/odh-tec/config/disclaimer.json"):
        mode = written.stat().st_mode
        assert written.stat().st_gid == 0 and mode & 0o060 == 0o060, f"{written}: {oct(mode)}"

    # The UI and the API answer under the prefix.
    page = api.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert f'<base href="{app.prefix}/"' in page.text
    asset = re.search(r'(?:src|href)="(assets/[^"]+\.js)"', page.text)
    if asset:
        assert api.get(f"/{asset.group(1)}").status_code == 200
    assert api.get("/api").status_code == 200
    assert api.get("/api/livez").status_code == 200
    kernels = api.get("/api/kernels")
    assert kernels.status_code == 200 and kernels.json()[0]["execution_state"] in ("idle", "busy")
    health = api.get("/api/health")
    assert health.status_code == 200, health.text
    assert health.json().get("s3", {}).get("ok") is True, health.text
    info = api.get("/api/info").json()
    assert info["embedded_s3"] is (storage == "embedded"), info
    assert info["nb_prefix"] == app.prefix

    # An upload, a download and a delete through the API.
    bucket = f"img-{uuid.uuid4().hex[:10]}"
    created = api.post("/api/buckets", json={"name": bucket})
    assert created.status_code == 201, created.text
    locations = [loc["id"] for loc in api.get("/api/locations").json()["locations"]]
    assert f"s3:{bucket}" in locations
    if storage == "external":
        assert f"s3:{env['AWS_S3_BUCKET']}" in locations
    objects = f"/api/locations/s3:{bucket}"
    blob = os.urandom(5 * MiB + 123)
    bytes_in, bytes_out = (
        app.metric("odh_tec_bytes_total", direction="in"),
        app.metric("odh_tec_bytes_total", direction="out"),
    )
    put = api.put(
        f"{objects}/object",
        params={"key": "dir/blob.bin"},
        content=blob,
        headers={"Content-Type": "application/octet-stream"},
    )
    assert put.status_code == 201, put.text
    assert put.json()["size"] == len(blob)
    listing = api.get(f"{objects}/objects", params={"prefix": "dir/"}).json()
    assert "dir/blob.bin" in json.dumps(listing)
    got = api.get(f"{objects}/download", params={"key": "dir/blob.bin"})
    assert got.status_code == 200 and got.content == blob
    assert api.delete(f"{objects}/object", params={"key": "dir/blob.bin"}).status_code == 200
    assert api.get(f"{objects}/object", params={"key": "dir/blob.bin"}).status_code == 404
    keep = b"this survives a restart\n"
    assert api.put(f"{objects}/object", params={"key": "keep/notes.txt"}, content=keep).status_code == 201

    # /metrics, at the root path whatever NB_PREFIX is, counts the bytes moved.
    assert app.metric("odh_tec_bytes_total", direction="in", location_kind="s3") - bytes_in >= len(blob)
    assert app.metric("odh_tec_bytes_total", direction="out", location_kind="s3") - bytes_out >= len(blob)

    # SIGTERM in the middle of a 1 GiB upload: out in < 10 s, no object, no multipart upload left.
    before = app.metric("odh_tec_bytes_total", direction="in", location_kind="s3")
    _slow_upload(app, bucket)
    wait_until(
        lambda: app.metric("odh_tec_bytes_total", direction="in", location_kind="s3") - before >= 40 * MiB,
        60,
        what="the upload to pass 40 MiB",
    )
    wait_until(lambda: s3_state(app, bucket)["uploads"], 30, interval=0.5, what="a multipart upload to be open")
    # The idle culler sees the workbench busy while the upload runs.
    assert api.get("/api/kernels").json()[0]["execution_state"] == "busy"
    took, status = app.stop_with_sigterm()
    figures.add(f"{storage} S3: exited {took:.1f} s after SIGTERM in the middle of a 1 GiB upload (status {status})")
    assert took < 10, f"took {took:.1f} s to stop:\n{app.logs()}"
    assert status in (0, 143), f"exit status {status}:\n{app.logs()}"

    # A new container on the same volume: the data is there, the interrupted upload is not.
    again = launch()
    api2 = again.client()
    assert bucket in json.dumps(api2.get("/api/buckets").json())
    notes = api2.get(f"{objects}/download", params={"key": "keep/notes.txt"})
    assert notes.status_code == 200 and notes.content == keep
    state = s3_state(again, bucket)
    assert state == {"keys": ["keep/notes.txt"], "uploads": []}, state
    took, status = again.stop_with_sigterm()
    assert took < 10 and status in (0, 143)


def test_team_deployment_settings(image, podman, data_dir, containers):
    """What deploy/base sets: AUTH=proxy, ALLOWED_HOSTS, LOG_FORMAT=json, no prefix; the probes answer."""
    route_host = "odh-tec.apps.example.com"
    app = Container(
        podman,
        image,
        data_dir,
        prefix="",
        env={"AUTH": "proxy", "ALLOWED_HOSTS": route_host, "LOG_FORMAT": "json", "NB_PREFIX": ""},
    )
    containers.append(app)
    app.start()
    assert httpx.get(app.url("/api/livez")).status_code == 200
    assert httpx.get(app.url("/api/health")).status_code == 200
    assert httpx.get(f"{app.root}/metrics").status_code == 200
    # The Route's host name is accepted (as the OAuth proxy forwards it), other names are not.
    assert httpx.get(app.url("/api/info"), headers={"Host": route_host}).status_code == 200
    assert httpx.get(app.url("/api/info"), headers={"Host": "attacker.example"}).status_code == 403
    took, status = app.stop_with_sigterm()
    assert took < 10 and status in (0, 143)
    lines = [line for line in app.logs().splitlines() if line.startswith("{")]
    assert lines, app.logs()
    assert all(isinstance(json.loads(line), dict) for line in lines)


def test_a_second_signal_exits_at_once(image, podman, data_dir, containers, figures):
    """As PID 1 of its container: SIGTERM mid-upload, then SIGINT (a second Ctrl-C, or an impatient
    runtime) ends it at once."""
    app = Container(podman, image, data_dir)
    containers.append(app)
    app.start()
    assert app.client().post("/api/buckets", json={"name": "second-signal"}).status_code == 201
    before = app.metric("odh_tec_bytes_total", direction="in", location_kind="s3")
    _slow_upload(app, "second-signal")
    wait_until(
        lambda: app.metric("odh_tec_bytes_total", direction="in", location_kind="s3") - before >= 40 * MiB,
        60,
        what="the upload to pass 40 MiB",
    )
    app.signal("TERM")
    time.sleep(0.5)
    app.signal("INT")
    second = time.monotonic()
    status = app.wait(30)
    took = time.monotonic() - second
    figures.add(f"SIGTERM, then SIGINT 0.5 s later: exited {took:.1f} s after the SIGINT (status {status})")
    assert took < 2, f"took {took:.1f} s:\n{app.logs()}"
