"""Outbound HTTP clients (Hub, connection tests) with the configured proxy and CA bundles, and the
Settings page's proxy test."""

from __future__ import annotations

import dataclasses
import os
import ssl
from dataclasses import dataclass

import certifi
import httpx

from odh_tec.config import ProxySettings, RuntimeSettings
from odh_tec.errors import BadRequest, UpstreamError
from odh_tec.netguard import check_proxies

USER_AGENT = "odh-tec"


def make_http_client(
    settings: RuntimeSettings, base_url: str, *, timeout: float | httpx.Timeout = 30.0, **kwargs
) -> httpx.AsyncClient:
    """A client for talking to `base_url`, through the proxy unless NO_PROXY names its host.

    `trust_env=False`: proxies and CAs come from our settings (which already read the environment),
    so a runtime change in the Settings page is honoured.
    """
    proxy = settings.proxy.for_url(base_url)
    return httpx.AsyncClient(
        proxy=proxy,
        verify=trusted_ssl_context(settings),
        timeout=timeout,
        trust_env=False,
        headers={"User-Agent": USER_AGENT, **kwargs.pop("headers", {})},
        **kwargs,
    )


# Loading CA bundles costs 20-100 ms of CPU: once per set of files, not per client (on the event loop).
_SSL_CONTEXTS: dict[tuple, ssl.SSLContext] = {}


def _file_stamp(path: str) -> tuple[int, int]:
    try:
        st = os.stat(path)
    except OSError:
        return (0, 0)
    return (st.st_mtime_ns, st.st_size)


def trusted_ssl_context(settings: RuntimeSettings) -> ssl.SSLContext:
    """The default roots plus the configured CA bundles, built once and shared by every client. A
    bundle that changes on disk (a renewed service CA) gives a new context."""
    key = tuple((bundle, *_file_stamp(bundle)) for bundle in settings.ca_bundles)
    context = _SSL_CONTEXTS.get(key)
    if context is None:
        built = settings.ssl_context()
        # What httpx builds for verify=True, when no bundle is configured.
        context = built if isinstance(built, ssl.SSLContext) else ssl.create_default_context(cafile=certifi.where())
        _SSL_CONTEXTS[key] = context
    return context


# The proxy connection test ------------------------------------------------------------------------


@dataclass(frozen=True)
class ProxyReached:
    message: str
    status: int  # the HTTP status the endpoint answered


async def probe_proxy(settings: RuntimeSettings, proxy: ProxySettings, url: str | None) -> ProxyReached | UpstreamError:
    """GET `url` (default: the Hub endpoint) with the unsaved `proxy`: what it reached, or why not.

    Only the endpoints the app already talks to may be fetched, so the test is no open relay; a proxy
    typed into the form is checked by `netguard` like any destination."""
    allowed = [u.rstrip("/") for u in (settings.huggingface.endpoint, settings.s3.endpoint) if u]
    url = (url or settings.huggingface.endpoint).rstrip("/")
    if url not in allowed:
        raise BadRequest("The proxy test can only reach the configured HuggingFace or S3 endpoint")
    await check_proxies(proxy, saved=settings.proxy)
    trial = dataclasses.replace(settings, proxy=proxy)
    via = proxy.for_url(url)
    try:
        async with make_http_client(trial, url, timeout=15) as client:
            answer = await client.get(url)
    except httpx.HTTPError as exc:
        return UpstreamError(f"Cannot reach {url} {'through the proxy' if via else 'directly'}: {_describe(exc)}")
    route = "through the proxy" if via else "directly (no proxy applies)"
    return ProxyReached(f"Reached {url} {route}: HTTP {answer.status_code}", answer.status_code)


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
