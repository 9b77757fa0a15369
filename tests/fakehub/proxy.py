"""A small HTTP forward proxy (absolute-form requests and CONNECT) that records what went through it.

Each proxied request gets its own upstream connection with `Connection: close` in both directions,
which keeps the relay a plain byte pipe. Loopback only; bounded by socket timeouts.
"""

from __future__ import annotations

import socket
import socketserver
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

_TIMEOUT = 60


@dataclass
class ProxiedRequest:
    method: str
    url: str  # absolute URL, or host:port for CONNECT


class ForwardProxy:
    def __init__(self, host: str = "127.0.0.1"):
        self.requests: list[ProxiedRequest] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                proxy._handle(self.request)

        self._server = socketserver.ThreadingTCPServer((host, 0), Handler, bind_and_activate=False)
        self._server.daemon_threads = True
        self._server.allow_reuse_address = True
        self._server.server_bind()
        self._server.server_activate()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> ForwardProxy:
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(5)

    def __enter__(self) -> ForwardProxy:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def hosts(self) -> set[str]:
        with self._lock:
            return {urlsplit(r.url).netloc if "://" in r.url else r.url for r in self.requests}

    # Relay ---------------------------------------------------------------------------------------

    def _handle(self, client: socket.socket) -> None:
        client.settimeout(_TIMEOUT)
        try:
            head, rest = _read_head(client)
            if head is None:
                return
            lines = head.split(b"\r\n")
            method, target, version = lines[0].decode("latin-1").split(" ", 2)
            with self._lock:
                self.requests.append(ProxiedRequest(method, target))
            if method == "CONNECT":
                host, _, port = target.rpartition(":")
                upstream = socket.create_connection((host, int(port)), timeout=_TIMEOUT)
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                _pipe_both(client, upstream, rest)
                return
            parts = urlsplit(target)
            origin_form = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            headers = [
                line
                for line in lines[1:]
                if line and not line.lower().startswith((b"proxy-", b"connection:", b"keep-alive:"))
            ]
            request = b"\r\n".join(
                [f"{method} {origin_form} {version}".encode("latin-1"), *headers, b"Connection: close", b"", b""]
            )
            upstream = socket.create_connection((parts.hostname, parts.port or 80), timeout=_TIMEOUT)
            upstream.sendall(request + rest)
            _relay_response(client, upstream)
        except (OSError, ValueError):
            pass
        finally:
            try:
                client.close()
            except OSError:
                pass


def _read_head(sock: socket.socket) -> tuple[bytes | None, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        piece = sock.recv(65536)
        if not piece:
            return None, b""
        data += piece
        if len(data) > 1 << 20:
            return None, b""
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


def _read_more_head(sock: socket.socket, buffered: bytes) -> tuple[bytes | None, bytes]:
    data = buffered
    while b"\r\n\r\n" not in data:
        piece = sock.recv(65536)
        if not piece:
            return None, b""
        data += piece
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


def _pump(src: socket.socket, dst: socket.socket) -> None:
    try:
        while True:
            piece = src.recv(1 << 18)
            if not piece:
                break
            dst.sendall(piece)
    except OSError:
        pass
    finally:
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def _pipe_both(client: socket.socket, upstream: socket.socket, first: bytes) -> None:
    if first:
        upstream.sendall(first)
    thread = threading.Thread(target=_pump, args=(client, upstream), daemon=True)
    thread.start()
    _pump(upstream, client)
    thread.join(_TIMEOUT)
    upstream.close()


def _relay_response(client: socket.socket, upstream: socket.socket) -> None:
    """Copy the request body upstream while the answer comes back; mark the answer `Connection: close`."""
    sender = threading.Thread(target=_pump, args=(client, upstream), daemon=True)
    sender.start()
    try:
        head, rest = _read_head(upstream)
        # Interim answers (100 Continue to an upload) pass through untouched; the final one follows.
        while head is not None and head[9:10] == b"1":
            client.sendall(head + b"\r\n\r\n")
            head, rest = _read_more_head(upstream, rest)
        if head is None:
            return
        lines = [line for line in head.split(b"\r\n") if not line.lower().startswith((b"connection:", b"keep-alive:"))]
        client.sendall(b"\r\n".join([*lines, b"Connection: close", b"", b""]) + rest)
        while True:
            piece = upstream.recv(1 << 18)
            if not piece:
                break
            client.sendall(piece)
    finally:
        upstream.close()
