"""Destination keys: folder prefixes, Hub layouts, and the `name (1).ext` renames of the conflict policy."""

from __future__ import annotations

import posixpath

from odh_tec.errors import BadRequest


def folder(prefix: str | None) -> str:
    """'' for the root, else the prefix without a leading '/' and with exactly one trailing '/'."""
    cleaned = (prefix or "").replace("\\", "/").lstrip("/")
    while "//" in cleaned:
        cleaned = cleaned.replace("//", "/")
    if not cleaned:
        return ""
    if any(part == ".." for part in cleaned.split("/")):
        raise BadRequest("Prefixes cannot contain '..' segments", code="InvalidKey")
    return cleaned if cleaned.endswith("/") else cleaned + "/"


def hf_base(prefix: str | None, repo_id: str, repo_folder: bool = True) -> str:
    """Where a repo lands: `<prefix>/<repo id>/` (or `<prefix>/` without the repo folder)."""
    base = folder(prefix)
    return base + repo_id.strip("/") + "/" if repo_folder else base


def basename(key: str) -> str:
    return key.rstrip("/").rsplit("/", 1)[-1]


def renamed(key: str, n: int) -> str:
    """`dir/model.safetensors` → `dir/model (n).safetensors`; `dir/.env` → `dir/.env (n)`."""
    directory, name = posixpath.split(key)
    stem, ext = posixpath.splitext(name)
    if not stem:  # dot-files have no extension
        stem, ext = name, ""
    new = f"{stem} ({n}){ext}"
    return f"{directory}/{new}" if directory else new
