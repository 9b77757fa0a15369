"""Stored secrets go only to the endpoints they were configured for, and no server-side request
reaches link-local or cloud-metadata addresses (security issue, item 2).

The listeners here are real loopback servers that record every request, so "the token was not sent"
is checked on the wire, not on our own code's idea of what it sent."""

from __future__ import annotations

import asyncio
import http.server
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field

import httpx
import pytest

from conftest import ADMIN, free_port
from odh_tec.hf.transport import HubTransport
from odh_tec.netguard import DestinationNotAllowed, check_destination

STORED_TOKEN = "hf_secretStoredToken_0123456789abcdef"
REQUEST_TOKEN = "hf_tokenSentWithTheTest_abcdef"
PROXY_PASSWORD = "storedProxyPw-4242"
BODY_MARKER = "RAW-BODY-MARKER-7731"
BANNER_MARKER = "SSH-2.0-OpenSSH_BANNER-MARKER-9"

METADATA_URLS = [
    "http://169.254.169.254/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fd00:ec2::254]/",
    "http://[fe80::1]:8080/",
    "http://0xa9fea9fe/",
]


# A loopback listener that records every request ---------------------------------------------------


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]


@dataclass
class Listener:
    url: str
    requests: list[Seen] = field(default_factory=list)
    # (status, headers, body) for a request; the default is an HTML page no S3 or Hub would send.
    respond: Callable[[Seen], tuple[int, dict, bytes]] = lambda seen: (
        200,
        {"Content-Type": "text/html"},
        f"<html><body>{BODY_MARKER}</body></html>".encode(),
    )

    def header_values(self, name: str) -> list[str | None]:
        return [r.headers.get(name.lower()) for r in self.requests]


def _handler(listener: Listener) -> type:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # quiet
            pass

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            seen = Seen(self.command, self.path, {k.lower(): v for k, v in self.headers.items()})
            listener.requests.append(seen)
            status, headers, body = listener.respond(seen)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle

    return Handler


@pytest.fixture
def make_listener() -> Iterator[Callable[[], Listener]]:
    servers = []

    def factory() -> Listener:
        listener = Listener(url="")
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(listener))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        listener.url = f"http://127.0.0.1:{server.server_address[1]}"
        servers.append(server)
        return listener

    yield factory
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def listener(make_listener) -> Listener:
    return make_listener()


@pytest.fixture
def banner() -> Iterator[str]:
    """A TCP service that is not HTTP (an SSH banner): connection tests must not hand it back."""

    class Banner(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            self.request.sendall(f"{BANNER_MARKER}\r\n".encode())
            time.sleep(0.2)

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Banner)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def s3_error(code: str, message: str, status: int = 403) -> Callable[[Seen], tuple[int, dict, bytes]]:
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{message}</Message>'
        "<Resource>/</Resource></Error>"
    ).encode()
    return lambda seen: (status, {"Content-Type": "application/xml"}, body)


def hub_refuses(seen: Seen) -> tuple[int, dict, bytes]:
    return 401, {"Content-Type": "application/json"}, b'{"error": "Invalid credentials in Authorization header"}'


def _localhost_alias(endpoint: str) -> str:
    """The same server under another name: a different endpoint as far as the settings are concerned."""
    return endpoint.replace("127.0.0.1", "localhost")


# Hugging Face connection test -----------------------------------------------------------------------


def test_hf_test_with_another_endpoint_never_gets_the_stored_token(make_live, listener):
    listener.respond = hub_refuses
    server = make_live(hf_token=STORED_TOKEN)
    with server.client() as c:
        r = c.post("/api/settings/huggingface/test", json={"endpoint": listener.url})
        assert r.status_code == 200, r.text
        assert r.json()["ok"] is False and r.json()["error"] == "NoCredentials", r.text  # as the S3 test says
        assert STORED_TOKEN not in r.text
    # Reached without credentials (the test still says whether the host answers)...
    assert listener.requests, "the endpoint was not contacted at all"
    assert listener.header_values("Authorization") == [None] * len(listener.requests)
    assert all(STORED_TOKEN not in str(seen.headers) for seen in listener.requests)


def test_hf_test_with_another_endpoint_sends_only_the_token_of_the_request(make_live, listener):
    listener.respond = hub_refuses
    server = make_live(hf_token=STORED_TOKEN)
    with server.client() as c:
        r = c.post("/api/settings/huggingface/test", json={"endpoint": listener.url, "token": REQUEST_TOKEN})
        assert r.status_code == 200, r.text
    assert listener.requests
    assert listener.header_values("Authorization") == [f"Bearer {REQUEST_TOKEN}"] * len(listener.requests)
    assert all(STORED_TOKEN not in str(seen.headers) for seen in listener.requests)


def test_hf_test_of_the_saved_endpoint_still_uses_the_stored_token(make_live, listener):
    listener.respond = hub_refuses
    server = make_live(hf_token=STORED_TOKEN, hf_endpoint=listener.url)
    with server.client() as c:
        assert c.post("/api/settings/huggingface/test", json={}).status_code == 200
        # Naming the saved endpoint (a trailing slash is the same endpoint) is not "another endpoint".
        assert c.post("/api/settings/huggingface/test", json={"endpoint": listener.url + "/"}).status_code == 200
    assert listener.header_values("Authorization") == [f"Bearer {STORED_TOKEN}"] * 2


def _hub_error_answer(status: int) -> Callable[[Seen], tuple[int, dict, bytes]]:
    """An error as the Hub words it (header and body): the importer quotes these from the Hub it was
    configured with, a test of another endpoint must not."""
    headers = {"Content-Type": "application/json", "X-Error-Message": BODY_MARKER}
    return lambda seen: (status, headers, f'{{"error": "{BODY_MARKER}"}}'.encode())


def test_hf_test_does_not_echo_what_an_arbitrary_host_answers(make_live, make_listener, banner):
    html, *worded = make_listener(), make_listener(), make_listener(), make_listener()
    for listener, status in zip(worded, (500, 404, 400), strict=True):
        listener.respond = _hub_error_answer(status)
    server = make_live()
    with server.client() as c:
        for endpoint in (html.url, banner, *(listener.url for listener in worded)):
            for token in (REQUEST_TOKEN, None):
                r = c.post("/api/settings/huggingface/test", json={"endpoint": endpoint, "token": token})
                assert r.status_code == 200 and r.json()["message"], r.text
                # Without a token, any 200 counts as reached: only a token makes the answer's body matter.
                assert r.json()["ok"] is False or (token is None and endpoint == html.url), r.text
                assert BODY_MARKER not in r.text and BANNER_MARKER not in r.text, r.text


# S3 connection test ---------------------------------------------------------------------------------


def _stored_key_signed(listener: Listener) -> list[str]:
    return [a for a in listener.header_values("Authorization") if a and f"Credential={ADMIN.access_key_id}/" in a]


def test_s3_test_with_another_endpoint_does_not_sign_with_the_stored_keys(make_live, listener):
    listener.respond = s3_error("AccessDenied", "Access Denied")
    server = make_live()
    with server.client() as c:
        r = c.post("/api/settings/s3/test", json={"endpoint": listener.url})
        assert r.status_code == 200 and r.json()["ok"] is False, r.text
    assert listener.requests
    assert _stored_key_signed(listener) == []
    assert listener.header_values("Authorization") == [None] * len(listener.requests)  # unsigned


def test_s3_test_with_another_endpoint_signs_only_with_the_keys_of_the_request(make_live, listener):
    listener.respond = s3_error("InvalidAccessKeyId", "The access key does not exist")
    server = make_live()
    with server.client() as c:
        r = c.post(
            "/api/settings/s3/test",
            json={"endpoint": listener.url, "access_key_id": "AKIAREQUEST", "secret_access_key": "request-secret"},
        )
        assert r.status_code == 200 and r.json()["ok"] is False, r.text
    assert listener.requests and _stored_key_signed(listener) == []
    assert all(a and "Credential=AKIAREQUEST/" in a for a in listener.header_values("Authorization"))


def test_s3_test_with_another_endpoint_never_borrows_the_stored_secret(make_live, s3_server):
    """The same SeaweedFS under another name: only the stored secret could make these succeed."""
    server = make_live()
    other = _localhost_alias(s3_server.endpoint)
    with server.client() as c:
        r = c.post("/api/settings/s3/test", json={"endpoint": other}).json()
        assert r["ok"] is False and r["error"] in ("NoCredentials", "AccessDenied"), r
        assert "key" in r["message"]
        r = c.post("/api/settings/s3/test", json={"endpoint": other, "access_key_id": ADMIN.access_key_id}).json()
        assert r["ok"] is False and r["error"] == "NoCredentials", r
        # With both keys in the request it works: the test is still useful for a new endpoint.
        r = c.post("/api/settings/s3/test", json={"endpoint": other, **asdict(ADMIN)}).json()
        assert r["ok"] is True, r
        # The saved endpoint keeps the stored keys.
        assert c.post("/api/settings/s3/test", json={}).json()["ok"] is True
        assert c.post("/api/settings/s3/test", json={"endpoint": s3_server.endpoint + "/"}).json()["ok"] is True


def test_s3_test_does_not_echo_what_an_arbitrary_host_answers(make_live, make_listener, banner):
    xml, html = make_listener(), make_listener()
    xml.respond = s3_error("SomethingOdd", BODY_MARKER, status=400)
    html.respond = lambda seen: (500, {"Content-Type": "text/html"}, f"<html>{BODY_MARKER}</html>".encode())
    server = make_live()
    keys = {"access_key_id": "AKIAREQUEST", "secret_access_key": "request-secret"}
    with server.client() as c:
        for endpoint in (xml.url, html.url, banner):
            for body in ({"endpoint": endpoint}, {"endpoint": endpoint, **keys}):
                r = c.post("/api/settings/s3/test", json=body)
                assert r.status_code == 200 and r.json()["ok"] is False, r.text
                assert r.json()["message"] and endpoint in r.json()["message"], r.text
                assert BODY_MARKER not in r.text and BANNER_MARKER not in r.text, r.text


# Proxy connection test ------------------------------------------------------------------------------


def test_proxy_test_never_sends_stored_proxy_credentials_to_another_proxy(make_live, listener, s3_server):
    stored = f"http://user:{PROXY_PASSWORD}@127.0.0.1:{free_port()}"
    server = make_live(http_proxy=stored, hf_endpoint=s3_server.endpoint)
    host = listener.url.removeprefix("http://")
    with server.client() as c:
        # The masked password sent back with another host is not the stored one.
        r = c.post("/api/settings/proxy/test", json={"http_proxy": f"http://user:***@{host}"})
        assert r.status_code in (200, 400), r.text
        assert PROXY_PASSWORD not in r.text
        r = c.post("/api/settings/proxy/test", json={"http_proxy": f"http://{host}"})
        assert r.status_code == 200 and r.json()["ok"] is True, r.text
        assert c.get("/api/settings").json()["proxy"]["http_proxy"] == f"http://user:***@{stored.split('@')[1]}"
    assert listener.requests  # the request went through the listener as a proxy...
    for seen in listener.requests:  # ...without the stored credentials
        assert "proxy-authorization" not in seen.headers
        assert PROXY_PASSWORD not in str(seen.headers)


def test_a_masked_proxy_password_for_another_host_is_refused(make_live, listener):
    stored = f"http://user:{PROXY_PASSWORD}@127.0.0.1:{free_port()}"
    server = make_live(http_proxy=stored)
    with server.client() as c:
        r = c.put("/api/settings/proxy", json={"http_proxy": f"http://user:***@{listener.url[7:]}"})
        assert r.status_code == 400 and PROXY_PASSWORD not in r.text
        assert server.services.settings.proxy.http_proxy == stored
        # The same host and user keep the stored password, as before.
        r = c.put("/api/settings/proxy", json={"http_proxy": stored.replace(PROXY_PASSWORD, "***")})
        assert r.status_code == 200 and server.services.settings.proxy.http_proxy == stored


def test_proxy_test_does_not_echo_what_a_proxy_answers(make_live, banner, s3_server):
    server = make_live(hf_endpoint=s3_server.endpoint)
    with server.client() as c:
        r = c.post("/api/settings/proxy/test", json={"http_proxy": banner})
        assert r.status_code == 200 and r.json()["ok"] is False, r.text
        assert "through the proxy" in r.json()["message"] and BANNER_MARKER not in r.text


# Link-local and metadata destinations ----------------------------------------------------------------


def _refused_fast(c: httpx.Client, method: str, path: str, body: dict) -> None:
    started = time.monotonic()
    r = c.request(method, path, json=body)
    assert r.status_code == 400, (path, body, r.text)
    assert r.json()["error"] == "DestinationNotAllowed", r.text
    assert time.monotonic() - started < 2.0, "a connection was attempted"


@pytest.mark.parametrize("url", METADATA_URLS)
def test_connection_tests_refuse_metadata_addresses(make_live, url):
    server = make_live(hf_token=STORED_TOKEN)
    with server.client() as c:
        _refused_fast(c, "POST", "/api/settings/s3/test", {"endpoint": url})
        _refused_fast(
            c, "POST", "/api/settings/s3/test", {"endpoint": url, "access_key_id": "a", "secret_access_key": "b"}
        )
        _refused_fast(c, "POST", "/api/settings/huggingface/test", {"endpoint": url})
        _refused_fast(c, "POST", "/api/settings/huggingface/test", {"endpoint": url, "token": REQUEST_TOKEN})
        _refused_fast(c, "POST", "/api/settings/proxy/test", {"http_proxy": url})


@pytest.mark.parametrize("url", METADATA_URLS[:3])
def test_settings_refuse_metadata_addresses_and_change_nothing(make_live, url):
    server = make_live()
    with server.client() as c:
        before = c.get("/api/settings").json()
        _refused_fast(c, "PUT", "/api/settings/s3", {"endpoint": url})
        _refused_fast(c, "PUT", "/api/settings/huggingface", {"endpoint": url})
        _refused_fast(c, "PUT", "/api/settings/proxy", {"https_proxy": url})
        assert c.get("/api/settings").json() == before


def test_a_configured_link_local_endpoint_stays_usable(make_live):
    """Set by the administrator (environment), not by a request: re-saving it is allowed."""
    server = make_live(aws_s3_endpoint="http://169.254.10.10:9000")
    with server.client() as c:
        r = c.put("/api/settings/s3", json={"endpoint": "http://169.254.10.10:9000/", "region": "eu-west-1"})
        assert r.status_code == 200, r.text


# netguard on its own ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/",
        "https://169.254.0.1:8443/x",
        "http://169.254.255.255",
        "http://[fd00:ec2::254]/",
        "http://[fe80::1]/",
        "http://[fe80::1%25eth0]:80/",
        "http://[febf::1]/",
        "http://[::ffff:169.254.169.254]/",
        "http://0xa9fea9fe/",
        "http://2852039166/",
    ],
)
async def test_netguard_refuses_link_local_and_metadata(url):
    with pytest.raises(DestinationNotAllowed) as caught:
        await check_destination(url, configured=["https://huggingface.co"])
    assert caught.value.status == 400 and caught.value.code == "DestinationNotAllowed"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9000",
        "http://localhost:8080/",
        "https://10.0.0.5/",
        "http://192.168.1.1",
        "http://[::1]:9000",
        "http://[fd00:ec2::253]/",
        "http://[fec0::1]/",
        "http://169.253.255.255/",
        "http://no-such-host.invalid/",  # an unknown name fails later, as unreachable
    ],
)
async def test_netguard_lets_other_destinations_through(url):
    await check_destination(url, configured=[])


async def test_netguard_allows_exactly_the_configured_endpoint():
    configured = ["http://169.254.169.254:80/", "http://[fd00:ec2::254]"]
    await check_destination("http://169.254.169.254/latest/meta-data", configured=configured)
    await check_destination("http://[FD00:EC2::254]:80/x", configured=configured)
    for other in ("http://169.254.169.254:8080/", "https://169.254.169.254/", "http://169.254.169.253/"):
        with pytest.raises(DestinationNotAllowed):
            await check_destination(other, configured=configured)


# The Hub client ----------------------------------------------------------------------------------------


def _redirect_to(location: str) -> Callable[[Seen], tuple[int, dict, bytes]]:
    return lambda seen: (302, {"Location": location}, b"")


async def test_hub_client_refuses_a_redirect_to_a_metadata_address(listener, live):
    listener.respond = _redirect_to("http://169.254.169.254/latest/meta-data/iam/")
    transport = HubTransport(live.services.settings, listener.url, STORED_TOKEN, connect_timeout=10)
    try:
        with pytest.raises(DestinationNotAllowed):
            await asyncio.wait_for(transport.send("GET", transport.url("/api/models/a/b")), 3)
    finally:
        await transport.aclose()


async def test_hub_client_still_follows_a_redirect_to_its_cdn(make_listener, live):
    hub, cdn = make_listener(), make_listener()
    cdn_url = _localhost_alias(cdn.url) + "/signed/blob?sig=abc"
    hub.respond = _redirect_to(cdn_url)
    cdn.respond = lambda seen: (200, {"Content-Type": "application/octet-stream"}, b"weights")
    transport = HubTransport(live.services.settings, hub.url, STORED_TOKEN)
    try:
        response = await transport.send("GET", transport.url("/a/b/resolve/main/model.bin"))
    finally:
        await transport.aclose()
    assert response.status_code == 200 and response.content == b"weights"
    assert hub.header_values("Authorization") == [f"Bearer {STORED_TOKEN}"]
    assert cdn.header_values("Authorization") == [None]  # the CDN never sees the token


# A saved secret does not follow its endpoint to a new server --------------------------------------


def test_moving_the_hub_endpoint_drops_the_stored_token(make_live):
    server = make_live(hf_token=STORED_TOKEN)
    with server.client() as c:
        moved = c.put("/api/settings/huggingface", json={"endpoint": "https://hub.example"}).json()
        assert moved["huggingface"] == {"endpoint": "https://hub.example", "token_set": False}
        assert server.services.settings.huggingface.token == ""
        given = c.put("/api/settings/huggingface", json={"endpoint": "https://mirror.example", "token": "hf_new"})
        assert given.json()["huggingface"]["token_set"] is True
        assert server.services.settings.huggingface.token == "hf_new"


def test_moving_the_s3_endpoint_drops_the_stored_secret(make_live):
    server = make_live()
    with server.client() as c:
        body = c.put("/api/settings/s3", json={"endpoint": "https://s3.other.example"}).json()
        assert body["s3"]["secret_access_key_set"] is False
        body = c.put(
            "/api/settings/s3",
            json={"endpoint": "https://s3.third.example", "access_key_id": "k", "secret_access_key": "s"},
        ).json()
        assert body["s3"]["secret_access_key_set"] is True
