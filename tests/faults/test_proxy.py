"""The fault proxy itself, in front of a small HTTP/1.1 echo server: keep-alive and framing survive it,
and each fault does what it says to the one request it hits."""

from __future__ import annotations

import hashlib
import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from .proxy import ANSWER, DELAY, DROP, DROP_RESPONSE, STALL, FaultProxy, Rule

pytestmark = pytest.mark.faults


class _Echo(BaseHTTPRequestHandler):
    """Answers every request with what it received: method, path, body size and hash, and which
    upstream connection carried it (the proxy's port on that connection)."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def _body(self) -> bytes:
        if "chunked" in (self.headers.get("transfer-encoding") or ""):
            data = b""
            while size := int(self.rfile.readline().split(b";")[0], 16):
                data += self.rfile.read(size)
                self.rfile.readline()
            self.rfile.readline()
            return data
        return self.rfile.read(int(self.headers.get("content-length") or 0))

    def _answer(self) -> None:
        body = self._body()
        reply = json.dumps(
            {
                "method": self.command,
                "path": self.path,
                "size": len(body),
                "sha256": hashlib.sha256(body).hexdigest(),
                "conn": self.client_address[1],
            }
        ).encode()
        if self.path.startswith("/big"):
            reply = b"x" * 100_000
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply)

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _answer


@pytest.fixture(scope="module")
def echo() -> Iterator[tuple[str, int]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    yield server.server_address[:2]
    server.shutdown()
    server.server_close()


@pytest.fixture
def proxy(echo) -> Iterator[FaultProxy]:
    with FaultProxy(echo) as p:
        yield p


def _connect(proxy: FaultProxy, timeout: float = 5) -> http.client.HTTPConnection:
    host, port = proxy.url.removeprefix("http://").split(":")
    return http.client.HTTPConnection(host, int(port), timeout=timeout)


def _request(conn: http.client.HTTPConnection, method: str, path: str, body=None, headers=None) -> tuple[int, bytes]:
    headers = headers or {}
    conn.request(method, path, body=body, headers=headers, encode_chunked="Transfer-Encoding" in headers)
    response = conn.getresponse()
    return response.status, response.read()


def test_keep_alive_and_framing_go_through(proxy):
    conn = _connect(proxy)
    payload = b"p" * 300_000
    status, body = _request(conn, "PUT", "/a?partNumber=1", payload)
    assert status == 200 and json.loads(body)["sha256"] == hashlib.sha256(payload).hexdigest()
    # A chunked body, a HEAD (a length but no body), and a plain GET, all on the same connection.
    chunks = iter([b"abc", b"defgh", b"i" * 70_000])
    status, body = _request(conn, "POST", "/b", chunks, {"Transfer-Encoding": "chunked"})
    assert json.loads(body)["size"] == 3 + 5 + 70_000
    assert _request(conn, "HEAD", "/c") == (200, b"")
    status, body = _request(conn, "GET", "/big")
    assert len(body) == 100_000
    conn.close()
    assert [e.conn for e in proxy.log.exchanges] == [1, 1, 1, 1]
    assert [e.status for e in proxy.log.exchanges] == [200, 200, 200, 200]


def test_answer_hits_the_nth_matching_request_only(proxy):
    proxy.add(Rule(ANSWER, method="PUT", path="partNumber=", nth=2, status=503, code="SlowDown"))
    conn = _connect(proxy)
    statuses = []
    for number in (1, 2, 3):
        status, body = _request(conn, "PUT", f"/key?partNumber={number}", b"data" * 1000)
        statuses.append(status)
        if status == 503:
            assert b"<Code>SlowDown</Code>" in body
    assert _request(conn, "GET", "/key?partNumber=9")[0] == 200  # another method: untouched
    assert statuses == [200, 503, 200]
    # The injected answer drained the body, so the connection stayed usable.
    assert {e.conn for e in proxy.log.exchanges} == {1}
    assert [e.action for e in proxy.log.find(method="PUT")] == ["forward", "answer", "forward"]


def test_a_rule_selects_by_header(proxy):
    proxy.add(Rule(ANSWER, method="PUT", where=lambda h: h.header("x-amz-copy-source") is not None, status=403))
    conn = _connect(proxy)
    assert _request(conn, "PUT", "/plain", b"x")[0] == 200
    assert _request(conn, "PUT", "/copy", b"", {"x-amz-copy-source": "b/k"})[0] == 403


def test_drop_at_once_or_after_request_bytes(proxy):
    proxy.add(Rule(DROP, path="^/first"))
    proxy.add(Rule(DROP, path="^/second", after_bytes=1000))
    conn = _connect(proxy)
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        _request(conn, "PUT", "/first", b"x" * 10)
    conn = _connect(proxy)
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        _request(conn, "PUT", "/second", b"y" * 500_000)
    conn = _connect(proxy)
    assert _request(conn, "PUT", "/third", b"z")[0] == 200  # each rule hit once
    assert [e.action for e in proxy.log.exchanges] == ["drop", "drop", "forward"]


def test_drop_response_after_bytes(proxy):
    proxy.add(Rule(DROP_RESPONSE, path="^/big", after_bytes=10_000))
    conn = _connect(proxy)
    conn.request("GET", "/big")
    response = conn.getresponse()
    with pytest.raises(http.client.IncompleteRead) as caught:
        response.read()
    assert len(caught.value.partial) == 10_000


def test_stall_answers_nothing_and_delay_answers_late(proxy):
    proxy.add(Rule(STALL, path="^/stall", seconds=5))
    proxy.add(Rule(DELAY, path="^/slow", seconds=0.5))
    conn = _connect(proxy, timeout=0.5)
    with pytest.raises(TimeoutError):
        _request(conn, "GET", "/stall")
    conn = _connect(proxy)
    started = time.monotonic()
    assert _request(conn, "GET", "/slow")[0] == 200
    assert time.monotonic() - started >= 0.5


def test_expect_100_continue_goes_through(proxy):
    body = b"e" * 50_000
    with socket.create_connection(proxy.url.removeprefix("http://").split(":"), timeout=5) as sock:
        sock.sendall(
            b"PUT /part?partNumber=1 HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
        )
        reader = sock.makefile("rb")
        assert reader.readline().startswith(b"HTTP/1.1 100")
        while reader.readline() not in (b"\r\n", b""):
            pass
        sock.sendall(body)
        assert reader.readline().startswith(b"HTTP/1.1 200")


def test_a_target_that_is_gone_closes_the_client_connection(proxy, echo):
    proxy.target = ("127.0.0.1", _unused_port())
    conn = _connect(proxy)
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        _request(conn, "GET", "/x")
    proxy.target = echo
    assert _request(_connect(proxy), "GET", "/x")[0] == 200


def _unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
