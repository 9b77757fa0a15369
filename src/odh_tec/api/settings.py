"""Runtime settings (in memory until restart) and connection tests. Secrets are write-only.

Stored secrets go only to the endpoint they were configured for: a connection test that names
another S3 or Hub endpoint uses the keys or token sent with it, or none. Endpoints and proxies that
come from a request are checked by `netguard` (no link-local or cloud metadata addresses), and a
test of an endpoint nobody configured reports what happened in our words, never in the words of the
host it reached, so it cannot serve to read internal services.
"""

from __future__ import annotations

import dataclasses
from urllib.parse import urlsplit

import httpx
from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field

from odh_tec.config import HFSettings, ProxySettings, RuntimeSettings, S3Settings, mask_url_password
from odh_tec.errors import ApiError, BadRequest, NotFound
from odh_tec.hf.errors import network_reason
from odh_tec.http import make_http_client
from odh_tec.netguard import check_destination, same_origin
from odh_tec.services import Services, get_services
from odh_tec.storage.s3 import open_client, translate_error

router = APIRouter(prefix="/settings", tags=["settings"])


def _check_url(value: str | None, what: str, *, allow_empty: bool = True) -> None:
    if not value:
        if allow_empty:
            return
        raise BadRequest(f"{what} is required")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises on a port out of range
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
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


def _merged(current, update: BaseModel, *, exclude: set[str] | None = None):
    """`current` with the fields the update sets (None = keep; for secrets '' = clear)."""
    changes = {
        k: v.strip() if isinstance(v, str) else v
        for k, v in update.model_dump(exclude=exclude).items()
        if v is not None
    }
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
        merged = dataclasses.replace(
            merged, endpoint=endpoint, embedded=current.embedded and endpoint == current.endpoint
        )
        if update.secret_access_key is None and not same_origin(endpoint, current.endpoint):
            # The stored secret was given for the old server: never sign requests to a new one with it.
            merged = dataclasses.replace(merged, secret_access_key="")
    return merged


def _same_proxy_account(url: str, saved: str) -> bool:
    a, b = urlsplit(url), urlsplit(saved)
    return same_origin(url, saved) and a.username == b.username


def _unmasked(value: str, current: ProxySettings) -> str:
    """A masked password coming back from the form means "the stored one" — for the stored proxy
    (same host, port and user) only: another host never receives it."""
    if ":***@" not in value:
        return value
    for saved in (current.http_proxy, current.https_proxy):
        if saved and _same_proxy_account(value, saved):
            return saved
    raise BadRequest(
        "Enter the proxy password again: the saved one is only sent to the saved proxy", code="ProxyPasswordRequired"
    )


def _proxy_from(update: ProxyUpdate, current: ProxySettings) -> ProxySettings:
    _check_url(update.http_proxy, "The HTTP proxy")
    _check_url(update.https_proxy, "The HTTPS proxy")
    merged = _merged(current, update, exclude={"test_url"})
    for name in ("http_proxy", "https_proxy"):
        if getattr(update, name):
            merged = dataclasses.replace(merged, **{name: _unmasked(getattr(merged, name), current)})
    return merged


async def _check_proxies(proxy: ProxySettings, saved: ProxySettings) -> None:
    for url in (proxy.http_proxy, proxy.https_proxy):
        if url:
            await check_destination(url, configured=(saved.http_proxy, saved.https_proxy))


def _resolves_locally(settings: RuntimeSettings, url: str) -> bool:
    """Through a proxy, the proxy resolves the name: only a literal address can be checked here."""
    return settings.proxy.for_url(url) is None


def _request_keys_only(s3: S3Settings, update: S3Update) -> S3Settings:
    """The endpoint is not the saved one: the keys of this request, or none — never the stored ones."""
    return dataclasses.replace(
        s3,
        access_key_id=(update.access_key_id or "").strip(),
        secret_access_key=(update.secret_access_key or "").strip(),
    )


@router.get("")
async def get_settings(services: Services = Depends(get_services)) -> dict:
    return services.settings.public()


@router.get("/s3/embedded-credentials")
async def embedded_credentials(response: Response, services: Services = Depends(get_services)) -> dict:
    """The keys of the embedded S3, for the Settings page's "Reveal" and a notebook on this machine.

    They are local-only keys (the embedded S3 listens on 127.0.0.1 and its keys file is on this disk),
    so they are the one secret the API hands out, on request only and never in `GET /settings`.
    A configured S3's keys are never returned: 404 whenever the S3 in use is not the embedded one."""
    embedded = services.embedded
    s3 = services.settings.s3
    if embedded is None or not s3.embedded or s3.endpoint != embedded.endpoint:
        raise NotFound("The S3 in use is not the embedded one: its keys are never sent back", code="NotEmbedded")
    response.headers["Cache-Control"] = "no-store"
    return {
        "endpoint": embedded.endpoint,
        "access_key_id": embedded.credentials.access_key_id,
        "secret_access_key": embedded.credentials.secret_access_key,
        "credentials_file": str(embedded.data_dir / "credentials.json"),
    }


@router.put("/s3")
async def put_s3(update: S3Update, services: Services = Depends(get_services)) -> dict:
    s3 = _s3_from(update, services.settings.s3)
    if s3.endpoint:
        trial = dataclasses.replace(services.settings, s3=s3)
        await check_destination(
            s3.endpoint, configured=(services.settings.s3.endpoint,), resolve=_resolves_locally(trial, s3.endpoint)
        )
    services.settings.s3 = s3
    return services.settings.public()


@router.put("/huggingface")
async def put_hf(update: HFUpdate, services: Services = Depends(get_services)) -> dict:
    _check_url(update.endpoint, "The Hub endpoint")
    merged = _merged(services.settings.huggingface, update)
    endpoint = merged.endpoint.rstrip("/")
    if update.token is None and not same_origin(endpoint, services.settings.huggingface.endpoint):
        # The stored token was given for the old Hub: a new one gets a token only if it comes with it.
        merged = dataclasses.replace(merged, token="")
    await check_destination(
        endpoint,
        configured=(services.settings.huggingface.endpoint,),
        resolve=_resolves_locally(services.settings, endpoint),
    )
    services.settings.huggingface = dataclasses.replace(merged, endpoint=endpoint)
    return services.settings.public()


@router.put("/proxy")
async def put_proxy(update: ProxyUpdate, services: Services = Depends(get_services)) -> dict:
    proxy = _proxy_from(update, services.settings.proxy)
    await _check_proxies(proxy, services.settings.proxy)
    services.settings.proxy = proxy
    return services.settings.public()


@router.put("/transfers")
async def put_transfers(update: TransfersUpdate, services: Services = Depends(get_services)) -> dict:
    services.settings.transfers = _merged(services.settings.transfers, update)
    engine = services.transfers
    if engine is not None and hasattr(engine, "set_concurrency"):
        engine.set_concurrency(services.settings.transfers.max_concurrent_transfers)
    return services.settings.public()


# Connection tests ------------------------------------------------------------------------------


def _describe(exc: httpx.HTTPError) -> str:
    """What went wrong, without what the other side said (a protocol error quotes its first bytes:
    an SSH banner, a database greeting). Connect errors are worded by the OS or the TLS library."""
    if isinstance(exc, httpx.ConnectTimeout):
        return "the connection timed out"
    if isinstance(exc, httpx.ProxyError):
        return "the proxy refused the connection"
    if isinstance(exc, httpx.ConnectError):
        return str(exc)[:300] or "the connection failed"
    if isinstance(exc, httpx.TimeoutException):
        return "no answer in time"
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.DecodingError)):
        return "the answer is not HTTP"
    return f"the request failed ({type(exc).__name__})"


def _failure(exc: ApiError) -> dict:
    return {"ok": False, "error": exc.code, "message": exc.message}


_DENIALS = {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "AllAccessDisabled"}


@router.post("/s3/test")
async def test_s3(update: S3Update, services: Services = Depends(get_services)) -> dict:
    saved = services.settings.s3
    s3 = _s3_from(update, saved)
    configured = same_origin(s3.endpoint, saved.endpoint)
    if not configured:
        s3 = _request_keys_only(s3, update)
    trial = dataclasses.replace(services.settings, s3=s3)
    if s3.endpoint:
        await check_destination(
            s3.endpoint, configured=(saved.endpoint,), resolve=_resolves_locally(trial, s3.endpoint)
        )
    # No keys for an endpoint that is not the saved one: an anonymous request still says whether an
    # S3 server answers there (and a public endpoint may even list).
    anonymous = not configured and not (s3.access_key_id or s3.secret_access_key)
    try:
        return await _try_s3(s3, trial, services, anonymous=anonymous, quote_server=configured)
    except ApiError as exc:
        return _failure(exc)
    except Exception as exc:
        try:
            return _failure(
                translate_error(exc, endpoint=s3.endpoint, bucket=s3.default_bucket or None, quote_server=configured)
            )
        except Exception:
            return {
                "ok": False,
                "error": "S3Error",
                "message": f"S3 request to {s3.endpoint or 'AWS S3'} failed ({type(exc).__name__})",
            }


async def _try_s3(
    s3: S3Settings, trial: RuntimeSettings, services: Services, *, anonymous: bool, quote_server: bool
) -> dict:
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

    async with open_client(s3, trial, services.config.data_dir / "ca", attempts=1, unsigned=anonymous) as client:
        try:
            answer = await client.list_buckets()
            count = len(answer.get("Buckets", []))
            how = " without keys" if anonymous else ""
            return {"ok": True, "message": f"Connected to {where}{how}: {count} bucket(s) visible", "buckets": count}
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
        return {
            "ok": True,
            "buckets": None,
            "message": f"Connected: bucket '{s3.default_bucket}' is reachable "
            + ("without keys" if anonymous else "(these keys cannot list all buckets)"),
        }


@router.post("/huggingface/test")
async def test_hf(update: HFUpdate, services: Services = Depends(get_services)) -> dict:
    """Is the Hub reachable (through the proxy, when one applies)? Then, if a token is set, is it valid?
    A token is optional: public models and datasets need none."""
    _check_url(update.endpoint, "The Hub endpoint")
    saved = services.settings.huggingface
    hf: HFSettings = _merged(saved, update)
    endpoint = hf.endpoint.rstrip("/")
    configured = same_origin(endpoint, saved.endpoint)
    # The stored token is for the saved endpoint only; another endpoint gets the token of this request.
    token = hf.token if configured else (update.token or "").strip()
    await check_destination(
        endpoint, configured=(saved.endpoint,), resolve=_resolves_locally(services.settings, endpoint)
    )
    via = services.settings.proxy.for_url(endpoint)
    route = f" through the proxy {mask_url_password(via)}" if via else ""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        async with make_http_client(services.settings, endpoint, timeout=15) as client:
            answer = await client.get(f"{endpoint}/api/whoami-v2", headers=headers)
    except httpx.HTTPError as exc:
        return {
            "ok": False,
            "error": "EndpointUnreachable",
            "message": f"Cannot reach the Hugging Face Hub ({endpoint}{route}: {_hub_reason(exc, endpoint)}). "
            "Check the proxy in Settings or HF_ENDPOINT",
        }
    if answer.status_code == 407:
        return {
            "ok": False,
            "error": "ProxyAuthenticationRequired",
            "message": f"The proxy {mask_url_password(via or '')} asks for credentials: "
            "put them in the proxy URL (http://user:password@host:port)",
        }
    if not token:
        if answer.status_code not in (200, 401, 403):
            return {
                "ok": False,
                "error": "HubError",
                "message": f"{endpoint} answered HTTP {answer.status_code}{route}: it does not answer like a "
                "Hugging Face Hub",
            }
        if not configured and saved.token:
            return {
                "ok": False,
                "error": "NoToken",
                "message": f"Reached {endpoint}{route}, but the saved token was not tested: it is only sent to "
                "the saved endpoint. Enter the token again to test it with this one",
            }
        return {
            "ok": True,
            "token": False,
            "message": f"Reached the Hugging Face Hub at {endpoint}{route}. No token is set: public models and "
            "datasets can be imported; gated and private ones need a token",
        }
    if answer.status_code == 401:
        return {
            "ok": False,
            "error": "InvalidToken",
            "message": f"Reached {endpoint}{route}, but the HuggingFace token is not valid",
        }
    if answer.status_code != 200:
        return {"ok": False, "error": "HubError", "message": f"{endpoint} answered HTTP {answer.status_code}"}
    return _whoami_result(answer, endpoint, route)


def _hub_reason(exc: httpx.HTTPError, endpoint: str) -> str:
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.DecodingError)):
        return _describe(exc)
    return network_reason(exc, endpoint)


def _whoami_result(answer: httpx.Response, endpoint: str, route: str = "") -> dict:
    try:
        data = answer.json()
    except ValueError:
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        return {"ok": False, "error": "HubError", "message": f"{endpoint} does not answer like a HuggingFace Hub"}
    auth = data["auth"] if isinstance(data.get("auth"), dict) else {}
    access = auth["accessToken"] if isinstance(auth.get("accessToken"), dict) else {}
    token_name = access.get("displayName") if isinstance(access.get("displayName"), str) else None
    # Short: a name, not a channel for whatever else the host wants to say.
    name, token_name = data["name"][:100], token_name[:100] if token_name else None
    message = f"Reached {endpoint}{route}: token valid for user '{name}'" + (
        f" (token '{token_name}')" if token_name else ""
    )
    return {"ok": True, "message": message, "name": name, "token_name": token_name}


@router.post("/proxy/test")
async def test_proxy(update: ProxyUpdate, services: Services = Depends(get_services)) -> dict:
    proxy = _proxy_from(update, services.settings.proxy)
    allowed = [u for u in (services.settings.huggingface.endpoint, services.settings.s3.endpoint) if u]
    url = (update.test_url or services.settings.huggingface.endpoint).rstrip("/")
    # Only endpoints the app already talks to can be fetched: the test is no open relay (SSRF).
    if url not in [a.rstrip("/") for a in allowed]:
        raise BadRequest("The proxy test can only reach the configured HuggingFace or S3 endpoint")
    await _check_proxies(proxy, services.settings.proxy)
    trial: RuntimeSettings = dataclasses.replace(services.settings, proxy=proxy)
    via = proxy.for_url(url)
    try:
        async with make_http_client(trial, url, timeout=15) as client:
            answer = await client.get(url)
    except httpx.HTTPError as exc:
        return {
            "ok": False,
            "error": "EndpointUnreachable",
            "message": f"Cannot reach {url} {'through the proxy' if via else 'directly'}: {_describe(exc)}",
        }
    route = "through the proxy" if via else "directly (no proxy applies)"
    return {"ok": True, "status": answer.status_code, "message": f"Reached {url} {route}: HTTP {answer.status_code}"}
