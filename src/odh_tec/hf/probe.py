"""The Settings page's Hub connection test: is the Hub reachable (through the proxy, when one
applies)? Then, when a token goes with the test, is it valid? A token is optional: public models and
datasets need none.

Failures are the importer's own errors (`hf.errors`). The saved token goes only to the saved Hub, and
a Hub nobody configured is never quoted, so the test cannot serve to read what some internal host
says.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from odh_tec.config import HFSettings, RuntimeSettings, mask_url_password
from odh_tec.hf.errors import HubError, TokenNotSent, hub_error, unreachable
from odh_tec.http import make_http_client
from odh_tec.netguard import check_endpoint, same_origin

# Answers to a whoami without a token that say a Hub is there: it refuses, or ignores, the missing token.
_ANONYMOUS_REACHED = (200, 401, 403)


@dataclass(frozen=True)
class HubReached:
    message: str
    user: str | None = None  # the token's owner; None when no token was tested
    token_name: str | None = None


async def probe_hub(settings: RuntimeSettings, hub: HFSettings) -> HubReached | HubError:
    """Ask `hub` (unsaved values, its token already the one it may get) who its token belongs to:
    what it reached, or the error that stopped it.

    Raises `DestinationNotAllowed` for a link-local or metadata endpoint nobody configured."""
    saved = settings.huggingface
    endpoint, token = hub.endpoint, hub.token
    configured = same_origin(endpoint, saved.endpoint)
    await check_endpoint(endpoint, saved=saved.endpoint, proxy=settings.proxy)
    via = settings.proxy.for_url(endpoint)
    route = f" through the proxy {mask_url_password(via)}" if via else ""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        async with make_http_client(settings, endpoint, timeout=15) as client:
            answer = await client.get(f"{endpoint}/api/whoami-v2", headers=headers)
    except httpx.HTTPError as exc:
        return unreachable(endpoint, exc, route=route)
    if token and answer.status_code == 200:
        return _whoami(answer, endpoint, route)
    if not token and answer.status_code in _ANONYMOUS_REACHED:
        if not configured and saved.token:
            return TokenNotSent(
                f"Reached {endpoint}{route}, but the saved token was not tested: it is only sent to the saved "
                "endpoint. Enter the token again to test it with this one"
            )
        return HubReached(
            f"Reached the Hugging Face Hub at {endpoint}{route}. No token is set: public models and datasets "
            "can be imported; gated and private ones need a token"
        )
    return hub_error(answer, endpoint=endpoint, token_sent=bool(token), quote_server=configured)


def _whoami(answer: httpx.Response, endpoint: str, route: str) -> HubReached | HubError:
    try:
        data = answer.json()
    except ValueError:
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        return HubError(f"{endpoint} does not answer like a Hugging Face Hub")
    auth = data["auth"] if isinstance(data.get("auth"), dict) else {}
    access = auth["accessToken"] if isinstance(auth.get("accessToken"), dict) else {}
    token_name = access.get("displayName") if isinstance(access.get("displayName"), str) else None
    # Short: a name, not a channel for whatever else the host wants to say.
    user, token_name = data["name"][:100], token_name[:100] if token_name else None
    named = f" (token '{token_name}')" if token_name else ""
    return HubReached(f"Reached {endpoint}{route}: token valid for user '{user}'{named}", user, token_name)
