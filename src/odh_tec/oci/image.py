"""The image around the model's layers: the base image (resolved to one platform), the config and the
manifest, in OCI media types or, for a registry that refuses those, Docker v2 schema 2 ones.

The config and the manifest are deterministic: no timestamps, layers in path order. The same files
on the same base give the same image digest, whenever and wherever they are packaged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from odh_tec.oci.errors import ImageNotFound, RegistryError
from odh_tec.oci.reference import ImageRef
from odh_tec.oci.registry import (
    DOCKER_CONFIG,
    DOCKER_LAYER,
    DOCKER_LIST,
    DOCKER_MANIFEST,
    OCI_CONFIG,
    OCI_INDEX,
    OCI_LAYER,
    OCI_MANIFEST,
    Registry,
)

MAX_CONFIG = 4 << 20
# Per layer of ours: the file it holds, and the fingerprint of the source it was made from (etag and
# size, the Hub's sha256…), so packaging again finds the layers that need not be sent.
TITLE = "org.opencontainers.image.title"
FINGERPRINT = "io.odh-tec.source-fingerprint"

_TO_OCI = {
    "application/vnd.docker.image.rootfs.diff.tar.gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip": (
        "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
    ),
    DOCKER_LAYER: OCI_LAYER,
}
_TO_DOCKER = {oci: docker for docker, oci in _TO_OCI.items()}


@dataclass
class BaseImage:
    ref: ImageRef | None  # None: scratch
    digest: str | None = None  # of the platform's manifest
    layers: list[dict] = field(default_factory=list)  # descriptors: mediaType, digest, size
    config: dict = field(default_factory=dict)


@dataclass
class Layer:
    path: str  # the file it holds, in the image
    digest: str
    size: int
    fingerprint: str = ""


def _platform(entry: dict) -> str:
    p = entry.get("platform") or {}
    out = f"{p.get('os')}/{p.get('architecture')}"
    return out + (f"/{p['variant']}" if p.get("variant") else "")


async def resolve_base(registry: Registry, ref: ImageRef, platform: str) -> BaseImage:
    """The base image's manifest for `platform` (from an index, if it is one) and its config."""
    body, media_type, digest = await registry.get_manifest(ref.repository, ref.reference)
    manifest = json.loads(body)
    if media_type in (OCI_INDEX, DOCKER_LIST) or "manifests" in manifest:
        wanted = [m for m in manifest.get("manifests", []) if _platform(m) == platform]
        wanted = wanted or [m for m in manifest.get("manifests", []) if _platform(m).startswith(platform + "/")]
        if not wanted:
            offered = ", ".join(sorted({_platform(m) for m in manifest.get("manifests", [])}))
            raise ImageNotFound(f"The base image {ref} has no {platform} variant (it has: {offered or 'none'})")
        body, media_type, digest = await registry.get_manifest(ref.repository, wanted[0]["digest"])
        manifest = json.loads(body)
    if media_type not in (OCI_MANIFEST, DOCKER_MANIFEST) and "layers" not in manifest:
        raise RegistryError(f"The base image {ref} has a manifest this app cannot read ({media_type})")
    config = json.loads(await registry.get_blob(ref.repository, manifest["config"]["digest"], MAX_CONFIG))
    layers = [{k: d[k] for k in ("mediaType", "digest", "size")} for d in manifest.get("layers", [])]
    return BaseImage(ref, digest, layers, config)


def build_config(base: BaseImage, layers: list[Layer], labels: dict[str, str], platform: str) -> bytes:
    """The base's config with our layers' diff_ids (their digests: they are uncompressed) and labels."""
    config = json.loads(json.dumps(base.config)) if base.config else {}
    os_name, _, arch = platform.partition("/")
    config.setdefault("architecture", arch.split("/")[0] or "amd64")
    config.setdefault("os", os_name or "linux")
    runtime = config.setdefault("config", {})
    runtime["Labels"] = {**(runtime.get("Labels") or {}), **labels}
    rootfs = config.setdefault("rootfs", {"type": "layers", "diff_ids": []})
    rootfs["type"] = "layers"
    rootfs["diff_ids"] = [*rootfs.get("diff_ids", []), *(layer.digest for layer in layers)]
    history = config.get("history")
    if history is not None or not base.config:
        config["history"] = [
            *(history or []),
            *({"created_by": f"odh-tec modelcar: /{layer.path}"} for layer in layers),
        ]
    return json.dumps(config, sort_keys=True, separators=(",", ":")).encode()


def build_manifest(base: BaseImage, layers: list[Layer], config_digest: str, config_size: int, *, oci: bool) -> bytes:
    def base_layer(d: dict) -> dict:
        table = _TO_OCI if oci else _TO_DOCKER
        return {**d, "mediaType": table.get(d["mediaType"], d["mediaType"])}

    ours = [
        {
            "mediaType": OCI_LAYER if oci else DOCKER_LAYER,
            "digest": layer.digest,
            "size": layer.size,
            "annotations": {TITLE: "/" + layer.path, FINGERPRINT: layer.fingerprint},
        }
        for layer in layers
    ]
    manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST if oci else DOCKER_MANIFEST,
        "config": {"mediaType": OCI_CONFIG if oci else DOCKER_CONFIG, "digest": config_digest, "size": config_size},
        "layers": [*(base_layer(d) for d in base.layers), *ours],
    }
    return json.dumps(manifest, separators=(",", ":")).encode()


def previous_layers(manifest: bytes) -> dict[str, Layer]:
    """The layers of an earlier push of ours, by the file they hold (with the fingerprint we noted)."""
    try:
        found = json.loads(manifest).get("layers") or []
    except ValueError:
        return {}
    out = {}
    for d in found:
        notes = d.get("annotations") or {}
        if notes.get(TITLE) and notes.get(FINGERPRINT):
            path = notes[TITLE].lstrip("/")
            out[path] = Layer(path, d["digest"], int(d["size"]), notes[FINGERPRINT])
    return out
