"""Translating botocore failures into the app's `ApiError`s.

Every S3 call (the storage, bucket operations, the Settings page's connection test) ends its failures
here, so one table decides which HTTP status and which words a person sees for an S3 error code, and
what a server nobody configured is never allowed to say back (`quote_server=False`).
"""

from __future__ import annotations

import asyncio
import re

import aiohttp
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

from odh_tec.errors import ApiError, UpstreamError
from odh_tec.observability.metrics import count_upstream_error

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

# An error code from an unknown server is shown only when it looks like one.
_PLAIN_CODE = re.compile(r"[A-Za-z0-9.]{1,64}")


def translate_error(
    exc: Exception, *, endpoint: str, bucket: str | None = None, key: str | None = None, quote_server: bool = True
) -> ApiError:
    """Map botocore failures to our error shape (counted in `/metrics` by code)."""
    error = _translate_error(exc, endpoint=endpoint, bucket=bucket, key=key, quote_server=quote_server)
    if error is not exc:
        count_upstream_error("s3", error.code)
    return error


def _translate_error(
    exc: Exception, *, endpoint: str, bucket: str | None = None, key: str | None = None, quote_server: bool = True
) -> ApiError:
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
    if isinstance(exc, aiohttp.ClientPayloadError):
        # A body cut short (the connection dropped mid-download): aiobotocore passes it on as aiohttp's.
        return UpstreamError(f"The S3 endpoint {where} broke off its answer before the end")
    if isinstance(exc, NoCredentialsError):
        return ApiError("No S3 credentials are configured", code="NoCredentials", status=400)
    if isinstance(exc, PartialCredentialsError):
        return ApiError(
            "The S3 credentials are incomplete: set both the access key and the secret key",
            code="NoCredentials",
            status=400,
        )
    if not quote_server and isinstance(exc, (BotoCoreError, OSError, asyncio.TimeoutError)):
        # e.g. a parse error that quotes the body, or a status line that is an SSH banner
        return UpstreamError(
            f"S3 request to {where} failed: the answer is not one of an S3 server ({type(exc).__name__})"
        )
    if isinstance(exc, BotoCoreError):
        return UpstreamError(f"S3 request to {where} failed: {exc}")
    if isinstance(exc, (OSError, asyncio.TimeoutError)):
        return UpstreamError(f"Cannot reach the S3 endpoint {where}: {exc}")
    raise exc
