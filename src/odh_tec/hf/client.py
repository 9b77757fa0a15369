"""The Hub's metadata API: pin a revision to a commit, list the tree (paginated), check access.

Four calls replace `huggingface_hub` here (reference §0): it keeps the client async, per-import
(own token, proxy and timeouts), and free of process-wide state.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from odh_tec.hf.errors import (
    EntryNotFound,
    HubError,
    HubRateLimited,
    HubServerError,
    hub_error,
    unreachable,
)
from odh_tec.hf.models import HubFile, RepoRef, Snapshot
from odh_tec.hf.patterns import selected, unmatched_literals
from odh_tec.hf.transport import HubTransport

# The largest real repos hold tens of thousands of files; a listing past this is a runaway server.
MAX_FILES = 200_000
MAX_PAGES = 100_000


def backoff(attempt: int, base: float, cap: float = 30.0) -> float:
    """Exponential backoff with jitter: base, 2·base, 4·base… (±25 %), at most `cap`."""
    delay = min(cap, base * (2 ** max(0, attempt - 1)))
    return delay * random.uniform(0.75, 1.25)  # noqa: S311 - retry jitter, not a secret


class HubClient:
    def __init__(
        self, transport: HubTransport, *, attempts: int = 4, base_delay: float = 0.5, max_rate_limit_wait: float = 300.0
    ):
        self.transport = transport
        self.attempts = attempts
        self.base_delay = base_delay
        self.max_rate_limit_wait = max_rate_limit_wait

    @property
    def endpoint(self) -> str:
        return self.transport.endpoint

    async def _get_json(
        self, url: str, ref: RepoRef, *, path: str | None = None, revision: str | None = None
    ) -> tuple[Any, httpx.Response]:
        """GET with retries on network errors, 5xx and 429; Hub errors mapped to our codes."""
        failures = rate_limited = 0
        while True:
            try:
                response = await self.transport.send("GET", url)
            except httpx.TransportError as exc:
                failures += 1
                if failures >= self.attempts:
                    raise unreachable(self.endpoint, exc) from exc
                await asyncio.sleep(backoff(failures, self.base_delay))
                continue
            if response.is_success:
                try:
                    return response.json(), response
                except ValueError as exc:
                    raise HubError(f"{self.endpoint} sent an answer that is not JSON for {url}") from exc
            error = hub_error(
                response,
                endpoint=self.endpoint,
                ref=ref,
                revision=revision,
                path=path,
                token_sent=self.transport.token_sent,
            )
            if isinstance(error, HubRateLimited):
                rate_limited += 1
                wait = error.wait if error.wait is not None else backoff(rate_limited, self.base_delay)
                if wait > self.max_rate_limit_wait or rate_limited > 10:
                    raise error
                await asyncio.sleep(wait)
                continue
            if isinstance(error, HubServerError):
                failures += 1
                if failures >= self.attempts:
                    raise error
                await asyncio.sleep(backoff(failures, self.base_delay))
                continue
            raise error

    async def repo_info(self, ref: RepoRef) -> dict:
        url = self.transport.url(f"{ref.api_path}/revision/{quote(ref.revision, safe='')}")
        info, _ = await self._get_json(url, ref)
        if not isinstance(info, dict) or not info.get("sha"):
            raise HubError(f"{self.endpoint} did not return a commit for {ref.repo_id}@{ref.revision}")
        return info

    async def auth_check(self, ref: RepoRef) -> None:
        """Raise GatedRepo/GatedNotApproved/RepoNotFound when the caller may not read the files."""
        try:
            await self._get_json(self.transport.url(f"{ref.api_path}/auth-check"), ref)
        except HubError as exc:
            if exc.code == "HubNotFound":  # a mirror without this endpoint: downloads will tell
                return
            raise

    def _next_page(self, response: httpx.Response) -> str | None:
        link = response.links.get("next", {}).get("url")
        if not link:
            return None
        if not self.transport.is_hub(link):
            # Mirrors pass the Hub's own Link header through: keep the query, stay on our endpoint.
            parts = urlsplit(link)
            link = self.transport.url(parts.path + (f"?{parts.query}" if parts.query else ""))
        return link

    async def list_files(self, ref: RepoRef, sha: str) -> list[HubFile]:
        url: str | None = self.transport.url(f"{ref.api_path}/tree/{quote(sha, safe='')}?recursive=true&expand=false")
        files: list[HubFile] = []
        for _ in range(MAX_PAGES):
            if url is None:
                return files
            entries, response = await self._get_json(url, ref, revision=sha)
            for entry in entries if isinstance(entries, list) else []:
                if not isinstance(entry, dict) or entry.get("type") != "file":
                    continue
                if len(files) >= MAX_FILES:
                    raise HubError(
                        f"The {ref.repo_type} '{ref.repo_id}' lists more than {MAX_FILES:,} files: "
                        "too many to import or inspect in one go",
                        status=422,
                        code="LimitExceeded",
                    )
                lfs = entry.get("lfs") or {}
                files.append(
                    HubFile(
                        path=entry["path"],
                        size=int(entry.get("size") or 0),
                        oid=str(entry.get("oid") or ""),
                        lfs_sha256=lfs.get("oid") or None,
                    )
                )
            url = self._next_page(response)
        raise HubError(f"{self.endpoint} kept paginating the tree of {ref.repo_id}")

    async def snapshot(
        self, ref: RepoRef, include: list[str] | None = None, exclude: list[str] | None = None
    ) -> Snapshot:
        """Pin `ref` to its commit, list every file there and keep those the patterns select."""
        info = await self.repo_info(ref)
        sha = info["sha"]
        everything = await self.list_files(ref, sha)
        missing = unmatched_literals([f.path for f in everything], include)
        if missing:
            raise EntryNotFound(
                f"The {ref.repo_type} '{ref.repo_id}' has no file '{missing[0]}' at revision '{ref.revision}'"
            )
        chosen = sorted((f for f in everything if selected(f.path, include, exclude)), key=lambda f: f.path)
        gated = info.get("gated") or False
        # Metadata of a gated repo is public: check the files are readable before promising anything.
        if gated and any(f.path != "README.md" for f in chosen):
            await self.auth_check(ref)
        return Snapshot(
            ref=ref, sha=sha, files=chosen, gated=gated, private=bool(info.get("private")), all_files=len(everything)
        )
