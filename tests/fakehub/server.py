"""The fake Hugging Face Hub: a Hub server on 127.0.0.1 and an LFS/CDN server on 127.0.0.2.

It speaks the subset of the Hub protocol that a downloader needs (docs in
`shared/reference/hf-import.md` §1 and §3.2): repo info, the paginated tree, resolve with 302s of LFS
files to signed URLs on a *different host*, refs, auth-check, whoami, and the Hub's error headers.
Both the real `huggingface_hub` client and our importer accept it (see the contract test).

Everything is bounded: stalls end after their `seconds` or when the hub stops, and every thread is a
daemon. Nothing listens beyond loopback.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json
import secrets
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, unquote, urlsplit

from . import faults as F
from .content import Content
from .faults import Fault, FaultSet
from .log import Request, RequestLog
from .repos import FakeRepo, RepoFile

_ACTIONS = {"revision", "tree", "auth-check", "refs", "xet-read-token", "paths-info", "commits"}
_TEXT_SUFFIXES = (".json", ".txt", ".md", ".py", ".jsonl", ".csv", ".yaml", ".yml")
INVALID_CREDENTIALS = "Invalid credentials in Authorization header"


class _Pacer:
    """Spreads bytes over time at `rate` bytes/s; shared by threads when the whole hub is throttled."""

    def __init__(self, rate: float):
        self.rate = float(rate)
        self._next = time.monotonic()
        self._lock = threading.Lock()

    def wait(self, n: int, stop: threading.Event) -> None:
        """Call before sending `n` bytes: sleeps until they fit the rate (the body ends with its last byte)."""
        with self._lock:
            now = time.monotonic()
            self._next = max(now, self._next) + n / self.rate
            delay = self._next - now
        if delay > 0:
            stop.wait(delay)

    def piece(self, chunk: int) -> int:
        """Send in pieces of about 1/20 s, so pacing stays smooth."""
        return max(1024, min(chunk, int(self.rate / 20)))


class FakeHub:
    """Start with `with FakeHub() as hub:` (or `.start()` / `.stop()`); add repos with `add_repo`."""

    def __init__(
        self,
        *,
        page_size: int = 1000,
        host: str = "127.0.0.1",
        lfs_host: str = "127.0.0.2",
        gzip_text: bool = True,
        url_ttl: float = 3600,
        rate: float | None = None,
        lfs_max_whole_get: int | None = None,
        chunk_size: int = 256 * 1024,
    ):
        self.page_size = page_size
        self.gzip_text = gzip_text  # compress text files when the client accepts gzip, like the Hub
        self.url_ttl = url_ttl  # lifetime of the signed LFS URLs
        self.pacer = _Pacer(rate) if rate else None  # one rate for every body, both hosts
        self.lfs_max_whole_get = lfs_max_whole_get  # LFS host refuses whole-file GETs above this (400)
        self.chunk_size = chunk_size
        self.repos: dict[tuple[str, str], FakeRepo] = {}
        self.renamed: dict[tuple[str, str], str] = {}
        self.tokens: dict[str, str] = {}  # token -> user name
        self.token_names: dict[str, str] = {}  # token -> the name its owner gave it (whoami's displayName)
        self.faults = FaultSet()
        self.log = RequestLog()
        self._secret = secrets.token_bytes(16)
        self._blobs: dict[str, tuple[Content, set[str]]] = {}
        self._blobs_lock = threading.Lock()
        self._stopping = threading.Event()
        self._hub = _Server((host, 0), _HubHandler, self)
        self._lfs = _Server((lfs_host, 0), _LfsHandler, self)
        self._threads: list[threading.Thread] = []

    # Life cycle ----------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._hub.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def lfs_url(self) -> str:
        host, port = self._lfs.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeHub:
        for server in (self._hub, self._lfs):
            thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stopping.set()
        for server in (self._hub, self._lfs):
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(5)

    def __enter__(self) -> FakeHub:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # Content -------------------------------------------------------------------------------------

    def add_repo(
        self,
        repo_id: str,
        files: dict | None = None,
        *,
        repo_type: str = "model",
        private: bool = False,
        gated: bool | str = False,
        lfs=None,
        lfs_rule=None,
    ) -> FakeRepo:
        """Create a repo; `files` ({path: bytes|str|Content}) become the first commit on `main`.

        `lfs` lists the LFS paths (default: by extension, like a usual .gitattributes)."""
        repo = FakeRepo(repo_id, repo_type, private=private, gated=gated, lfs_rule=lfs_rule)
        self.repos[(repo_type, repo_id)] = repo
        if files is not None:
            repo.commit(files, lfs=lfs)
        return repo

    def repo(self, repo_id: str, repo_type: str = "model") -> FakeRepo:
        return self.repos[(repo_type, repo_id)]

    def add_token(self, token: str, user: str = "user", name: str = "test") -> str:
        """Make `token` valid: whoami answers for it with `user` and the token's `name`; any other token
        is refused everywhere with 401, as the Hub does."""
        self.tokens[token] = user
        self.token_names[token] = name
        return token

    def rename(self, old_id: str, new_id: str, repo_type: str = "model") -> None:
        """Requests for `old_id` get a 307 to `new_id`, as the Hub does after a repo rename."""
        self.renamed[(repo_type, old_id)] = new_id

    # Faults and observations ---------------------------------------------------------------------

    def inject(self, kind: str, **kwargs) -> Fault:
        """Add a fault (see `fakehub.faults` for kinds and fields); returns it (its `hits` count)."""
        return self.faults.add(Fault(kind, **kwargs))

    def reset(self) -> None:
        """Forget faults and the request log (repos and tokens stay)."""
        self.faults.clear()
        self.log.reset()

    # Signed LFS URLs -----------------------------------------------------------------------------

    def _signature(self, sha256: str, expires: int) -> str:
        return hmac.new(self._secret, f"{sha256}:{expires}".encode(), hashlib.sha256).hexdigest()

    def signed_url(self, repo_file: RepoFile, repo_id: str | None = None) -> str:
        sha = repo_file.sha256
        with self._blobs_lock:
            _content, names = self._blobs.setdefault(sha, (repo_file.content, set()))
            names.add(repo_file.path)
        expires = int(time.time() + self.url_ttl)
        name = quote(repo_file.path.rsplit("/", 1)[-1])
        return (
            f"{self.lfs_url}/repos/{sha[:2]}/{sha[2:4]}/{sha}?X-Amz-Expires={int(self.url_ttl)}"
            f"&Expires={expires}&X-Amz-Signature={self._signature(sha, expires)}"
            f"&response-content-disposition=attachment%3B%20filename%3D{name}"
            f"&path={quote(repo_file.path, safe='')}" + (f"&repo={quote(repo_id, safe='')}" if repo_id else "")
        )

    def blob(self, sha256: str) -> Content | None:
        with self._blobs_lock:
            found = self._blobs.get(sha256)
        return found[0] if found else None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128

    def __init__(self, address, handler, hub: FakeHub):
        self.hub = hub
        super().__init__(address, handler)

    def handle_error(self, request, client_address) -> None:
        # Clients hang up mid-body on purpose (cancel, resume tests): not worth a traceback.
        import sys

        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    host_name = "hub"
    server: _Server

    @property
    def hub(self) -> FakeHub:
        return self.server.hub

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    # Request plumbing ----------------------------------------------------------------------------

    def _begin(self) -> None:
        raw = self.path
        if raw.startswith(("http://", "https://")):  # absolute-form, as a proxy may forward it
            parts = urlsplit(raw)
            raw = parts.path + (f"?{parts.query}" if parts.query else "")
        self.raw_path, _, self.query_string = raw.partition("?")
        self.query = {k: v[-1] for k, v in parse_qs(self.query_string).items()}
        self.record = Request(
            self.host_name,
            self.command,
            raw,
            {k.lower(): v for k, v in self.headers.items()},
            file=self.query.get("path") if self.host_name == "lfs" else None,
        )
        self.record.repo = self.request_repo()
        self.hub.log.begin(self.record)

    def _end(self) -> None:
        self.record.ended = time.monotonic()

    def do_GET(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        self._begin()
        try:
            # LFS URLs carry the repo path as a query parameter: faults can target a file on either host.
            target = unquote(self.raw_path) + "|" + self.query.get("path", "")
            for fault in self.hub.faults.take(self.host_name, self.command, target, {F.STATUS}, self.record.repo):
                self._fault_status(fault)
                return
            self.route()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.close_connection = True
        finally:
            self._end()

    def request_repo(self) -> str | None:
        """The repo id this request names, for faults scoped to one repo and for the log."""
        raise NotImplementedError

    def route(self) -> None:
        raise NotImplementedError

    def send(
        self,
        status: int,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        content_type: str = "application/json",
    ) -> None:
        self.record.status = status
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)
            self.record.bytes_sent += len(body)

    def send_json(self, status: int, data, headers: dict[str, str] | None = None) -> None:
        self.send(status, json.dumps(data).encode(), headers)

    def error(self, status: int, code: str | None, message: str, headers: dict[str, str] | None = None) -> None:
        extra = {"X-Error-Message": message, **(headers or {})}
        if code:
            extra["X-Error-Code"] = code
        self.send_json(status, {"error": message}, extra)

    def _fault_status(self, fault: Fault) -> None:
        headers = dict(fault.headers)
        if fault.status == 429:
            headers.setdefault("RateLimit", f'"resolvers";r=0;t={fault.reset}')
            headers.setdefault("RateLimit-Policy", '"fixed window";"resolvers";q=3000;w=300')
            if fault.retry_after is not None:
                headers["Retry-After"] = str(fault.retry_after)
            message = "You have been rate-limited; you can retry this action in about 1 minute."
        else:
            message = f"Injected error {fault.status}"
        self.error(fault.status, None, message, headers)

    # Bodies --------------------------------------------------------------------------------------

    def serve_content(
        self, content: Content, *, etag: str, file: str, headers: dict[str, str], allow_gzip: bool = False
    ) -> None:
        """200/206/416 for `content`, honouring one Range, with body faults applied."""
        self.record.file = file
        size = content.size
        range_header = self.headers.get("Range")
        body_faults: list[Fault] = []
        if self.command == "GET":
            repo = self.record.repo
            body_faults = self.hub.faults.take(
                self.host_name, self.command, file, F.BODY_KINDS - {F.IGNORE_RANGE}, repo
            )
            # Only a request that asks for a range uses up an ignore-range fault.
            if range_header and self.hub.faults.take(self.host_name, self.command, file, {F.IGNORE_RANGE}, repo):
                range_header = None
        common = {"ETag": f'"{etag}"', "Accept-Ranges": "bytes", **headers}
        start, end, status = 0, size, 200
        if range_header:
            parsed = _parse_range(range_header, size)
            if parsed is None:
                self.send(416, b"", {**common, "Content-Range": f"bytes */{size}"})
                return
            start, end = parsed
            status = 206
            common["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
        elif (
            self.host_name == "lfs"
            and self.hub.lfs_max_whole_get is not None
            and size > self.hub.lfs_max_whole_get
            and self.command == "GET"
        ):
            self.send(
                400,
                b"<Error><Code>InvalidRequest</Code><Message>Use Range requests</Message></Error>",
                content_type="application/xml",
            )
            return
        accepts_gzip = "gzip" in (self.headers.get("Accept-Encoding") or "")
        if (
            allow_gzip
            and self.hub.gzip_text
            and accepts_gzip
            and status == 200
            and file.endswith(_TEXT_SUFFIXES)
            and 0 < size <= 32 << 20
        ):
            body = gzip.compress(content.read())
            self.send(200, body, {**common, "Content-Encoding": "gzip"}, content_type="text/plain")
            return
        self.record.status = status
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(end - start))
        for name, value in common.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command == "HEAD":
            return
        self._send_body(content, start, end, body_faults)

    def _send_body(self, content: Content, start: int, end: int, body_faults: list[Fault]) -> None:
        hub = self.hub
        cut = next((f for f in body_faults if f.kind in (F.DISCONNECT, F.STALL)), None)
        cut_at = start + cut.after_bytes if cut else None
        corrupt = [f.offset for f in body_faults if f.kind == F.CORRUPT and start <= f.offset < end]
        throttle = next((f for f in body_faults if f.kind == F.THROTTLE), None)
        own_pacer = _Pacer(throttle.rate) if throttle else None
        pos = start
        chunk = hub.chunk_size
        for pacer in (hub.pacer, own_pacer):
            if pacer is not None:
                chunk = pacer.piece(chunk)
        hub.log.body_started(self.record)
        try:
            for piece in content.chunks(start, end, chunk):
                if hub._stopping.is_set():
                    raise ConnectionAbortedError
                for offset in corrupt:
                    if pos <= offset < pos + len(piece):
                        mutable = bytearray(piece)
                        mutable[offset - pos] ^= 0xFF
                        piece = bytes(mutable)
                if cut_at is not None and pos + len(piece) >= cut_at:
                    piece = piece[: cut_at - pos]
                    self._write(piece, own_pacer)
                    pos += len(piece)
                    if cut.kind == F.STALL:
                        hub._stopping.wait(cut.seconds)
                    self._hang_up()
                    return
                self._write(piece, own_pacer)
                pos += len(piece)
        finally:
            hub.log.body_ended(self.record)

    def _write(self, piece: bytes, own_pacer: _Pacer | None) -> None:
        for pacer in (self.hub.pacer, own_pacer):
            if pacer is not None:
                pacer.wait(len(piece), self.hub._stopping)
        if piece:
            self.wfile.write(piece)
            self.record.bytes_sent += len(piece)

    def _hang_up(self) -> None:
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class _HubHandler(_Handler):
    host_name = "hub"

    def _segments(self) -> list[str]:
        return [unquote(s) for s in self.raw_path.split("/")[1:]]

    def request_repo(self) -> str | None:
        segments = self._segments()  # the same reading as `route`
        if len(segments) >= 3 and segments[0] == "api" and segments[1] in ("models", "datasets"):
            return self._split_id(segments[1][:-1], segments[2:], _ACTIONS)[0]
        if "resolve" in segments:
            start = 1 if segments[0] == "datasets" else 0
            return "/".join(segments[start : segments.index("resolve")])
        return None

    def route(self) -> None:
        token = _bearer(self.headers.get("Authorization"))
        if token is not None and token not in self.hub.tokens:
            self.error(401, None, INVALID_CREDENTIALS)
            return
        segments = self._segments()
        if segments[:2] == ["api", "whoami-v2"]:
            self._whoami(token)
        elif len(segments) >= 3 and segments[0] == "api" and segments[1] in ("models", "datasets"):
            self._api(segments[1][:-1], segments[2:], token)
        elif segments and segments[0] == "datasets" and "resolve" in segments:
            self._resolve("dataset", segments[1:], token)
        elif "resolve" in segments:
            self._resolve("model", segments, token)
        else:
            self.error(404, None, "Sorry, we can't find the page you are looking for.")

    # Helpers -------------------------------------------------------------------------------------

    def _split_id(self, repo_type: str, rest: list[str], marker_set: set[str]) -> tuple[str, list[str]]:
        if len(rest) >= 2 and (
            (repo_type, f"{rest[0]}/{rest[1]}") in self.hub.repos
            or (repo_type, f"{rest[0]}/{rest[1]}") in self.hub.renamed
        ):
            return f"{rest[0]}/{rest[1]}", rest[2:]
        if len(rest) >= 2 and rest[1] in marker_set:
            return rest[0], rest[1:]
        if len(rest) >= 2:
            return f"{rest[0]}/{rest[1]}", rest[2:]
        return rest[0], rest[1:]

    def _redirect_renamed(self, repo_type: str, repo_id: str) -> bool:
        new_id = self.hub.renamed.get((repo_type, repo_id))
        if new_id is None:
            return False
        raw_old = "/".join(quote(p) for p in repo_id.split("/"))
        raw_new = "/".join(quote(p) for p in new_id.split("/"))
        location = self.raw_path.replace(f"/{raw_old}/", f"/{raw_new}/", 1)
        if self.raw_path.endswith(f"/{raw_old}"):
            location = self.raw_path[: -len(raw_old)] + raw_new
        if self.query_string:
            location += f"?{self.query_string}"
        self.send(307, b"", {"Location": location})  # relative, on the same host
        return True

    def _access(self, repo: FakeRepo | None, token: str | None, *, content: bool, path: str | None = None) -> bool:
        """Send the Hub's error for a repo the caller cannot see or read; True when access is fine."""
        if repo is None or (repo.private and token not in repo.readers):
            self.error(401 if token is None else 404, "RepoNotFound", "Repository not found")
            return False
        if content and repo.gated and path != "README.md" and token not in repo.approved:
            kind = repo.repo_type
            if token is None:
                message = (
                    f"Access to {kind} {repo.repo_id} is restricted. You must have access to it and be "
                    "authenticated to access it. Please log in."
                )
                self.error(401, "GatedRepo", message)
            else:
                message = (
                    f"Access to {kind} {repo.repo_id} is restricted and you are not in the authorized "
                    f"list. Visit {self.hub.url}/{repo.repo_id} to ask for access."
                )
                self.error(403, "GatedRepo", message)
            return False
        return True

    def _revision(self, repo: FakeRepo, segments: list[str]) -> tuple[str, list[str]]:
        """Split `rev/path…`; accepts an unencoded `refs/pr/1` as the Hub does."""
        for width in (3, 2):
            candidate = "/".join(segments[:width])
            if len(segments) >= width and repo.resolve(candidate) is not None:
                return candidate, segments[width:]
        return (segments[0], segments[1:]) if segments else ("main", [])

    # Endpoints -----------------------------------------------------------------------------------

    def _whoami(self, token: str | None) -> None:
        if token is None:
            self.error(401, None, "Invalid username or password.")
            return
        self.send_json(
            200,
            {
                "type": "user",
                "id": "0" * 24,
                "name": self.hub.tokens[token],
                "fullname": "Test",
                "orgs": [],
                "auth": {
                    "type": "access_token",
                    "accessToken": {"displayName": self.hub.token_names[token], "role": "read"},
                },
            },
        )

    def _api(self, repo_type: str, rest: list[str], token: str | None) -> None:
        repo_id, action = self._split_id(repo_type, rest, _ACTIONS)
        if self._redirect_renamed(repo_type, repo_id):
            return
        repo = self.hub.repos.get((repo_type, repo_id))
        verb = action[0] if action else ""
        if not self._access(repo, token, content=verb == "auth-check"):
            return
        if verb == "auth-check":
            self.send_json(200, {})
            return
        if verb == "refs":
            self.send_json(200, repo.refs(bool(self.query.get("include_prs"))))
            return
        if verb in ("", "revision"):
            revision = "/".join(action[1:]) if verb == "revision" else "main"
            commit = repo.resolve(revision)
            if commit is None:
                self.error(404, "RevisionNotFound", f"Invalid rev id: {revision}")
                return
            blobs = self.query.get("blobs", "").lower() in ("1", "true")
            self.send_json(200, repo.info(commit, blobs=blobs, hub_url=self.hub.url))
            return
        if verb == "tree" and len(action) >= 2:
            self._tree(repo, action[1:])
            return
        self.error(404, None, "Sorry, we can't find the page you are looking for.")

    def _tree(self, repo: FakeRepo, segments: list[str]) -> None:
        revision, path_parts = self._revision(repo, segments)
        commit = repo.resolve(revision)
        if commit is None:
            self.error(404, "RevisionNotFound", f"Invalid rev id: {revision}")
            return
        recursive = self.query.get("recursive", "").lower() in ("1", "true")
        expand = self.query.get("expand", "").lower() in ("1", "true")
        entries = repo.tree(commit, "/".join(path_parts), recursive)
        if entries is None:
            self.error(404, "EntryNotFound", f"Entry not found: {'/'.join(path_parts)}", {"X-Repo-Commit": commit.sha})
            return
        size = min(self.hub.page_size, 50) if expand else self.hub.page_size
        cursor = int(self.query.get("cursor", "0") or 0)
        page = entries[cursor : cursor + size]
        if expand:
            page = [
                {**e, "lastCommit": {"id": commit.sha, "title": commit.title, "date": "2024-05-01T12:00:00.000Z"}}
                for e in page
            ]
        headers = {}
        if cursor + size < len(entries):
            base = f"{self.hub.url}{self.raw_path}"
            headers["Link"] = (
                f"<{base}?recursive={str(recursive).lower()}&expand={str(expand).lower()}"
                f'&cursor={cursor + size}>; rel="next"'
            )
        self.send_json(200, page, headers)

    def _resolve(self, repo_type: str, segments: list[str], token: str | None) -> None:
        at = segments.index("resolve")
        repo_id = "/".join(segments[:at])
        if self._redirect_renamed(repo_type, repo_id):
            return
        repo = self.hub.repos.get((repo_type, repo_id))
        if repo is None or (repo.private and token not in repo.readers):
            self._access(repo, token, content=True)
            return
        revision, path_parts = self._revision(repo, segments[at + 1 :])
        path = "/".join(path_parts)
        if not self._access(repo, token, content=True, path=path):
            return
        commit = repo.resolve(revision)
        if commit is None:
            self.error(404, "RevisionNotFound", f"Invalid rev id: {revision}")
            return
        repo_file = commit.files.get(path)
        if repo_file is None:
            self.error(404, "EntryNotFound", "Entry not found", {"X-Repo-Commit": commit.sha})
            return
        self.record.file = path
        headers = {"X-Repo-Commit": commit.sha}
        if repo_file.lfs:
            location = self.hub.signed_url(repo_file, repo.repo_id)
            body = f"Found. Redirecting to {location}".encode()
            self.send(
                302,
                body,
                {
                    **headers,
                    "Location": location,
                    "X-Linked-Etag": f'"{repo_file.sha256}"',
                    "X-Linked-Size": str(repo_file.size),
                    "ETag": f'"{repo_file.sha256}"',
                    "Accept-Ranges": "bytes",
                },
                content_type="text/plain; charset=utf-8",
            )
            return
        self.serve_content(repo_file.content, etag=repo_file.oid, file=path, headers=headers, allow_gzip=True)


class _LfsHandler(_Handler):
    host_name = "lfs"

    def request_repo(self) -> str | None:
        return self.query.get("repo")

    def route(self) -> None:
        if self.headers.get("Authorization"):
            # What presigned S3/CloudFront URLs answer when a bearer token comes along.
            self.send(
                400,
                b"<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed</Message></Error>",
                content_type="application/xml",
            )
            return
        parts = self.raw_path.split("/")
        if len(parts) != 5 or parts[1] != "repos":
            self.send(404, b"<Error><Code>NoSuchKey</Code></Error>", content_type="application/xml")
            return
        sha = parts[4]
        try:
            expires = int(self.query.get("Expires", "0"))
        except ValueError:
            expires = 0
        signature = self.query.get("X-Amz-Signature", "")
        if not hmac.compare_digest(signature, self.hub._signature(sha, expires)) or expires < time.time():
            self.send(
                403,
                b"<Error><Code>AccessDenied</Code><Message>Request has expired or the signature "
                b"does not match</Message></Error>",
                content_type="application/xml",
            )
            return
        content = self.hub.blob(sha)
        if content is None:
            self.send(404, b"<Error><Code>NoSuchKey</Code></Error>", content_type="application/xml")
            return
        file = self.query.get("path") or sha
        etag = hashlib.md5(sha.encode(), usedforsecurity=False).hexdigest()  # deliberately not the sha256
        self.serve_content(
            content,
            etag=etag,
            file=file,
            headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(file.rsplit('/', 1)[-1])}"},
        )


def _bearer(value: str | None) -> str | None:
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _parse_range(header: str, size: int) -> tuple[int, int] | None:
    """One `bytes=` range → [start, end) within size; None when unsatisfiable or malformed."""
    if not header.startswith("bytes=") or "," in header:
        return None
    first, _, last = header[6:].strip().partition("-")
    try:
        if first == "":
            length = int(last)
            if length <= 0:
                return None
            return max(0, size - length), size
        start = int(first)
        end = int(last) + 1 if last else size
    except ValueError:
        return None
    if start >= size or end <= start:
        return None
    return start, min(end, size)
