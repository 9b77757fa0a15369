"""Presigned download links: a GET of one object, signed with the configured keys, that works without them.

A presigned URL carries a signature made with the secret key: whoever holds it reads the object until it
expires. It is handed to the caller and nowhere else (never logged). Whether a browser elsewhere can open
it depends on the endpoint's host, which the answer says (`internal`).
"""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, NotRequired
from urllib.parse import urlsplit

from typing_extensions import TypedDict

from odh_tec.errors import BadRequest

if TYPE_CHECKING:
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


async def presign_download(connection: S3Connection, bucket: str, key: str, expires: int) -> Presigned:
    """A GET URL for `bucket`/`key`, valid `expires` seconds, signed (SigV4, path-style) like every
    request of the app's client."""
    client = await connection.client()
    issued = datetime.now(UTC)
    try:
        url = await client.generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires
        )
    except Exception as exc:
        raise connection.error(exc, bucket=bucket, key=key) from exc
    s3 = connection.settings.s3
    answer: Presigned = {
        "url": url,
        "expires_at": (issued + timedelta(seconds=expires)).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "internal": internal_endpoint(s3.endpoint, s3.embedded),
    }
    if answer["internal"]:
        answer["note"] = internal_note(s3.endpoint, s3.embedded)
    return answer
