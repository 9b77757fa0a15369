"""Counts the bytes each storage location reads and writes, for `/metrics`.

A thin wrapper the location registry hands out instead of the storage itself, so every path —
browser uploads and downloads, previews, zips, copies, Hub imports — is counted in one place.
Counts are flushed every few MiB, not per chunk, to keep the hot path cheap.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator

from odh_tec.observability.metrics import BYTES
from odh_tec.storage.base import Storage

_FLUSH_EVERY = 8 << 20


class _Tally:
    def __init__(self, direction: str, kind: str):
        self.counter = BYTES.labels(direction, kind)
        self.pending = 0

    def add(self, count: int) -> None:
        self.pending += count
        if self.pending >= _FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.counter.inc(self.pending)
            self.pending = 0


class MeteredStorage:
    """Behaves as the wrapped storage; `read` and `write` count what passes through."""

    def __init__(self, inner: Storage, kind: str):
        self._inner, self._kind = inner, kind

    def __getattr__(self, name: str):
        return getattr(self._inner, name)

    @property
    def unwrapped(self) -> Storage:
        return self._inner

    async def read(self, *args, **kwargs) -> AsyncGenerator[bytes, None]:
        tally = _Tally("out", self._kind)
        try:
            async for chunk in self._inner.read(*args, **kwargs):
                tally.add(len(chunk))
                yield chunk
        finally:
            tally.flush()

    async def write(self, key: str, chunks: AsyncIterable[bytes], **kwargs):
        tally = _Tally("in", self._kind)

        async def counted() -> AsyncIterator[bytes]:
            async for chunk in chunks:
                tally.add(len(chunk))
                yield chunk

        try:
            return await self._inner.write(key, counted(), **kwargs)
        finally:
            tally.flush()

    async def copy_from(self, source, *args, **kwargs):
        # Server-side copies recognise their own kind of storage: hand over the real one.
        return await self._inner.copy_from(getattr(source, "unwrapped", source), *args, **kwargs)


def unwrap(storage) -> Storage:
    return getattr(storage, "unwrapped", storage)
