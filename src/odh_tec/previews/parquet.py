"""Parquet schema and first rows through range requests: pyarrow reads a seekable file object whose
every read is one `Storage.read(key, ByteRange)` call, so only the footer and the column chunks of the
first row group travel, never the whole file.

A few kilobytes of Parquet can decode to gigabytes (zstd over repeats; one 4 MiB dictionary entry
that every row references; a list of a million references to it). So the columns to read are chosen
from the footer before anything is decoded: their compressed bytes (what is fetched) and a bound on
what decoding them costs (uncompressed bytes, plus a few bytes per value) must fit budgets, and rows ×
columns must fit a cell budget. Dictionary-encoded strings stay encoded in Arrow, and every cell is
cut to a short text before it becomes a Python object. A column over budget is left out (with a
note); a file that cannot be read is "not previewable" (422), never a 500.

Not covered: a footer that lies about uncompressed sizes (pyarrow trusts the page headers, which are
not checked here). The fetch cap, the cell cuts and the limit of two previews decoding at once bound
what the Arrow conversion can add to that.
"""

from __future__ import annotations

import asyncio
import io
import threading
from dataclasses import dataclass

from odh_tec.errors import ApiError
from odh_tec.storage.base import ByteRange, ObjectInfo, Storage

KiB, MiB = 1 << 10, 1 << 20
READ_AHEAD = 64 * KiB
VALUE_BYTES = 16  # what one decoded value costs beyond its bytes: offsets, indices, validity
MORE = "…"
# At most two previews decode at once: each one is bounded, and so is their sum.
_DECODING = threading.BoundedSemaphore(2)


class NotPreviewable(ApiError):
    status, code = 422, "NotPreviewable"


@dataclass(frozen=True)
class ParquetLimits:
    rows: int = 100
    max_columns: int = 100
    max_cells: int = 10_000  # rows × columns
    fetch_budget: int = 32 * MiB  # compressed bytes of the column chunks read
    decode_budget: int = 64 * MiB  # uncompressed bytes + VALUE_BYTES per value, all columns read
    footer_limit: int = 16 * MiB
    schema_fields: int = 1000  # fields listed in `schema`
    cell_chars: int = 1000  # strings (and bytes, in hex) are cut to this before becoming Python objects
    list_items: int = 20  # items of a list shown in a nested cell
    cell_nodes: int = 200  # values rendered in one nested cell
    max_depth: int = 32


class RangeFile(io.RawIOBase):
    """A read-only, seekable view of one stored object, fetched range by range.

    Used from a worker thread: each fetch is run on the event loop that owns the storage client.
    Fetching more than `max_bytes` in all is refused, whatever the footer claimed.
    """

    def __init__(
        self,
        storage: Storage,
        info: ObjectInfo,
        loop: asyncio.AbstractEventLoop,
        timeout: float = 120.0,
        max_bytes: int | None = None,
    ):
        super().__init__()
        self.storage, self.info, self.loop, self.timeout = storage, info, loop, timeout
        self.size = info.size
        self.max_bytes = max_bytes
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
        if self.max_bytes is not None and self.bytes_read + (end - start + 1) > self.max_bytes:
            raise NotPreviewable("This Parquet file needs too much data read to preview it")

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


# Choosing what to read -----------------------------------------------------------------------------


@dataclass
class ColumnCost:
    name: str
    fetched: int = 0  # compressed bytes
    decoded: int = 0  # uncompressed bytes + VALUE_BYTES per value
    dictionary_paths: tuple[str, ...] = ()  # leaves read as Arrow dictionaries


def _leaf_count(arrow_type) -> int:
    """How many Parquet leaf columns one Arrow field is stored as."""
    import pyarrow as pa

    if pa.types.is_struct(arrow_type):
        return sum(_leaf_count(arrow_type.field(i).type) for i in range(arrow_type.num_fields))
    if pa.types.is_map(arrow_type):
        return _leaf_count(arrow_type.key_type) + _leaf_count(arrow_type.item_type)
    if (
        pa.types.is_list(arrow_type)
        or pa.types.is_large_list(arrow_type)
        or pa.types.is_fixed_size_list(arrow_type)
        or pa.types.is_list_view(arrow_type)
    ):
        return _leaf_count(arrow_type.value_type)
    return 1


def _leaf_owners(meta, arrow_schema) -> list[int]:
    """For each leaf column of the file, the index of the top-level field it belongs to."""
    owners = [index for index, f in enumerate(arrow_schema) for _ in range(_leaf_count(f.type))]
    if len(owners) == meta.num_columns:
        return owners
    # Counting disagreed (an unusual type): fall back on the first segment of each leaf's path.
    by_name = {f.name: index for index, f in enumerate(arrow_schema)}
    return [by_name.get(meta.schema.column(i).path.split(".", 1)[0], -1) for i in range(meta.num_columns)]


def column_costs(meta, arrow_schema, rows: int) -> list[ColumnCost]:
    """What reading each top-level field of the first row group costs, from the footer alone.

    Decoding decompresses whole column chunks, so their uncompressed size counts in full. Values
    count too: a dictionary or run-length page stores a million values in a few bytes. A flat
    field decodes only the rows read; a nested one may hold all its values in one row."""
    costs = [ColumnCost(f.name) for f in arrow_schema]
    if not meta.num_row_groups:
        return costs
    group = meta.row_group(0)
    nested = [f.type.num_fields > 0 for f in arrow_schema]
    for leaf, owner in enumerate(_leaf_owners(meta, arrow_schema)):
        if owner < 0:
            continue
        chunk = group.column(leaf)
        cost = costs[owner]
        width = VALUE_BYTES
        if chunk.physical_type == "FIXED_LEN_BYTE_ARRAY":
            width = max(width, meta.schema.column(leaf).length or 0)
        values = chunk.num_values if nested[owner] else min(chunk.num_values, rows)
        cost.fetched += chunk.total_compressed_size
        cost.decoded += chunk.total_uncompressed_size + width * values
        if chunk.physical_type == "BYTE_ARRAY" and chunk.has_dictionary_page:
            cost.dictionary_paths += (chunk.path_in_schema,)
    return costs


def choose_columns(costs: list[ColumnCost], limits: ParquetLimits) -> tuple[list[ColumnCost], list[str]]:
    """The fields to read, in schema order, within the budgets; and the names left out for size."""
    chosen: list[ColumnCost] = []
    too_large: list[str] = []
    fetched = decoded = 0
    for cost in costs:
        if len(chosen) == limits.max_columns:
            break
        if fetched + cost.fetched > limits.fetch_budget or decoded + cost.decoded > limits.decode_budget:
            too_large.append(cost.name)
            continue
        chosen.append(cost)
        fetched += cost.fetched
        decoded += cost.decoded
    return chosen, too_large


# Bounded cells -----------------------------------------------------------------------------------


class Cutter:
    """Turns Arrow values into short Python ones: strings and bytes cut, lists to a few items, at most
    `cell_nodes` values per nested cell. A cut never copies more than it keeps. `cut` says whether
    anything was left out, so the preview can say it is truncated."""

    def __init__(self, limits: ParquetLimits):
        self.limits = limits
        self.cut = False

    def text(self, buffer) -> str:
        keep = self.limits.cell_chars
        head = buffer[: keep * 4 + 4].to_pybytes()  # a character is at most 4 bytes
        text = head.decode("utf-8", errors="ignore")
        if len(text) > keep or len(head) < buffer.size:
            self.cut = True
            return text[:keep] + MORE
        return text

    def bytes(self, buffer) -> bytes:
        keep = self.limits.cell_chars // 2  # shown in hex: two characters a byte
        self.cut = self.cut or buffer.size > keep
        return buffer[: keep + 1].to_pybytes()

    def scalar(self, scalar, budget: list[int], depth: int = 0):
        import pyarrow as pa

        budget[0] -= 1
        if budget[0] < 0 or depth > self.limits.max_depth:
            self.cut = True
            return MORE
        if not scalar.is_valid:
            return None
        kind = scalar.type
        if pa.types.is_dictionary(kind):
            return self.scalar(scalar.value, budget, depth)
        if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
            return self.text(scalar.as_buffer())
        if (
            pa.types.is_binary(kind)
            or pa.types.is_large_binary(kind)
            or pa.types.is_binary_view(kind)
            or pa.types.is_fixed_size_binary(kind)
        ):
            return self.bytes(scalar.as_buffer())
        if pa.types.is_struct(kind):
            return {kind.field(i).name: self.scalar(scalar[i], budget, depth + 1) for i in range(kind.num_fields)}
        if isinstance(scalar, pa.ListScalar | pa.LargeListScalar | pa.FixedSizeListScalar | pa.MapScalar):
            values = scalar.values
            count = min(len(values), self.limits.list_items)
            shown = [self.scalar(values[i], budget, depth + 1) for i in range(count)]
            if len(values) > count:
                self.cut = True
                shown.append(MORE)
            return shown
        try:
            return scalar.as_py()
        except (ValueError, OverflowError, NotImplementedError, pa.ArrowException):
            return str(scalar)  # a date out of Python's range, an unusual type

    def array(self, array):
        """Strings and bytes cut in Arrow, before any Python object exists."""
        import pyarrow as pa
        import pyarrow.compute as pc

        kind = array.type
        if pa.types.is_dictionary(kind):
            # Cut the dictionary, then expand: each row copies a short entry, never a 4 MiB one.
            return self.array(array.dictionary).take(array.indices)
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            keep, cut = self.limits.cell_chars, pc.utf8_slice_codeunits(array, 0, self.limits.cell_chars + 1)
            lengths = pc.utf8_length(cut)
        elif pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
            keep = self.limits.cell_chars // 2
            cut = pc.binary_slice(array, 0, keep + 1)
            lengths = pc.binary_length(cut)
        else:
            return array
        longest = pc.max(lengths).as_py()
        self.cut = self.cut or (longest is not None and longest > keep)
        return cut

    def column(self, array) -> list:
        """The cells of one column, each bounded whatever the data holds."""
        import pyarrow as pa

        if array.type.num_fields == 0:  # flat: one fast conversion, after the cut
            try:
                return self.array(array).to_pylist()
            except (ValueError, OverflowError, NotImplementedError, pa.ArrowException):
                pass  # e.g. a timestamp out of Python's range: value by value below
        return [self.scalar(array[i], [self.limits.cell_nodes]) for i in range(len(array))]


# Reading -----------------------------------------------------------------------------------------


def _check_footer(source: RangeFile, limits: ParquetLimits) -> None:
    """Refuse what is not plain Parquet, or whose footer is too large to parse, before pyarrow does."""
    if source.size < 12:
        raise NotPreviewable("This file is too small to be Parquet")
    source.seek(-8, io.SEEK_END)
    tail = source.read(8)
    if tail[4:] == b"PARE":
        raise NotPreviewable("Encrypted Parquet files cannot be previewed")
    if tail[4:] != b"PAR1":
        raise NotPreviewable("This file is not Parquet (no 'PAR1' at its end)")
    length = int.from_bytes(tail[:4], "little")
    if length > min(limits.footer_limit, source.size - 12):
        raise NotPreviewable(f"This Parquet file's footer ({length} bytes) is too large to preview")
    source.seek(0)


def _open(source: RangeFile, limits: ParquetLimits, **options):
    import pyarrow.parquet as pq

    return pq.ParquetFile(
        source,
        pre_buffer=False,
        thrift_string_size_limit=limits.footer_limit,
        thrift_container_size_limit=1_000_000,
        schema_depth_limit=limits.max_depth,
        **options,
    )


def _read_rows(
    source: RangeFile, parquet, chosen: list[ColumnCost], count: int, limits: ParquetLimits
) -> tuple[list[list], bool]:
    """The first `count` rows of the chosen columns, and whether any cell was cut."""
    paths = [p for cost in chosen for p in cost.dictionary_paths]
    # Reopened with the same footer, so that dictionary-encoded strings stay dictionaries in Arrow.
    reader = _open(source, limits, metadata=parquet.metadata, read_dictionary=paths or None)
    names = [cost.name for cost in chosen]
    batch = next(reader.iter_batches(batch_size=count, row_groups=[0], columns=names, use_threads=False), None)
    if batch is None:
        return [], False
    cutter = Cutter(limits)
    columns = [cutter.column(batch.column(i)) for i in range(batch.num_columns)]
    return [list(row) for row in zip(*columns, strict=True)], cutter.cut


def read_parquet_head(
    storage: Storage, info: ObjectInfo, loop: asyncio.AbstractEventLoop, limits: ParquetLimits | None = None
) -> dict:
    """Schema, row counts and the first rows of the columns that fit the budgets (see the module)."""
    import pyarrow as pa

    limits = limits or ParquetLimits()
    source = RangeFile(storage, info, loop, max_bytes=limits.fetch_budget + limits.footer_limit + MiB)
    with _DECODING:
        try:
            return _read_head(source, limits)
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise NotPreviewable(f"This Parquet file cannot be previewed: {exc}") from exc


def _read_head(source: RangeFile, limits: ParquetLimits) -> dict:
    _check_footer(source, limits)
    parquet = _open(source, limits)
    meta = parquet.metadata
    arrow_schema = parquet.schema_arrow
    listed = (arrow_schema.field(i) for i in range(min(len(arrow_schema), limits.schema_fields)))
    schema = [{"name": f.name, "type": str(f.type), "nullable": f.nullable} for f in listed]
    chosen, too_large = choose_columns(column_costs(meta, arrow_schema, limits.rows), limits)
    count = min(limits.rows, limits.max_cells // max(1, len(chosen)))
    table_rows: list[list] = []
    cells_cut = False
    if chosen and meta.num_row_groups:
        table_rows, cells_cut = _read_rows(source, parquet, chosen, count, limits)
    notes = []
    if too_large:
        shown = ", ".join(too_large[:5]) + (f" and {len(too_large) - 5} more" if len(too_large) > 5 else "")
        notes.append(f"Columns too large to preview: {shown}")
    if len(chosen) + len(too_large) < len(arrow_schema):
        notes.append(f"Only the first {len(chosen) + len(too_large)} of {len(arrow_schema)} columns are shown")
    return {
        "schema": schema,
        "schema_fields": len(arrow_schema),
        "num_rows": meta.num_rows,
        "num_row_groups": meta.num_row_groups,
        "created_by": meta.created_by,
        "columns": [cost.name for cost in chosen],
        "rows": table_rows,
        "truncated": meta.num_rows > len(table_rows) or len(chosen) < len(arrow_schema) or cells_cut,
        "note": "; ".join(notes) or None,
        "bytes_read": source.bytes_read,
        "range_requests": source.requests,
    }
