"""Runtime settings (in memory until restart) and connection tests. Secrets are write-only."""

from __future__ import annotations

import dataclasses
from urllib.parse import urlsplit

import httpx
from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from odh_tec.config import HFSettings, ProxySettings, RuntimeSettings, S3Settings, mask_url_password
from odh_tec.errors import ApiError, BadRequest
from odh_tec.http import make_http_client
from odh_tec.services import Services, get_services
from odh_tec.storage.s3 import open_client, translate_error

router = APIRouter(prefix="/settings", tags=["settings"])


def _check_url(value: str | None, what: str, *, allow_empty: bool = True) -> None:
    if not value:
        if allow_empty:
            return
        raise BadRequest(f"{what} is required")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        # The value may carry a password (proxy URLs): never echo it back.
        raise BadRequest(f"{what} must be an http:// or https:// URL, got '{mask_url_password(value)}'")


class S3Update(BaseModel):
    endpoint: str | None = None
    region: str | None = Field(None, max_length=64)
    access_key_id: str | None = Field(None, max_length=256)
    secret_access_key: str | None = Field(None, max_length=512)
    default_bucket: str | None = Field(None, max_length=63)


class HFUpdate(BaseModel):
    endpoint: str | None = None
    token: str | None = Field(None, max_length=512)


class ProxyUpdate(BaseModel):
    http_proxy: str | None = None
    https_proxy: str | None = None
    no_proxy: str | None = Field(None, max_length=4096)
    test_url: str | None = None  # only the configured Hub or S3 endpoint may be fetched


class TransfersUpdate(BaseModel):
    max_concurrent_transfers: int | None = Field(None, ge=1, le=64)
    max_files_per_page: int | None = Field(None, ge=1, le=1000)


def _merged(current, update: BaseModel, *, exclude: set[str] = frozenset()):
    """`current` with the fields the update sets (None = keep; for secrets '' = clear)."""
    changes = {k: v.strip() if isinstance(v, str) else v
               for k, v in update.model_dump(exclude=exclude).items() if v is not None}
    return dataclasses.replace(current, **changes)


def _s3_from(update: S3Update, current: S3Settings) -> S3Settings:
    _check_url(update.endpoint, "The S3 endpoint")
    if update.default_bucket:
        from odh_tec.api.buckets import bucket_name_problem

        problem = bucket_name_problem(update.default_bucket)
        if problem:
            raise BadRequest(problem, code="InvalidBucketName")
    merged = _merged(current, update)
    if update.endpoint is not None:
        endpoint = update.endpoint.strip().rstrip("/")
        merged = dataclasses.replace(merged, endpoint=endpoint,
                                     embedded=current.embedded and endpoint == current.endpoint)
    return merged


def _proxy_from(update: ProxyUpdate, current: ProxySettings) -> ProxySettings:
    _check_url(update.http_proxy, "The HTTP proxy")
    _check_url(update.https_proxy, "The HTTPS proxy")
    merged = _merged(current, update, exclude={"test_url"})
    # A masked password coming back from the form means "unchanged".
    for name in ("http_proxy", "https_proxy"):
        if ":***@" in getattr(merged, name):
            merged = dataclasses.replace(merged, **{name: getattr(current, name)})
    return merged


@router.get("")
async def get_settings(services: Services = Depends(get_services)) -> dict:
    return services.settings.public()


@router.put("/s3")
async def put_s3(update: S3Update, services: Services = Depends(get_services)) -> dict:
    services.settings.s3 = _s3_from(update, services.settings.s3)
    return services.settings.public()


@router.put("/huggingface")
async def put_hf(update: HFUpdate, services: Services = Depends(get_services)) -> dict:
    _check_url(update.endpoint, "The Hub endpoint")
    merged = _merged(services.settings.huggingface, update)
    services.settings.huggingface = dataclasses.replace(merged, endpoint=merged.endpoint.rstrip("/"))
    return services.settings.public()


@router.put("/proxy")
async def put_proxy(update: ProxyUpdate, services: Services = Depends(get_services)) -> dict:
    services.settings.proxy = _proxy_from(update, services.settings.proxy)
    return services.settings.public()


@router.put("/transfers")
async def put_transfers(update: TransfersUpdate, services: Services = Depends(get_services)) -> dict:
    services.settings.transfers = _merged(services.settings.transfers, update)
    engine = services.transfers
    if engine is not None and hasattr(engine, "set_concurrency"):
        engine.set_concurrency(services.settings.transfers.max_concurrent_transfers)
    return services.settings.public()


# Connection tests ------------------------------------------------------------------------------


@router.post("/s3/test")
async def test_s3(update: S3Update, services: Services = Depends(get_services)) -> dict:
    s3 = _s3_from(update, services.settings.s3)
    trial = dataclasses.replace(services.settings, s3=s3)
    try:
        async with open_client(s3, trial, services.config.data_dir / "ca", attempts=1) as client:
            try:
                answer = await client.list_buckets()
                count = len(answer.get("Buckets", []))
                return {"ok": True, "message": f"Connected to {s3.endpoint or 'AWS S3'}: {count} bucket(s) visible",
                        "buckets": count}
            except Exception as exc:  # noqa: BLE001
                err = translate_error(exc, endpoint=s3.endpoint)
                # Only a plain denial means "bucket-scoped keys"; a wrong key or secret is reported as is.
                if err.code != "AccessDenied" or not s3.default_bucket:
                    raise err from exc
            # Bucket-scoped keys may not list buckets: the default bucket is what matters.
            await client.head_bucket(Bucket=s3.default_bucket)
            return {"ok": True, "buckets": None,
                    "message": f"Connected: bucket '{s3.default_bucket}' is reachable "
                               "(these keys cannot list all buckets)"}
    except ApiError as exc:
        return {"ok": False, "error": exc.code, "message": exc.message}
    except Exception as exc:  # noqa: BLE001
        err = translate_error(exc, endpoint=s3.endpoint, bucket=s3.default_bucket or None)
        return {"ok": False, "error": err.code, "message": err.message}


@router.post("/huggingface/test")
async def test_hf(update: HFUpdate, services: Services = Depends(get_services)) -> dict:
    _check_url(update.endpoint, "The Hub endpoint")
    hf: HFSettings = _merged(services.settings.huggingface, update)
    endpoint = hf.endpoint.rstrip("/")
    if not hf.token:
        return {"ok": False, "error": "NoToken", "message": "No HuggingFace token is set"}
    try:
        async with make_http_client(services.settings, endpoint, timeout=15) as client:
            answer = await client.get(f"{endpoint}/api/whoami-v2", headers={"Authorization": f"Bearer {hf.token}"})
    except httpx.HTTPError as exc:
        return {"ok": False, "error": "EndpointUnreachable", "message": f"Cannot reach {endpoint}: {exc}"}
    if answer.status_code == 401:
        return {"ok": False, "error": "InvalidToken", "message": "The HuggingFace token is not valid"}
    if answer.status_code != 200:
        return {"ok": False, "error": "HubError", "message": f"{endpoint} answered HTTP {answer.status_code}"}
    data = answer.json()
    token_name = (data.get("auth", {}).get("accessToken", {}) or {}).get("displayName")
    name = data.get("name")
    message = f"Token valid for user '{name}'" + (f" (token '{token_name}')" if token_name else "")
    return {"ok": True, "message": message, "name": name, "token_name": token_name}


@router.post("/proxy/test")
async def test_proxy(update: ProxyUpdate, services: Services = Depends(get_services)) -> dict:
    proxy = _proxy_from(update, services.settings.proxy)
    allowed = [u for u in (services.settings.huggingface.endpoint, services.settings.s3.endpoint) if u]
    url = (update.test_url or services.settings.huggingface.endpoint).rstrip("/")
    # Only endpoints the app already talks to can be fetched: the test is no open relay (SSRF).
    if url not in [a.rstrip("/") for a in allowed]:
        raise BadRequest("The proxy test can only reach the configured HuggingFace or S3 endpoint")
    trial: RuntimeSettings = dataclasses.replace(services.settings, proxy=proxy)
    via = proxy.for_url(url)
    try:
        async with make_http_client(trial, url, timeout=15) as client:
            answer = await client.get(url)
    except httpx.HTTPError as exc:
        return {"ok": False, "error": "EndpointUnreachable",
                "message": f"Cannot reach {url} {'through the proxy' if via else 'directly'}: {exc}"}
    route = "through the proxy" if via else "directly (no proxy applies)"
    return {"ok": True, "status": answer.status_code, "message": f"Reached {url} {route}: HTTP {answer.status_code}"}
