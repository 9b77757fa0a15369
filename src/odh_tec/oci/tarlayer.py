"""One model file as one uncompressed tar layer, written while the file's bytes stream past.

A tar header must state the file's size before its content: the size comes from the listing (S3,
the folder, the Hub), and the stream checks that the source sends exactly that many bytes. The layer
holds the parent directories (0755) and the file (0644), all owned by 0:0 and dated 0, so the same
file at the same path always makes the same layer, byte for byte, and so the same digest: a registry
that has it already is not sent it again. PAX headers carry long or non-ASCII names and sizes
past 8 GiB, as Python's `tarfile` and GNU tar read them.
"""

from __future__ import annotations

import posixpath
import tarfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from odh_tec.errors import ApiError
from odh_tec.hf.verify import SizeMismatch

BLOCK = 512
END_OF_ARCHIVE = b"\0" * (2 * BLOCK)


def _info(name: str, *, directory: bool, size: int = 0) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE if directory else tarfile.REGTYPE
    info.mode = 0o755 if directory else 0o644
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mtime = 0
    info.size = 0 if directory else size
    return info


def _header(info: tarfile.TarInfo) -> bytes:
    return info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")


def image_path(models_dir: str, relative: str) -> str:
    """`/models` + `sub/x.bin` → `models/sub/x.bin` (tar names have no leading slash); no `..` escapes."""
    # `..` is refused before normalising: normpath would fold /models/../etc into /etc, out of the models.
    if ".." in models_dir.split("/") or ".." in relative.split("/"):
        raise ApiError(f"'{relative}' does not name a file under {models_dir}: '..' is not allowed", code="InvalidKey")
    joined = posixpath.normpath(posixpath.join("/", models_dir.strip("/"), relative.lstrip("/")))
    if joined in ("/", "."):
        raise ApiError(f"'{relative}' does not name a file under {models_dir}", code="InvalidKey")
    return joined.lstrip("/")


@dataclass(frozen=True)
class FileLayer:
    """The tar framing of one file: `head` (its directories and header), the content, then `tail`."""

    path: str  # in the image, without the leading '/'
    size: int  # of the file's content
    head: bytes
    tail: bytes

    @classmethod
    def for_file(cls, path: str, size: int) -> FileLayer:
        parts = path.split("/")
        head = b"".join(_header(_info("/".join(parts[:n]) + "/", directory=True)) for n in range(1, len(parts)))
        head += _header(_info(path, directory=False, size=size))
        padding = (-size) % BLOCK
        return cls(path, size, head, b"\0" * padding + END_OF_ARCHIVE)

    @property
    def layer_size(self) -> int:
        """The layer's size in bytes, known before the first byte is read."""
        return len(self.head) + self.size + len(self.tail)

    async def stream(self, content: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        """The layer's bytes: header, `content` (exactly `size` bytes, else SizeMismatch: the source
        changed since its listing), padding.
        The content is read to its end before the padding is sent, so a check the source does at its
        end (a Hub checksum) fails the upload before it can be committed."""
        yield self.head
        sent = 0
        async for chunk in content:
            sent += len(chunk)
            if sent > self.size:
                raise SizeMismatch(f"'{self.path}': the source sent more than the {self.size} bytes it listed")
            yield chunk
        if sent != self.size:
            raise SizeMismatch(f"'{self.path}': the source sent {sent} bytes, its listing said {self.size}")
        yield self.tail


@dataclass(frozen=True)
class _Member:
    path: str
    size: int
    head: bytes  # the directories not yet in the layer, then the file's header


class TarLayer:
    """Several files in one layer (when a model has more files than an image should have layers): each
    file framed as in `FileLayer`, each directory once, one end-of-archive. A layer of one file is
    byte for byte that file's `FileLayer`."""

    def __init__(self, files: list[tuple[str, int]]):
        seen: set[str] = set()
        self.members: list[_Member] = []
        for path, size in files:
            parts = path.split("/")
            head = b""
            for n in range(1, len(parts)):
                directory = "/".join(parts[:n]) + "/"
                if directory not in seen:
                    seen.add(directory)
                    head += _header(_info(directory, directory=True))
            head += _header(_info(path, directory=False, size=size))
            self.members.append(_Member(path, size, head))

    @property
    def layer_size(self) -> int:
        return sum(len(m.head) + m.size + (-m.size) % BLOCK for m in self.members) + len(END_OF_ARCHIVE)

    async def stream(self, content: Callable[[int], AsyncIterator[bytes]]) -> AsyncIterator[bytes]:
        """The layer's bytes; `content(i)` gives the i-th file's bytes, read to its end (see FileLayer)."""
        for index, member in enumerate(self.members):
            yield member.head
            sent = 0
            async for chunk in content(index):
                sent += len(chunk)
                if sent > member.size:
                    raise SizeMismatch(f"'{member.path}': the source sent more than the {member.size} bytes it listed")
                yield chunk
            if sent != member.size:
                raise SizeMismatch(f"'{member.path}': the source sent {sent} bytes, its listing said {member.size}")
            yield b"\0" * ((-member.size) % BLOCK)
        yield END_OF_ARCHIVE
