"""A client of one registry's distribution API (OCI distribution spec, Docker registry v2), over httpx.

Blobs are pushed as the spec's chunked upload: `POST /v2/<name>/blobs/uploads/` opens a session,
each `PATCH` streams one segment (Content-Range, Content-Length) from the caller's chunks, and
`PUT ?digest=` closes it with the digest computed on the way. Nothing is buffered beyond one source
chunk; a session that fails or is cancelled is deleted (`DELETE` on its URL) when the registry lets us.
`?mount=&from=` asks the registry to link a blob another repository has (a base layer) instead.

Auth follows the 401 challenge (oci/auth.py). A request with a streamed body cannot be replayed, so
the session's `POST` (no body) earns the token first; a token that expires mid-upload fails the file
with a retryable error, and the engine's retry starts the layer again with a fresh token.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass
from urllib.parse import urljoin

import httpx

from odh_tec.config import RuntimeSettings
from odh_tec.hf.verify import SizeMismatch
from odh_tec.http import make_http_client
from odh_tec.netguard import check_destination, same_origin
from odh_tec.oci.auth import Challenge, Credentials, parse_challenge
from odh_tec.oci.errors import (
    ImageNotFound,
    RegistryDenied,
    RegistryError,
    RegistryRateLimited,
    RegistryUnauthorized,
    RegistryUnreachable,
)

log = logging.getLogger(__name__)

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar"
MANIFEST_TYPES = (OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST)

MAX_MANIFEST = 4 << 20  # the distribution registry's own limit on a manifest
MAX_ERROR_BODY = 64 << 10
MAX_TOKEN_BODY = 64 << 10
SEGMENT = 256 << 20  # bytes per PATCH: a failed request resends at most this much… of a retried layer
HASH_IN_THREAD = 256 << 10  # hashing a bigger chunk on the event loop would hold it too long


@dataclass
class Blob:
    digest: str
    size: int


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


async def _hash(hasher, chunk: bytes) -> None:
    if len(chunk) >= HASH_IN_THREAD:
        await asyncio.to_thread(hasher.update, chunk)  # hashlib releases the GIL for big buffers
    else:
        hasher.update(chunk)


class _Segments:
    """Cuts one stream of chunks into segments of exact lengths, hashing what passes."""

    def __init__(self, chunks: AsyncIterator[bytes]):
        self._chunks = chunks.__aiter__()
        self._left = b""
        self.hasher = hashlib.sha256()

    async def take(self, n: int) -> AsyncIterator[bytes]:
        while n > 0:
            if not self._left:
                try:
                    self._left = await anext(self._chunks)
                except StopAsyncIteration:
                    raise SizeMismatch("the layer ended before its announced size") from None
                continue
            piece, self._left = self._left[:n], self._left[n:]
            n -= len(piece)
            await _hash(self.hasher, piece)
            yield piece

    async def end(self) -> None:
        """Read the stream to its end (where a source checks its checksum): nothing may be left."""
        extra = len(self._left)
        async for chunk in self._chunks:
            extra += len(chunk)
        if extra:
            raise SizeMismatch(f"the layer is {extra} bytes longer than announced")


class Registry:
    """One registry host, with its credentials (or none) and the tokens it handed out."""

    def __init__(
        self,
        settings: RuntimeSettings,
        host: str,
        *,
        credentials: Credentials | None = None,
        insecure: bool = False,
        connect_timeout: float = 10.0,
        read_timeout: float = 120.0,
        segment: int = SEGMENT,
    ):
        self.settings = settings
        self.host = host
        self.base_url = f"{'http' if insecure else 'https'}://{host}"
        self.credentials = credentials
        self.segment = segment
        timeout = httpx.Timeout(read_timeout, connect=connect_timeout)
        self._client = make_http_client(
            settings, self.base_url, timeout=timeout, event_hooks={"request": [self._guard_redirect]}
        )
        self._timeout = timeout
        self._auth: dict[tuple[str, ...], str] = {}  # per set of scopes: the Authorization header
        self._basic = False  # the registry asked for Basic: the same header for every scope
        self._lock = asyncio.Lock()

    async def aclose(self) -> None:
        await self._client.aclose()

    # Requests and auth -------------------------------------------------------------------------

    async def _guard_redirect(self, request: httpx.Request) -> None:
        """A blob may be served from elsewhere (a storage redirect): never from a link-local or cloud
        metadata address, whatever the registry says (netguard)."""
        url = str(request.url)
        if not same_origin(url, self.base_url):
            await check_destination(url, resolve=self.settings.proxy.for_url(url) is None)

    def _url(self, path_or_url: str) -> str:
        return urljoin(self.base_url + "/", path_or_url)

    def _header_for(self, url: str, scopes: tuple[str, ...]) -> str | None:
        if not same_origin(url, self.base_url):
            return None  # a blob served from elsewhere (storage redirect): never our credentials
        if self._basic and self.credentials is not None:
            return self.credentials.basic()
        return self._auth.get(scopes)

    async def _send(
        self,
        method: str,
        url: str,
        *,
        scopes: tuple[str, ...],
        headers: dict[str, str] | None = None,
        content=None,
        params: dict | None = None,
        stream: bool = False,
        replayable: bool = True,
        what: str = "",
    ) -> httpx.Response:
        url = self._url(url)
        for attempt in (1, 2):
            request_headers = dict(headers or {})
            auth = self._header_for(url, scopes)
            if auth:
                request_headers["Authorization"] = auth
            request = self._client.build_request(method, url, headers=request_headers, content=content, params=params)
            try:
                response = await self._client.send(request, stream=stream, follow_redirects=method in ("GET", "HEAD"))
            except httpx.TimeoutException as exc:
                raise RegistryUnreachable(f"{self.host} did not answer in time ({type(exc).__name__})") from None
            except httpx.TransportError as exc:
                raise RegistryUnreachable(f"Cannot reach the registry {self.host}: {_describe(exc)}") from None
            if response.status_code != 401:
                return response
            challenge = parse_challenge(response.headers.get("WWW-Authenticate", ""))
            await response.aclose()
            if not replayable:
                self._auth.pop(scopes, None)  # expired mid-upload: the retry of the file asks for a new one
                raise RegistryError(f"{self.host} asked for authentication again during an upload", status=503)
            if attempt == 2 or challenge is None:
                raise self._unauthorized(auth is not None, what)
            await self._authorize(challenge, scopes)
        raise AssertionError("unreachable")

    def _unauthorized(self, sent: bool, what: str) -> RegistryUnauthorized:
        target = f" for {what}" if what else ""
        if self.credentials is None:
            return RegistryUnauthorized(
                f"The registry {self.host} needs credentials{target}: log in with `podman login {self.host}` "
                "(an auth.json, REGISTRY_AUTH_FILE) or enter them in Settings"
            )
        return RegistryUnauthorized(
            f"The registry {self.host} refused the credentials for user '{self.credentials.username}'{target}"
            + ("" if sent else " (none were accepted)")
        )

    async def _authorize(self, challenge: Challenge, scopes: tuple[str, ...]) -> None:
        async with self._lock:
            if challenge.scheme == "basic":
                if self.credentials is None:
                    raise self._unauthorized(False, "")
                self._basic = True
                return
            if challenge.scheme != "bearer" or not challenge.params.get("realm"):
                raise RegistryError(
                    f"{self.host} asks for an authentication this app does not speak ({challenge.scheme})"
                )
            self._auth[scopes] = "Bearer " + await self._token(challenge, scopes)

    async def _token(self, challenge: Challenge, scopes: tuple[str, ...]) -> str:
        """A token from the registry's realm for `scopes`; the credentials go to the realm the registry
        named (as podman does), which must not be a link-local or metadata address."""
        realm = challenge.params["realm"]
        await check_destination(realm, resolve=self.settings.proxy.for_url(realm) is None)
        params: list[tuple[str, str | int | float | bool | None]] = []
        if challenge.params.get("service"):
            params.append(("service", challenge.params["service"]))
        params += [("scope", scope) for scope in scopes]
        headers = {"Authorization": self.credentials.basic()} if self.credentials is not None else {}
        try:
            async with make_http_client(self.settings, realm, timeout=self._timeout) as client:
                response = await client.get(realm, params=params, headers=headers)
        except httpx.HTTPError as exc:
            raise RegistryUnreachable(
                f"Cannot reach the token service of {self.host} ({realm}): {_describe(exc)}"
            ) from None
        if response.status_code in (401, 403):
            raise self._unauthorized(True, "a token")
        if response.status_code != 200 or len(response.content) > MAX_TOKEN_BODY:
            raise RegistryError(f"The token service of {self.host} answered HTTP {response.status_code}")
        try:
            body = response.json()
            token = body.get("token") or body.get("access_token")
        except (ValueError, AttributeError):
            token = None
        if not isinstance(token, str) or not token:
            raise RegistryError(f"The token service of {self.host} sent no token")
        return token

    async def _check(self, response: httpx.Response, expected: tuple[int, ...], what: str) -> httpx.Response:
        if response.status_code in expected:
            return response
        status = response.status_code
        detail = await _error_detail(response)
        where = f"{self.host}: {what}"
        if status == 401:
            raise RegistryUnauthorized(f"{where}: not authorized{detail}")
        if status == 403:
            raise RegistryDenied(f"{where}: access denied{detail}")
        if status == 404:
            raise ImageNotFound(f"{where}: not found{detail}")
        if status == 429:
            raise RegistryRateLimited(f"{where}: too many requests, try again later{detail}")
        raise RegistryError(f"{where}: HTTP {status}{detail}", status=status if status >= 500 else 502)

    # Reading -----------------------------------------------------------------------------------

    async def ping(self) -> None:
        """`GET /v2/`, authenticated when the registry asks: what the Settings connection test does."""
        response = await self._send("GET", "/v2/", scopes=(), what="the API root")
        await self._check(response, (200,), "GET /v2/")

    async def has_blob(self, repository: str, digest: str) -> int | None:
        """The blob's size if the repository has it, else None."""
        response = await self._send(
            "HEAD", f"/v2/{repository}/blobs/{digest}", scopes=(f"repository:{repository}:pull",), what=repository
        )
        if response.status_code == 404:
            return None
        await self._check(response, (200,), f"HEAD blob {digest[:19]}")
        return int(response.headers.get("Content-Length") or 0)

    async def get_manifest(self, repository: str, reference: str) -> tuple[bytes, str, str]:
        """(body, media type, digest) of a manifest or index; ImageNotFound if there is none."""
        response = await self._send(
            "GET",
            f"/v2/{repository}/manifests/{reference}",
            scopes=(f"repository:{repository}:pull",),
            headers={"Accept": ", ".join(MANIFEST_TYPES)},
            stream=True,
            what=f"{repository}:{reference}",
        )
        try:
            await self._check(response, (200,), f"manifest {repository}:{reference}")
            body = await _read_bounded(response, MAX_MANIFEST, f"the manifest of {repository}:{reference}")
        finally:
            await response.aclose()
        media_type = response.headers.get("Content-Type", "").split(";")[0].strip()
        if media_type not in MANIFEST_TYPES:
            with contextlib.suppress(ValueError, AttributeError):
                media_type = json.loads(body).get("mediaType") or media_type
        return body, media_type, sha256_digest(body)

    async def get_blob(self, repository: str, digest: str, limit: int) -> bytes:
        """A small blob (an image config) read whole, checked against its digest."""
        response = await self._send(
            "GET", f"/v2/{repository}/blobs/{digest}", scopes=(f"repository:{repository}:pull",), stream=True
        )
        try:
            await self._check(response, (200,), f"blob {digest[:19]} of {repository}")
            body = await _read_bounded(response, limit, f"blob {digest[:19]}")
        finally:
            await response.aclose()
        if sha256_digest(body) != digest:
            raise RegistryError(f"{self.host}: blob {digest[:19]} of {repository} does not match its digest")
        return body

    async def blob_chunks(self, repository: str, digest: str) -> AsyncGenerator[bytes, None]:
        """A blob's bytes as they arrive (a base layer copied to another registry)."""
        response = await self._send(
            "GET", f"/v2/{repository}/blobs/{digest}", scopes=(f"repository:{repository}:pull",), stream=True
        )
        try:
            await self._check(response, (200,), f"blob {digest[:19]} of {repository}")
            async for chunk in response.aiter_bytes(1 << 20):
                yield chunk
        finally:
            await response.aclose()

    # Writing -----------------------------------------------------------------------------------

    def _push_scopes(self, repository: str, *extra: str) -> tuple[str, ...]:
        return (f"repository:{repository}:pull,push", *extra)

    async def mount_blob(self, repository: str, digest: str, source_repository: str) -> bool:
        """Link a blob of another repository of this registry; False if the registry would not (its
        answer then opened an upload session, which is deleted)."""
        scopes = self._push_scopes(repository, f"repository:{source_repository}:pull")
        response = await self._send(
            "POST",
            f"/v2/{repository}/blobs/uploads/",
            scopes=scopes,
            params={"mount": digest, "from": source_repository},
            what=repository,
        )
        if response.status_code == 201:
            return True
        if response.status_code == 202 and response.headers.get("Location"):
            await self._delete_session(response.headers["Location"], scopes)
            return False
        await self._check(response, (201, 202), f"mount {digest[:19]} from {source_repository}")
        return False

    async def upload(self, repository: str, chunks: AsyncIterator[bytes], size: int, digest: str | None = None) -> Blob:
        """Stream `size` bytes of `chunks` into a new blob; its sha256 is computed on the way (and must
        equal `digest` when one is given). Returns the blob as the registry committed it."""
        scopes = self._push_scopes(repository)
        response = await self._send("POST", f"/v2/{repository}/blobs/uploads/", scopes=scopes, what=repository)
        await self._check(response, (202,), f"start an upload to {repository}")
        location = self._url(response.headers.get("Location") or "")
        if not response.headers.get("Location"):
            raise RegistryError(f"{self.host}: the upload session has no Location")
        segments = _Segments(chunks)
        try:
            offset = 0
            while offset < size:
                n = min(self.segment, size - offset)
                response = await self._send(
                    "PATCH",
                    location,
                    scopes=scopes,
                    headers={
                        "Content-Type": "application/octet-stream",
                        "Content-Range": f"{offset}-{offset + n - 1}",
                        "Content-Length": str(n),
                    },
                    content=segments.take(n),
                    replayable=False,
                )
                await self._check(response, (202,), f"upload to {repository}")
                location = urljoin(location, response.headers.get("Location") or location)
                offset += n
            await segments.end()
            computed = "sha256:" + segments.hasher.hexdigest()
            if digest is not None and computed != digest:
                raise RegistryError(f"the blob copied for {digest[:19]} has digest {computed[:19]}")
            url = httpx.URL(location).copy_merge_params({"digest": computed})
            response = await self._send(
                "PUT", str(url), scopes=scopes, headers={"Content-Length": "0"}, content=b"", what=repository
            )
            await self._check(response, (201, 204), f"finish the upload to {repository}")
            return Blob(computed, size)
        except BaseException:
            await self._delete_session(location, scopes)
            raise

    async def upload_bytes(self, repository: str, data: bytes) -> Blob:
        """A small blob (a config), skipped when the registry has it."""
        digest = sha256_digest(data)
        if await self.has_blob(repository, digest) is None:
            await self.upload(repository, _once(data), len(data), digest)
        return Blob(digest, len(data))

    async def _delete_session(self, location: str, scopes: tuple[str, ...]) -> None:
        """Best effort, never raising, and done even while the task is being cancelled."""

        async def delete() -> None:
            with contextlib.suppress(Exception):
                response = await self._send("DELETE", location, scopes=scopes)
                await response.aclose()

        with contextlib.suppress(BaseException):
            await asyncio.wait_for(asyncio.shield(delete()), 5)

    async def put_manifest(
        self, repository: str, reference: str, body: bytes, media_type: str, *, fallback: bool = False
    ) -> str | None:
        """Push a manifest by tag; its digest. With `fallback`, None when the registry refuses this
        media type (400 or 415), so the caller can offer the other one."""
        response = await self._send(
            "PUT",
            f"/v2/{repository}/manifests/{reference}",
            scopes=self._push_scopes(repository),
            headers={"Content-Type": media_type},
            content=body,
            what=f"{repository}:{reference}",
        )
        if fallback and response.status_code in (400, 415):
            detail = await _error_detail(response)
            log.info("%s refused a %s manifest%s; trying the other media type", self.host, media_type, detail)
            return None
        await self._check(response, (201, 202, 204), f"push the manifest {repository}:{reference}")
        return sha256_digest(body)


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def _read_bounded(response: httpx.Response, limit: int, what: str) -> bytes:
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > limit:
            raise RegistryError(f"{what} is larger than {limit} bytes")
    return bytes(body)


async def _error_detail(response: httpx.Response) -> str:
    """The registry's own words (`{"errors": [{"code", "message"}]}`), short."""
    try:
        body = (
            await _read_bounded(response, MAX_ERROR_BODY, "the error") if not response.is_closed else response.content
        )
        errors = json.loads(body).get("errors") or []
        first = errors[0]
        return f" ({first.get('code')}: {str(first.get('message'))[:200]})"
    except Exception:
        return ""
    finally:
        await response.aclose()


def _describe(exc: httpx.HTTPError) -> str:
    text = str(exc)
    if isinstance(exc, httpx.ConnectError):
        return text[:300] or "the connection failed"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "the connection broke"
    return type(exc).__name__
