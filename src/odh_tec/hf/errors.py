"""Hub failures as distinct API errors, so the UI can say exactly what to do about each.

The Hub signals most cases with `X-Error-Code` (RepoNotFound, GatedRepo, RevisionNotFound,
EntryNotFound); an invalid token is a bare 401 "Invalid credentials…" even on public repos, and the Hub
answers 401 RepoNotFound to anonymous callers for private repos (it never confirms they exist).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

import httpx

from odh_tec.errors import ApiError
from odh_tec.observability.metrics import count_upstream_error

if TYPE_CHECKING:
    from odh_tec.hf.models import RepoRef


class HubError(ApiError):
    status, code = 502, "HubError"


class RepoNotFound(HubError):
    status, code = 404, "RepoNotFound"


class GatedRepo(HubError):
    status, code = 401, "GatedRepo"


class GatedNotApproved(HubError):
    status, code = 403, "GatedNotApproved"


class InvalidToken(HubError):
    status, code = 401, "InvalidToken"


class RevisionNotFound(HubError):
    status, code = 404, "RevisionNotFound"


class EntryNotFound(HubError):
    status, code = 404, "EntryNotFound"


class RepoDisabled(HubError):
    status, code = 403, "RepoDisabled"


class HubUnreachable(HubError):
    status, code = 502, "HubUnreachable"


class HubRateLimited(HubError):
    status, code = 429, "HubRateLimited"

    def __init__(self, message: str, *, wait: float | None = None):
        super().__init__(message)
        self.wait = wait


class InvalidRepoId(HubError):
    status, code = 400, "InvalidRepoId"


class NoModelConfig(HubError):
    """A repo without config.json: nothing the estimator can read an architecture from."""

    status, code = 404, "NoModelConfig"


class BadModelFile(HubError):
    """A config.json or safetensors header that the Hub served but nobody can parse."""

    status, code = 502, "BadModelFile"


class HubTimeout(HubError):
    status, code = 504, "HubTimeout"


class HubServerError(HubError):
    """5xx from the Hub or its storage host, or a download host refusing a signed URL: worth a retry."""

    status, code = 502, "HubServerError"


class ProxyAuthRequired(HubError):
    """A proxy on the way to the Hub answered 407. Never answered as 407: a browser that gets 407 from
    a server it reached directly fails the request instead of reading the answer."""

    status, code = 502, "ProxyAuthenticationRequired"


class TokenNotSent(HubError):
    """A Hub other than the saved one, tested without a token of its own: the saved token only goes
    to the saved Hub, so it was not tested (the S3 test says the same of its keys)."""

    status, code = 400, "NoCredentials"


def _message(response: httpx.Response) -> str:
    header = response.headers.get("X-Error-Message")
    if header:
        return header
    try:
        body = json.loads(response.content or b"{}")
        if isinstance(body, dict) and body.get("error"):
            return str(body["error"])
    except (ValueError, httpx.ResponseNotRead):
        pass
    return response.reason_phrase or f"HTTP {response.status_code}"


def retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait from `Retry-After` or the IETF `RateLimit: "bucket";r=0;t=55` header (+1 s, as
    huggingface_hub does, so the window has really reset)."""
    value = response.headers.get("Retry-After")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
    limit = response.headers.get("RateLimit")
    if limit:
        found = re.search(r"\bt=(\d+(?:\.\d+)?)", limit)
        if found:
            return float(found.group(1)) + 1.0
    return None


def hub_error(
    response: httpx.Response,
    *,
    endpoint: str,
    ref: RepoRef | None = None,
    revision: str | None = None,
    path: str | None = None,
    token_sent: bool = False,
    quote_server: bool = True,
) -> HubError:
    """The error for a non-2xx Hub answer about the repo `ref` (the response body must have been read),
    counted in `/metrics`. `revision`, when given, is the one asked for instead of `ref`'s.

    `quote_server=False` for a Hub nobody configured (a connection test of an endpoint typed into a
    form): the message is then in our words only, never in those of the host that answered."""
    error = _hub_error(
        response,
        endpoint=endpoint,
        repo_id=ref.repo_id if ref else "",
        repo_type=ref.repo_type if ref else "model",
        revision=revision or (ref.revision if ref else None),
        path=path,
        token_sent=token_sent,
        quote_server=quote_server,
    )
    count_upstream_error("hub", error.code)
    return error


def _hub_error(
    response: httpx.Response,
    *,
    endpoint: str,
    repo_id: str,
    repo_type: str,
    revision: str | None,
    path: str | None,
    token_sent: bool,
    quote_server: bool,
) -> HubError:
    status = response.status_code
    code = response.headers.get("X-Error-Code")
    message = _message(response)
    said = f": {message}" if quote_server else ""
    what = f"{repo_type} '{repo_id}'" if repo_id else "resource"
    if status == 407:
        return ProxyAuthRequired(
            f"The proxy on the way to {endpoint} asks for credentials: put them in the proxy URL "
            "(http://user:password@host:port) in Settings"
        )
    if code == "GatedRepo" or (status in (401, 403) and "is restricted" in message):
        if status == 401 or not token_sent:
            return GatedRepo(
                f"The {what} is gated: set a Hugging Face token of an account that was granted "
                f"access (visit {endpoint}/{repo_id})"
            )
        return GatedNotApproved(
            f"Your Hugging Face account has not been granted access to the gated {what} "
            f"yet: request it at {endpoint}/{repo_id}"
        )
    if code == "RepoNotFound":
        hint = "" if token_sent else " (for a private repo, set a Hugging Face token)"
        return RepoNotFound(f"The {what} does not exist on {endpoint}, or you have no access to it{hint}")
    if code == "RevisionNotFound":
        return RevisionNotFound(f"The {what} has no revision '{revision}' (branch, tag or commit)")
    if code == "EntryNotFound":
        return EntryNotFound(f"The {what} has no file '{path}' at revision '{revision}'")
    if status == 401:
        if token_sent:
            return InvalidToken(f"The Hugging Face token was refused by {endpoint} (invalid or expired){said}")
        return RepoNotFound(f"The {what} does not exist on {endpoint}, or it is private (set a Hugging Face token)")
    if status == 403 and "disabled" in message.lower():
        return RepoDisabled(f"The {what} has been disabled on {endpoint}")
    if status == 429:
        return HubRateLimited(f"{endpoint} is rate-limiting requests; try again later", wait=retry_after(response))
    if status >= 500:
        return HubServerError(f"{endpoint} answered {status}{said}")
    if status == 404:
        return HubError(
            f"{endpoint} answered 404 for {response.request.url.path}{said}", status=404, code="HubNotFound"
        )
    return HubError(f"{endpoint} answered {status}{said}")


def network_reason(exc: BaseException, endpoint: str = "") -> str:
    """What went wrong on the way, in words (not `[Errno -2] Name or service not known`)."""
    from urllib.parse import urlsplit

    host = urlsplit(endpoint).hostname or "the host"
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.DecodingError)):
        # Its text quotes what came back (an SSH banner, a database greeting): never passed on.
        if "disconnected" in str(exc).lower():
            return "it closed the connection without answering"
        return "the answer is not HTTP"
    text = str(exc)
    lowered = text.lower()
    if isinstance(exc, httpx.ProxyError) or "proxy" in lowered:
        return "the proxy refused the connection"
    if isinstance(exc, httpx.TimeoutException) or "timed out" in lowered:
        return "no answer in time"
    if any(
        marker in lowered
        for marker in (
            "name or service not known",
            "nodename nor servname",
            "temporary failure in name resolution",
            "no address associated",
            "name resolution",
            "getaddrinfo failed",
        )
    ):
        return f"cannot resolve the name {host}, no DNS or no network"
    if "connection refused" in lowered or "all connection attempts failed" in lowered:
        return "nothing accepted the connection"
    if "certificate" in lowered or "ssl" in lowered:
        return "its TLS certificate is not trusted (see SSL_CERT_FILE)"
    if "network is unreachable" in lowered or "no route to host" in lowered:
        return "no network route to it"
    return "the connection failed" if not text else f"the connection failed ({type(exc).__name__})"


def unreachable(endpoint: str, exc: Exception, *, route: str = "") -> HubUnreachable:
    """`route`: how the request went, e.g. " through the proxy http://user:***@host:3128"."""
    count_upstream_error("hub", HubUnreachable.code)
    return HubUnreachable(
        f"Cannot reach the Hugging Face Hub ({endpoint}{route}: {network_reason(exc, endpoint)}). "
        "Check the proxy in Settings or HF_ENDPOINT"
    )
