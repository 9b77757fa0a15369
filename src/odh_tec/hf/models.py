"""What the importer knows about a Hub repo: the reference asked for, and the pinned file list."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote

from odh_tec.errors import BadRequest

REPO_TYPES = ("model", "dataset")
_REPO_ID = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)?$")


@dataclass(frozen=True)
class RepoRef:
    repo_id: str
    repo_type: str = "model"
    revision: str = "main"

    def __post_init__(self) -> None:
        if not _REPO_ID.match(self.repo_id) or ".." in self.repo_id:
            raise BadRequest(
                f"'{self.repo_id}' is not a Hugging Face repo id (expected 'owner/name')", code="InvalidRepoId"
            )
        if self.repo_type not in REPO_TYPES:
            raise BadRequest(f"Repo type must be one of {', '.join(REPO_TYPES)}", code="InvalidRepoType")
        if not self.revision or len(self.revision) > 256:
            raise BadRequest("A revision (branch, tag or commit) is required", code="InvalidRevision")

    @property
    def api_path(self) -> str:
        """`/api/models/org/name` — the repo's metadata root."""
        return f"/api/{self.repo_type}s/{self.repo_id}"

    def resolve_path(self, revision: str, path: str) -> str:
        """`/[datasets/]org/name/resolve/<rev>/<path>`: revisions are one encoded segment (refs%2Fpr%2F1)."""
        base = "" if self.repo_type == "model" else "datasets/"
        return f"/{base}{self.repo_id}/resolve/{quote(revision, safe='')}/{quote(path)}"


@dataclass
class HubFile:
    path: str
    size: int
    oid: str  # the git blob sha1 (of the content, or of the LFS pointer)
    lfs_sha256: str | None = None

    @property
    def is_lfs(self) -> bool:
        return self.lfs_sha256 is not None

    def to_json(self) -> dict:
        return {"path": self.path, "size": self.size, "sha256": self.lfs_sha256, "lfs": self.is_lfs}


@dataclass
class Snapshot:
    """A repo pinned at one commit, with the files selected by the include/exclude patterns."""

    ref: RepoRef
    sha: str
    files: list[HubFile]
    gated: bool | str = False
    private: bool = False
    all_files: int = 0  # before filtering
    extra: dict = field(default_factory=dict)

    @property
    def total_size(self) -> int:
        return sum(f.size for f in self.files)
