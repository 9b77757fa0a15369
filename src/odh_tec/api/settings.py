"""Runtime settings (in memory until restart) and connection tests. Secrets are write-only.

Stored secrets go only to the endpoint they were configured for (`netguard.secret_for`): a connection
test that names another S3 or Hub endpoint uses the keys or token sent with it, or none. Endpoints
and proxies that come from a request are checked by `netguard` (no link-local or cloud metadata
addresses). The tests themselves live beside the clients they try (`storage.s3.probe`, `hf.probe`,
`http.probe_proxy`); this router turns a form into settings and their findings into answers.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Self
from urllib.parse import urlsplit

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from odh_tec.api.deps import RuntimeSettingsDep, ServicesDep
from odh_tec.config import (
    ConcurrentTransfers,
    FilesPerPage,
    HFSettings,
    ProxySettings,
    RegistrySettings,
    RuntimeSettings,
    S3Settings,
    TransferRate,
    mask_url_password,
)
from odh_tec.errors import ApiError, BadRequest, NotFound
from odh_tec.hf.probe import probe_hub
from odh_tec.http import probe_proxy
from odh_tec.netguard import check_endpoint, check_proxies, same_origin, secret_for
from odh_tec.storage.s3.probe import probe_s3

router = APIRouter(prefix="/settings", tags=["settings"])


# What a form sends ------------------------------------------------------------------------------


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


class RegistryUpdate(BaseModel):
    """ModelCar packaging: one registry's credentials (the password is write-only) and the base image.
    Registries spoken to in plain HTTP are the administrator's (MODELCAR_INSECURE_REGISTRIES) only."""

    host: str | None = Field(None, max_length=255)  # host[:port] the credentials are for
    username: str | None = Field(None, max_length=256)
    password: str | None = Field(None, max_length=4096)  # a password or a token (quay robot, OpenShift)
    base_image: str | None = Field(None, max_length=512)  # a mirror for disconnected clusters, or `scratch`


class TransfersUpdate(BaseModel):
    max_concurrent_transfers: ConcurrentTransfers | None = None
    max_files_per_page: FilesPerPage | None = None
    # Bytes/s for all server-side transfers together, 0 = unlimited; a size such as "50MiB" is read too.
    max_transfer_rate: TransferRate | None = None


# What the API answers: secrets only as `*_set` ------------------------------------------------


class S3View(BaseModel):
    endpoint: str
    region: str
    access_key_id: str
    secret_access_key_set: bool
    default_bucket: str
    embedded: bool


class HubView(BaseModel):
    endpoint: str
    token_set: bool


class ProxyView(BaseModel):
    http_proxy: str
    https_proxy: str
    no_proxy: str


class RegistryView(BaseModel):
    host: str
    username: str
    password_set: bool
    base_image: str
    platform: str  # MODELCAR_PLATFORM: which variant of a multi-platform base image is used
    insecure: list[str]  # MODELCAR_INSECURE_REGISTRIES: spoken to in plain HTTP (set in the environment only)


class TransfersView(BaseModel):
    max_concurrent_transfers: int
    max_files_per_page: int
    max_transfer_rate: int  # bytes/s, 0 = unlimited


class Settings(BaseModel):
    s3: S3View
    huggingface: HubView
    proxy: ProxyView
    transfers: TransfersView
    registry: RegistryView

    @classmethod
    def of(cls, settings: RuntimeSettings) -> Self:
        s3, hub, proxy = settings.s3, settings.huggingface, settings.proxy
        return cls(
            s3=S3View(
                endpoint=s3.endpoint,
                region=s3.region,
                access_key_id=s3.access_key_id,
                secret_access_key_set=bool(s3.secret_access_key),
                default_bucket=s3.default_bucket,
                embedded=s3.embedded,
            ),
            huggingface=HubView(endpoint=hub.endpoint, token_set=bool(hub.token)),
            # Proxy URLs may carry credentials (http://user:pass@host): the password is masked.
            proxy=ProxyView(
                http_proxy=mask_url_password(proxy.http_proxy),
                https_proxy=mask_url_password(proxy.https_proxy),
                no_proxy=proxy.no_proxy,
            ),
            transfers=TransfersView(**dataclasses.asdict(settings.transfers)),
            registry=RegistryView(
                host=settings.registry.host,
                username=settings.registry.username,
                password_set=bool(settings.registry.password),
                base_image=settings.registry.base_image,
                platform=settings.registry.platform,
                insecure=list(settings.registry.insecure),
            ),
        )


class EmbeddedCredentials(BaseModel):
    endpoint: str
    access_key_id: str
    secret_access_key: str
    credentials_file: str


class TestResult(BaseModel):
    """A connection test's finding; `error` (only when not ok) is a code of docs/api.md. Fields a test
    did not set are left out of the answer."""

    ok: bool
    message: str
    error: str | None = None

    @classmethod
    def failed(cls, error: ApiError) -> Self:
        return cls(ok=False, error=error.code, message=error.message)


class S3TestResult(TestResult):
    buckets: int | None = None  # null: the keys cannot list buckets, the default bucket answered


class HubTestResult(TestResult):
    token: bool | None = None  # false: no token was tested
    name: str | None = None  # the token's owner
    token_name: str | None = None


class ProxyTestResult(TestResult):
    status: int | None = None  # what the endpoint answered through the proxy (or directly)


# From a form to settings (validation changes nothing) ---------------------------------------------


def _check_url(value: str | None, what: str) -> None:
    if not value:
        return
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises on a port out of range
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        # The value may carry a password (proxy URLs): never echo it back.
        raise BadRequest(f"{what} must be an http:// or https:// URL, got '{mask_url_password(value)}'")


def _merged(current: Any, update: BaseModel, *, exclude: set[str] | None = None) -> Any:
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
    merged: S3Settings = _merged(current, update)
    if update.endpoint is None:
        return merged
    endpoint = update.endpoint.strip().rstrip("/")
    secret = secret_for(
        endpoint, saved_endpoint=current.endpoint, stored=current.secret_access_key, sent=update.secret_access_key
    )
    embedded = current.embedded and endpoint == current.endpoint
    return dataclasses.replace(merged, endpoint=endpoint, secret_access_key=secret, embedded=embedded)


def _hub_from(update: HFUpdate, current: HFSettings) -> HFSettings:
    _check_url(update.endpoint, "The Hub endpoint")
    merged: HFSettings = _merged(current, update)
    endpoint = merged.endpoint.rstrip("/")
    token = secret_for(endpoint, saved_endpoint=current.endpoint, stored=current.token, sent=update.token)
    return dataclasses.replace(merged, endpoint=endpoint, token=token)


def _registry_from(update: RegistryUpdate, current: RegistrySettings) -> RegistrySettings:
    from odh_tec.oci.reference import parse_reference

    if update.host:
        ref = parse_reference(f"{update.host.strip().lower()}/x")
        if ref.registry != update.host.strip().lower():
            raise BadRequest(f"'{update.host}' is not a registry host[:port]", code="InvalidImageReference")
    if update.base_image and update.base_image.strip() != "scratch":
        parse_reference(update.base_image)
    merged: RegistrySettings = _merged(current, update)
    host = merged.host.lower()
    # The stored password follows no new host (netguard's rule for every secret).
    password = secret_for(
        f"https://{host}", saved_endpoint=f"https://{current.host}", stored=current.password, sent=update.password
    )
    return dataclasses.replace(merged, host=host, password=password)


async def _check_registry_host(registry: RegistrySettings, settings: RuntimeSettings) -> None:
    """A host typed into the form may not be a link-local or metadata address (the saved one may)."""
    if registry.host:
        saved = f"https://{settings.registry.host}" if settings.registry.host else ""
        await check_endpoint(f"https://{registry.host}", saved=saved, proxy=settings.proxy)


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
    merged: ProxySettings = _merged(current, update, exclude={"test_url"})
    for name in ("http_proxy", "https_proxy"):
        if getattr(update, name):
            merged = dataclasses.replace(merged, **{name: _unmasked(getattr(merged, name), current)})
    return merged


# Routes -----------------------------------------------------------------------------------------


@router.get("")
async def get_settings(settings: RuntimeSettingsDep) -> Settings:
    return Settings.of(settings)


@router.get("/s3/embedded-credentials")
async def embedded_credentials(response: Response, services: ServicesDep) -> EmbeddedCredentials:
    """The keys of the embedded S3, for the Settings page's "Reveal" and a notebook on this machine.

    They are local-only keys (the embedded S3 listens on 127.0.0.1 and its keys file is on this disk),
    so they are the one secret the API hands out, on request only and never in `GET /settings`.
    A configured S3's keys are never returned: 404 whenever the S3 in use is not the embedded one."""
    embedded = services.embedded
    s3 = services.settings.s3
    if embedded is None or not s3.embedded or s3.endpoint != embedded.endpoint:
        raise NotFound("The S3 in use is not the embedded one: its keys are never sent back", code="NotEmbedded")
    response.headers["Cache-Control"] = "no-store"
    return EmbeddedCredentials(
        endpoint=embedded.endpoint,
        access_key_id=embedded.credentials.access_key_id,
        secret_access_key=embedded.credentials.secret_access_key,
        credentials_file=str(embedded.data_dir / "credentials.json"),
    )


@router.put("/s3")
async def put_s3(update: S3Update, settings: RuntimeSettingsDep) -> Settings:
    s3 = _s3_from(update, settings.s3)
    await check_endpoint(s3.endpoint, saved=settings.s3.endpoint, proxy=settings.proxy)
    settings.s3 = s3
    return Settings.of(settings)


@router.put("/huggingface")
async def put_hf(update: HFUpdate, settings: RuntimeSettingsDep) -> Settings:
    hub = _hub_from(update, settings.huggingface)
    await check_endpoint(hub.endpoint, saved=settings.huggingface.endpoint, proxy=settings.proxy)
    settings.huggingface = hub
    return Settings.of(settings)


@router.put("/proxy")
async def put_proxy(update: ProxyUpdate, settings: RuntimeSettingsDep) -> Settings:
    proxy = _proxy_from(update, settings.proxy)
    await check_proxies(proxy, saved=settings.proxy)
    settings.proxy = proxy
    return Settings.of(settings)


@router.put("/registry")
async def put_registry(update: RegistryUpdate, settings: RuntimeSettingsDep) -> Settings:
    registry = _registry_from(update, settings.registry)
    await _check_registry_host(registry, settings)
    settings.registry = registry
    return Settings.of(settings)


@router.put("/transfers")
async def put_transfers(update: TransfersUpdate, services: ServicesDep) -> Settings:
    settings = services.settings
    settings.transfers = _merged(settings.transfers, update)
    engine = services.transfers
    if engine is not None and hasattr(engine, "set_concurrency"):
        engine.set_concurrency(settings.transfers.max_concurrent_transfers)
    if engine is not None and hasattr(engine, "set_rate"):
        engine.set_rate(settings.transfers.max_transfer_rate)
    return Settings.of(settings)


# Connection tests: unsaved values, nothing is saved; a failed test is an answer, not an error ----


@router.post("/s3/test", response_model_exclude_unset=True)
async def test_s3(update: S3Update, services: ServicesDep) -> S3TestResult:
    s3 = _s3_from(update, services.settings.s3)
    sent = (update.access_key_id or "", update.secret_access_key or "")
    found = await probe_s3(services.settings, s3, sent_keys=sent, ca_dir=services.config.data_dir / "ca")
    if isinstance(found, ApiError):
        return S3TestResult.failed(found)
    return S3TestResult(ok=True, message=found.message, buckets=found.buckets)


@router.post("/huggingface/test", response_model_exclude_unset=True)
async def test_hf(update: HFUpdate, settings: RuntimeSettingsDep) -> HubTestResult:
    """Is the Hub reachable (through the proxy, when one applies)? Then, if a token is set, is it valid?
    A token is optional: public models and datasets need none."""
    found = await probe_hub(settings, _hub_from(update, settings.huggingface))
    if isinstance(found, ApiError):
        return HubTestResult.failed(found)
    if found.user is None:
        return HubTestResult(ok=True, message=found.message, token=False)
    return HubTestResult(ok=True, message=found.message, name=found.user, token_name=found.token_name)


@router.post("/proxy/test", response_model_exclude_unset=True)
async def test_proxy(update: ProxyUpdate, settings: RuntimeSettingsDep) -> ProxyTestResult:
    found = await probe_proxy(settings, _proxy_from(update, settings.proxy), update.test_url)
    if isinstance(found, ApiError):
        return ProxyTestResult.failed(found)
    return ProxyTestResult(ok=True, message=found.message, status=found.status)


@router.post("/registry/test", response_model_exclude_unset=True)
async def test_registry(update: RegistryUpdate, settings: RuntimeSettingsDep) -> TestResult:
    """Can the registry be reached (CA bundles and proxy apply), and does it accept the credentials?
    `GET /v2/` with the challenge flow (Basic, or a token from the registry's realm)."""
    from odh_tec.oci.probe import probe_registry

    registry = _registry_from(update, settings.registry)
    if not registry.host:
        raise BadRequest("Enter the registry's host (host[:port]) to test")
    await _check_registry_host(registry, settings)
    found = await probe_registry(settings, registry)
    if isinstance(found, ApiError):
        return TestResult.failed(found)
    return TestResult(ok=True, message=found)
