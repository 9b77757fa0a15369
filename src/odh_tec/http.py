"""Outbound HTTP clients (Hub, connection tests) with the configured proxy and CA bundles."""

from __future__ import annotations

import httpx

from odh_tec.config import RuntimeSettings

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
        verify=settings.ssl_context(),
        timeout=timeout,
        trust_env=False,
        headers={"User-Agent": USER_AGENT, **kwargs.pop("headers", {})},
        **kwargs,
    )
