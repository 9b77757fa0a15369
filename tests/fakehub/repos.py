"""Repositories of the fake Hub: commits, branches, tags, PR refs, LFS files, access rules."""

from __future__ import annotations

import fnmatch
import hashlib
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .content import Content, as_content

# What a typical .gitattributes sends to LFS (the Hub's default list, shortened).
DEFAULT_LFS_PATTERNS = (
    "*.safetensors",
    "*.bin",
    "*.gguf",
    "*.parquet",
    "*.pth",
    "*.pt",
    "*.msgpack",
    "*.h5",
    "*.onnx",
    "*.model",
    "*.pte",
    "*.ckpt",
    "*.arrow",
    "*.zip",
    "*.npy",
)

_counter = itertools.count(1)


@dataclass
class RepoFile:
    path: str
    content: Content
    lfs: bool

    @property
    def size(self) -> int:
        return self.content.size

    @property
    def sha256(self) -> str:
        return self.content.sha256

    @property
    def pointer(self) -> bytes:
        return (f"version https://git-lfs.github.com/spec/v1\noid sha256:{self.sha256}\nsize {self.size}\n").encode()

    @property
    def oid(self) -> str:
        """The git blob id: of the content for regular files, of the pointer for LFS files."""
        if self.lfs:
            data = self.pointer
            return hashlib.sha1(b"blob %d\x00" % len(data) + data, usedforsecurity=False).hexdigest()
        return self.content.git_sha1

    def tree_entry(self) -> dict:
        entry = {"type": "file", "oid": self.oid, "size": self.size, "path": self.path}
        if self.lfs:
            entry["lfs"] = {"oid": self.sha256, "size": self.size, "pointerSize": len(self.pointer)}
        return entry

    def sibling(self, blobs: bool) -> dict:
        entry: dict = {"rfilename": self.path}
        if blobs:
            entry.update(size=self.size, blobId=self.oid)
            if self.lfs:
                entry["lfs"] = {"sha256": self.sha256, "size": self.size, "pointerSize": len(self.pointer)}
        return entry


@dataclass
class Commit:
    sha: str
    files: dict[str, RepoFile]
    title: str = "commit"


@dataclass
class FakeRepo:
    """One repo. Build it with `FakeHub.add_repo`, then add branches, tags and PRs as needed."""

    repo_id: str
    repo_type: str = "model"  # "model" or "dataset"
    private: bool = False
    gated: bool | str = False  # False, "auto" or "manual"
    lfs_rule: Callable[[str], bool] | None = None
    commits: dict[str, Commit] = field(default_factory=dict)
    branches: dict[str, str] = field(default_factory=dict)  # name -> sha
    tags: dict[str, str] = field(default_factory=dict)
    other_refs: dict[str, str] = field(default_factory=dict)  # refs/pr/N, refs/convert/parquet
    readers: set[str] = field(default_factory=set)  # tokens that may read a private repo
    approved: set[str] = field(default_factory=set)  # tokens approved for a gated repo

    # Building ------------------------------------------------------------------------------------

    def _is_lfs(self, path: str, lfs: Iterable[str] | bool | None) -> bool:
        if isinstance(lfs, bool):
            return lfs
        if lfs is not None:
            return path in set(lfs)
        if self.lfs_rule is not None:
            return self.lfs_rule(path)
        return any(fnmatch.fnmatchcase(path.rsplit("/", 1)[-1], p) for p in DEFAULT_LFS_PATTERNS)

    def commit(
        self,
        files: dict[str, bytes | str | Content],
        *,
        branch: str | None = "main",
        lfs: Iterable[str] | bool | None = None,
        ref: str | None = None,
        title: str = "commit",
    ) -> str:
        """Record a commit holding exactly `files`; move `branch` (or the raw `ref`) to it."""
        lfs_list = list(lfs) if lfs is not None and not isinstance(lfs, bool) else lfs
        entries = {
            path: RepoFile(path, as_content(value), self._is_lfs(path, lfs_list)) for path, value in files.items()
        }
        seed = f"{self.repo_id}|{next(_counter)}|" + "|".join(f"{p}:{f.oid}" for p, f in sorted(entries.items()))
        sha = hashlib.sha1(seed.encode(), usedforsecurity=False).hexdigest()
        self.commits[sha] = Commit(sha, entries, title)
        if ref is not None:
            self.other_refs[ref] = sha
        elif branch is not None:
            self.branches[branch] = sha
        return sha

    def tag(self, name: str, sha: str | None = None) -> str:
        self.tags[name] = sha or self.branches["main"]
        return self.tags[name]

    def pull_request(self, number: int, files: dict[str, bytes | str | Content], **kwargs) -> str:
        return self.commit(files, ref=f"refs/pr/{number}", **kwargs)

    # Reading -------------------------------------------------------------------------------------

    @property
    def sha(self) -> str:
        return self.branches["main"]

    def resolve(self, revision: str) -> Commit | None:
        for table in (self.branches, self.tags, self.other_refs):
            if revision in table:
                return self.commits[table[revision]]
        if revision in self.commits:
            return self.commits[revision]
        return None

    def files(self, revision: str = "main") -> dict[str, RepoFile]:
        commit = self.resolve(revision)
        return commit.files if commit else {}

    def tree(self, commit: Commit, path: str = "", recursive: bool = False) -> list[dict] | None:
        """Tree entries under `path` (None when the path does not exist), directories first."""
        base = path.strip("/")
        prefix = f"{base}/" if base else ""
        if base and base in commit.files:
            return [commit.files[base].tree_entry()]
        dirs: set[str] = set()
        files: list[dict] = []
        for file_path, repo_file in sorted(commit.files.items()):
            if not file_path.startswith(prefix):
                continue
            rest = file_path[len(prefix) :]
            parts = rest.split("/")
            for depth in range(1, len(parts)):
                if recursive or depth == 1:
                    dirs.add(prefix + "/".join(parts[:depth]))
            if recursive or len(parts) == 1:
                files.append(repo_file.tree_entry())
        if base and not files and not dirs:
            return None
        tree_dirs = [
            {
                "type": "directory",
                "oid": hashlib.sha1(d.encode(), usedforsecurity=False).hexdigest(),
                "size": 0,
                "path": d,
            }
            for d in sorted(dirs)
        ]
        return tree_dirs + files

    def info(self, commit: Commit, *, blobs: bool, hub_url: str) -> dict:
        author = self.repo_id.split("/")[0] if "/" in self.repo_id else None
        info = {
            "_id": hashlib.md5(self.repo_id.encode(), usedforsecurity=False).hexdigest()[:24],
            "id": self.repo_id,
            "author": author,
            "sha": commit.sha,
            "lastModified": "2024-05-01T12:00:00.000Z",
            "createdAt": "2024-01-01T12:00:00.000Z",
            "private": self.private,
            "gated": self.gated,
            "disabled": False,
            "downloads": 0,
            "likes": 0,
            "tags": [],
            "cardData": {},
            "siblings": [f.sibling(blobs) for _, f in sorted(commit.files.items())],
            "usedStorage": sum(f.size for f in commit.files.values()),
        }
        if self.repo_type == "model":
            info["modelId"] = self.repo_id
            info["library_name"] = "transformers"
        else:
            info["description"] = ""
            info["citation"] = ""
        return info

    def refs(self, include_prs: bool) -> dict:
        def ref_list(table: dict[str, str], kind: str) -> list[dict]:
            return [{"name": n, "ref": f"refs/{kind}/{n}", "targetCommit": s} for n, s in sorted(table.items())]

        out = {
            "branches": ref_list(self.branches, "heads"),
            "tags": ref_list(self.tags, "tags"),
            "converts": [
                {"name": r.split("/")[-1], "ref": r, "targetCommit": s}
                for r, s in self.other_refs.items()
                if r.startswith("refs/convert/")
            ],
        }
        if include_prs:
            out["pullRequests"] = [
                {"name": r.split("/")[-1], "ref": r, "targetCommit": s}
                for r, s in self.other_refs.items()
                if r.startswith("refs/pr/")
            ]
        return out
