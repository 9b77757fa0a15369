"""The app's S3 client: how it is built (endpoint, keys, proxies, CA bundles) and when it is rebuilt.

`open_client` makes one client from settings (also used alone, for connection tests of unsaved
values); `S3Connection` keeps one for the app, keyed by the settings that shape it, rebuilds it when
the Settings API changes them, and offers the bucket-level operations (list, create, delete).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import ipaddress
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiobotocore.config import AioConfig
from botocore import UNSIGNED
from botocore.exceptions import ClientError

from odh_tec.config import RuntimeSettings, S3Settings
from odh_tec.errors import ApiError
from odh_tec.storage.s3.errors import translate_error
from odh_tec.storage.s3.multipart import PARTS_BUFFERED, PENDING_ABORTS, UploadJournal, UploadLog
from odh_tec.storage.s3.session import new_session, s3_client
from odh_tec.storage.s3.storage import S3Storage

log = logging.getLogger(__name__)

# How long close() waits for multipart aborts still running (see multipart.PENDING_ABORTS).
ABORT_WAIT_SECONDS = 5.0


def _sign_payload(endpoint: str) -> bool:
    """Whether SigV4 hashes every request body (one SHA-256 pass over each uploaded byte).

    Over TLS the channel already guarantees integrity, and on loopback there is no wire to protect, so
    the hash only costs CPU (about 0.9 CPU-s per GiB here). A plain-HTTP endpoint elsewhere keeps it.
    """
    parts = urlsplit(endpoint) if endpoint else None
    if parts is None or parts.scheme == "https":
        return False  # AWS itself, or TLS
    host = parts.hostname or ""
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host != "localhost"


def client_config(settings: RuntimeSettings, *, pool: int = 32, attempts: int = 3, unsigned: bool = False) -> AioConfig:
    proxies = {}
    if settings.proxy.http_proxy:
        proxies["http"] = settings.proxy.http_proxy
    if settings.proxy.https_proxy:
        proxies["https"] = settings.proxy.https_proxy
    endpoint = settings.s3.endpoint
    if proxies and endpoint and settings.proxy.for_url(endpoint) is None:
        proxies = {}  # NO_PROXY names the S3 host
    return AioConfig(
        s3={"addressing_style": "path", "payload_signing_enabled": _sign_payload(endpoint)},
        # UNSIGNED also skips the credential chain (environment, instance metadata): nothing to send.
        signature_version=UNSIGNED if unsigned else "s3v4",
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        # Few attempts: botocore also retries a refused connection with exponential backoff, and 5
        # attempts kept every request to an unreachable endpoint hanging for 10-20 s.
        retries={"max_attempts": attempts, "mode": "standard"},
        max_pool_connections=pool,
        connect_timeout=settings.s3.connect_timeout,
        read_timeout=settings.s3.read_timeout,
        proxies=proxies or None,
    )


@contextlib.asynccontextmanager
async def open_client(
    s3: S3Settings, settings: RuntimeSettings, ca_dir: Path | None = None, *, attempts: int = 3, unsigned: bool = False
) -> AsyncIterator[Any]:  # aiobotocore's clients are built at runtime: no static type
    """A client for `s3` (short-lived for connection tests with unsaved values).

    `unsigned`: anonymous requests, for testing an endpoint the stored keys do not belong to."""
    if settings.s3 is not s3:
        # The proxy choice, payload signing and timeouts follow the endpoint this client goes to.
        settings = dataclasses.replace(settings, s3=s3)
    session = await new_session()
    # Reads and writes CA files: off the event loop.
    verify = await asyncio.to_thread(settings.combined_ca_file, ca_dir) if (ca_dir and settings.ca_bundles) else None
    async with s3_client(
        session,
        endpoint_url=s3.endpoint or None,
        region_name=s3.region or "us-east-1",
        aws_access_key_id=None if unsigned else (s3.access_key_id or None),
        aws_secret_access_key=None if unsigned else (s3.secret_access_key or None),
        config=client_config(settings, attempts=attempts, unsigned=unsigned),
        verify=verify,
    ) as client:
        # Registered after botocore's own handler, so it runs last and takes the header back out.
        client.meta.events.register("before-call.s3", _no_expect_continue)
        yield client


def _no_expect_continue(params: dict, **_: Any) -> None:
    """Send bodies (PutObject, UploadPart) at once instead of waiting for `100 Continue` first.

    aiohttp waits for the interim answer with no time limit: its read timeout starts only once the body
    is sent. An S3, or a proxy in front of it, that takes the request and never answers would hold the
    upload, and every file waiting for its slot, for as long as the connection lives. Without the header
    the body goes at once and S3_READ_TIMEOUT bounds the wait for the answer. The cost: a request that S3
    refuses (403) sends its part before hearing so."""
    params.get("headers", {}).pop("Expect", None)


DEFAULT_CONNECTION = "default"


class S3Connection:
    """One S3 endpoint's client, rebuilt when the settings that shape it change.

    The default connection (the Data Connection, or the embedded S3) reads `settings.s3`, which the
    Settings page replaces; a named connection (`storage.s3.connections`) has its own `S3Settings`
    and, maybe, its own CA bundle. Both share the live proxy and platform CA settings."""

    def __init__(
        self,
        settings: RuntimeSettings,
        ca_dir: Path | None = None,
        *,
        name: str = DEFAULT_CONNECTION,
        s3: S3Settings | None = None,
        ca_bundle: str = "",
    ):
        self.settings = settings
        self.ca_dir = ca_dir
        self.name = name
        self._own_s3 = s3
        self.ca_bundle = ca_bundle
        self._stack: AsyncExitStack | None = None
        self._client: Any = None
        self._shape: tuple | None = None
        self._lock = asyncio.Lock()
        self.part_budget = asyncio.Semaphore(PARTS_BUFFERED)  # shared by every upload
        self.journal: UploadJournal | None = None  # the server's; the CLI keeps none

    @property
    def s3(self) -> S3Settings:
        """The endpoint, keys, region and default bucket this connection uses now."""
        return self._own_s3 if self._own_s3 is not None else self.settings.s3

    @s3.setter
    def s3(self, value: S3Settings) -> None:
        # An edit: the next request sees another shape and gets a new client (see `client`).
        if self._own_s3 is None:
            self.settings.s3 = value
        else:
            self._own_s3 = value

    def _client_settings(self) -> RuntimeSettings:
        if self._own_s3 is None and not self.ca_bundle:
            return self.settings
        bundles = [*self.settings.ca_bundles, self.ca_bundle] if self.ca_bundle else self.settings.ca_bundles
        return dataclasses.replace(self.settings, s3=self.s3, ca_bundles=bundles)

    def upload_log(self) -> UploadLog:
        """The journal bound to the endpoint of this moment, for one upload."""
        return UploadLog(self.journal, self.endpoint)

    async def sweep_uploads(self) -> int:
        """Abort the multipart uploads this app opened at this endpoint and never finished (a crash, a
        kill), from the journal: never one that another client opened. Returns how many were aborted;
        an upload that cannot be aborted now (S3 down) stays in the journal for the next start."""
        journal = self.journal
        open_uploads = getattr(journal, "open_uploads", None)
        if journal is None or open_uploads is None:
            return 0
        aborted = 0
        for upload in await asyncio.to_thread(open_uploads, self.endpoint):
            client = await self.client()
            try:
                await client.abort_multipart_upload(Bucket=upload.bucket, Key=upload.key, UploadId=upload.upload_id)
                aborted += 1
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code", "")
                if code not in ("NoSuchUpload", "NoSuchBucket", "404"):
                    log.warning("could not abort multipart upload %s of %s: %s", upload.upload_id, upload.key, exc)
                    continue
            await journal.upload_closed(upload.endpoint, upload.bucket, upload.upload_id)
        return aborted

    def _current_shape(self) -> tuple:
        s3, proxy = self.s3, self.settings.proxy
        return (
            s3.endpoint,
            s3.region,
            s3.access_key_id,
            s3.secret_access_key,
            proxy.http_proxy,
            proxy.https_proxy,
            proxy.no_proxy,
        )

    @property
    def endpoint(self) -> str:
        return self.s3.endpoint

    async def client(self):
        shape = self._current_shape()
        if self._client is not None and shape == self._shape:
            return self._client
        async with self._lock:
            if self._client is None or shape != self._shape:
                old = self._stack
                stack = AsyncExitStack()
                try:
                    self._client = await stack.enter_async_context(
                        open_client(self.s3, self._client_settings(), self.ca_dir)
                    )
                except Exception as exc:
                    raise self.error(exc) from exc
                self._stack, self._shape = stack, shape
                if old is not None:
                    # In-flight requests on the old client finish on their own connections.
                    asyncio.get_running_loop().call_later(600, lambda: asyncio.ensure_future(old.aclose()))
        return self._client

    async def close(self) -> None:
        # At shutdown, uploads cancelled a moment ago may still be aborting: let them finish first,
        # or their multipart uploads would stay open.
        pending = [t for t in PENDING_ABORTS if t.get_loop() is asyncio.get_running_loop()]
        if pending:
            await asyncio.wait(pending, timeout=ABORT_WAIT_SECONDS)
        if self._stack is not None:
            await self._stack.aclose()
        self._stack = self._client = None

    def error(self, exc: Exception, bucket: str | None = None, key: str | None = None) -> ApiError:
        return translate_error(exc, endpoint=self.endpoint, bucket=bucket, key=key)

    # Buckets -------------------------------------------------------------------------------------

    async def list_buckets(self) -> list[dict]:
        client = await self.client()
        try:
            answer = await client.list_buckets()
        except Exception as exc:
            raise self.error(exc) from exc
        return [
            {"name": b["Name"], "created": b["CreationDate"].isoformat() if b.get("CreationDate") else None}
            for b in answer.get("Buckets", [])
        ]

    async def create_bucket(self, name: str) -> None:
        client = await self.client()
        params: dict = {"Bucket": name}
        region = self.s3.region or "us-east-1"
        if region != "us-east-1":
            params["CreateBucketConfiguration"] = {"LocationConstraint": region}
        try:
            await client.create_bucket(**params)
        except Exception as exc:
            raise self.error(exc, bucket=name) from exc

    async def delete_bucket(self, name: str, *, empty_first: bool = False) -> int:
        deleted = 0
        if empty_first:
            deleted = await S3Storage(self, name).delete_prefix("")
            await self._abort_all_uploads(name)
        client = await self.client()
        try:
            await client.delete_bucket(Bucket=name)
        except Exception as exc:
            err = self.error(exc, bucket=name)
            if err.code == "BucketNotEmpty":
                err.message = f"Bucket '{name}' is not empty; empty it first"
            raise err from exc
        return deleted

    async def _abort_all_uploads(self, bucket: str) -> None:
        """Unfinished multipart uploads also keep a bucket from being deleted."""
        client = await self.client()
        try:
            answer = await client.list_multipart_uploads(Bucket=bucket)
        except ClientError:
            return
        for upload in answer.get("Uploads", []):
            with contextlib.suppress(ClientError):
                await client.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])

    async def bucket_exists(self, name: str) -> bool:
        client = await self.client()
        try:
            await client.head_bucket(Bucket=name)
        except ClientError as exc:
            if self.error(exc, bucket=name).status == 404:
                return False
            raise self.error(exc, bucket=name) from exc
        except Exception as exc:
            raise self.error(exc, bucket=name) from exc
        return True
