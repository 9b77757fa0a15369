"""The Settings page's S3 connection test: can these unsaved settings list buckets, or at least
reach the default bucket?

The saved keys go only to the saved endpoint: another endpoint is tried with the keys sent with the
test, or with none (an anonymous request still says whether an S3 server answers there). Failures
are `translate_error`'s, and a server nobody configured is never quoted.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from odh_tec.config import RuntimeSettings, S3Settings
from odh_tec.errors import ApiError
from odh_tec.netguard import check_endpoint, same_origin
from odh_tec.storage.s3.connection import open_client
from odh_tec.storage.s3.errors import translate_error

# What an S3 server answers to a request without keys, or with keys it does not know.
_DENIALS = {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "AllAccessDisabled"}


@dataclass(frozen=True)
class S3Reached:
    message: str
    buckets: int | None  # None: the keys cannot list buckets, and the default bucket answered


async def probe_s3(
    settings: RuntimeSettings, s3: S3Settings, *, sent_keys: tuple[str, str], ca_dir: Path
) -> S3Reached | ApiError:
    """Try `s3` with the live proxy and CA settings: what it reached, or the error that stopped it.

    `sent_keys` are the access key and secret that came with the test, the only ones another endpoint
    gets. Raises `DestinationNotAllowed` for a link-local or metadata endpoint nobody configured."""
    configured = same_origin(s3.endpoint, settings.s3.endpoint)
    if not configured:
        key_id, secret = sent_keys
        s3 = dataclasses.replace(s3, access_key_id=key_id.strip(), secret_access_key=secret.strip())
    await check_endpoint(s3.endpoint, saved=settings.s3.endpoint, proxy=settings.proxy)
    anonymous = not configured and not (s3.access_key_id or s3.secret_access_key)
    trial = dataclasses.replace(settings, s3=s3)
    try:
        return await _try(s3, trial, ca_dir, anonymous=anonymous, quote_server=configured)
    except ApiError as exc:
        return exc
    except Exception as exc:
        try:
            return translate_error(exc, endpoint=s3.endpoint, bucket=s3.default_bucket or None, quote_server=configured)
        except Exception:
            return ApiError(
                f"S3 request to {s3.endpoint or 'AWS S3'} failed ({type(exc).__name__})", code="S3Error", status=502
            )


async def _try(
    s3: S3Settings, trial: RuntimeSettings, ca_dir: Path, *, anonymous: bool, quote_server: bool
) -> S3Reached:
    where = s3.endpoint or "AWS S3"

    def error(exc: Exception) -> ApiError:
        err = translate_error(exc, endpoint=s3.endpoint, bucket=s3.default_bucket or None, quote_server=quote_server)
        if anonymous and err.code in _DENIALS:
            return ApiError(
                f"{where} answered, but it needs keys: enter the access key and the secret key to test "
                "them (the saved keys are only sent to the saved endpoint)",
                code="NoCredentials",
            )
        return err

    async with open_client(s3, trial, ca_dir, attempts=1, unsigned=anonymous) as client:
        try:
            answer = await client.list_buckets()
            count = len(answer.get("Buckets", []))
            how = " without keys" if anonymous else ""
            return S3Reached(f"Connected to {where}{how}: {count} bucket(s) visible", count)
        except Exception as exc:
            err = translate_error(exc, endpoint=s3.endpoint, quote_server=quote_server)
            # Only a plain denial means "bucket-scoped keys"; a wrong key or secret is reported as is.
            if err.code != "AccessDenied" or not s3.default_bucket:
                raise error(exc) from exc
        # Bucket-scoped keys may not list buckets: the default bucket is what matters.
        try:
            await client.head_bucket(Bucket=s3.default_bucket)
        except Exception as exc:
            raise error(exc) from exc
        how = "without keys" if anonymous else "(these keys cannot list all buckets)"
        return S3Reached(f"Connected: bucket '{s3.default_bucket}' is reachable {how}", None)
