"""The checks every request meets (src/odh_tec/security): Host allow-list, cross-site guard, body
limit, browser headers, the optional token and the audit log — against the real app and SeaweedFS,
in both postures: the default (loopback) and a deployment (IP=0.0.0.0, ALLOWED_HOSTS, token)."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import uuid

import httpx
import psutil
import pytest

from conftest import make_config
from odh_tec.app import create_app

EVIL = "https://evil.example"


def s3_object(location_bucket: str) -> str:
    return f"/api/locations/s3:{location_bucket}/object"


# 1. DNS rebinding: any Host used to be accepted -------------------------------------------------------


def test_a_rebinding_host_cannot_delete_an_object(api, live, s3, bucket):
    s3.put_object(Bucket=bucket, Key="keep.txt", Body=b"precious")
    answer = api.delete(
        s3_object(bucket), params={"key": "keep.txt"}, headers={"Host": f"attacker-rebind.example:{live.port}"}
    )
    assert answer.status_code == 403
    assert answer.json()["error"] == "HostNotAllowed"
    assert s3.get_object(Bucket=bucket, Key="keep.txt")["Body"].read() == b"precious"


def test_a_rebinding_host_cannot_change_settings_or_read_anything(api, live):
    before = api.get("/api/settings").json()["huggingface"]["endpoint"]
    host = {"Host": f"attacker-rebind.example:{live.port}"}
    assert (
        api.put("/api/settings/huggingface", json={"endpoint": "http://evil.example"}, headers=host).status_code == 403
    )
    assert api.get("/api/settings", headers=host).status_code == 403
    assert api.get("/", headers=host).status_code == 403
    assert api.get("/api/settings").json()["huggingface"]["endpoint"] == before


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]", "LOCALHOST"])
def test_loopback_names_are_accepted_with_any_port(api, host):
    for port in ("", ":8888", ":1"):
        assert api.get("/api/health", headers={"Host": host + port}).status_code == 200


def test_allowed_hosts_extend_the_list_and_star_turns_it_off(make_live):
    server = make_live(allowed_hosts="odh.example.com, .apps.cluster.example")
    with server.client() as c:
        assert c.get("/api/health", headers={"Host": "odh.example.com"}).status_code == 200
        assert c.get("/api/health", headers={"Host": "tec.apps.cluster.example:443"}).status_code == 200
        assert c.get("/api/health", headers={"Host": "localhost"}).status_code == 200
        assert c.get("/api/health", headers={"Host": "example.com"}).status_code == 403
        # Bound to loopback, an IP literal other than loopback never legitimately arrives.
        assert c.get("/api/health", headers={"Host": "10.1.2.3"}).status_code == 403
    with make_live(allowed_hosts="*").client() as c:
        assert c.get("/api/health", headers={"Host": "anything.example"}).status_code == 200


# 2. Cross-site requests ------------------------------------------------------------------------------


def _bucket_name() -> str:
    return f"csrf-{uuid.uuid4().hex[:10]}"


def _bucket_exists(s3, name: str) -> bool:
    return any(b["Name"] == name for b in s3.list_buckets()["Buckets"])


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": EVIL},
        {"Origin": "null"},
        {"Origin": "http://127.0.0.1:1"},  # another local server is another origin
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},  # another workbench on the same cluster domain
        {"Origin": EVIL, "Content-Type": "text/plain"},
    ],
)
def test_cross_site_writes_are_refused(api, s3, headers):
    name = _bucket_name()
    answer = api.post("/api/buckets", content=json.dumps({"name": name}), headers=headers)
    assert answer.status_code == 403, answer.text
    assert answer.json()["error"] == "CrossSiteRequest"
    assert not _bucket_exists(s3, name)


def test_a_body_without_content_type_from_another_page_creates_nothing(api, live, s3):
    """FastAPI < 0.132 parsed a JSON body sent with no Content-Type: a plain cross-site form post."""
    name = _bucket_name()
    answer = httpx.post(
        f"{live.url}/api/buckets",
        content=json.dumps({"name": name}).encode(),
        headers={"Origin": EVIL, "Content-Type": ""},
    )
    assert answer.status_code == 403
    assert not _bucket_exists(s3, name)


def test_own_origin_and_clients_without_browser_headers_may_write(api, live, s3):
    for headers in (
        {"Origin": f"http://127.0.0.1:{live.port}", "Sec-Fetch-Site": "same-origin"},
        {"Origin": f"http://localhost:{live.port}", "Host": f"localhost:{live.port}"},
        {},
    ):
        name = _bucket_name()
        answer = api.post("/api/buckets", json={"name": name}, headers=headers)
        assert answer.status_code in (200, 201), answer.text
        s3.delete_bucket(Bucket=name)


def test_forwarded_host_counts_only_from_a_trusted_proxy(make_live):
    route = {"Origin": "https://tec.apps.example", "X-Forwarded-Host": "tec.apps.example", "X-Forwarded-Proto": "https"}
    trusted = make_live(forwarded_allow_ips="127.0.0.1", allowed_hosts="*")
    with trusted.client() as c:
        assert c.put("/api/settings/transfers", json={"max_files_per_page": 99}, headers=route).status_code == 200
    untrusted = make_live(forwarded_allow_ips="10.9.9.9", allowed_hosts="*")
    with untrusted.client() as c:
        assert c.put("/api/settings/transfers", json={"max_files_per_page": 99}, headers=route).status_code == 403


# 6. Request bodies -----------------------------------------------------------------------------------


def test_an_oversized_declared_body_is_refused_before_it_is_read(api, live):
    rss = psutil.Process().memory_info().rss
    with httpx.Client(base_url=live.url, timeout=30) as c:

        def body():
            for _ in range(300):
                yield b"x" * (1 << 20)

        try:
            answer = c.post(
                "/api/buckets",
                content=body(),
                headers={"Content-Length": str(300 << 20), "Content-Type": "application/json"},
            )
            assert answer.status_code == 413
            assert answer.json()["error"] == "RequestTooLarge"
        except httpx.RemoteProtocolError:
            pass  # the server answered and closed while we were still sending: also a refusal
    assert psutil.Process().memory_info().rss - rss < 50 << 20


def test_a_chunked_body_is_cut_at_the_limit(api, live):
    rss = psutil.Process().memory_info().rss

    def body():
        for _ in range(40):
            yield b" " * (256 << 10)

    try:
        answer = api.post("/api/buckets", content=body(), headers={"Content-Type": "application/json"})
        assert answer.status_code == 413
    except httpx.RemoteProtocolError:
        pass
    assert psutil.Process().memory_info().rss - rss < 50 << 20
    assert api.get("/api/health").status_code == 200


def test_uploads_are_not_capped(api, s3, bucket):
    payload = os.urandom(3 << 20)
    answer = api.put(s3_object(bucket), params={"key": "big.bin"}, content=payload)
    assert answer.status_code in (200, 201), answer.text
    assert s3.get_object(Bucket=bucket, Key="big.bin")["Body"].read() == payload


# 8. Browser headers ----------------------------------------------------------------------------------


def test_the_page_has_a_csp_with_its_inline_script_hashed(api):
    page = api.get("/")
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'self'" in csp
    inline = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page.text)
    assert len(re.findall(r"'sha256-[A-Za-z0-9+/=]+'", csp)) == len(inline)
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";")[0]
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["referrer-policy"] == "same-origin"
    assert page.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("path", ["/api/health", "/api/settings", "/api/no-such-route", "/api/openapi.json"])
def test_nosniff_everywhere(api, path):
    answer = api.get(path)
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"


def test_api_docs_load_nothing_from_another_host(api):
    page = api.get("/api/docs")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/") and not s.startswith("//") for s in sources), sources
    for source in sources:
        asset = api.get(source)
        assert asset.status_code == 200 and len(asset.content) > 1000, source
    assert "cdn" not in page.text.lower()
    assert "'self'" in page.headers["content-security-policy"]


# The optional token ----------------------------------------------------------------------------------


TOKEN = "tok-" + "0123456789abcdef" * 2


@pytest.fixture
def deployed(make_live):
    """A team deployment: every interface, a named host, a token."""
    return make_live(ip="0.0.0.0", allowed_hosts="tec.example.com", auth_token=TOKEN)


def test_with_a_token_every_api_call_needs_it(deployed):
    with deployed.client() as c:
        refused = c.get("/api/locations")
        assert refused.status_code == 401 and refused.json()["error"] == "Unauthorized"
        assert c.get("/api/locations", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/api/locations", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
        assert c.get("/api/health").status_code == 200  # probes need no token
        assert c.get("/api/health", headers={"Host": "tec.example.com"}).status_code == 200
        assert c.get("/api/health", headers={"Host": "10.128.0.7:8888"}).status_code == 200  # kubelet probes
        assert c.get("/api/health", headers={"Host": "evil.example"}).status_code == 403
        page = c.get("/")
        assert page.status_code == 303 and page.headers["location"].endswith("/login")
        assert TOKEN not in c.get("/login").text


def test_the_login_url_sets_a_strict_httponly_cookie(deployed):
    with deployed.client() as c:
        answer = c.get("/login", params={"token": TOKEN})
        assert answer.status_code == 303
        cookie = answer.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and TOKEN not in cookie
        assert c.get("/api/locations").status_code == 200  # the cookie jar now carries it
        assert c.get("/").status_code == 200
    with deployed.client() as c:
        assert c.post("/login", data={"token": "nope"}).status_code == 401
        assert c.post("/login", data={"token": TOKEN}).status_code == 303
        assert c.get("/api/locations").status_code == 200


def test_auth_token_mode_generates_a_token(make_live):
    server = make_live(auth="token")
    policy = server.app.state.security
    assert policy.token_generated and len(policy.token) >= 32
    with server.client() as c:
        assert c.get("/api/locations").status_code == 401
        url = policy.login_url(f"http://127.0.0.1:{server.port}")
        assert c.get(url.removeprefix(f"http://127.0.0.1:{server.port}")).status_code == 303
        assert c.get("/api/locations").status_code == 200


def test_refuses_to_start_exposed_without_protection(s3_server, tmp_path):
    from odh_tec.security.policy import InsecureConfiguration

    with pytest.raises(InsecureConfiguration, match="AUTH=token"):
        create_app(make_config(s3_server, tmp_path, ip="0.0.0.0"))
    create_app(make_config(s3_server, tmp_path, ip="0.0.0.0", auth="none"))
    create_app(make_config(s3_server, tmp_path, ip="0.0.0.0", auth="proxy"))
    create_app(make_config(s3_server, tmp_path, ip="0.0.0.0", nb_prefix="/notebook/ns/wb"))
    create_app(make_config(s3_server, tmp_path, ip="0.0.0.0", auth_token=TOKEN))


def test_serve_explains_why_it_refuses(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTH", "NB_PREFIX", "IP"))}
    env.update(ODH_TEC_DATA_DIR=str(tmp_path), ODH_TEC_EMBEDDED_S3="false")
    done = subprocess.run(
        [sys.executable, "-m", "odh_tec.cli", "serve", "--host", "0.0.0.0", "--port", "1"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert "Refusing to listen on 0.0.0.0" in done.stderr and "AUTH=token" in done.stderr


# The audit log ---------------------------------------------------------------------------------------


def _audit_lines(caplog) -> list[dict]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "odh_tec.audit"]


def test_each_state_changing_request_leaves_one_audit_line(api, s3, bucket, caplog):
    caplog.set_level(logging.INFO, logger="odh_tec.audit")
    s3.put_object(Bucket=bucket, Key="gone.txt", Body=b"x")
    assert api.get("/api/locations").status_code == 200  # reads are not audited
    assert api.delete(s3_object(bucket), params={"key": "gone.txt"}).status_code == 200
    assert api.post("/api/buckets", json={"name": "x"}, headers={"Origin": EVIL}).status_code == 403
    lines = _audit_lines(caplog)
    assert len(lines) == 2, lines
    deleted, refused = lines
    assert deleted["user"] == "local" and deleted["location"] == f"s3:{bucket}" and deleted["key"] == "gone.txt"
    assert deleted["result"] == "ok" and deleted["status"] == 200 and deleted["action"].startswith("objects.")
    assert refused["result"] == "denied" and refused["status"] == 403


def test_audit_names_the_proxy_user_only_when_the_proxy_is_trusted(make_live, caplog):
    caplog.set_level(logging.INFO, logger="odh_tec.audit")
    who = {"X-Forwarded-User": "alice", "X-Forwarded-Email": "alice@example.com"}
    with make_live(forwarded_allow_ips="127.0.0.1").client() as c:
        c.put("/api/settings/transfers", json={"max_files_per_page": 50}, headers=who)
    with make_live(forwarded_allow_ips="10.9.9.9").client() as c:
        c.put("/api/settings/transfers", json={"max_files_per_page": 50}, headers=who)
    users = [line["user"] for line in _audit_lines(caplog)]
    assert users == ["alice", "local"]


def test_audit_never_logs_a_secret(api, caplog):
    caplog.set_level(logging.DEBUG)
    secret = "AuditMustNotSeeThis-" + uuid.uuid4().hex
    api.put("/api/settings/huggingface", json={"token": secret})
    api.post("/api/settings/s3/test", json={"secret_access_key": secret, "access_key_id": "k"})
    assert secret not in caplog.text
    assert _audit_lines(caplog)
    api.put("/api/settings/huggingface", json={"token": ""})


def test_audit_of_a_selection_delete_says_what_went(api, s3, bucket, caplog):
    caplog.set_level(logging.INFO, logger="odh_tec.audit")
    for key in ("a/1.txt", "a/2.txt", "b.txt"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    answer = api.post(f"/api/locations/s3:{bucket}/delete", json={"keys": ["b.txt"], "prefixes": ["a/"]})
    assert answer.status_code == 200
    (line,) = _audit_lines(caplog)
    assert line["deleted"] == 3 and line["keys"] == ["b.txt"] and line["prefixes"] == ["a/"]
