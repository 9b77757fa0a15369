"""Configuration: defaults < `.env` < environment < runtime changes from the Settings API.

`Config` is read once at start-up. `RuntimeSettings` is the live, mutable copy that the Settings API
edits; its changes live in memory for this process only (they are lost on restart, by design: the
environment — usually an ODH Data Connection — stays the source of truth).
"""

from __future__ import annotations

import os
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import platformdirs
from pydantic import BeforeValidator, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from odh_tec.sizes import parse_rate

# Platform CA bundles (RHEL trust store, Kubernetes service account, ODH trusted bundles). Every one
# that exists is trusted by every outbound client, S3 included.
PLATFORM_CA_BUNDLES = (
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt",
    "/var/run/secrets/kubernetes.io/serviceaccount/service-ca.crt",
    "/etc/pki/tls/certs/odh-ca-bundle.crt",
    "/etc/pki/tls/certs/odh-trusted-ca-bundle.crt",
)

DEFAULT_HF_ENDPOINT = "https://huggingface.co"
DEFAULT_MODELCAR_BASE = "registry.access.redhat.com/ubi9/ubi-micro"
DEFAULT_REGION = "us-east-1"

# The bounds of the transfer settings, from the environment and from the Settings API alike.
ConcurrentTransfers = Annotated[int, Field(ge=1, le=64)]
FilesPerPage = Annotated[int, Field(ge=1, le=1000)]
TransferRate = Annotated[int, BeforeValidator(parse_rate), Field(ge=0)]


class Config(BaseSettings):
    """Start-up configuration, from the environment (names as an ODH Data Connection injects them)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    aws_s3_endpoint: str = ""
    aws_access_key_id: str = ""
    aws_secret_access_key: str = ""
    aws_default_region: str = DEFAULT_REGION
    aws_s3_bucket: str = ""
    # More S3 connections besides the Data Connection above: a YAML or JSON file (docs/connections.md).
    s3_connections_file: str = ""
    # Seconds to open a connection to S3, and of silence from S3 once a request is sent, before the
    # request is given up (and retried): an S3 that accepts and never answers ends a transfer with an
    # error instead of holding it forever. Silence, not duration: a long upload or download never
    # times out while bytes move.
    s3_connect_timeout: float = Field(5, gt=0, le=3600)
    s3_read_timeout: float = Field(60, gt=0, le=3600)

    hf_token: str = ""
    hf_endpoint: str = DEFAULT_HF_ENDPOINT

    max_concurrent_transfers: ConcurrentTransfers = 2
    max_files_per_page: FilesPerPage = 100
    # Bytes/s for all server-side transfers together; human sizes (`200MiB`, `50MB`, `1G`); 0: none.
    max_transfer_rate: TransferRate = 0

    http_proxy: str = ""
    https_proxy: str = ""
    no_proxy: str = ""

    # ModelCars (docs/modelcar.md): the base image (a mirror for disconnected clusters, or `scratch`),
    # its platform, registries spoken to in plain HTTP (comma list of host[:port]), and credentials
    # for one registry (auth.json files are read too: REGISTRY_AUTH_FILE).
    modelcar_base_image: str = DEFAULT_MODELCAR_BASE
    modelcar_platform: str = "linux/amd64"
    modelcar_insecure_registries: str = ""
    modelcar_registry: str = ""
    modelcar_registry_username: str = ""
    modelcar_registry_password: str = ""

    local_storage_paths: str = ""
    nb_prefix: str = ""
    port: int = 8888
    ip: str = "127.0.0.1"
    log_level: str = "info"
    # `json`: one JSON object per line (request id included), for a cluster's log collector.
    log_format: str = "text"

    # Where the disclaimer flag, embedded S3 data and its generated keys live.
    odh_tec_data_dir: str = Field(default_factory=lambda: platformdirs.user_data_dir("odh-tec"))
    # Directory of the embedded SeaweedFS data (default: <data dir>/s3).
    odh_tec_embedded_s3_dir: str = ""
    # Start an embedded SeaweedFS when no S3 endpoint is configured.
    odh_tec_embedded_s3: bool = True

    ssl_cert_file: str = ""
    aws_ca_bundle: str = ""

    # Security (docs/security.md). Extra Host names accepted besides the loopback names ('*': any).
    allowed_hosts: str = ""
    # Proxies whose X-Forwarded-Host/-Proto/-For/-User are believed (comma list of IPs, '*': any).
    forwarded_allow_ips: str = "127.0.0.1"
    # `token`: every API call needs a token (AUTH_TOKEN, or one generated and printed at start).
    # `none`: no token, even on a non-loopback address. Empty: token only when AUTH_TOKEN is set.
    auth: str = ""
    auth_token: str = ""

    # Caps that keep one client from exhausting the server (429 past them).
    max_sse_subscribers: int = Field(32, ge=1, le=10_000)
    max_active_jobs: int = Field(64, ge=1, le=10_000)
    max_copy_keys: int = Field(10_000, ge=1, le=1_000_000)

    # Finished transfers kept in the history (it survives restarts): the newest this many, this young.
    job_history_max: int = Field(500, ge=1, le=100_000)
    job_history_days: float = Field(30, gt=0, le=3650)

    @field_validator("nb_prefix")
    @classmethod
    def _normalise_prefix(cls, value: str) -> str:
        value = value.strip().strip("/")
        return f"/{value}" if value else ""

    @property
    def data_dir(self) -> Path:
        return Path(self.odh_tec_data_dir)

    @property
    def embedded_s3_dir(self) -> Path:
        return Path(self.odh_tec_embedded_s3_dir) if self.odh_tec_embedded_s3_dir else self.data_dir / "s3"

    @property
    def wants_embedded_s3(self) -> bool:
        return self.odh_tec_embedded_s3 and not self.aws_s3_endpoint

    def local_paths(self) -> list[str]:
        return [p.strip() for p in self.local_storage_paths.split(",") if p.strip()]

    def ca_bundles(self) -> list[str]:
        candidates = [*PLATFORM_CA_BUNDLES, self.ssl_cert_file, self.aws_ca_bundle]
        return [p for p in candidates if p and os.path.isfile(p)]


@dataclass
class S3Settings:
    endpoint: str = ""
    region: str = DEFAULT_REGION
    access_key_id: str = ""
    secret_access_key: str = ""
    default_bucket: str = ""
    embedded: bool = False
    connect_timeout: float = 5.0
    read_timeout: float = 60.0


@dataclass
class HFSettings:
    endpoint: str = DEFAULT_HF_ENDPOINT
    token: str = ""


@dataclass
class ProxySettings:
    http_proxy: str = ""
    https_proxy: str = ""
    no_proxy: str = ""

    def for_url(self, url: str) -> str | None:
        """The proxy URL to use for `url`, honouring NO_PROXY."""
        # proxy_bypass_environment: an undocumented but long-standing stdlib helper that typeshed
        # does not declare.
        from urllib.parse import urlsplit
        from urllib.request import proxy_bypass_environment  # type: ignore[attr-defined]

        parts = urlsplit(url)
        host = parts.hostname or ""
        if self.no_proxy and proxy_bypass_environment(host, {"no": self.no_proxy}):
            return None
        proxy = self.https_proxy if parts.scheme == "https" else self.http_proxy
        return proxy or None


@dataclass
class RegistrySettings:
    """ModelCar packaging: the base image and one registry's credentials (the password is write-only)."""

    base_image: str = DEFAULT_MODELCAR_BASE
    platform: str = "linux/amd64"
    insecure: list[str] = field(default_factory=list)  # host[:port] spoken to in plain HTTP
    host: str = ""  # the registry the credentials are for
    username: str = ""
    password: str = ""


@dataclass
class TransferSettings:
    max_concurrent_transfers: int
    max_files_per_page: int
    max_transfer_rate: int = 0  # bytes/s, 0: unlimited


@dataclass
class RuntimeSettings:
    s3: S3Settings
    huggingface: HFSettings
    proxy: ProxySettings
    transfers: TransferSettings
    ca_bundles: list[str] = field(default_factory=list)
    registry: RegistrySettings = field(default_factory=RegistrySettings)

    @classmethod
    def from_config(cls, config: Config) -> RuntimeSettings:
        return cls(
            s3=S3Settings(
                endpoint=config.aws_s3_endpoint,
                region=config.aws_default_region or DEFAULT_REGION,
                access_key_id=config.aws_access_key_id,
                secret_access_key=config.aws_secret_access_key,
                default_bucket=config.aws_s3_bucket,
                connect_timeout=config.s3_connect_timeout,
                read_timeout=config.s3_read_timeout,
            ),
            huggingface=HFSettings(
                endpoint=(config.hf_endpoint or DEFAULT_HF_ENDPOINT).rstrip("/"),
                token=config.hf_token,
            ),
            proxy=ProxySettings(config.http_proxy, config.https_proxy, config.no_proxy),
            transfers=TransferSettings(
                config.max_concurrent_transfers, config.max_files_per_page, config.max_transfer_rate
            ),
            ca_bundles=config.ca_bundles(),
            registry=RegistrySettings(
                base_image=config.modelcar_base_image.strip() or DEFAULT_MODELCAR_BASE,
                platform=config.modelcar_platform.strip() or "linux/amd64",
                insecure=[h.strip() for h in config.modelcar_insecure_registries.split(",") if h.strip()],
                host=config.modelcar_registry.strip(),
                username=config.modelcar_registry_username,
                password=config.modelcar_registry_password,
            ),
        )

    def ssl_context(self) -> ssl.SSLContext | bool:
        """Default trust plus every platform CA bundle that exists."""
        if not self.ca_bundles:
            return True
        ctx = ssl.create_default_context()
        for bundle in self.ca_bundles:
            ctx.load_verify_locations(cafile=bundle)
        return ctx

    def combined_ca_file(self, directory: Path) -> str | None:
        """botocore takes one CA file: write the default roots plus our bundles into one."""
        if not self.ca_bundles:
            return None
        import certifi  # a dependency of httpx

        directory.mkdir(parents=True, exist_ok=True)
        target = directory / "ca-bundle.pem"
        parts = [Path(certifi.where()).read_text()]
        parts += [Path(b).read_text() for b in self.ca_bundles]
        target.write_text("\n".join(parts))
        return str(target)


def mask_url_password(url: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    if not url:
        return url
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))
