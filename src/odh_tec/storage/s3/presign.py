"""Presigned download links: a GET of one object, signed with the configured keys, that works without them.

A presigned URL carries a signature made with the secret key: whoever holds it reads the object until it
expires. It is handed to the caller and nowhere else (never logged). Whether a browser elsewhere can open
it depends on the endpoint's host, which the answer says (`internal`).
"""

from __future__ import annotations

import asyncio
import ipaddress
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, NotRequired
from urllib.parse import quote, urlsplit

from botocore.auth import S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from typing_extensions import TypedDict

from odh_tec.errors import BadRequest

if TYPE_CHECKING:
    from odh_tec.config import S3Settings
    from odh_tec.storage.s3.connection import S3Connection

MIN_EXPIRES = 60
MAX_EXPIRES = 7 * 24 * 3600  # SigV4's own limit
DEFAULT_EXPIRES = 3600

_INTERNAL_SUFFIXES = (".svc", ".svc.cluster.local", ".cluster.local", ".localhost")


class Presigned(TypedDict):
    url: str
    expires_at: str
    internal: bool
    note: NotRequired[str]


def check_expiry(seconds: int) -> int:
    if not MIN_EXPIRES <= seconds <= MAX_EXPIRES:
        raise BadRequest(
            f"expires_seconds must be between {MIN_EXPIRES} and {MAX_EXPIRES} (7 days), not {seconds}",
            code="InvalidExpiry",
        )
    return seconds


def internal_endpoint(endpoint: str, embedded: bool = False) -> bool:
    """Whether only this machine or this cluster can reach `endpoint`: loopback, private addresses,
    Kubernetes service names, the embedded S3. An empty endpoint is AWS S3, reachable from anywhere."""
    if embedded:
        return True
    if not endpoint:
        return False
    host = (urlsplit(endpoint if "://" in endpoint else f"http://{endpoint}").hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(_INTERNAL_SUFFIXES) or ("." not in host and ":" not in host):
        # A bare name (`minio`) only resolves inside its own network: a Service in the same namespace.
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local


def internal_note(endpoint: str, embedded: bool) -> str:
    if embedded:
        return (
            "This link points at the embedded S3 on this machine's loopback address: it opens only in a "
            "browser or program running on the same machine."
        )
    host = urlsplit(endpoint).hostname or endpoint
    return (
        f"This link points at {host}, an address only reachable from inside this cluster or machine: "
        "a browser outside it cannot open the link."
    )


def _signed_url(s3: S3Settings, bucket: str, key: str, expires: int) -> str:
    """SigV4 query signing of a path-style GET, as the app's client addresses S3."""
    region = s3.region or "us-east-1"
    base = (s3.endpoint or f"https://s3.{region}.amazonaws.com").rstrip("/")
    request = AWSRequest(method="GET", url=f"{base}/{bucket}/{quote(key, safe='/~')}")
    credentials = Credentials(s3.access_key_id, s3.secret_access_key)
    S3SigV4QueryAuth(credentials, "s3", region, expires=expires).add_auth(request)
    return request.prepare().url


async def presign_download(connection: S3Connection, bucket: str, key: str, expires: int) -> Presigned:
    """A GET URL for `bucket`/`key`, valid `expires` seconds, signed with the configured keys.

    Signed here rather than by the client's generate_presigned_url: that resolves endpoint rules and
    builds its signer on the event loop (over 100 ms at its first call, here); this is a hash, in a thread."""
    s3 = connection.s3
    if not (s3.access_key_id and s3.secret_access_key):
        raise BadRequest("No S3 keys are configured: a share link is signed with them", code="NoCredentials")
    issued = datetime.now(UTC)
    url = await asyncio.to_thread(_signed_url, s3, bucket, key, expires)
    answer: Presigned = {
        "url": url,
        "expires_at": (issued + timedelta(seconds=expires)).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "internal": internal_endpoint(s3.endpoint, s3.embedded),
    }
    if answer["internal"]:
        answer["note"] = internal_note(s3.endpoint, s3.embedded)
    return answer
