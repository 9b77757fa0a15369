"""System routes, the page at `/`, NB_PREFIX, error shapes and configuration layering."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from conftest import LiveServer, make_config
from odh_tec import __version__
from odh_tec.config import Config, RuntimeSettings
from odh_tec.services import IDLE_AFTER_SECONDS

from .helpers import raw_put, wait_for


def test_health(api, s3_server):
    r = api.get("/api/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "s3": {"ok": True, "endpoint": s3_server.endpoint, "message": "S3 answers"}}
    for path in ("/api", "/api/livez"):
        assert api.get(path).json() == {"status": "alive"}


def test_info(api, live, s3_server):
    assert api.get("/api/info").json() == {
        "version": __version__,
        "embedded_s3": False,
        "s3_endpoint": s3_server.endpoint,
        "nb_prefix": "",
    }


@pytest.mark.parametrize("path", ["/api/kernels", "/api/terminals"])
def test_activity_for_the_idle_culler(api, live, path):
    activity = live.services.activity
    api.get("/api/health")  # passive: does not count
    api.get("/api/info")  # counts
    body = api.get(path).json()
    assert isinstance(body, list) and len(body) == 1
    entry = body[0]
    assert set(entry) == {"id", "name", "last_activity", "execution_state", "connections"}
    assert entry["execution_state"] == "busy"
    stamp = datetime.fromisoformat(entry["last_activity"].replace("Z", "+00:00"))
    assert entry["last_activity"].endswith("Z") and abs(stamp.timestamp() - time.time()) < 30

    saved = activity.last_call
    try:
        activity.last_call = time.time() - IDLE_AFTER_SECONDS - 5
        old = activity.last_call
        for passive in ("/api/kernels", "/api/terminals", "/api/health"):
            api.get(passive)  # the culler's own polling must not keep the app awake
        entry = api.get(path).json()[0]
        assert entry["execution_state"] == "idle"
        assert abs(datetime.fromisoformat(entry["last_activity"].replace("Z", "+00:00")).timestamp() - old) < 1
        # A running transfer keeps it busy however long ago the last call was.
        source = lambda: True  # noqa: E731
        activity.busy_sources.append(source)
        try:
            assert api.get(path).json()[0]["execution_state"] == "busy"
        finally:
            activity.busy_sources.remove(source)
        assert api.get(path).json()[0]["execution_state"] == "idle"
        api.get("/api/locations")  # any other API call wakes it
        assert api.get(path).json()[0]["execution_state"] == "busy"
    finally:
        activity.last_call = max(saved, activity.last_call)


def test_a_long_upload_keeps_the_app_busy(live, api, bucket):
    """A browser upload that outlasts the idle timeout is activity for as long as it runs."""
    activity = live.services.activity
    with raw_put(live, f"/api/locations/s3:{bucket}/object?key=slow.bin", 1000, first=b"x" * 10):
        assert wait_for(lambda: activity.in_flight == 1)
        activity.last_call = time.time() - IDLE_AFTER_SECONDS - 5
        assert api.get("/api/kernels").json()[0]["execution_state"] == "busy"
    assert wait_for(lambda: activity.in_flight == 0)
    activity.last_call = time.time() - IDLE_AFTER_SECONDS - 5
    try:
        assert api.get("/api/kernels").json()[0]["execution_state"] == "idle"
    finally:
        activity.touch()


def test_disclaimer_persists_across_restarts(s3_server, tmp_path):
    config = make_config(s3_server, tmp_path)
    server = LiveServer(config).start()
    try:
        with server.client() as c:
            assert c.get("/api/disclaimer").json() == {"accepted": False, "accepted_at": None}
            assert c.put("/api/disclaimer", json={"accepted": "maybe"}).status_code == 422
            assert c.put("/api/disclaimer", json={}).status_code == 422
            r = c.put("/api/disclaimer", json={"accepted": True})
            assert r.status_code == 200 and r.json()["accepted"] is True
            accepted_at = r.json()["accepted_at"]
            datetime.fromisoformat(accepted_at)
    finally:
        server.stop()
    assert (tmp_path / "data" / "config" / "disclaimer.json").is_file()
    server = LiveServer(config).start()
    try:
        with server.client() as c:
            assert c.get("/api/disclaimer").json() == {"accepted": True, "accepted_at": accepted_at}
            assert c.put("/api/disclaimer", json={"accepted": False}).json() == {"accepted": False, "accepted_at": None}
            assert c.get("/api/disclaimer").json() == {"accepted": False, "accepted_at": None}
    finally:
        server.stop()


def test_locations_list_buckets_and_local_folders(api, bucket, local_id):
    body = api.get("/api/locations").json()
    by_id = {loc["id"]: loc for loc in body["locations"]}
    assert by_id[f"s3:{bucket}"] == {
        "id": f"s3:{bucket}",
        "kind": "s3",
        "name": bucket,
        "connection": "default",
        "available": True,
        "default": False,
    }
    assert by_id[local_id]["kind"] == "local"


def test_error_shapes(api):
    r = api.get("/api/no-such-route")
    assert r.status_code == 404 and set(r.json()) == {"error", "message"}
    r = api.post("/api/health")
    assert r.status_code == 405 and r.json()["error"] == "MethodNotAllowed"
    r = api.get("/api/locations/bogus/objects")
    assert r.status_code == 404 and r.json()["error"] == "NoSuchLocation"
    r = api.post("/api/buckets", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and r.json()["error"] == "ValidationError"


def test_root_page_and_openapi(api):
    r = api.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "ODH" in r.text or "<base" in r.text
    r = api.get("/some/client/side/route")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    schema = api.get("/api/openapi.json")
    assert schema.status_code == 200 and "/api/locations/{location_id}/objects" in schema.json()["paths"]
    assert api.get("/api/docs").status_code == 200


def test_nb_prefix_serves_the_page_and_the_api_under_it(make_live, bucket):
    server = make_live(nb_prefix="notebook/ns/wb/")  # normalised to /notebook/ns/wb
    prefix = "/notebook/ns/wb"
    assert server.config.nb_prefix == prefix
    with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=30) as c:
        page = c.get(f"{prefix}/")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        if "<base" in page.text:  # the built UI: every URL is relative to <base>
            assert f'<base href="{prefix}/"' in page.text
        else:
            assert 'href="api/docs"' in page.text  # the placeholder links relative to the prefix
        assert c.get(f"{prefix}/browse/s3:{bucket}").status_code == 200
        for path in ("/", prefix):
            r = c.get(path)
            assert r.status_code in (302, 307) and r.headers["location"] == f"{prefix}/"
        assert c.get(f"{prefix}/api/health").json()["status"] == "ok"
        assert c.get(f"{prefix}/api/info").json()["nb_prefix"] == prefix
        assert c.get(f"{prefix}/api/buckets").status_code == 200
        assert c.get(f"{prefix}/api/openapi.json").status_code == 200
        assert c.get(f"{prefix}/api/docs").status_code == 200
        assert (
            c.put(
                f"{prefix}/api/locations/s3:{bucket}/object", params={"key": "p.txt"}, content=b"prefixed"
            ).status_code
            == 201
        )
        assert c.get(f"{prefix}/api/locations/s3:{bucket}/download", params={"key": "p.txt"}).content == b"prefixed"
        r = c.get(f"{prefix}/api/nope")
        assert r.status_code == 404 and r.json()["error"]
        assert c.get("/api/health").status_code == 404  # nothing answers outside the prefix


# Configuration ----------------------------------------------------------------------------------


def test_config_layers_env_over_dotenv(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text("AWS_S3_BUCKET=from-file\nAWS_DEFAULT_REGION=eu-west-3\nMAX_FILES_PER_PAGE=250\n")
    for name in ("AWS_S3_BUCKET", "AWS_DEFAULT_REGION", "MAX_FILES_PER_PAGE", "MAX_CONCURRENT_TRANSFERS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_S3_BUCKET", "from-env")
    config = Config(_env_file=env_file)
    assert config.aws_s3_bucket == "from-env"
    assert config.aws_default_region == "eu-west-3"
    assert config.max_files_per_page == 250 and config.max_concurrent_transfers == 2
    runtime = RuntimeSettings.from_config(config)
    assert runtime.s3.default_bucket == "from-env" and runtime.transfers.max_files_per_page == 250


@pytest.mark.parametrize("name", ["HTTPS_PROXY", "https_proxy"])
def test_proxy_variables_in_either_case(monkeypatch, name):
    for other in ("HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(other, raising=False)
    monkeypatch.setenv(name, "http://proxy.internal:3128")
    monkeypatch.setenv("no_proxy", ".svc,127.0.0.1")
    runtime = RuntimeSettings.from_config(Config(_env_file=None))
    assert runtime.proxy.https_proxy == "http://proxy.internal:3128"
    assert runtime.proxy.for_url("https://huggingface.co/api") == "http://proxy.internal:3128"
    assert runtime.proxy.for_url("https://minio.ns.svc/") is None
    assert runtime.proxy.for_url("http://127.0.0.1:9000/") is None


def test_config_defaults_and_derived_values(monkeypatch, tmp_path):
    for name in (
        "IP",
        "PORT",
        "NB_PREFIX",
        "AWS_S3_ENDPOINT",
        "LOCAL_STORAGE_PATHS",
        "MAX_CONCURRENT_TRANSFERS",
        "AWS_DEFAULT_REGION",
        "SSL_CERT_FILE",
        "AWS_CA_BUNDLE",
    ):
        monkeypatch.delenv(name, raising=False)
    config = Config(_env_file=None)
    assert (config.ip, config.port, config.nb_prefix) == ("127.0.0.1", 8888, "")
    assert config.aws_default_region == "us-east-1" and config.max_concurrent_transfers == 2
    assert config.wants_embedded_s3
    assert not Config(_env_file=None, aws_s3_endpoint="http://s3:9000").wants_embedded_s3
    assert Config(_env_file=None, nb_prefix="/a/b/").nb_prefix == "/a/b"
    assert Config(_env_file=None, local_storage_paths=" /a, ,/b/c ").local_paths() == ["/a", "/b/c"]
    with pytest.raises(ValueError):
        Config(_env_file=None, max_concurrent_transfers=0)

    bundle = tmp_path / "corp-ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    config = Config(_env_file=None, ssl_cert_file=str(bundle), aws_ca_bundle=str(tmp_path / "missing.pem"))
    assert str(bundle) in config.ca_bundles() and str(tmp_path / "missing.pem") not in config.ca_bundles()
    # botocore takes one CA file: ours is appended to the default roots, for S3 too.
    combined = RuntimeSettings.from_config(config).combined_ca_file(tmp_path / "ca")
    assert combined
    text = Path(combined).read_text()
    assert "MIIB" in text and text.count("BEGIN CERTIFICATE") > 10
