"""Settings API: write-only secrets, validation that changes nothing, and the connection tests."""

from __future__ import annotations

import re
from dataclasses import asdict

import httpx
import pytest

from conftest import ADMIN, READONLY, SCOPED, SCOPED_BUCKET, free_port

from .helpers import GOOD_HF_TOKEN, s3_loc

HF_TOKEN = "hf_SuperSecretToken_abcdefghijklmnop"
PROXY_PASSWORD = "proxyPa55word-xyz"


def test_settings_shape(api, s3_server):
    body = api.get("/api/settings").json()
    assert body == {
        "s3": {
            "endpoint": s3_server.endpoint,
            "region": "us-east-1",
            "access_key_id": ADMIN.access_key_id,
            "secret_access_key_set": True,
            "default_bucket": "",
            "embedded": False,
        },
        "huggingface": {"endpoint": "http://127.0.0.1:9", "token_set": False},
        "proxy": {"http_proxy": "", "https_proxy": "", "no_proxy": ""},
        "transfers": {"max_concurrent_transfers": 2, "max_files_per_page": 100, "max_transfer_rate": 0},
        "registry": {
            "host": "",
            "username": "",
            "password_set": False,
            "base_image": "registry.access.redhat.com/ubi9/ubi-micro",
            "platform": "linux/amd64",
            "insecure": [],
        },
    }


def _get_routes(client) -> list[str]:
    """Every GET route of the app (whatever other issues add), with its path parameters filled."""
    schema = client.get("/api/openapi.json").json()
    paths = ["/", "/some/page", "/api/docs", "/api/openapi.json"]
    for path, operations in schema["paths"].items():
        if "get" in operations:
            path = path.replace("{location_id}", "LOCATION")
            paths.append(re.sub(r"\{[^}]+\}", "x", path))
    return paths


def _read_some(client, path: str, params: dict) -> str:
    """Headers and the first 1 MiB of the body; a stream (Server-Sent Events) only up to its first
    chunks, since it never ends."""
    seen = b""
    with client.stream("GET", path, params=params, timeout=httpx.Timeout(10, read=3)) as r:
        streaming = r.headers.get("content-type", "").startswith("text/event-stream")
        try:
            for chunk in r.iter_bytes():
                seen += chunk
                if len(seen) > (1 << 20) or streaming:
                    break
        except httpx.ReadTimeout:
            pass
        headers = " ".join(f"{k}: {v}" for k, v in r.headers.items())
    return headers + " " + seen.decode(errors="replace")


def _assert_no_secret_anywhere(server, bucket: str, secrets: list[str]) -> int:
    checked = 0
    with server.client() as c:
        prefix = server.config.nb_prefix
        for path in _get_routes(c):
            path = path.removeprefix(prefix)
            for location in (f"s3:{bucket}", "s3:missing-bucket-x"):
                params = {"key": "secret-check.txt", "prefix": "", "repo_id": "x/y"}
                text = _read_some(c, path.replace("LOCATION", location), params)
                for secret in secrets:
                    assert secret not in text, (path, secret)
                checked += 1
    return checked


def test_no_get_response_contains_a_secret(make_live, bucket, s3):
    """Secrets from the environment, then the same set at runtime: never in any GET answer."""
    s3.put_object(Bucket=bucket, Key="secret-check.txt", Body=b"harmless")
    server = make_live(
        hf_token=HF_TOKEN,
        https_proxy=f"http://user:{PROXY_PASSWORD}@127.0.0.1:9",
        no_proxy="127.0.0.1,localhost",
        aws_s3_bucket=bucket,
    )
    secrets = [ADMIN.secret_access_key, HF_TOKEN, PROXY_PASSWORD]
    assert _assert_no_secret_anywhere(server, bucket, secrets) > 20
    with server.client() as c:
        settings = c.get("/api/settings").json()
        assert settings["s3"]["secret_access_key_set"] and settings["huggingface"]["token_set"]
        assert settings["proxy"]["https_proxy"] == "http://user:***@127.0.0.1:9"

        # Runtime changes: a new secret for the same key id is rejected by S3, so set the real one
        # again (the client is rebuilt) and new HF/proxy secrets.
        new_token, new_pw = "hf_RuntimeToken_zyxwvutsrq", "runtimeProxyPw-987"
        for path, body in (
            ("/api/settings/s3", {"secret_access_key": ADMIN.secret_access_key}),
            ("/api/settings/huggingface", {"token": new_token}),
            ("/api/settings/proxy", {"http_proxy": f"http://u:{new_pw}@127.0.0.1:9"}),
        ):
            r = c.put(path, json=body)
            assert r.status_code == 200, r.text
            for secret in (ADMIN.secret_access_key, new_token, new_pw):
                assert secret not in r.text
    assert _assert_no_secret_anywhere(server, bucket, [*secrets, new_token, new_pw]) > 20


def test_secrets_keep_clear_and_change(make_live, bucket):
    server = make_live(hf_token=HF_TOKEN, creds=READONLY)
    with server.client() as c:
        # absent / null keep the secret
        assert c.put("/api/settings/s3", json={"region": "us-east-1"}).json()["s3"]["secret_access_key_set"]
        assert c.put("/api/settings/s3", json={"secret_access_key": None}).json()["s3"]["secret_access_key_set"]
        assert c.put("/api/settings/huggingface", json={"endpoint": "http://127.0.0.1:9/"}).json()["huggingface"] == {
            "endpoint": "http://127.0.0.1:9",
            "token_set": True,
        }
        assert server.services.settings.huggingface.token == HF_TOKEN
        # "" clears
        assert c.put("/api/settings/huggingface", json={"token": ""}).json()["huggingface"]["token_set"] is False
        assert server.services.settings.huggingface.token == ""
        body = c.put("/api/settings/s3", json={"secret_access_key": ""}).json()
        assert body["s3"]["secret_access_key_set"] is False
        assert server.services.settings.s3.secret_access_key == ""
        # New keys take effect at once: the S3 client is rebuilt.
        assert c.get(f"{s3_loc(bucket)}/objects").status_code in (400, 403)
        c.put(
            "/api/settings/s3",
            json={"access_key_id": ADMIN.access_key_id, "secret_access_key": ADMIN.secret_access_key},
        )
        assert c.put(f"{s3_loc(bucket)}/object", params={"key": "k"}, content=b"x").status_code == 201
        c.put("/api/settings/s3", json={"secret_access_key": "wrong-secret-000"})
        r = c.get(f"{s3_loc(bucket)}/objects")
        assert r.status_code == 403 and r.json()["error"] == "SignatureDoesNotMatch"


@pytest.mark.parametrize(
    "path,body",
    [
        ("/api/settings/s3", {"endpoint": "not a url"}),
        ("/api/settings/s3", {"endpoint": "ftp://files.example.com"}),
        ("/api/settings/s3", {"endpoint": "http://"}),
        ("/api/settings/s3", {"endpoint": "http://ok.example", "default_bucket": "Bad_Bucket"}),
        ("/api/settings/s3", {"region": "r" * 65}),
        ("/api/settings/s3", {"endpoint": 12}),
        ("/api/settings/huggingface", {"endpoint": "huggingface.co"}),
        ("/api/settings/proxy", {"https_proxy": "proxy:3128"}),
        ("/api/settings/proxy", {"http_proxy": "http://ok:1", "https_proxy": "socks5://p:1"}),
        ("/api/settings/transfers", {"max_concurrent_transfers": 0}),
        ("/api/settings/transfers", {"max_files_per_page": 1001}),
        ("/api/settings/transfers", {"max_files_per_page": "many"}),
        ("/api/settings/transfers", {"max_transfer_rate": "fast"}),
        ("/api/settings/transfers", {"max_transfer_rate": -1}),
    ],
)
def test_invalid_settings_change_nothing(api, live, path, body):
    before = api.get("/api/settings").json()
    secret_before = live.services.settings.s3.secret_access_key
    r = api.put(path, json=body)
    assert 400 <= r.status_code < 500, r.text
    assert set(r.json()) == {"error", "message"} and r.json()["message"]
    assert api.get("/api/settings").json() == before
    assert live.services.settings.s3.secret_access_key == secret_before


def test_a_rejected_proxy_url_is_not_echoed_with_its_password(api):
    r = api.put("/api/settings/proxy", json={"https_proxy": f"socks5://user:{PROXY_PASSWORD}@proxy:1080"})
    assert r.status_code == 400 and PROXY_PASSWORD not in r.text and "user:***@proxy" in r.text


def test_transfers_and_page_size_settings(make_live, bucket, s3):
    for i in range(5):
        s3.put_object(Bucket=bucket, Key=f"f{i}", Body=b"x")
    server = make_live()
    with server.client() as c:
        body = c.put("/api/settings/transfers", json={"max_files_per_page": 2}).json()
        assert body["transfers"] == {"max_concurrent_transfers": 2, "max_files_per_page": 2, "max_transfer_rate": 0}
        listing = c.get(f"{s3_loc(bucket)}/objects").json()
        assert len(listing["files"]) == 2 and listing["next_page_token"]
        body = c.put("/api/settings/transfers", json={"max_concurrent_transfers": 5}).json()
        assert body["transfers"] == {"max_concurrent_transfers": 5, "max_files_per_page": 2, "max_transfer_rate": 0}
        body = c.put("/api/settings/transfers", json={"max_transfer_rate": "50MB"}).json()
        assert body["transfers"]["max_transfer_rate"] == 50_000_000
        assert server.services.transfers.bandwidth.rate == 50_000_000


def test_s3_endpoint_change_and_proxy_mask(make_live, s3_server):
    server = make_live(http_proxy=f"http://user:{PROXY_PASSWORD}@proxy.example:3128")
    with server.client() as c:
        # The masked value coming back from the form keeps the real password.
        r = c.put("/api/settings/proxy", json={"http_proxy": "http://user:***@proxy.example:3128", "no_proxy": "x"})
        assert r.status_code == 200
        assert server.services.settings.proxy.http_proxy == f"http://user:{PROXY_PASSWORD}@proxy.example:3128"
        assert r.json()["proxy"] == {
            "http_proxy": "http://user:***@proxy.example:3128",
            "https_proxy": "",
            "no_proxy": "x",
        }
        r = c.put("/api/settings/s3", json={"endpoint": s3_server.endpoint + "/"})
        assert r.json()["s3"]["endpoint"] == s3_server.endpoint  # trailing slash dropped, same endpoint


def _test(c: httpx.Client, section: str, **body) -> dict:
    """A connection test's answer: always 200, a failed test is said in the body."""
    r = c.post(f"/api/settings/{section}/test", json=body)
    assert r.status_code == 200, r.text
    return r.json()


def test_s3_connection_test(make_live, s3_server, scoped_bucket, deny_list_endpoint):
    server = make_live()
    with server.client() as c:
        before = c.get("/api/settings").json()
        r = _test(c, "s3")
        assert r["ok"] is True and s3_server.endpoint in r["message"], r
        assert set(r) == {"ok", "message", "buckets"} and r["buckets"] >= 1

        r = _test(c, "s3", secret_access_key="wrong-secret")
        assert r["ok"] is False and r["error"] == "SignatureDoesNotMatch" and "secret" in r["message"]
        assert set(r) == {"ok", "error", "message"}
        # The same with a default bucket set: still the real reason, not a generic "access denied".
        r = _test(c, "s3", secret_access_key="wrong-secret", default_bucket=scoped_bucket)
        assert r["ok"] is False and r["error"] == "SignatureDoesNotMatch", r
        r = _test(c, "s3", access_key_id="nobody", secret_access_key="x")
        assert r["ok"] is False and r["error"] == "InvalidAccessKeyId" and "access key" in r["message"]

        dead = f"http://127.0.0.1:{free_port()}"
        r = _test(c, "s3", endpoint=dead)
        assert r["ok"] is False and r["error"] == "EndpointUnreachable" and dead in r["message"]
        assert c.post("/api/settings/s3/test", json={"endpoint": "nonsense"}).status_code == 400

        # Bucket-scoped keys where ListBuckets is denied: HeadBucket of the default bucket decides.
        scoped = {"endpoint": deny_list_endpoint, **asdict(SCOPED)}
        r = _test(c, "s3", **scoped, default_bucket=SCOPED_BUCKET)
        assert r["ok"] is True and SCOPED_BUCKET in r["message"] and r["buckets"] is None, r
        assert _test(c, "s3", **scoped, default_bucket="other-bucket")["ok"] is False
        r = _test(c, "s3", **scoped, default_bucket="")
        assert r["ok"] is False and r["error"] == "AccessDenied"

        assert c.get("/api/settings").json() == before  # tests never save
        for secret in (ADMIN.secret_access_key, SCOPED.secret_access_key):
            assert secret not in r.__repr__()


def test_huggingface_connection_test(make_live, fake_hub):
    """The Hub test answers the importer's codes (hf.errors), not codes of its own."""
    server = make_live()
    with server.client() as c:
        # The app's Hub (127.0.0.1:9) does not answer: a token is optional, reachability is not.
        r = _test(c, "huggingface")
        assert r["ok"] is False and r["error"] == "HubUnreachable"
        r = _test(c, "huggingface", endpoint=fake_hub, token=GOOD_HF_TOKEN)
        assert r["ok"] is True and r["name"] == "alice" and r["token_name"] == "ci-read"
        assert "ci-read" in r["message"] and set(r) == {"ok", "message", "name", "token_name"}
        r = _test(c, "huggingface", endpoint=fake_hub)
        assert r["ok"] is True and r["token"] is False and set(r) == {"ok", "message", "token"}, r
        r = _test(c, "huggingface", endpoint=fake_hub, token="hf_bad")
        assert r["ok"] is False and r["error"] == "InvalidToken"
        r = _test(c, "huggingface", token="hf_any")  # endpoint 127.0.0.1:9
        assert r["ok"] is False and r["error"] == "HubUnreachable" and "127.0.0.1:9" in r["message"]
        assert c.post("/api/settings/huggingface/test", json={"endpoint": "nope"}).status_code == 400
        assert c.get("/api/settings").json()["huggingface"] == {"endpoint": "http://127.0.0.1:9", "token_set": False}


def test_proxy_connection_test(make_live, s3_server, fake_hub):
    server = make_live(hf_endpoint=fake_hub)
    with server.client() as c:
        r = c.post("/api/settings/proxy/test", json={"test_url": "http://example.com"})
        assert r.status_code == 400  # no open relay
        r = _test(c, "proxy", test_url=s3_server.endpoint)
        assert r["ok"] is True and "directly" in r["message"] and set(r) == {"ok", "message", "status"}
        dead_proxy = f"http://127.0.0.1:{free_port()}"
        r = _test(c, "proxy", http_proxy=dead_proxy)
        assert r["ok"] is False and r["error"] == "EndpointUnreachable" and "through the proxy" in r["message"]
        r = _test(c, "proxy", http_proxy=dead_proxy, no_proxy="127.0.0.1")
        assert r["ok"] is True and "directly" in r["message"]
        assert c.get("/api/settings").json()["proxy"]["http_proxy"] == ""
