"""Helpers for the API tests: location ids, fresh local folders, a loopback
pass-through in front of the real SeaweedFS that denies ListBuckets the way an AWS IAM policy scoped
to one bucket does (SeaweedFS itself filters the list instead of denying it), and the fake Hub
(`tests/fakehub`) for the Hugging Face connection test."""

from __future__ import annotations

import http.client
import http.server
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import SCOPED_BUCKET, empty_and_delete_bucket
from fakehub import FakeHub

from .helpers import GOOD_HF_TOKEN


@pytest.fixture(scope="session")
def local_id(live) -> str:
    locations = live.services.locations.local
    assert len(locations) == 1
    return locations[0].id


@pytest.fixture
def local_dir(local_root) -> tuple[Path, str]:
    """A fresh folder inside the shared local location: (its path, its prefix)."""
    name = f"t-{uuid.uuid4().hex[:10]}"
    path = local_root / name
    path.mkdir()
    return path, f"{name}/"


@pytest.fixture(scope="session")
def scoped_bucket(s3) -> Iterator[str]:
    s3.create_bucket(Bucket=SCOPED_BUCKET)
    yield SCOPED_BUCKET
    empty_and_delete_bucket(s3, SCOPED_BUCKET)


# A pass-through proxy that denies ListBuckets ------------------------------------------------------

_DENIED = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
    b"<Message>Access Denied</Message><Resource>/</Resource></Error>"
)
_HOP = {"connection", "keep-alive", "transfer-encoding", "expect", "proxy-connection"}


class _DenyListBuckets(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    upstream: tuple[str, int]
    requests: list

    def log_message(self, *args) -> None:  # quiet
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        type(self).requests.append((self.command, self.path, body[:4096]))
        if self.command == "GET" and self.path.split("?")[0] == "/":
            self.send_response(403)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(_DENIED)))
            self.end_headers()
            self.wfile.write(_DENIED)
            return
        # The Host header is forwarded unchanged, so the SigV4 signature still verifies upstream.
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
        conn = http.client.HTTPConnection(*type(self).upstream, timeout=60)
        try:
            conn.request(self.command, self.path, body=body, headers=headers)
            answer = conn.getresponse()
            data = answer.read()
        finally:
            conn.close()
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in _HOP and (name.lower() != "content-length" or self.command == "HEAD"):
                self.send_header(name, value)
        if self.command != "HEAD":
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle


@pytest.fixture(scope="session")
def deny_list_proxy(s3_server) -> Iterator[type]:
    """The real SeaweedFS behind a loopback pass-through where ListBuckets is denied. Yields the
    handler class: `.endpoint` is the URL, `.requests` the (method, path, body head) it saw."""
    host, port = s3_server.endpoint.removeprefix("http://").split(":")
    handler = type("Handler", (_DenyListBuckets,), {"upstream": (host, int(port)), "requests": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    handler.endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    yield handler
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def deny_list_endpoint(deny_list_proxy) -> str:
    return deny_list_proxy.endpoint


# The fake Hub, for whoami ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def fake_hub() -> Iterator[str]:
    """The fake Hub's URL; its whoami knows GOOD_HF_TOKEN (alice's token "ci-read") and refuses others."""
    with FakeHub() as hub:
        hub.add_token(GOOD_HF_TOKEN, "alice", name="ci-read")
        yield hub.url
