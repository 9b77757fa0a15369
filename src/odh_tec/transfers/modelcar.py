"""ModelCar jobs: a folder of a location, or a Hub repo, packaged as a KServe ModelCar image and
pushed to a registry, streamed (docs/modelcar.md).

Each file is one job file: its bytes go source → tar framing (oci/tarlayer.py) → a chunked blob
upload (oci/registry.py), the layer digest computed on the way; nothing is written to a local disk.
The layer digest is kept in the file's saved source, so a job resumed after a restart only checks
(HEAD) the layers it pushed. Before any byte moves, the tag's current manifest (an earlier push)
is read: a file with the same source fingerprint (S3 ETag and size, a local file's size and mtime,
the Hub's checksum) at the same path reuses its layer if the registry still has it.

Once every layer is there, `finish` makes sure the base image's layers are too (mounted from the base
repository on the same registry, else copied blob by blob), then pushes the config and, last, the
manifest by tag. A cancelled or failed job never gets that far: it leaves no tag (the blobs it sent
are unreferenced, for the registry's garbage collection).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import asdict

from odh_tec import __version__
from odh_tec.errors import BadRequest, LimitExceeded
from odh_tec.hf.download import DownloadPolicy, RemoteFile, file_chunks
from odh_tec.hf.models import HubFile, RepoRef, Snapshot
from odh_tec.hf.patterns import selected
from odh_tec.hf.transport import HubTransport
from odh_tec.hf.verify import Checksum, verified
from odh_tec.http import trusted_ssl_context
from odh_tec.netguard import check_destination
from odh_tec.oci.auth import Credentials, from_auth_files
from odh_tec.oci.errors import ImageNotFound
from odh_tec.oci.image import BaseImage, Layer, build_config, build_manifest, previous_layers, resolve_base
from odh_tec.oci.reference import ImageRef, parse_reference
from odh_tec.oci.registry import DOCKER_MANIFEST, OCI_MANIFEST, Registry
from odh_tec.oci.tarlayer import TarLayer, image_path
from odh_tec.services import Services
from odh_tec.storage.base import ObjectInfo, Storage
from odh_tec.transfers.hf_import import HubOptions, open_hub
from odh_tec.transfers.keys import folder
from odh_tec.transfers.model import FileState, Job, TransferFile
from odh_tec.transfers.ratelimit import throttled
from odh_tec.transfers.runner import Progress, Runner, SkipFile
from odh_tec.transfers.specs import ModelCarSpec

log = logging.getLogger(__name__)

# Container runtimes stack a limited number of layers (overlayfs; Docker's limit is 125), and the base has
# some: past MAX_LAYERS files, neighbouring files share layers.
MAX_LAYERS = 100
MAX_FILES = 10_000  # each file is a tar member; the job holds one entry per file
PRESENT = "Already in the registry"


class NothingToPackage(BadRequest):
    code = "NothingToPackage"


def open_registry(services: Services, ref: ImageRef) -> Registry:
    """A client for `ref`'s registry with its credentials: those of Settings only for the registry they
    were saved for, else an auth.json's (oci/auth.py)."""
    settings = services.settings
    saved = settings.registry
    creds = None
    if saved.host and saved.username and saved.host.lower() == ref.registry.lower():
        creds = Credentials(saved.username, saved.password)
    creds = creds or from_auth_files(ref.registry, ref.repository)
    insecure = ref.registry.lower() in (h.lower() for h in saved.insecure)
    return Registry(settings, ref.api_host, credentials=creds, insecure=insecure)


def base_reference(services: Services, spec: ModelCarSpec) -> ImageRef | None:
    name = (spec.base or services.settings.registry.base_image).strip()
    return None if name == "scratch" else parse_reference(name)


def fingerprint(info: ObjectInfo, kind: str) -> str:
    """What changes when the file changes: the ETag on S3 (with the size), size and mtime locally."""
    if kind == "s3" and info.etag:
        return f"etag:{info.etag.strip(chr(34))}:{info.size}"
    stamp = info.last_modified.isoformat() if info.last_modified else "?"
    return f"mtime:{stamp}:{info.size}"


def _hub_fingerprint(hub_file: HubFile) -> str:
    return f"sha256:{hub_file.lfs_sha256}" if hub_file.lfs_sha256 else f"git:{hub_file.oid}"


async def _folder_files(storage: Storage, prefix: str, spec: ModelCarSpec) -> list[TransferFile]:
    files = []
    async for info in storage.walk(prefix):
        rel = info.key[len(prefix) :]
        if not rel or rel.endswith("/") or not selected(rel, spec.include, spec.exclude):
            continue
        files.append(
            TransferFile(
                path=info.key,
                key=image_path(spec.models_dir, rel),
                size=info.size,
                source={"key": info.key, "fingerprint": fingerprint(info, storage.kind)},
            )
        )
        if len(files) > MAX_FILES:
            break
    return files


def _labels(spec: ModelCarSpec, revision: str | None) -> dict[str, str]:
    if spec.from_hub:
        source = f"hf://{spec.repo_id}" + ("" if spec.repo_type == "model" else f" ({spec.repo_type})")
    else:
        source = f"{spec.source_location}/{folder(spec.source_prefix)}"
    labels = {
        "org.opencontainers.image.source": source,
        "io.odh-tec.tool": f"odh-tec {__version__} modelcar",
        "io.odh-tec.models-dir": "/" + spec.models_dir.strip("/"),
    }
    if revision:
        labels["org.opencontainers.image.revision"] = revision
    return labels


class ModelCarRunner(Runner):
    def __init__(
        self,
        services: Services,
        spec: ModelCarSpec,
        target: ImageRef,
        base_ref: ImageRef | None,
        *,
        storage: Storage | None = None,
        hub: tuple[HubTransport, Snapshot] | None = None,
        policy: DownloadPolicy | None = None,
    ):
        self.services, self.spec, self.target, self.base_ref = services, spec, target, base_ref
        self.storage, self.hub, self.policy = storage, hub, policy or DownloadPolicy()
        self.registry = open_registry(services, target)
        self._base_registry: Registry | None = None
        self._base: BaseImage | None = None
        self._base_ready = False

    # The base image ------------------------------------------------------------------------------

    def _registry_of(self, ref: ImageRef) -> Registry:
        if ref.registry == self.target.registry:
            return self.registry
        if self._base_registry is None:
            self._base_registry = open_registry(self.services, ref)
        return self._base_registry

    async def base(self, pinned: str | None = None) -> BaseImage:
        if self._base is None:
            if self.base_ref is None:
                self._base = BaseImage(None)
            else:
                ref = self.base_ref
                if pinned:  # a resumed job uses the very base it started with
                    ref = ImageRef(ref.registry, ref.repository, None, pinned)
                platform = self.services.settings.registry.platform
                self._base = await resolve_base(self._registry_of(ref), ref, platform)
        return self._base

    async def _ensure_base_layers(self) -> None:
        """Every base layer in the target repository: there already, mounted, or copied (streamed)."""
        base = await self.base()
        if self._base_ready or base.ref is None:
            return
        repo = self.target.repository
        source = self._registry_of(base.ref)
        for layer in base.layers:
            digest, size = layer["digest"], int(layer["size"])
            if await self.registry.has_blob(repo, digest) is not None:
                continue
            if source is self.registry and await self.registry.mount_blob(repo, digest, base.ref.repository):
                continue
            async with aclosing(source.blob_chunks(base.ref.repository, digest)) as chunks:
                await self.registry.upload(repo, throttled(chunks, self.throttle), size, digest)
        self._base_ready = True

    # The job -------------------------------------------------------------------------------------

    async def prepare(self, job: Job) -> None:
        """Reuse the layers of an earlier push to the same tag whose source did not change."""
        try:
            body, _, _ = await self.registry.get_manifest(self.target.repository, self.target.reference)
        except ImageNotFound:
            return
        earlier = previous_layers(body)
        for file in job.files:
            layer = earlier.get(file.key)
            if layer is None or layer.fingerprint != file.source.get("fingerprint"):
                continue
            if await self.registry.has_blob(self.target.repository, layer.digest) == layer.size:
                file.source["digest"], file.source["layer_size"] = layer.digest, layer.size
                file.state, file.error = FileState.SKIPPED, PRESENT

    async def transfer(self, job: Job, file: TransferFile, progress: Progress) -> None:
        src = file.source
        if src.get("digest"):  # pushed before a restart, or found in an earlier push
            if await self.registry.has_blob(self.target.repository, src["digest"]) == src.get("layer_size"):
                raise SkipFile(PRESENT)
            src.pop("digest", None)
        members = layer_members(file)
        layer = TarLayer([(path, size) for path, size, _ in members])

        def content(index: int) -> AsyncGenerator[bytes, None]:
            return self._content(members[index][2], progress)

        blob = await self.registry.upload(self.target.repository, layer.stream(content), layer.layer_size)
        src["digest"], src["layer_size"] = blob.digest, blob.size

    async def _content(self, source: dict, progress: Progress) -> AsyncGenerator[bytes, None]:
        """One file's bytes, from the Hub (verified on the way) or from the storage location."""
        if self.hub is not None:
            transport, snapshot = self.hub
            hub_file = HubFile(**source["hub"])
            remote = RemoteFile(transport, snapshot.ref, snapshot.sha, hub_file, self.policy)
            chunks: AsyncGenerator[bytes, None] = verified(
                throttled(file_chunks(remote), self.throttle),
                Checksum.for_file(hub_file),
                hub_file.size,
                name=hub_file.path,
                on_bytes=progress,
            )
        else:
            assert self.storage is not None
            chunks = _counted(throttled(self.storage.read(source["key"]), self.throttle), progress)
        async with aclosing(chunks):
            async for chunk in chunks:
                yield chunk

    async def finish(self, job: Job) -> None:
        info = job.extra["modelcar"]
        await self.base(info.get("base_digest"))
        await self._ensure_base_layers()
        base = await self.base()
        layers = [
            Layer(f.key, f.source["digest"], int(f.source["layer_size"]), f.source.get("fingerprint", ""))
            for f in sorted(job.files, key=lambda f: f.key)
        ]
        platform = self.services.settings.registry.platform
        config = build_config(base, layers, _labels(self.spec, job.resolved_revision), platform)
        repo = self.target.repository
        config_blob = await self.registry.upload_bytes(repo, config)
        digest = media_type = None
        for oci in (True, False):
            media_type = OCI_MANIFEST if oci else DOCKER_MANIFEST
            manifest = build_manifest(base, layers, config_blob.digest, config_blob.size, oci=oci)
            digest = await self.registry.put_manifest(repo, self.target.reference, manifest, media_type, fallback=oci)
            if digest is not None:
                break
        assert digest is not None
        reference = self.target.with_digest(digest)
        info.update(
            {
                "reference": reference,
                "digest": digest,
                "media_type": media_type,
                "storage_uri": f"oci://{reference}",
                "inference_service": inference_service(f"oci://{reference}", self.target.repository.rsplit("/", 1)[-1]),
                "layers": len(layers),
                "layers_sent": sum(1 for f in job.files if f.state == FileState.DONE),
            }
        )

    async def cleanup(self, job: Job) -> None:
        """A cancel: nothing to remove. The tag is pushed last, so there is none; the layers sent are
        unreferenced blobs, which the registry's garbage collection removes (and a re-run reuses)."""

    async def close(self) -> None:
        await self.registry.aclose()
        if self._base_registry is not None:
            await self._base_registry.aclose()
        if self.hub is not None:
            await self.hub[0].aclose()


async def _counted(chunks: AsyncGenerator[bytes, None], progress: Progress) -> AsyncGenerator[bytes, None]:
    async with aclosing(chunks):
        async for chunk in chunks:
            progress(len(chunk))
            yield chunk


def _job(spec: ModelCarSpec, target: ImageRef, files: list[TransferFile], title_source: str) -> Job:
    if not files:
        raise NothingToPackage(f"No file of {title_source} matches: there is nothing to package")
    if len(files) > MAX_FILES:
        raise LimitExceeded(
            f"{title_source} has more than {MAX_FILES} files: select the model's files with include/exclude patterns"
        )
    keys = [f.key for f in files]
    if len(set(keys)) != len(keys):
        raise BadRequest("Two files land on the same path in the image", code="InvalidKey")
    return Job(
        kind="modelcar",
        title=f"ModelCar {target} from {title_source}",
        source=spec.public_source(),
        destination=spec.public_destination(),
        files=packed(sorted(files, key=lambda f: f.key)),
    )


def packed(files: list[TransferFile], limit: int | None = None) -> list[TransferFile]:
    """One layer per file, as modelcar-maker does, up to `limit` files; past it, neighbouring files (in
    path order) share layers: a file goes in the layer of the 1/limit slice of the model's bytes where
    its middle falls, so a big file keeps a layer of its own and small ones gather, and there are never
    more than `limit` layers of ours. A shared layer is one job file: its `source` lists its members."""
    limit = limit or MAX_LAYERS
    if len(files) <= limit:
        return files
    total = sum(f.size for f in files) or 1
    groups: list[list[TransferFile]] = []
    last_slot, before = -1, 0
    for file in files:
        # Where the file's middle falls in the model, in 1/limit steps: non-decreasing, below `limit`.
        slot = min(limit - 1, (2 * before + file.size) * limit // (2 * total))
        if slot != last_slot:
            groups.append([])
            last_slot = slot
        groups[-1].append(file)
        before += file.size
    out = []
    for group in groups:
        if len(group) == 1:
            out.append(group[0])
            continue
        members = [{**f.source, "path": f.key, "size": f.size, "name": f.path} for f in group]
        combined = hashlib.sha256("".join(f"{m['path']}\0{m['fingerprint']}\n" for m in members).encode())
        out.append(
            TransferFile(
                path=f"{group[0].path} … {group[-1].path} ({len(group)} files)",
                key=group[0].key,
                size=sum(f.size for f in group),
                source={"members": members, "fingerprint": "files:" + combined.hexdigest()},
            )
        )
    return out


def layer_members(file: TransferFile) -> list[tuple[str, int, dict]]:
    """(path in the image, size, source) of each file of a job file's layer."""
    if "members" in file.source:
        return [(m["path"], int(m["size"]), m) for m in file.source["members"]]
    return [(file.key, file.size, file.source)]


async def _check_registries(services: Services, *refs: ImageRef | None) -> None:
    """The request names the registries: none may be a link-local or cloud metadata address."""
    configured = [services.settings.registry.host]
    for ref in refs:
        if ref is not None:
            await check_destination(f"https://{ref.api_host}", configured=[f"https://{h}" for h in configured if h])


def _validated(services: Services, spec: ModelCarSpec) -> tuple[ImageRef, ImageRef | None]:
    target = parse_reference(spec.image)
    if target.digest:
        raise BadRequest(
            "Push to a tag (registry/repository:tag): the digest is known only once pushed",
            code="InvalidImageReference",
        )
    image_path(spec.models_dir, "x")  # a models_dir that escapes the image's root is refused here
    return target, base_reference(services, spec)


async def plan(
    services: Services, spec: ModelCarSpec, options: HubOptions, policy: DownloadPolicy
) -> tuple[Job, ModelCarRunner]:
    """List the source and resolve the base image now (errors become HTTP errors); push later."""
    target, base_ref = _validated(services, spec)
    await _check_registries(services, target, base_ref)
    # A CA bundle read for the first time costs up to 100 ms of CPU: not on the event loop.
    await asyncio.to_thread(trusted_ssl_context, services.settings)
    if spec.from_hub:
        ref = RepoRef(spec.repo_id, spec.repo_type, spec.revision)
        transport, client = open_hub(services, spec.hub_spec(), options)
        try:
            snapshot = await client.snapshot(ref, spec.include, spec.exclude)
        except BaseException:
            await transport.aclose()
            raise
        files = [
            TransferFile(
                path=f.path,
                key=image_path(spec.models_dir, f.path),
                size=f.size,
                source={"hub": asdict(f), "fingerprint": _hub_fingerprint(f)},
            )
            for f in snapshot.files
        ]
        runner = ModelCarRunner(services, spec, target, base_ref, hub=(transport, snapshot), policy=policy)
        title_source = f"hf://{spec.repo_id}@{spec.revision}"
    else:
        storage = services.locations.get(spec.source_location)
        prefix = folder(spec.source_prefix)
        files = await _folder_files(storage, prefix, spec)
        runner = ModelCarRunner(services, spec, target, base_ref, storage=storage)
        title_source = f"{spec.source_location}/{prefix}"
        snapshot = None
    try:
        job = _job(spec, target, files, title_source)
        await runner.registry.ping()  # no credentials, wrong ones, no registry: said now, not after the upload
        base = await runner.base()
    except BaseException:
        await runner.close()
        raise
    if snapshot is not None:
        job.resolved_revision = snapshot.sha
    job.extra["modelcar"] = {
        "image": str(target),
        "base": str(base.ref) if base.ref else "scratch",
        "base_digest": base.digest,
        "reference": None,
        "digest": None,
        "media_type": None,
        "storage_uri": None,
        "inference_service": None,
        "layers": None,
        "layers_sent": None,
    }
    return job, runner


async def restore(
    services: Services, job: Job, stored: dict, options: HubOptions, policy: DownloadPolicy
) -> ModelCarRunner:
    """A job saved before a restart: its file list, the layers it pushed, the commit and the base it
    was pinned to. Nothing is listed again."""
    spec = ModelCarSpec(**stored)
    target, base_ref = _validated(services, spec)
    await asyncio.to_thread(trusted_ssl_context, services.settings)
    if spec.from_hub:
        if not job.resolved_revision:
            raise ImageNotFound("The job was saved before its revision was resolved")
        ref = RepoRef(spec.repo_id, spec.repo_type, spec.revision)
        hub_files = [HubFile(**source["hub"]) for f in job.files for _, _, source in layer_members(f)]
        transport, _ = open_hub(services, spec.hub_spec(), options)
        snapshot = Snapshot(ref=ref, sha=job.resolved_revision, files=hub_files)
        return ModelCarRunner(services, spec, target, base_ref, hub=(transport, snapshot), policy=policy)
    storage = services.locations.get(spec.source_location)
    return ModelCarRunner(services, spec, target, base_ref, storage=storage)


def inference_service(storage_uri: str, name: str) -> str:
    """A ready InferenceService that serves the pushed image (KServe's ModelCar: `oci://` storageUri)."""
    safe = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")[:40] or "model"
    return (
        "apiVersion: serving.kserve.io/v1beta1\n"
        "kind: InferenceService\n"
        "metadata:\n"
        f"  name: {safe}\n"
        "spec:\n"
        "  predictor:\n"
        "    model:\n"
        "      modelFormat:\n"
        "        name: vLLM\n"
        f"      storageUri: {storage_uri}\n"
    )
