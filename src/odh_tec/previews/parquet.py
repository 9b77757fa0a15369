"""Parquet schema and first rows through range requests: pyarrow reads a seekable file object whose
every read is one `Storage.read(key, ByteRange)` call, so only the footer and the column chunks of the
first row group travel, never the whole file."""

from __future__ import annotations

import asyncio
import io
import threading

from odh_tec.storage.base import ByteRange, ObjectInfo, Storage

READ_AHEAD = 64 << 10


class RangeFile(io.RawIOBase):
    """A read-only, seekable view of one stored object, fetched range by range.

    Used from a worker thread: each fetch is run on the event loop that owns the storage client.
    """

    def __init__(self, storage: Storage, info: ObjectInfo, loop: asyncio.AbstractEventLoop,
                 timeout: float = 120.0):
        super().__init__()
        self.storage, self.info, self.loop, self.timeout = storage, info, loop, timeout
        self.size = info.size
        self.pos = 0
        self.requests = 0
        self.bytes_read = 0
        self._cache_start = 0
        self._cache = b""
        self._lock = threading.Lock()

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            pos = offset
        elif whence == io.SEEK_CUR:
            pos = self.pos + offset
        elif whence == io.SEEK_END:
            pos = self.size + offset
        else:
            raise ValueError(f"bad whence {whence}")
        if pos < 0:
            raise ValueError("negative seek position")
        self.pos = pos
        return pos

    def _fetch(self, start: int, end: int) -> bytes:
        async def collect() -> bytes:
            parts = [c async for c in self.storage.read(self.info.key, ByteRange(start, end))]
            return b"".join(parts)

        data = asyncio.run_coroutine_threadsafe(collect(), self.loop).result(self.timeout)
        self.requests += 1
        self.bytes_read += len(data)
        return data

    def read(self, size: int = -1) -> bytes:
        with self._lock:
            if self.pos >= self.size:
                return b""
            if size is None or size < 0:
                size = self.size - self.pos
            size = min(size, self.size - self.pos)
            start, end = self.pos, self.pos + size  # end exclusive
            cache_end = self._cache_start + len(self._cache)
            if self._cache_start <= start and end <= cache_end:
                data = self._cache[start - self._cache_start : end - self._cache_start]
            else:
                # Small reads (footer, page headers) get a little read-ahead; big ones go as they are.
                fetch_end = min(self.size, max(end, start + READ_AHEAD))
                block = self._fetch(start, fetch_end - 1)
                self._cache_start, self._cache = start, block
                data = block[: end - start]
            self.pos += len(data)
            return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def read_parquet_head(storage: Storage, info: ObjectInfo, loop: asyncio.AbstractEventLoop,
                      rows: int, budget: int) -> dict:
    """Schema, row counts and the first `rows` rows, reading at most about `budget` bytes of data."""
    import pyarrow.parquet as pq

    source = RangeFile(storage, info, loop)
    parquet = pq.ParquetFile(source, pre_buffer=False)
    meta = parquet.metadata
    arrow_schema = parquet.schema_arrow
    schema = [{"name": f.name, "type": str(f.type), "nullable": f.nullable} for f in arrow_schema]
    columns: list[str] = []
    note = None
    if meta.num_row_groups:
        group = meta.row_group(0)
        sizes: dict[str, int] = {}
        for i in range(group.num_columns):
            chunk = group.column(i)
            top = chunk.path_in_schema.split(".", 1)[0]
            sizes[top] = sizes.get(top, 0) + chunk.total_compressed_size
        spent = 0
        for field in arrow_schema:
            size = sizes.get(field.name, 0)
            if spent + size > budget:
                note = "Some columns are too large to preview"
                break
            columns.append(field.name)
            spent += size
    table_rows: list[list] = []
    if columns:
        batch = next(parquet.iter_batches(batch_size=rows, row_groups=[0], columns=columns), None)
        if batch is not None:
            data = batch.to_pydict()
            count = batch.num_rows
            table_rows = [[data[c][i] for c in columns] for i in range(count)]
    total_rows = meta.num_rows
    return {
        "schema": schema,
        "num_rows": total_rows,
        "num_row_groups": meta.num_row_groups,
        "created_by": meta.created_by,
        "columns": columns,
        "rows": table_rows,
        "truncated": total_rows > len(table_rows) or len(columns) < len(schema),
        "note": note,
        "bytes_read": source.bytes_read,
        "range_requests": source.requests,
    }
