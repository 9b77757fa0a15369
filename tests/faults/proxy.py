"""A fault-injecting HTTP/1.1 proxy: it sits in front of one server and, request by request, forwards
untouched or breaks the exchange on purpose.

    with FaultProxy(("127.0.0.1", s3_port)) as proxy:          # point the client at proxy.url
        proxy.add(Rule(ANSWER, method="PUT", path="partNumber=", status=503, code="SlowDown", times=2))
        proxy.add(Rule(DROP, path="uploadId=", after_bytes=1 << 20))  # cut a request body after 1 MiB
        proxy.add(Rule(STALL, method="PUT"))                     # take the request, never answer
        proxy.log.find(method="PUT")                             # every request and what was done to it
        proxy.target = ("127.0.0.1", new_port)                   # follow a server restarted elsewhere

Each client connection gets a thread and its own upstream connection, kept across requests while both
sides keep the connection alive: keep-alive works through the proxy, and a rule hits one request, not
a connection. Requests are framed by Content-Length or chunked encoding, responses also by "until
close"; `Expect: 100-continue` goes through (S3 clients send it before a part). Clients do not
pipeline, so a connection carries one exchange at a time.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

# What a rule does to the request it hits (every other request is forwarded untouched).
DROP = "drop"  # close both sides: at once, or once `after_bytes` of the request body went upstream
DROP_RESPONSE = "drop_response"  # forward, relay the response head and `after_bytes` of its body, close
STALL = "stall"  # read the request (not a body held back by Expect), answer nothing for `seconds`, close
DELAY = "delay"  # wait `seconds`, then forward
ANSWER = "answer"  # answer `status` with an S3 XML error `code` instead of forwarding

_CHUNK = 64 * 1024
_MAX_LINE = 64 * 1024
_MAX_HEAD = 256 * 1024
_NO_BODY_STATUS = (204, 304)


@dataclass
class Head:
    """A request or response head as it came, raw bytes kept so it can be sent on unchanged."""

    start: str  # request line or status line
    headers: list[tuple[str, str]]
    raw: bytes

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)

    @property
    def method(self) -> str:
        return self.start.split(" ", 1)[0]

    @property
    def target(self) -> str:
        parts = self.start.split(" ")
        return parts[1] if len(parts) > 1 else ""

    @property
    def status(self) -> int:
        parts = self.start.split(" ")
        return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0

    @property
    def chunked(self) -> bool:
        return "chunked" in (self.header("transfer-encoding") or "").lower()

    @property
    def length(self) -> int | None:
        value = self.header("content-length")
        return int(value) if value and value.strip().isdigit() else None

    @property
    def expects_continue(self) -> bool:
        return (self.header("expect") or "").lower() == "100-continue"

    @property
    def closes(self) -> bool:
        connection = (self.header("connection") or "").lower()
        return "close" in connection or (self.start.startswith("HTTP/1.0") and "keep-alive" not in connection)


@dataclass
class Rule:
    """Which requests a fault hits: `method`, a regex searched in the request target (`path`), and
    `where`, any test on the head (e.g. that a header is there). It skips the first `nth - 1` matching
    requests, then hits `times` of them (None: every one from then on)."""

    action: str
    method: str | None = None
    path: str | None = None
    where: Callable[[Head], bool] | None = None
    nth: int = 1
    times: int | None = 1
    after_bytes: int | None = None
    seconds: float | None = None  # STALL: None = until the proxy stops
    status: int = 503
    code: str = "SlowDown"
    message: str = "Please reduce your request rate."
    seen: int = 0
    hits: int = 0

    def matches(self, head: Head) -> bool:
        if self.method and head.method != self.method:
            return False
        if self.path and not re.search(self.path, head.target):
            return False
        return self.where is None or self.where(head)


@dataclass
class Exchange:
    """One request through the proxy: on which client connection, and what became of it."""

    conn: int
    method: str
    target: str
    action: str = "forward"
    status: int | None = None  # the status the client was sent, None when it got none
    started: float = field(default_factory=time.monotonic)


class ExchangeLog:
    def __init__(self) -> None:
        self.exchanges: list[Exchange] = []
        self._lock = threading.Lock()

    def add(self, exchange: Exchange) -> Exchange:
        with self._lock:
            self.exchanges.append(exchange)
        return exchange

    def find(self, method: str | None = None, path: str | None = None, action: str | None = None) -> list[Exchange]:
        with self._lock:
            found = list(self.exchanges)
        return [
            e
            for e in found
            if (method is None or e.method == method)
            and (path is None or re.search(path, e.target))
            and (action is None or e.action == action)
        ]

    def clear(self) -> None:
        with self._lock:
            self.exchanges.clear()


class _Cut(Exception):
    """The byte budget of a DROP rule is spent: close both sides."""


class _Meter:
    """Sends to a socket; once `budget` bytes have gone (None: no budget) it sends no more and cuts."""

    def __init__(self, sock: socket.socket | _Sink, budget: int | None = None):
        self.sock, self.budget, self.sent = sock, budget, 0

    def send(self, data: bytes) -> None:
        if self.budget is not None and self.sent + len(data) > self.budget:
            self.sock.sendall(data[: self.budget - self.sent])
            raise _Cut
        self.sock.sendall(data)
        self.sent += len(data)


def read_head(reader) -> Head | None:
    """The next head on a connection; None at a clean end of stream (between exchanges)."""
    lines: list[bytes] = []
    size = 0
    while True:
        line = reader.readline(_MAX_LINE)
        if not line:
            if lines:
                raise ConnectionError("the connection closed inside a head")
            return None
        if not lines and line in (b"\r\n", b"\n"):
            continue  # stray blank line between messages
        size += len(line)
        if size > _MAX_HEAD:
            # Not a head: a body whose framing was lost. Kept, it would grow for as long as the
            # client sends (once 20 GB in a test run that went wrong).
            raise ConnectionError(f"no end of head within {_MAX_HEAD} bytes")
        lines.append(line)
        if line in (b"\r\n", b"\n"):
            break
    text = [raw.decode("latin-1").rstrip("\r\n") for raw in lines[:-1]]
    headers = [(k.strip(), v.strip()) for k, _, v in (line.partition(":") for line in text[1:])]
    return Head(text[0], headers, b"".join(lines))


def copy_body(reader, out: _Meter, head: Head, *, until_close: bool = False) -> None:
    """Relay the body that `head` announces, framing included."""
    if head.chunked:
        while True:
            line = reader.readline(_MAX_LINE)
            if not line:
                raise ConnectionError("the connection closed inside a chunked body")
            out.send(line)
            size = int(line.split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while True:  # trailers, up to the empty line
                    line = reader.readline(_MAX_LINE)
                    out.send(line)
                    if line in (b"\r\n", b"\n", b""):
                        return
            _copy_exact(reader, out, size + 2)  # data and its CRLF
    elif head.length is not None:
        _copy_exact(reader, out, head.length)
    elif until_close:
        while data := reader.read1(_CHUNK):
            out.send(data)


def _copy_exact(reader, out: _Meter, count: int) -> None:
    while count > 0:
        data = reader.read1(min(count, _CHUNK))
        if not data:
            raise ConnectionError("the connection closed inside a body")
        out.send(data)
        count -= len(data)


def s3_error(status: int, code: str, message: str, *, head_only: bool = False, close: bool = False) -> bytes:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message><RequestId>fault-proxy</RequestId></Error>"
    ).encode()
    lines = [
        f"HTTP/1.1 {status} {code}",
        "Content-Type: application/xml",
        f"Content-Length: {len(body)}",
        "x-amz-request-id: fault-proxy",
        f"Connection: {'close' if close else 'keep-alive'}",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (b"" if head_only else body)


class FaultProxy:
    def __init__(self, target: tuple[str, int], host: str = "127.0.0.1"):
        self.target = target
        self.rules: list[Rule] = []
        self.log = ExchangeLog()
        self.connections = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._open: set[socket.socket] = set()
        self._listener = socket.create_server((host, 0))
        self._thread = threading.Thread(target=self._accept, name="fault-proxy", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._listener.getsockname()[:2]
        return f"http://{host}:{port}"

    # Rules ---------------------------------------------------------------------------------------

    def add(self, rule: Rule) -> Rule:
        with self._lock:
            self.rules.append(rule)
        return rule

    def reset(self) -> None:
        """No rules, an empty log: between tests that share the proxy."""
        with self._lock:
            self.rules.clear()
        self.log.clear()

    def _take(self, head: Head) -> Rule | None:
        """The first rule that hits this request (each matching rule counts it as seen)."""
        with self._lock:
            chosen = None
            for rule in self.rules:
                if not rule.matches(head):
                    continue
                rule.seen += 1
                if chosen is None and rule.seen >= rule.nth and (rule.times is None or rule.hits < rule.times):
                    rule.hits += 1
                    chosen = rule
            return chosen

    # Life cycle ----------------------------------------------------------------------------------

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        _close(self._listener)  # shutdown() wakes the accept() that close() alone would leave blocked
        with self._lock:
            sockets = list(self._open)
        for sock in sockets:
            _close(sock)
        self._thread.join(5)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.add(sock)

    def _untrack(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            self._open.discard(sock)
        _close(sock)

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
                number = self.connections
            self._track(client)
            threading.Thread(target=self._serve, args=(client, number), daemon=True).start()

    # One client connection -----------------------------------------------------------------------

    def _serve(self, client: socket.socket, number: int) -> None:
        upstream: socket.socket | None = None
        try:
            reader = client.makefile("rb")
            up_reader = None
            while not self._stopping.is_set():
                head = read_head(reader)
                if head is None:
                    return
                rule = self._take(head)
                exchange = self.log.add(Exchange(number, head.method, head.target, rule.action if rule else "forward"))
                if rule is not None and rule.action == DROP and rule.after_bytes is None:
                    return
                if rule is not None and rule.action == STALL:
                    if not head.expects_continue:
                        copy_body(reader, _Meter(_Sink()), head)
                    self._stopping.wait(rule.seconds)
                    return
                if rule is not None and rule.action == ANSWER:
                    # A body held back by Expect: 100-continue never comes: answer, then close, as
                    # servers do, since what the client sends next cannot be framed.
                    close = head.expects_continue or head.closes
                    if not head.expects_continue:
                        copy_body(reader, _Meter(_Sink()), head)
                    head_only = head.method == "HEAD"
                    client.sendall(s3_error(rule.status, rule.code, rule.message, head_only=head_only, close=close))
                    exchange.status = rule.status
                    if close:
                        return
                    continue
                if rule is not None and rule.action == DELAY:
                    self._stopping.wait(rule.seconds or 0)
                if upstream is None:
                    try:
                        upstream = socket.create_connection(self.target, timeout=10)
                    except OSError:
                        return  # nothing listens there: the client sees its connection closed
                    upstream.settimeout(None)
                    self._track(upstream)
                    up_reader = upstream.makefile("rb")
                if not self._exchange(head, rule, exchange, reader, client, upstream, up_reader):
                    return
        except (OSError, ValueError, _Cut):
            return
        finally:
            self._untrack(upstream)
            self._untrack(client)

    def _exchange(self, head, rule, exchange, reader, client, upstream, up_reader) -> bool:
        """Forward one request and relay its response; whether the connection can carry another."""
        request_budget = rule.after_bytes if rule is not None and rule.action == DROP else None
        response_budget = rule.after_bytes if rule is not None and rule.action == DROP_RESPONSE else None
        upstream.sendall(head.raw)
        if head.expects_continue:
            interim = read_head(up_reader)
            if interim is None:
                return False
            client.sendall(interim.raw)
            if interim.status != 100:  # a final answer before the body: relay it and stop here
                exchange.status = interim.status
                copy_body(up_reader, _Meter(client), interim, until_close=True)
                return False
        copy_body(reader, _Meter(upstream, request_budget), head)
        while True:
            response = read_head(up_reader)
            if response is None:
                return False
            if response.status < 100 or response.status >= 200 or response.status == 101:
                break
            client.sendall(response.raw)  # another interim answer
        exchange.status = response.status
        client.sendall(response.raw)
        bodiless = head.method == "HEAD" or response.status in _NO_BODY_STATUS
        framed = response.chunked or response.length is not None
        if not bodiless:
            copy_body(up_reader, _Meter(client, response_budget), response, until_close=not framed)
        return not (head.closes or response.closes or (not bodiless and not framed))


class _Sink:
    """A socket stand-in that throws bytes away (request bodies the proxy answers itself)."""

    def sendall(self, data: bytes) -> None:
        pass


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
