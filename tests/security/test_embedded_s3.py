"""The embedded SeaweedFS gives nothing away without credentials.

Threat: any local process, or any web page in the user's browser (CORS, or DNS rebinding to
127.0.0.1), talks to the ports `weed mini` opens. Only the S3 gateway, with our SigV4 keys, may read
or write data; the filer, volume and master HTTP ports must refuse anonymous requests and never
grant a browser origin access; the gRPC ports require a client certificate; the data on disk is
readable by the owner only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import os
import socket
import ssl
import stat
import time
import tomllib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import boto3
import httpx
import psutil
import pytest

from conftest import S3Server
from odh_tec.embedded_s3 import EmbeddedS3, S3Credentials

CREDS = S3Credentials("secadmin", "secadmin-secret-key-0123456789abcdef")
BUCKET = "sec-bucket"  # S3 bucket names need at least 3 characters
KEY = "secret.txt"
SECRET = b"odh-tec-top-secret-" + uuid.uuid4().hex.encode()
EVIL = "https://evil.example"


@dataclass
class Weed:
    server: EmbeddedS3
    s3: object  # a boto3 S3 client with the real keys
    fid: str  # the volume file id ("vid,needle+cookie") holding SECRET


def _fid_of(data_dir: Path, payload: bytes) -> str:
    """The file id of the needle holding `payload`, read from the volume files directly (as the owner).

    An attacker would get it from the filer's metadata. A needle in a .dat file is: cookie (4 bytes),
    needle id (8), size (4), data size (4), data.
    """
    for dat in data_dir.rglob(f"{BUCKET}_*.dat"):
        vid = int(dat.stem.rsplit("_", 1)[1])
        blob = dat.read_bytes()
        at = blob.find(payload)
        if at >= 20 and int.from_bytes(blob[at - 4 : at], "big") == len(payload):
            cookie, needle_id = blob[at - 20 : at - 16], int.from_bytes(blob[at - 16 : at - 8], "big")
            return f"{vid},{needle_id:x}{cookie.hex()}"
    raise AssertionError(f"no needle with the payload under {data_dir}")


@pytest.fixture(scope="module")
def weed(tmp_path_factory) -> Iterator[Weed]:
    data = tmp_path_factory.mktemp("weed-security") / "s3"
    # A data dir left by an older version: world-readable dir and files.
    data.mkdir(mode=0o755)
    os.chmod(data, 0o755)  # noqa: S103 - deliberately too open: the server must tighten it
    (data / "weed.log").write_bytes(b"old log\n")
    os.chmod(data / "weed.log", 0o644)
    server = EmbeddedS3(data, credentials=CREDS)
    server.start()
    try:
        s3 = S3Server(server.endpoint, CREDS).client()
        s3.create_bucket(Bucket=BUCKET)
        s3.put_object(Bucket=BUCKET, Key=KEY, Body=SECRET)
        yield Weed(server, s3, _fid_of(data, SECRET))
    finally:
        server.stop()


def _weed_processes(server: EmbeddedS3) -> list[psutil.Process]:
    proc = psutil.Process(server.process.pid)
    return [proc, *proc.children(recursive=True)]


def _listening_ports(server: EmbeddedS3) -> set[int]:
    return {
        c.laddr.port
        for p in _weed_processes(server)
        for c in p.net_connections(kind="inet")
        if c.status == psutil.CONN_LISTEN
    }


def _multipart(name: str, body: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    content = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + body
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return content, f"multipart/form-data; boundary={boundary}"


def _probes(fid: str) -> list[tuple[str, str, bytes | None, str | None]]:
    """(method, path, body, content type): anonymous reads, listings, writes and deletes of data
    in the shapes each SeaweedFS server understands (filer paths, S3 paths, volume file ids,
    master assign/lookup/submit)."""
    form, form_type = _multipart("evil.txt", b"evil")
    vid = fid.split(",")[0]
    reads = [
        ("GET", "/", None, None),
        ("GET", "/buckets/", None, None),
        ("GET", f"/buckets/{BUCKET}/", None, None),
        ("GET", f"/buckets/{BUCKET}/?pretty=y", None, None),
        ("GET", f"/buckets/{BUCKET}/{KEY}", None, None),
        ("GET", f"/buckets/{BUCKET}/{KEY}?metadata=true", None, None),
        ("HEAD", f"/buckets/{BUCKET}/{KEY}", None, None),
        ("GET", f"/{BUCKET}/{KEY}", None, None),
        ("GET", f"/{BUCKET}", None, None),
        ("GET", f"/{fid}", None, None),
        ("GET", f"/?proxyChunkId={fid}", None, None),
        ("GET", f"/dir/lookup?fileId={fid}&read=yes", None, None),
    ]
    writes = [
        ("PUT", f"/buckets/{BUCKET}/evil.txt", b"evil", "text/plain"),
        ("POST", f"/buckets/{BUCKET}/", form, form_type),
        ("PUT", f"/{BUCKET}/evil.txt", b"evil", "text/plain"),
        ("POST", f"/{vid},1234567800abcdef", form, form_type),
        ("PUT", f"/{vid},1234567800abcdee", b"evil", "application/octet-stream"),
        ("GET", "/dir/assign", None, None),
        ("POST", "/submit", form, form_type),
    ]
    deletes = [
        ("DELETE", f"/buckets/{BUCKET}/{KEY}", None, None),
        ("DELETE", f"/{BUCKET}/{KEY}", None, None),
        ("DELETE", f"/{fid}", None, None),
    ]
    return reads + writes + deletes


def _request(
    port: int, method: str, path: str, body: bytes | None, content_type: str | None, headers: dict | None = None
) -> httpx.Response | None:
    """None when the port does not speak HTTP/1.1 (gRPC is HTTP/2 only)."""
    hdrs = {"Origin": EVIL, **(headers or {})}
    if content_type:
        hdrs["Content-Type"] = content_type
    try:
        return httpx.request(
            method, f"http://127.0.0.1:{port}{path}", content=body, headers=hdrs, timeout=10, follow_redirects=False
        )
    except (httpx.RemoteProtocolError, httpx.ReadError, httpx.ConnectError):
        return None


def _grants_origin(response: httpx.Response) -> bool:
    return response.headers.get("access-control-allow-origin", "").strip() in ("*", EVIL)


def _hard_coded_cors(weed: Weed, port: int, path: str, response: httpx.Response) -> bool:
    """Where SeaweedFS sends `Access-Control-Allow-Origin: *` whatever its options, on a refusal.

    The volume server sets it on every answer to a request with an Origin; the S3 gateway on its
    service-level answers (no bucket in the path). Behind both, data needs a JWT or a SigV4
    signature that a web page cannot have, so a refusal is all a page can read there.
    """
    refusal = response.status_code >= 400 or response.request.method == "OPTIONS"
    service_level = urlsplit(path).path.strip("/") == ""
    return refusal and (port == weed.server.ports["volume"] or (port == weed.server.ports["s3"] and service_level))


def test_every_port_refuses_anonymous_data_access(weed):
    ports = _listening_ports(weed.server)
    assert len(ports) >= 5, ports
    problems = []
    # Every port sees each read before any port sees a write or a delete.
    for method, path, body, ctype in _probes(weed.fid):
        for port in sorted(ports):
            r = _request(port, method, path, body, ctype)
            if r is None:
                continue
            where = f"{port} {method} {path} -> {r.status_code}"
            if SECRET in r.content:
                problems.append(f"{where}: leaks the object's bytes")
            # The master's cluster status page answers GET / (whatever the query): no data, and it
            # must name no bucket or object.
            status_page = (
                method == "GET"
                and urlsplit(path).path == "/"
                and BUCKET.encode() not in r.content
                and KEY.encode() not in r.content
            )
            if 200 <= r.status_code < 300 and not status_page:
                problems.append(f"{where}: succeeds without credentials")
            if r.status_code in (301, 302, 303, 307, 308):
                problems.append(f"{where}: redirects to {r.headers.get('location')}")
            if _grants_origin(r) and not _hard_coded_cors(weed, port, path, r):
                problems.append(f"{where}: grants origin {r.headers.get('access-control-allow-origin')}")
    # Nothing anonymous changed the data.
    listed = {o["Key"] for o in weed.s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])}
    if listed != {KEY}:
        problems.append(f"the bucket now holds {sorted(listed)}")
    assert not problems, "\n".join(problems)
    assert weed.s3.get_object(Bucket=BUCKET, Key=KEY)["Body"].read() == SECRET


def test_no_port_answers_a_cors_preflight_for_a_foreign_origin(weed):
    problems = []
    for port in sorted(_listening_ports(weed.server)):
        for path in ("/", f"/buckets/{BUCKET}/{KEY}", f"/{BUCKET}/{KEY}", f"/{weed.fid}"):
            for method in ("GET", "PUT", "DELETE"):
                r = _request(
                    port,
                    "OPTIONS",
                    path,
                    None,
                    None,
                    headers={
                        "Access-Control-Request-Method": method,
                        "Access-Control-Request-Headers": "authorization,content-type",
                    },
                )
                if r is None:
                    continue
                if _grants_origin(r) and not _hard_coded_cors(weed, port, path, r):
                    problems.append(
                        f"{port} OPTIONS {path} ({method}) -> {r.status_code} grants "
                        f"{r.headers.get('access-control-allow-origin')}"
                    )
    assert not problems, "\n".join(problems)


def _jwt(key: str, claims: dict) -> str:
    """An HS256 JWT, as SeaweedFS's master mints them for its volume servers."""

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    signing_input = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()) + "." + b64(json.dumps(claims).encode())
    sig = hmac.new(key.encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64(sig)


def test_volume_server_needs_a_jwt_signed_with_our_random_key(weed):
    """The refusals above come from the JWT check: a token signed with the key from security.toml
    reads the needle, one signed with another key does not."""
    security = weed.server.data_dir / "security.toml"
    assert stat.S_IMODE(security.stat().st_mode) == 0o600
    config = tomllib.loads(security.read_text())
    keys = [
        config["jwt"]["signing"]["key"],
        config["jwt"]["signing"]["read"]["key"],
        config["jwt"]["filer_signing"]["key"],
        config["jwt"]["filer_signing"]["read"]["key"],
    ]
    assert all(len(k) >= 32 for k in keys) and len(set(keys)) == 4
    url = f"http://127.0.0.1:{weed.server.ports['volume']}/{weed.fid}"
    claims = {"fid": weed.fid, "exp": int(time.time()) + 60}
    good = httpx.get(url, headers={"Authorization": "Bearer " + _jwt(keys[1], claims)}, timeout=10)
    assert good.status_code == 200 and good.content == SECRET
    forged = httpx.get(url, headers={"Authorization": "Bearer " + _jwt("not-the-key", claims)}, timeout=10)
    assert forged.status_code == 401 and SECRET not in forged.content


def test_s3_with_real_keys_still_works(weed):
    s3 = weed.s3
    big = os.urandom(9 * 1024 * 1024)  # several filer chunks
    s3.put_object(Bucket=BUCKET, Key="dir/small.bin", Body=b"small")
    s3.upload_fileobj(
        io.BytesIO(big),
        BUCKET,
        "dir/big.bin",
        Config=boto3.s3.transfer.TransferConfig(
            multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024
        ),
    )
    assert s3.get_object(Bucket=BUCKET, Key="dir/small.bin")["Body"].read() == b"small"
    assert s3.get_object(Bucket=BUCKET, Key="dir/big.bin")["Body"].read() == big
    assert (
        s3.get_object(Bucket=BUCKET, Key="dir/big.bin", Range="bytes=5242870-5242889")["Body"].read()
        == big[5242870:5242890]
    )
    s3.copy_object(Bucket=BUCKET, Key="dir/copy.bin", CopySource={"Bucket": BUCKET, "Key": "dir/small.bin"})
    assert s3.get_object(Bucket=BUCKET, Key="dir/copy.bin")["Body"].read() == b"small"
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="dir/")["Contents"]}
    assert keys == {"dir/small.bin", "dir/big.bin", "dir/copy.bin"}
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == [BUCKET]
    s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": k} for k in keys]})
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix="dir/")


def _loose(path: Path, *, skip_suffix: str = "\0") -> list[str]:
    loose = []
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            p = Path(root) / name
            mode = stat.S_IMODE(p.lstat().st_mode)
            if not p.is_symlink() and mode & 0o077 and not name.endswith(skip_suffix):
                loose.append(f"{oct(mode)} {p}")
    return loose


def test_data_is_readable_by_the_owner_only(weed):
    # Written after the start: volume files for a new bucket, more filer store files.
    weed.s3.create_bucket(Bucket="sec-later")
    weed.s3.put_object(Bucket="sec-later", Key="x.bin", Body=os.urandom(100_000))
    assert list(weed.server.data_dir.rglob("sec-later_*.dat"))
    assert stat.S_IMODE(weed.server.data_dir.stat().st_mode) == 0o700
    # SeaweedFS chmods each new volume's .vif (volume info, no data) to 0644 while it runs; the
    # 0700 directory keeps it from others, and stop() tightens it (next test).
    loose = _loose(weed.server.data_dir, skip_suffix=".vif")
    assert not loose, "\n".join(loose)


def test_stop_leaves_nothing_readable_by_others(tmp_path):
    data = tmp_path / "s3"
    server = EmbeddedS3(data, credentials=CREDS)
    server.start()
    try:
        s3 = S3Server(server.endpoint, CREDS).client()
        s3.create_bucket(Bucket="sec-stop")
        s3.put_object(Bucket="sec-stop", Key="x.bin", Body=b"x" * 1000)
    finally:
        server.stop()
    assert list(data.glob("sec-stop_*.vif"))
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert not _loose(data), "\n".join(_loose(data))


def _h2_settings_after(port: int, context: ssl.SSLContext | None) -> bytes | None:
    """Send the HTTP/2 preface (what a gRPC client does first); the server's first frame, or None
    if the connection is refused at the TLS layer or closed."""
    preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
            conn = context.wrap_socket(raw) if context else raw
            conn.sendall(preface)
            return conn.recv(9) or None
    except (ssl.SSLError, ConnectionError, TimeoutError):
        return None


def _is_settings_frame(frame: bytes | None) -> bool:
    return frame is not None and len(frame) == 9 and frame[3] == 0x04


def test_grpc_ports_require_a_client_certificate(weed):
    """gRPC reads and writes everything (filer entries, volume needles and files) with no JWT:
    only a client holding the certificate from the data dir may connect."""
    grpc_ports = _listening_ports(weed.server) - set(weed.server.ports.values())
    assert len(grpc_ports) >= 4, grpc_ports
    cert, key = weed.server.data_dir / "grpc.crt", weed.server.data_dir / "grpc.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600

    def context(with_cert: bool) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.set_alpn_protocols(["h2"])
        if with_cert:
            ctx.load_cert_chain(cert, key)
        return ctx

    for port in sorted(grpc_ports):
        assert not _is_settings_frame(_h2_settings_after(port, None)), f"{port}: plaintext gRPC"
        assert not _is_settings_frame(_h2_settings_after(port, context(False))), f"{port}: TLS without a client cert"
        assert _is_settings_frame(_h2_settings_after(port, context(True))), f"{port}: refuses our own certificate"


def test_local_sockets_are_owner_only(weed):
    """`weed mini` also serves its filer, S3 and gRPC services on Unix sockets (in /tmp by default)."""
    paths = {
        c.laddr
        for p in _weed_processes(weed.server)
        for c in p.net_connections(kind="unix")
        if isinstance(c.laddr, str) and c.laddr.startswith("/")
    }
    loose = [
        f"{oct(stat.S_IMODE(os.stat(p).st_mode))} {p}"
        for p in paths
        if os.path.exists(p) and stat.S_IMODE(os.stat(p).st_mode) & 0o077
    ]
    assert not loose, "\n".join(loose)
