"""HTTP to the Hub and to the storage hosts it redirects to, with the token only where it belongs.

Redirects are followed here, not by httpx, because each hop decides two things: whether the
`Authorization` header goes along (only to the Hub's own origin: a signed CDN URL must never see
the token), which proxy applies (NO_PROXY may name one host and not the other), and whether the hop
may go there at all (a redirect to a link-local or cloud metadata address is refused; the Hub's
CDN is not link-local, the configured endpoint is allowed whatever it is). One client per
origin and purpose: metadata calls get their own connection pools, so they never queue behind
downloads.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from odh_tec.config import RuntimeSettings
from odh_tec.hf.errors import HubError
from odh_tec.http import make_http_client
from odh_tec.netguard import check_destination

MAX_REDIRECTS = 5
REDIRECTS = (301, 302, 303, 307, 308)


def origin(url: str | httpx.URL) -> tuple[str, str, int | None]:
    parts = urlsplit(str(url))
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port


class HubTransport:
    def __init__(
        self,
        settings: RuntimeSettings,
        endpoint: str,
        token: str | None,
        *,
        connect_timeout: float = 10.0,
        read_timeout: float = 60.0,
    ):
        self.settings = settings
        self.endpoint = endpoint.rstrip("/")
        self.origin = origin(self.endpoint)
        self._token = token or None
        self._timeout = httpx.Timeout(connect=connect_timeout, read=read_timeout, write=read_timeout, pool=read_timeout)
        self._clients: dict[tuple, httpx.AsyncClient] = {}

    @property
    def token_sent(self) -> bool:
        return self._token is not None

    def url(self, path: str) -> str:
        return self.endpoint + path

    def is_hub(self, url: str | httpx.URL) -> bool:
        return origin(url) == self.origin

    def _client(self, url: str | httpx.URL, purpose: str) -> httpx.AsyncClient:
        key = (purpose, *origin(url))
        client = self._clients.get(key)
        if client is None:
            scheme, host, port = key[1:]
            base = f"{scheme}://{host}:{port}"
            headers = {"Accept-Encoding": "identity"} if purpose == "data" else {}
            limits = httpx.Limits(max_connections=None, max_keepalive_connections=32)
            client = make_http_client(
                self.settings, base, timeout=self._timeout, follow_redirects=False, limits=limits, headers=headers
            )
            self._clients[key] = client
        return client

    def _auth(self, url: str | httpx.URL) -> dict[str, str]:
        if self._token and self.is_hub(url):
            return {"Authorization": f"Bearer {self._token}"}
        return {}

    async def send(
        self,
        method: str,
        url: str,
        *,
        purpose: str = "meta",
        headers: dict | None = None,
        stream: bool = False,
        follow: bool = True,
    ) -> httpx.Response:
        """One request, following redirects hop by hop (unless `follow` is False).

        With `stream`, the caller must close the response; otherwise its body has been read."""
        current = httpx.URL(url)
        for _ in range(MAX_REDIRECTS + 1):
            await check_destination(
                current, configured=(self.endpoint,), resolve=self.settings.proxy.for_url(str(current)) is None
            )
            client = self._client(current, purpose)
            request = client.build_request(method, current, headers={**(headers or {}), **self._auth(current)})
            response = await client.send(request, stream=True)
            location = response.headers.get("Location")
            if follow and response.status_code in REDIRECTS and location:
                await response.aclose()
                current = current.join(location)
                if response.status_code == 303:
                    method = "GET"
                continue
            if not stream:
                try:
                    await response.aread()
                finally:
                    await response.aclose()
            return response
        raise HubError(f"Too many redirects from {self.endpoint} for {url}")

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()
