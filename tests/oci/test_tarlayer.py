"""A file's tar layer, streamed, read back by Python's tarfile: names, modes, owners, bytes, sizes."""

from __future__ import annotations

import asyncio
import io
import os
import tarfile

import pytest

from odh_tec.hf.verify import SizeMismatch
from odh_tec.oci.tarlayer import FileLayer, image_path


async def _chunks(data: bytes, size: int = 1000):
    for start in range(0, len(data), size):
        yield data[start : start + size]


def _layer(path: str, data: bytes) -> tuple[FileLayer, bytes]:
    layer = FileLayer.for_file(path, len(data))

    async def collect() -> bytes:
        return b"".join([chunk async for chunk in layer.stream(_chunks(data))])

    return layer, asyncio.run(collect())


@pytest.mark.parametrize("size", [0, 1, 511, 512, 513, 100_000])
def test_layer_reads_back_with_tarfile(size):
    data = os.urandom(size)
    layer, raw = _layer("models/sub/dir/weights.bin", data)
    assert len(raw) == layer.layer_size and len(raw) % 512 == 0
    with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
        members = tar.getmembers()
        assert [m.name for m in members] == ["models", "models/sub", "models/sub/dir", "models/sub/dir/weights.bin"]
        for m in members:
            assert (m.uid, m.gid, m.mtime) == (0, 0, 0)
            assert m.mode == (0o755 if m.isdir() else 0o644)
        extracted = tar.extractfile(members[-1])
        assert extracted is not None and extracted.read() == data


def test_same_file_same_bytes_and_long_unicode_names():
    name = "models/" + "é" * 40 + "/" + "x" * 200 + ".safetensors"
    first, raw = _layer(name, b"abc")
    _, again = _layer(name, b"abc")
    assert raw == again  # deterministic: the same file makes the same layer digest
    with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
        assert tar.getmembers()[-1].name == name
    assert first.layer_size == len(raw)


def test_big_sizes_use_pax_headers():
    layer = FileLayer.for_file("models/huge.bin", 9 << 30)  # past ustar's 8 GiB
    with tarfile.open(fileobj=io.BytesIO(layer.head + b"\0" * 1024), mode="r|") as tar:
        member = tar.next()
        while member is not None and member.isdir():
            member = tar.next()
        assert member is not None and member.size == 9 << 30


@pytest.mark.parametrize("sent", [b"ab", b"abcd"])
def test_a_source_that_changed_size_fails_the_layer(sent):
    layer = FileLayer.for_file("models/x", 3)

    async def collect() -> None:
        async for _ in layer.stream(_chunks(sent)):
            pass

    with pytest.raises(SizeMismatch):
        asyncio.run(collect())


@pytest.mark.parametrize(
    ("models_dir", "relative", "expected"),
    [("/models", "a/b.bin", "models/a/b.bin"), ("/mnt/models/", "/x", "mnt/models/x"), ("/", "y", "y")],
)
def test_image_paths(models_dir, relative, expected):
    assert image_path(models_dir, relative) == expected


@pytest.mark.parametrize(("models_dir", "relative"), [("/models", "../etc/passwd"), ("/..", "x/../../y"), ("/", "")])
def test_image_paths_never_escape(models_dir, relative):
    with pytest.raises(Exception, match="does not name a file"):
        image_path(models_dir, relative)


def test_manifests_in_both_media_types():
    """OCI first; Docker v2 schema 2 for a registry that refuses OCI, with the base layers' types mapped."""
    import json

    from odh_tec.oci.image import BaseImage, Layer, build_config, build_manifest, previous_layers

    base = BaseImage(
        None,
        layers=[{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "digest": "sha256:b", "size": 5}],
        config={"config": {"Labels": {"base": "1"}}, "rootfs": {"type": "layers", "diff_ids": ["sha256:u"]}},
    )
    ours = [Layer("models/a", "sha256:a", 1024, "etag:x:1")]
    config = json.loads(build_config(base, ours, {"tool": "odh-tec"}, "linux/amd64"))
    assert config["rootfs"]["diff_ids"] == ["sha256:u", "sha256:a"]
    assert config["config"]["Labels"] == {"base": "1", "tool": "odh-tec"}
    oci = json.loads(build_manifest(base, ours, "sha256:c", 10, oci=True))
    docker = json.loads(build_manifest(base, ours, "sha256:c", 10, oci=False))
    assert [d["mediaType"] for d in oci["layers"]] == [
        "application/vnd.oci.image.layer.v1.tar+gzip",
        "application/vnd.oci.image.layer.v1.tar",
    ]
    assert [d["mediaType"] for d in docker["layers"]] == [
        "application/vnd.docker.image.rootfs.diff.tar.gzip",
        "application/vnd.docker.image.rootfs.diff.tar",
    ]
    assert docker["config"]["mediaType"] == "application/vnd.docker.container.image.v1+json"
    again = previous_layers(build_manifest(base, ours, "sha256:c", 10, oci=True))
    assert again == {"models/a": ours[0]}  # what the next packaging compares against


def _collect(layer, contents: list[bytes]) -> bytes:
    async def run() -> bytes:
        return b"".join([chunk async for chunk in layer.stream(lambda i: _chunks(contents[i]))])

    return asyncio.run(run())


def test_a_one_file_tar_layer_is_that_files_layer():
    """Packing never changes the digest of a file that has a layer of its own."""
    from odh_tec.oci.tarlayer import TarLayer

    data = os.urandom(5000)
    _, alone = _layer("models/sub/w.bin", data)
    assert _collect(TarLayer([("models/sub/w.bin", len(data))]), [data]) == alone


def test_a_shared_layer_holds_each_file_and_each_directory_once():
    from odh_tec.oci.tarlayer import TarLayer

    files = {"models/a.json": b"{}", "models/sub/b.bin": os.urandom(700), "models/sub/c.txt": b""}
    layer = TarLayer([(p, len(d)) for p, d in files.items()])
    raw = _collect(layer, list(files.values()))
    assert len(raw) == layer.layer_size
    with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
        names = [m.name for m in tar.getmembers()]
        assert names == ["models", "models/a.json", "models/sub", "models/sub/b.bin", "models/sub/c.txt"]
        for path, data in files.items():
            extracted = tar.extractfile(path)
            assert extracted is not None and extracted.read() == data


def test_packing_keeps_big_files_alone_and_never_passes_the_limit():
    from odh_tec.transfers.model import TransferFile
    from odh_tec.transfers.modelcar import layer_members, packed

    def f(name: str, size: int) -> TransferFile:
        return TransferFile(path=name, key=f"models/{name}", size=size, source={"key": name, "fingerprint": name})

    few = [f(f"s{i:03d}", 10) for i in range(5)]
    assert packed(few, 10) == few  # up to the limit: one layer per file
    many = [f(f"a{i:03d}", 1000) for i in range(150)] + [f("model.safetensors", 10**9)] + [f("z.json", 5)]
    layers = packed(many, 20)
    assert len(layers) <= 20
    flat = [path for layer in layers for path, _, _ in layer_members(layer)]
    assert flat == [file.key for file in many]  # every file once, in path order
    alone = [layer for layer in layers if layer.key == "models/model.safetensors"]
    assert len(alone) == 1 and "members" not in alone[0].source  # the big file keeps its own layer
    assert sum(layer.size for layer in layers) == sum(file.size for file in many)
