"""A local (PVC) folder seen through the `Storage` interface.

Every key is resolved inside the root: `..` segments, absolute paths, NUL and symlinks that lead
outside are refused before any file is touched. Listings and walks hide such links too, so neither
shows the size or date of what a link points to outside. Writes go to a hidden temporary file in the
target folder and are renamed into place, so a reader never sees half a file. File-system scans run
in worker threads, never on the event loop.

A writer records its temporary in the journal of partials (storage/partials.py) and holds a lock on
that record until the rename, so that a temporary left by a killed process is removed at the next
start, and a write still going on in another process never is.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import hashlib
import mimetypes
import os
import shutil
import stat as stat_mode
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from odh_tec.errors import BadRequest, Forbidden, NotFound, PreconditionFailed
from odh_tec.memory import READ_CHUNK
from odh_tec.storage.base import ByteRange, Listing, ObjectInfo, Storage
from odh_tec.storage.partials import TEMP_MARK, PartialsJournal

__all__ = ["TEMP_MARK", "LocalStorage"]

_XATTR_PREFIX = "user.odh_tec."


class LocalStorage(Storage):
    kind = "local"

    def __init__(self, root: str | os.PathLike, partials: PartialsJournal | None = None):
        """`partials`: where temporaries are recorded for the sweep after a crash (none: not recorded)."""
        self.root = Path(os.path.realpath(root))
        self.partials = partials

    # Paths ---------------------------------------------------------------------------------------

    def resolve(self, key: str, *, must_exist: bool = False) -> Path:
        """The real path of `key`, guaranteed to be inside the root."""
        if "\x00" in key:
            raise BadRequest("Paths cannot contain NUL", code="InvalidKey")
        if key.startswith("/") or key.startswith("\\") or (len(key) > 1 and key[1] == ":"):
            raise BadRequest("Paths must be relative to the storage location", code="InvalidKey")
        parts = [p for p in key.split("/") if p not in ("", ".")]
        if any(p == ".." for p in parts):
            raise BadRequest("Paths cannot contain '..' segments", code="InvalidKey")
        candidate = self.root.joinpath(*parts)
        real = Path(os.path.realpath(candidate))
        if real != self.root and self.root not in real.parents:
            raise Forbidden("Path leads outside the storage location", code="PathOutsideRoot")
        if must_exist and not real.exists():
            raise NotFound(f"No file or folder '{key}'")
        return real

    def _key_of(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    @staticmethod
    def _info(key: str, st: os.stat_result) -> ObjectInfo:
        return ObjectInfo(
            key=key,
            size=st.st_size,
            last_modified=datetime.fromtimestamp(st.st_mtime, tz=UTC),
            etag=hashlib.md5(f"{st.st_ino}-{st.st_size}-{st.st_mtime_ns}".encode(), usedforsecurity=False).hexdigest(),
        )

    # Reading -------------------------------------------------------------------------------------

    async def list(
        self, prefix: str = "", *, page_size: int = 1000, page_token: str | None = None, search: str = ""
    ) -> Listing:
        if prefix and not prefix.endswith("/"):
            raise BadRequest("A folder prefix must end with '/'", code="InvalidKey")
        directory = self.resolve(prefix)
        if not directory.is_dir():
            if prefix:
                raise NotFound(f"No folder '{prefix}'")
            raise NotFound(f"Storage folder '{self.root}' is not available", code="NoSuchLocation")
        entries = await asyncio.to_thread(_scan, self.root, directory, search)
        if page_token:
            entries = [e for e in entries if e[0] > page_token]
        page, rest = entries[:page_size], entries[page_size:]
        folders, files = [], []
        for name, is_dir, st in page:
            if is_dir:
                folders.append(f"{prefix}{name}/")
            else:
                files.append(self._info(prefix + name, st))
        token = page[-1][0] if rest else None
        return Listing(prefix=prefix, folders=folders, files=files, next_page_token=token)

    async def walk(self, prefix: str = "") -> AsyncIterator[ObjectInfo]:
        base = self.resolve(prefix)
        found = await asyncio.to_thread(self._walk_sync, base, prefix)
        for key, st in found:
            yield self._info(key, st)

    def _walk_sync(self, base: Path, prefix: str) -> builtins.list[tuple[str, os.stat_result]]:
        if base.is_file():
            return [(prefix, base.stat())]
        if not base.is_dir():
            return []
        out = []
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames.sort()
            for name in sorted(filenames):
                if TEMP_MARK in name:
                    continue
                path = Path(dirpath) / name
                # A symlink may point anywhere: only follow those that stay inside the root.
                real = Path(os.path.realpath(path))
                if self.root not in real.parents or not real.is_file():
                    continue
                out.append((self._key_of(path), real.stat()))
        out.sort(key=lambda item: item[0])
        return out

    async def stat(self, key: str) -> ObjectInfo:
        path = self.resolve(key)
        return await asyncio.to_thread(self._stat_sync, key, path)

    def _stat_sync(self, key: str, path: Path) -> ObjectInfo:
        if not path.is_file():
            raise NotFound(f"No file '{key}'")
        info = self._info(key, path.stat())
        info.content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        info.metadata = _read_xattrs(path)
        return info

    async def read(
        self, key: str, byte_range: ByteRange | None = None, chunk_size: int = READ_CHUNK
    ) -> AsyncGenerator[bytes, None]:
        path = self.resolve(key)
        if not path.is_file():
            raise NotFound(f"No file '{key}'")
        fh = await asyncio.to_thread(open, path, "rb")
        try:
            remaining = None
            if byte_range is not None:
                await asyncio.to_thread(fh.seek, byte_range.start)
                remaining = byte_range.length
            while remaining is None or remaining > 0:
                want = chunk_size if remaining is None else min(chunk_size, remaining)
                chunk = await asyncio.to_thread(fh.read, want)
                if not chunk:
                    break
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk
        finally:
            fh.close()

    # Writing -------------------------------------------------------------------------------------

    async def write(
        self,
        key: str,
        chunks: AsyncIterable[bytes],
        *,
        size: int | None = None,
        content_type: str | None = None,
        metadata: dict[str, str] | None = None,
        if_none_match: bool = False,
        late_metadata: Callable[[], dict[str, str]] | None = None,
    ) -> ObjectInfo:
        if not key or key.endswith("/"):
            raise BadRequest("A file path is required", code="InvalidKey")
        target = self.resolve(key)
        if target.is_dir():
            raise BadRequest(f"'{key}' is a folder", code="InvalidKey")
        if if_none_match and target.exists():
            raise PreconditionFailed(f"'{key}' already exists")
        await asyncio.to_thread(target.parent.mkdir, parents=True, exist_ok=True)
        # Re-check after mkdir: a symlinked parent could have been swapped in.
        target = self.resolve(key)
        async with self._temporary(target) as (temp, fh):
            async for chunk in chunks:
                if chunk:
                    await asyncio.to_thread(fh.write, chunk)
            await asyncio.to_thread(fh.flush)
            if late_metadata is not None:
                metadata = {**(metadata or {}), **late_metadata()}
            if metadata:
                _write_xattrs(temp, metadata)
            if if_none_match:
                # link() fails if the target appeared meanwhile: no silent overwrite.
                try:
                    await asyncio.to_thread(os.link, temp, target)
                except FileExistsError as exc:
                    raise PreconditionFailed(f"'{key}' already exists") from exc
                temp.unlink()
            else:
                await asyncio.to_thread(os.replace, temp, target)
        return self._info(key, target.stat())

    async def create_folder(self, prefix: str) -> None:
        path = self.resolve(prefix)
        if path.is_file():
            raise BadRequest(f"'{prefix}' is a file", code="InvalidKey")
        await asyncio.to_thread(path.mkdir, parents=True, exist_ok=True)

    async def delete(self, key: str) -> None:
        path = self.resolve(key)
        if path.is_dir():
            raise BadRequest(f"'{key}' is a folder: delete it as a folder", code="InvalidKey")
        if not path.exists():
            raise NotFound(f"No file '{key}'")
        await asyncio.to_thread(path.unlink)

    async def delete_prefix(self, prefix: str) -> int:
        if not prefix.strip("/"):
            raise BadRequest("Refusing to delete the whole storage location", code="InvalidKey")
        path = self.resolve(prefix)
        if path == self.root:
            raise BadRequest("Refusing to delete the whole storage location", code="InvalidKey")
        if not path.is_dir():
            raise NotFound(f"No folder '{prefix}'")
        return await asyncio.to_thread(_remove_tree, path)

    async def copy_from(
        self, source: Storage, src_key: str, dst_key: str, size: int | None = None
    ) -> ObjectInfo | None:
        if not isinstance(source, LocalStorage):
            return None
        src, dst = source.resolve(src_key), self.resolve(dst_key)
        if not src.is_file():
            raise NotFound(f"No file '{src_key}'")
        await asyncio.to_thread(dst.parent.mkdir, parents=True, exist_ok=True)
        async with self._temporary(dst) as (temp, fh):
            await asyncio.to_thread(_copy_into, src, fh, temp)
            await asyncio.to_thread(os.replace, temp, dst)
        return self._info(dst_key, dst.stat())

    @contextlib.asynccontextmanager
    async def _temporary(self, target: Path) -> AsyncIterator[tuple[Path, BinaryIO]]:
        """A hidden temporary beside `target`, recorded in the journal (its record locked), for the body
        to fill and rename into place; removed if the body fails or is cancelled."""
        temp = _temp_path(target)
        record = await asyncio.to_thread(self.partials.record, temp) if self.partials is not None else None
        try:
            fh = await asyncio.to_thread(open, temp, "xb")
            try:
                yield temp, fh
            except BaseException:
                with contextlib.suppress(OSError):
                    temp.unlink()
                raise
            finally:
                await asyncio.to_thread(fh.close)
        finally:
            # Released only once the temporary is renamed or removed: the sweep never sees a live one.
            if record is not None:
                await asyncio.to_thread(record.close)


def _temp_path(target: Path) -> Path:
    """A hidden temporary beside `target`. The name is cut by bytes, not characters: a 255-byte
    name of 3-byte characters would otherwise make the temporary's name too long."""
    stem = target.name.encode()[:100].decode(errors="ignore")
    return target.parent / f".{stem}{TEMP_MARK}{os.urandom(6).hex()}"


def _copy_into(src: Path, fh, temp: Path) -> None:
    """`shutil.copy2` into an already opened temporary: the bytes, then times, mode and
    extended attributes (our metadata)."""
    with open(src, "rb") as source:
        shutil.copyfileobj(source, fh, 1 << 20)
    fh.flush()
    shutil.copystat(src, temp)


def _remove_tree(path: Path) -> int:
    """Delete a folder; returns how many files it held. rmtree removes links, never their targets."""
    count = sum(len(files) for _, _, files in os.walk(path))
    shutil.rmtree(path)
    return count


def _entry_stat(root: Path, entry: os.DirEntry) -> os.stat_result | None:
    """The stat a listing shows for `entry`, or None to hide it.

    A symlink is shown as what it points to only when that is inside the root (it is then ours to
    show, and reads follow it). One that leads outside, dangles or loops is hidden: reads refuse it,
    and its target's size and date are not ours to tell. Sockets, FIFOs and devices are hidden too:
    they cannot be read as files."""
    try:
        if entry.is_symlink():
            real = os.path.realpath(entry.path)
            if real != str(root) and not real.startswith(str(root) + os.sep):
                return None
            st = os.stat(real)
        else:
            st = entry.stat(follow_symlinks=False)
    except OSError:
        return None
    if not (stat_mode.S_ISREG(st.st_mode) or stat_mode.S_ISDIR(st.st_mode)):
        return None
    return st


def _scan(root: Path, directory: Path, search: str) -> list[tuple[str, bool, os.stat_result]]:
    """(name, is_dir, stat) of the folder's entries, sorted by name; temporaries and links that
    lead outside the root hidden."""
    out = []
    with os.scandir(directory) as it:
        for entry in it:
            if TEMP_MARK in entry.name or (search and not entry.name.startswith(search)):
                continue
            st = _entry_stat(root, entry)
            if st is not None:
                out.append((entry.name, stat_mode.S_ISDIR(st.st_mode), st))
    out.sort(key=lambda e: e[0])
    return out


def _write_xattrs(path: Path, metadata: dict[str, str]) -> None:
    # Extended attributes keep import checksums with the file where the filesystem allows it.
    for name, value in metadata.items():
        with contextlib.suppress(OSError, AttributeError):
            os.setxattr(path, _XATTR_PREFIX + name, value.encode())


def _read_xattrs(path: Path) -> dict[str, str]:
    out = {}
    with contextlib.suppress(OSError, AttributeError):
        for name in os.listxattr(path):
            if name.startswith(_XATTR_PREFIX):
                out[name[len(_XATTR_PREFIX) :]] = os.getxattr(path, name).decode(errors="replace")
    return out
