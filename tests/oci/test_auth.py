"""Registry auth: WWW-Authenticate challenges, auth.json lookup (podman's files and keys), references."""

from __future__ import annotations

import base64
import json

import pytest

from odh_tec.oci.auth import Credentials, from_auth_files, parse_challenge
from odh_tec.oci.errors import InvalidImageReference
from odh_tec.oci.reference import parse_reference


def test_bearer_challenge():
    c = parse_challenge(
        'Bearer realm="https://quay.io/v2/auth",service="quay.io",scope="repository:me/model:pull,push"'
    )
    assert c is not None and c.scheme == "bearer"
    assert c.params == {
        "realm": "https://quay.io/v2/auth",
        "service": "quay.io",
        "scope": "repository:me/model:pull,push",
    }


def test_basic_challenge_and_odd_spellings():
    assert parse_challenge('Basic realm="Registry Realm"') == parse_challenge('basic  realm="Registry Realm"')
    c = parse_challenge('Bearer realm=https://h/token, service="a \\"quoted\\" name",error="invalid_token"')
    assert c is not None and c.params["realm"] == "https://h/token" and c.params["service"] == 'a "quoted" name'
    assert parse_challenge("") is None


def _auth(user: str, password: str) -> dict:
    return {"auth": base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_auth_json_lookup(tmp_path):
    auth = tmp_path / "auth.json"
    auth.write_text(
        json.dumps(
            {
                "auths": {
                    "quay.io": _auth("host-user", "p1"),
                    "quay.io/team": _auth("team-user", "p2"),
                    "https://index.docker.io/v1/": _auth("hub-user", "p3"),
                }
            }
        )
    )
    env = {"REGISTRY_AUTH_FILE": str(auth), "HOME": str(tmp_path / "home")}
    assert from_auth_files("quay.io", "team/model", env) == Credentials("team-user", "p2")
    assert from_auth_files("quay.io", "other/model", env) == Credentials("host-user", "p1")
    assert from_auth_files("docker.io", "library/busybox", env) == Credentials("hub-user", "p3")
    assert from_auth_files("ghcr.io", "x/y", env) is None
    assert "p1" not in repr(Credentials("host-user", "p1"))  # never in a log line


def test_default_auth_files_and_a_broken_one(tmp_path):
    home = tmp_path / "home"
    (home / ".config" / "containers").mkdir(parents=True)
    (home / ".config" / "containers" / "auth.json").write_text(json.dumps({"auths": {"r.example": _auth("u", "p")}}))
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    env = {"REGISTRY_AUTH_FILE": str(broken), "HOME": str(home)}
    assert from_auth_files("r.example", "a", env) == Credentials("u", "p")


@pytest.mark.parametrize(
    ("text", "registry", "repository", "tag", "digest"),
    [
        ("quay.io/me/model:v1", "quay.io", "me/model", "v1", None),
        ("busybox", "docker.io", "library/busybox", "latest", None),
        ("127.0.0.1:5000/a/b", "127.0.0.1:5000", "a/b", "latest", None),
        ("localhost/x@sha256:" + "a" * 64, "localhost", "x", None, "sha256:" + "a" * 64),
        (
            "oci://registry.access.redhat.com/ubi9/ubi-micro",
            "registry.access.redhat.com",
            "ubi9/ubi-micro",
            "latest",
            None,
        ),
    ],
)
def test_references(text, registry, repository, tag, digest):
    ref = parse_reference(text)
    assert (ref.registry, ref.repository, ref.tag, ref.digest) == (registry, repository, tag, digest)


@pytest.mark.parametrize(
    "text", ["", "Quay.io/UPPER/case", "quay.io/a:bad tag", "a@sha256:short", "x" * 600, "h:99999999/a"]
)
def test_bad_references(text):
    with pytest.raises(InvalidImageReference):
        parse_reference(text)


def test_a_registry_cannot_redirect_to_a_metadata_address():
    """A blob redirect (storage backends) is followed, but never to a link-local or metadata address."""
    import asyncio
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from odh_tec.config import HFSettings, ProxySettings, RuntimeSettings, S3Settings, TransferSettings
    from odh_tec.netguard import DestinationNotAllowed
    from odh_tec.oci.registry import Registry

    class Redirect(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            self.send_response(307)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings = RuntimeSettings(S3Settings(), HFSettings(), ProxySettings(), TransferSettings(1, 100))
    host = f"127.0.0.1:{server.server_address[1]}"

    async def fetch() -> None:
        registry = Registry(settings, host, insecure=True)
        try:
            async for _ in registry.blob_chunks("a/b", "sha256:" + "0" * 64):
                pass
        finally:
            await registry.aclose()

    try:
        with pytest.raises(DestinationNotAllowed):
            asyncio.run(fetch())
    finally:
        server.shutdown()
        server.server_close()
