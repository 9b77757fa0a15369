"""What a caller asks for: an import from the Hub, a copy/move between locations, a sync of two folders,
or a ModelCar (a folder or a Hub repo packaged as an OCI image and pushed to a registry)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

CONFLICT_POLICIES = ("skip", "overwrite", "rename")


@dataclass
class HFImportSpec:
    repo_id: str
    location_id: str
    prefix: str = ""
    repo_type: str = "model"
    revision: str = "main"
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    token: str | None = None  # None: the configured token
    repo_folder: bool = True  # files land under <prefix>/<repo id>/ (False: directly under <prefix>/)
    limit_rate: int | None = None  # bytes/s for this job alone, on top of the global limit

    def public_source(self) -> dict:
        return {
            "repo_id": self.repo_id,
            "repo_type": self.repo_type,
            "revision": self.revision,
            "include": list(self.include),
            "exclude": list(self.exclude),
            "token_provided": bool(self.token),
        }

    def public_destination(self) -> dict:
        return {"location_id": self.location_id, "prefix": self.prefix, "repo_folder": self.repo_folder}

    def stored(self) -> dict:
        """What the job store keeps to resume the import: everything but the token. A token given for
        this import only is never written to disk; a resumed import uses the configured one."""
        return {k: v for k, v in asdict(self).items() if k != "token"}


@dataclass
class CopySpec:
    source_location: str
    destination_location: str
    kind: str = "copy"  # or "move"
    keys: list[str] = field(default_factory=list)
    prefixes: list[str] = field(default_factory=list)
    prefix: str = ""  # destination folder
    key: str | None = None  # exact destination key, for a single source file
    conflict: str = "skip"
    limit_rate: int | None = None  # bytes/s for this job alone, on top of the global limit

    def public_source(self) -> dict:
        return {"location_id": self.source_location, "keys": list(self.keys), "prefixes": list(self.prefixes)}

    def public_destination(self) -> dict:
        out = {"location_id": self.destination_location, "prefix": self.prefix}
        if self.key:
            out["key"] = self.key
        return out

    def stored(self) -> dict:
        return asdict(self)


@dataclass
class SyncSpec:
    """Make the folder `destination_prefix` of one location look like `source_prefix` of another."""

    source_location: str
    source_prefix: str
    destination_location: str
    destination_prefix: str
    delete: bool = False  # also delete destination files the source does not have
    include: list[str] = field(default_factory=list)  # globs of hf/patterns.py, relative to the folders
    exclude: list[str] = field(default_factory=list)
    limit_rate: int | None = None  # bytes/s for this job alone, on top of the global limit

    def public_source(self) -> dict:
        return {
            "location_id": self.source_location,
            "prefix": self.source_prefix,
            "include": list(self.include),
            "exclude": list(self.exclude),
        }

    def public_destination(self) -> dict:
        return {"location_id": self.destination_location, "prefix": self.destination_prefix}

    def stored(self) -> dict:
        return asdict(self)


@dataclass
class ModelCarSpec:
    """Package a folder of a location, or a Hub repo, as a KServe ModelCar image pushed to `image`."""

    image: str  # registry/repository:tag
    source_location: str = ""  # a folder source: the location and its folder...
    source_prefix: str = ""
    repo_id: str = ""  # ...or a Hub repo
    repo_type: str = "model"
    revision: str = "main"
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    token: str | None = None  # Hub token for this job only; None: the configured one (never stored)
    base: str = ""  # "": the configured MODELCAR_BASE_IMAGE; "scratch": no base image
    models_dir: str = "/models"
    limit_rate: int | None = None  # bytes/s for this job alone, on top of the global limit

    @property
    def from_hub(self) -> bool:
        return bool(self.repo_id)

    def public_source(self) -> dict:
        out: dict = {"include": list(self.include), "exclude": list(self.exclude)}
        if self.from_hub:
            out |= {
                "repo_id": self.repo_id,
                "repo_type": self.repo_type,
                "revision": self.revision,
                "token_provided": bool(self.token),
            }
        else:
            out |= {"location_id": self.source_location, "prefix": self.source_prefix}
        return out

    def public_destination(self) -> dict:
        # No location: the registry is the destination ('' keeps the shape every job's destination has).
        return {"location_id": "", "prefix": "", "image": self.image, "base": self.base, "models_dir": self.models_dir}

    def hub_spec(self) -> HFImportSpec:
        return HFImportSpec(
            repo_id=self.repo_id,
            location_id="",
            repo_type=self.repo_type,
            revision=self.revision,
            include=list(self.include),
            exclude=list(self.exclude),
            token=self.token,
        )

    def stored(self) -> dict:
        """Everything but the token (as for an import: a resumed job uses the configured one)."""
        return {k: v for k, v in asdict(self).items() if k != "token"}
