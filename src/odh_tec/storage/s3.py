"""S3 buckets through aiobotocore: path-style, SigV4, checksums only when required.

`S3Connection` owns one client and rebuilds it when the Settings API changes the endpoint, keys or
proxy. `S3Storage` is one bucket seen through the `Storage` interface.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import ipaddress
import math
import re
from collections.abc import AsyncIterable, AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from urllib.parse import urlsplit

from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore import UNSIGNED
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    PartialCredentialsError,
    ReadTimeoutError,
    SSLError,
)

from odh_tec.config import RuntimeSettings, S3Settings
from odh_tec.errors import ApiError, BadRequest, NotFound, PreconditionFailed, UpstreamError
from odh_tec.observability.metrics import count_upstream_error
from odh_tec.storage.base import ByteRange, Listing, ObjectInfo, Storage

# Multipart aborts still running (see _MultipartUpload._abort); close() waits for them.
PENDING_ABORTS: set[asyncio.Task] = set()
ABORT_WAIT_SECONDS = 5.0

log = logging.getLogger(__name__)

MiB = 1 << 20
GiB = 1 << 30
MIN_PART_SIZE = 8 * MiB
MAX_PARTS = 10_000
MAX_SINGLE_COPY = 5 * GiB
PARTS_IN_FLIGHT = 4  # per upload
# Parts in flight across every upload of one connection: with 4 uploads at once memory stays near
# part size × (6 + 4) instead of part size × 4 × 5 (bench/transfer_bench.py measures it).
PARTS_BUFFERED = 6
DELETE_BATCH = 1000

# S3 error code -> HTTP status we answer with (the S3 status is used for codes not listed).
_STATUS_BY_CODE = {
    "NoSuchBucket": 404,
    "NoSuchKey": 404,
    "NotFound": 404,
    "404": 404,
    "AccessDenied": 403,
    "403": 403,
    "AllAccessDisabled": 403,
    "InvalidAccessKeyId": 403,
    "SignatureDoesNotMatch": 403,
    "BucketNotEmpty": 409,
    "BucketAlreadyExists": 409,
    "BucketAlreadyOwnedByYou": 409,
    "InvalidBucketName": 400,
    "KeyTooLongError": 400,
    "InvalidRange": 416,
    "PreconditionFailed": 412,
}
_FRIENDLY = {
    "InvalidAccessKeyId": "The S3 access key is not known to the server",
    "SignatureDoesNotMatch": "The S3 secret key does not match the access key",
    "AccessDenied": "Access denied by the S3 server: the configured keys lack permission for this operation",
}


def part_size_for(size: int | None) -> int:
    """Parts of at least 8 MiB, and few enough that a file of `size` needs at most 10,000."""
    if not size:
        return MIN_PART_SIZE
    needed = math.ceil(size / MAX_PARTS)
    return max(MIN_PART_SIZE, math.ceil(needed / MiB) * MiB)


# An error code from an unknown server is shown only when it looks like one.
_PLAIN_CODE = re.compile(r"[A-Za-z0-9.]{1,64}")


def translate_error(exc: Exception, *, endpoint: str, bucket: str | None = None, key: str | None = None,
                    quote_server: bool = True) -> ApiError:
    """Map botocore failures to our error shape (counted in `/metrics` by code)."""
    error = _translate_error(exc, endpoint=endpoint, bucket=bucket, key=key, quote_server=quote_server)
    if error is not exc:
        count_upstream_error("s3", error.code)
    return error


def _translate_error(exc: Exception, *, endpoint: str, bucket: str | None = None, key: str | None = None,
                     quote_server: bool = True) -> ApiError:
    """Map botocore failures to our error shape, with a message a person can act on.

    `quote_server=False` is for servers nobody configured (a connection test of an endpoint typed
    into a form): their own words (error messages, unparsable answers, protocol banners) are not
    handed back, so the test cannot be used to read what some internal host says."""
    if isinstance(exc, ApiError):
        return exc
    where = endpoint or "AWS S3"
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        code = str(err.get("Code") or "S3Error")
        http_status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 500)
        if not quote_server and not _PLAIN_CODE.fullmatch(code):
            code = "S3Error"
        status = _STATUS_BY_CODE.get(code, http_status if 400 <= http_status < 500 else 502)
        if code in ("404", "NotFound"):
            code = "NoSuchKey" if key else "NoSuchBucket"
        if code == "403":
            code = "AccessDenied"
        server_words = err.get("Message") if quote_server else f"{where} answered HTTP {http_status} ({code})"
        message = _FRIENDLY.get(code) or server_words or code
        if code == "NoSuchBucket" and bucket:
            message = f"Bucket '{bucket}' does not exist"
        elif code == "NoSuchKey" and key is not None:
            message = f"No object '{key}' in bucket '{bucket}'"
        elif code == "AccessDenied":
            what = f" on bucket '{bucket}'" if bucket else ""
            message = f"{message}{what}"
        return ApiError(message, code=code, status=status)
    # botocore words these itself (URL, TLS verification): nothing the server sent.
    if isinstance(exc, (EndpointConnectionError, ConnectTimeoutError, SSLError)):
        return UpstreamError(f"Cannot reach the S3 endpoint {where}: {exc}")
    if isinstance(exc, ReadTimeoutError):
        return UpstreamError(f"The S3 endpoint {where} did not answer in time")
    if isinstance(exc, NoCredentialsError):
        return ApiError("No S3 credentials are configured", code="NoCredentials", status=400)
    if isinstance(exc, PartialCredentialsError):
        return ApiError("The S3 credentials are incomplete: set both the access key and the secret key",
                        code="NoCredentials", status=400)
    if not quote_server and isinstance(exc, (BotoCoreError, OSError, asyncio.TimeoutError)):
        # e.g. a parse error that quotes the body, or a status line that is an SSH banner
        return UpstreamError(f"S3 request to {where} failed: the answer is not one of an S3 server "
                             f"({type(exc).__name__})")
    if isinstance(exc, BotoCoreError):
        return UpstreamError(f"S3 request to {where} failed: {exc}")
    if isinstance(exc, (OSError, asyncio.TimeoutError)):
        return UpstreamError(f"Cannot reach the S3 endpoint {where}: {exc}")
    raise exc


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


def client_config(settings: RuntimeSettings, *, pool: int = 32, attempts: int = 3,
                  unsigned: bool = False) -> AioConfig:
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
        connect_timeout=5,
        read_timeout=300,
        proxies=proxies or None,
    )


@contextlib.asynccontextmanager
async def open_client(s3: S3Settings, settings: RuntimeSettings, ca_dir: Path | None = None, *,
                      attempts: int = 3, unsigned: bool = False):
    """A client for `s3` (short-lived for connection tests with unsaved values).

    `unsigned`: anonymous requests, for testing an endpoint the stored keys do not belong to."""
    session = get_session()
    verify = settings.combined_ca_file(ca_dir) if (ca_dir and settings.ca_bundles) else None
    async with session.create_client(
        "s3",
        endpoint_url=s3.endpoint or None,
        region_name=s3.region or "us-east-1",
        aws_access_key_id=None if unsigned else (s3.access_key_id or None),
        aws_secret_access_key=None if unsigned else (s3.secret_access_key or None),
        config=client_config(settings, attempts=attempts, unsigned=unsigned),
        verify=verify,
    ) as client:
        yield client


class S3Connection:
    """The app's S3 client, rebuilt when the settings that shape it change."""

    def __init__(self, settings: RuntimeSettings, ca_dir: Path | None = None):
        self.settings = settings
        self.ca_dir = ca_dir
        self._stack: AsyncExitStack | None = None
        self._client = None
        self._shape: tuple | None = None
        self._lock = asyncio.Lock()
        self.part_budget = asyncio.Semaphore(PARTS_BUFFERED)  # shared by every upload

    def _current_shape(self) -> tuple:
        s3, proxy = self.settings.s3, self.settings.proxy
        return (s3.endpoint, s3.region, s3.access_key_id, s3.secret_access_key,
                proxy.http_proxy, proxy.https_proxy, proxy.no_proxy)

    @property
    def endpoint(self) -> str:
        return self.settings.s3.endpoint

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
                        open_client(self.settings.s3, self.settings, self.ca_dir)
                    )
                except Exception as exc:  # noqa: BLE001 - e.g. a key id without its secret
                    raise self.error(exc) from exc
                self._stack, self._shape = stack, shape
                if old is not None:
                    # In-flight requests on the old client finish on their own connections.
                    asyncio.get_running_loop().call_later(
                        600, lambda: asyncio.ensure_future(old.aclose())
                    )
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
        except Exception as exc:  # noqa: BLE001 - translated
            raise self.error(exc) from exc
        return [
            {"name": b["Name"], "created": b["CreationDate"].isoformat() if b.get("CreationDate") else None}
            for b in answer.get("Buckets", [])
        ]

    async def create_bucket(self, name: str) -> None:
        client = await self.client()
        params: dict = {"Bucket": name}
        region = self.settings.s3.region or "us-east-1"
        if region != "us-east-1":
            params["CreateBucketConfiguration"] = {"LocationConstraint": region}
        try:
            await client.create_bucket(**params)
        except Exception as exc:  # noqa: BLE001
            raise self.error(exc, bucket=name) from exc

    async def delete_bucket(self, name: str, *, empty_first: bool = False) -> int:
        deleted = 0
        if empty_first:
            deleted = await S3Storage(self, name).delete_prefix("")
            await self._abort_all_uploads(name)
        client = await self.client()
        try:
            await client.delete_bucket(Bucket=name)
        except Exception as exc:  # noqa: BLE001
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
        except Exception as exc:  # noqa: BLE001
            raise self.error(exc, bucket=name) from exc
        return True


class S3Storage(Storage):
    kind = "s3"

    def __init__(self, connection: S3Connection, bucket: str):
        self.connection = connection
        self.bucket = bucket

    def _error(self, exc: Exception, key: str | None = None) -> ApiError:
        return self.connection.error(exc, bucket=self.bucket, key=key)

    async def list(self, prefix: str = "", *, page_size: int = 1000, page_token: str | None = None,
                   search: str = "") -> Listing:
        client = await self.connection.client()
        params = {
            "Bucket": self.bucket,
            "Prefix": prefix + search,
            "Delimiter": "/",
            "MaxKeys": max(1, min(page_size, 1000)),
        }
        if page_token:
            params["ContinuationToken"] = page_token
        try:
            answer = await client.list_objects_v2(**params)
        except Exception as exc:  # noqa: BLE001
            raise self._error(exc) from exc
        folders = [p["Prefix"] for p in answer.get("CommonPrefixes", [])]
        files = [
            _object_info(o) for o in answer.get("Contents", [])
            if o["Key"] != prefix  # the folder's own marker
        ]
        token = answer.get("NextContinuationToken") if answer.get("IsTruncated") else None
        return Listing(prefix=prefix, folders=folders, files=files, next_page_token=token)

    async def _pages(self, prefix: str) -> AsyncIterator[list[dict]]:
        """Every object entry under prefix (folder markers included), one listing page at a time."""
        client = await self.connection.client()
        token = None
        while True:
            params = {"Bucket": self.bucket, "Prefix": prefix, "MaxKeys": 1000}
            if token:
                params["ContinuationToken"] = token
            try:
                answer = await client.list_objects_v2(**params)
            except Exception as exc:  # noqa: BLE001
                raise self._error(exc) from exc
            if answer.get("Contents"):
                yield answer["Contents"]
            if not answer.get("IsTruncated"):
                return
            token = answer["NextContinuationToken"]

    async def walk(self, prefix: str = "") -> AsyncIterator[ObjectInfo]:
        async for page in self._pages(prefix):
            for o in page:
                if o["Key"].endswith("/") and o["Size"] == 0:
                    continue
                yield _object_info(o)

    async def _all_keys(self, prefix: str) -> AsyncIterator[list[str]]:
        """Every key under prefix (markers included), a page at a time."""
        async for page in self._pages(prefix):
            yield [o["Key"] for o in page]

    async def stat(self, key: str) -> ObjectInfo:
        client = await self.connection.client()
        try:
            head = await client.head_object(Bucket=self.bucket, Key=key)
        except Exception as exc:  # noqa: BLE001
            err = self._error(exc, key=key)
            if err.status == 404:
                # HEAD has no body, so a missing bucket also reads as 404: say which one it is.
                if not await self.connection.bucket_exists(self.bucket):
                    raise NotFound(f"Bucket '{self.bucket}' does not exist", code="NoSuchBucket") from exc
                raise NotFound(f"No object '{key}' in bucket '{self.bucket}'") from exc
            raise err from exc
        return ObjectInfo(
            key=key,
            size=head["ContentLength"],
            last_modified=head.get("LastModified"),
            etag=(head.get("ETag") or "").strip('"') or None,
            content_type=head.get("ContentType"),
            metadata=dict(head.get("Metadata") or {}),
        )

    async def read(self, key: str, byte_range: ByteRange | None = None,
                   chunk_size: int = 1 << 20) -> AsyncIterator[bytes]:
        client = await self.connection.client()
        params = {"Bucket": self.bucket, "Key": key}
        if byte_range is not None:
            params["Range"] = f"bytes={byte_range.start}-{byte_range.end}"
        try:
            answer = await client.get_object(**params)
        except Exception as exc:  # noqa: BLE001
            raise self._error(exc, key=key) from exc
        body = answer["Body"]
        try:
            # aiohttp hands over whatever has arrived (often 64-256 KiB): gather about `chunk_size`
            # before yielding, so each hop (our response, the client) moves a few large writes.
            pending: list[bytes] = []
            pending_len = 0
            while chunk := await body.read(chunk_size - pending_len):
                pending.append(chunk)
                pending_len += len(chunk)
                if pending_len >= chunk_size:
                    yield pending[0] if len(pending) == 1 else b"".join(pending)
                    pending, pending_len = [], 0
            if pending:
                yield b"".join(pending)
        finally:
            body.close()

    async def write(self, key: str, chunks: AsyncIterable[bytes], *, size: int | None = None,
                    content_type: str | None = None, metadata: dict[str, str] | None = None,
                    if_none_match: bool = False) -> ObjectInfo:
        _check_key(key)
        if if_none_match and await self.exists(key):
            raise PreconditionFailed(f"'{key}' already exists in bucket '{self.bucket}'")
        client = await self.connection.client()
        extra: dict = {"ContentType": content_type or "application/octet-stream"}
        if metadata:
            extra["Metadata"] = metadata
        uploader = _MultipartUpload(client, self.bucket, key, part_size_for(size), extra, self._error, size,
                                    self.connection.part_budget)
        return await uploader.run(chunks)

    async def create_folder(self, prefix: str) -> None:
        _check_key(prefix)
        client = await self.connection.client()
        try:
            await client.put_object(Bucket=self.bucket, Key=prefix, Body=b"")
        except Exception as exc:  # noqa: BLE001
            raise self._error(exc, key=prefix) from exc

    async def delete(self, key: str) -> None:
        await self.stat(key)  # a clear 404 instead of S3's silent success
        client = await self.connection.client()
        try:
            await client.delete_object(Bucket=self.bucket, Key=key)
        except Exception as exc:  # noqa: BLE001
            raise self._error(exc, key=key) from exc

    async def delete_many(self, keys: list[str]) -> tuple[int, list[dict]]:
        client = await self.connection.client()
        deleted, errors = 0, []
        for start in range(0, len(keys), DELETE_BATCH):
            batch = keys[start : start + DELETE_BATCH]
            try:
                answer = await client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True}
                )
            except Exception as exc:  # noqa: BLE001
                raise self._error(exc) from exc
            failed = answer.get("Errors", [])
            errors += [{"key": e.get("Key"), "error": e.get("Code"), "message": e.get("Message")} for e in failed]
            deleted += len(batch) - len(failed)
        return deleted, errors

    async def delete_prefix(self, prefix: str) -> int:
        total = 0
        folders: set[str] = {prefix} if prefix else set()
        async for keys in self._all_keys(prefix):
            for key in keys:  # every folder on the way, for the markers below
                parts = key[len(prefix):].split("/")[:-1]
                folders.update(prefix + "/".join(parts[: i + 1]) + "/" for i in range(len(parts)))
            _, errors = await self.delete_many(keys)
            if errors:
                first = errors[0]
                raise ApiError(f"Could not delete '{first['key']}': {first['message']}",
                               code=first["error"] or "DeleteFailed", status=403 if first["error"] == "AccessDenied" else 502)
            # Count objects, not folder markers, so the number matches what a user saw.
            total += sum(1 for key in keys if not key.endswith("/"))
        # Servers with real directories (SeaweedFS) keep listing an emptied folder until its own
        # "folder/" key is deleted; on AWS these deletes are no-ops. Deepest first.
        if folders:
            with contextlib.suppress(ApiError):
                await self.delete_many(sorted(folders, key=lambda f: f.count("/"), reverse=True))
        return total

    async def copy_from(self, source: Storage, src_key: str, dst_key: str,
                        size: int | None = None) -> ObjectInfo | None:
        if not isinstance(source, S3Storage) or source.connection is not self.connection:
            return None
        client = await self.connection.client()
        if size is None:
            size = (await source.stat(src_key)).size
        copy_source = {"Bucket": source.bucket, "Key": src_key}
        try:
            if size <= MAX_SINGLE_COPY:
                await client.copy_object(Bucket=self.bucket, Key=dst_key, CopySource=copy_source,
                                         MetadataDirective="COPY")
            else:
                await _multipart_copy(client, copy_source, self.bucket, dst_key, size)
        except Exception as exc:  # noqa: BLE001
            raise self._error(exc, key=dst_key) from exc
        return await self.stat(dst_key)


def _object_info(entry: dict) -> ObjectInfo:
    """An ObjectInfo from one entry of a ListObjectsV2 answer."""
    return ObjectInfo(key=entry["Key"], size=entry["Size"], last_modified=entry.get("LastModified"),
                      etag=(entry.get("ETag") or "").strip('"') or None)


def _check_key(key: str) -> None:
    if not key or len(key.encode()) > 1024:
        raise BadRequest("Object keys must be 1 to 1024 bytes long", code="InvalidKey")
    if "\x00" in key:
        raise BadRequest("Object keys cannot contain NUL", code="InvalidKey")


async def _multipart_copy(client, copy_source: dict, bucket: str, key: str, size: int) -> None:
    part = max(part_size_for(size), 512 * MiB)
    upload = await client.create_multipart_upload(Bucket=bucket, Key=key)
    upload_id = upload["UploadId"]
    try:
        parts = []
        for number, start in enumerate(range(0, size, part), start=1):
            end = min(start + part, size) - 1
            answer = await client.upload_part_copy(
                Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=number,
                CopySource=copy_source, CopySourceRange=f"bytes={start}-{end}",
            )
            parts.append({"PartNumber": number, "ETag": answer["CopyPartResult"]["ETag"]})
        await client.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id,
                                               MultipartUpload={"Parts": parts})
    except BaseException:
        with contextlib.suppress(Exception):
            await asyncio.shield(client.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id))
        raise


class _MultipartUpload:
    """Streams chunks into S3 with bounded memory: part_size × (PARTS_IN_FLIGHT + 1) per upload, and
    at most PARTS_BUFFERED parts in flight across all the uploads of one connection.

    Data below one part goes up as one PutObject. Any failure, cancellation or disconnect aborts the
    multipart upload, so the object appears whole or not at all.
    """

    def __init__(self, client, bucket: str, key: str, part_size: int, extra: dict, translate,
                 expected: int | None = None, budget: asyncio.Semaphore | None = None):
        self.client, self.bucket, self.key = client, bucket, key
        self.part_size, self.extra, self.translate = part_size, extra, translate
        self.expected = expected  # the announced size, when known: sizes the last buffer
        self.budget = budget
        self.upload_id: str | None = None
        self.parts: dict[int, str] = {}
        self.slots = asyncio.Semaphore(PARTS_IN_FLIGHT)
        self.tasks: set[asyncio.Task] = set()
        self.failure: BaseException | None = None
        self.size = 0

    def _new_buffer(self, consumed: int) -> io.BytesIO:
        """An empty part buffer with room for the whole part, allocated once.

        botocore hashes a BytesIO that we wrote ourselves, and aiohttp sends it, by small reads: no
        second copy of the part is ever held (a `bytes` body is wrapped in a shared BytesIO that
        aiohttp copies whole; a bytearray is sliced and joined with the request headers)."""
        size = self.part_size
        if self.expected is not None and 0 <= self.expected - consumed < self.part_size:
            size = self.expected - consumed
        buf = io.BytesIO()
        if size:
            buf.seek(size - 1)
            buf.write(b"\0")
            buf.seek(0)
        return buf

    async def run(self, chunks: AsyncIterable[bytes]) -> ObjectInfo:
        buf, filled, number = self._new_buffer(0), 0, 0
        try:
            async for chunk in chunks:
                if not chunk:
                    continue
                self.size += len(chunk)
                data = memoryview(chunk)
                while data:
                    take = min(len(data), self.part_size - filled)
                    buf.write(data[:take])
                    filled += take
                    data = data[take:]
                    if filled == self.part_size:
                        number += 1
                        buf.truncate(filled)
                        buf.seek(0)
                        await self._submit(number, buf)
                        buf, filled = self._new_buffer(self.size - len(data)), 0
            buf.truncate(filled)
            buf.seek(0)
            if self.upload_id is None:
                return await self._put_whole(buf, filled)
            if filled:
                number += 1
                await self._submit(number, buf)
            buf = None
            await self._drain()
            return await self._complete()
        except BaseException as exc:
            await self._abort()
            if isinstance(exc, (ClientError, BotoCoreError)):
                raise self.translate(exc, key=self.key) from exc
            raise

    async def _put_whole(self, body: io.BytesIO, size: int) -> ObjectInfo:
        try:
            answer = await self.client.put_object(Bucket=self.bucket, Key=self.key, Body=body, **self.extra)
        except Exception as exc:  # noqa: BLE001
            raise self.translate(exc, key=self.key) from exc
        return ObjectInfo(key=self.key, size=size, etag=answer.get("ETag", "").strip('"'))

    async def _submit(self, number: int, data: io.BytesIO) -> None:
        if self.failure:
            raise self.failure
        if self.upload_id is None:
            answer = await self.client.create_multipart_upload(Bucket=self.bucket, Key=self.key, **self.extra)
            self.upload_id = answer["UploadId"]
        await self.slots.acquire()
        try:
            if self.budget is not None:
                await self.budget.acquire()
        except BaseException:
            self.slots.release()
            raise
        if self.failure:
            self._release()
            raise self.failure
        task = asyncio.create_task(self._upload_part(number, data))
        self.tasks.add(task)
        # Released when the task ends in any way, even when it is cancelled before it starts.
        task.add_done_callback(self._part_done)

    def _release(self) -> None:
        self.slots.release()
        if self.budget is not None:
            self.budget.release()

    def _part_done(self, task: asyncio.Task) -> None:
        self.tasks.discard(task)
        self._release()

    async def _upload_part(self, number: int, data: io.BytesIO) -> None:
        try:
            answer = await self.client.upload_part(
                Bucket=self.bucket, Key=self.key, UploadId=self.upload_id, PartNumber=number, Body=data
            )
            self.parts[number] = answer["ETag"]
        except BaseException as exc:
            self.failure = self.failure or exc
            raise

    async def _drain(self) -> None:
        if self.tasks:
            await asyncio.gather(*list(self.tasks))
        if self.failure:
            raise self.failure

    async def _complete(self) -> ObjectInfo:
        parts = [{"PartNumber": n, "ETag": self.parts[n]} for n in sorted(self.parts)]
        answer = await self.client.complete_multipart_upload(
            Bucket=self.bucket, Key=self.key, UploadId=self.upload_id, MultipartUpload={"Parts": parts}
        )
        self.upload_id = None  # nothing left to abort
        return ObjectInfo(key=self.key, size=self.size, etag=answer.get("ETag", "").strip('"'))

    async def _abort(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        if self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)
        if self.upload_id is None:
            return
        upload_id, self.upload_id = self.upload_id, None

        async def abort() -> None:
            with contextlib.suppress(Exception):
                await self.client.abort_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=upload_id)

        # Shielded: the abort must finish even when we got here because our task was cancelled.
        task = asyncio.ensure_future(abort())
        PENDING_ABORTS.add(task)
        task.add_done_callback(PENDING_ABORTS.discard)
        with contextlib.suppress(BaseException):
            await asyncio.shield(task)
