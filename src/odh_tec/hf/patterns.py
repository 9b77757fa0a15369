"""Include/exclude globs with `huggingface_hub` semantics, so patterns users know behave the same.

fnmatch, case-sensitive, where `*` also crosses `/` (`data/*.json` matches `data/a/b.json`), and a
pattern ending with `/` means everything under that folder.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

_GLOB_CHARS = set("*?[")


def _normalise(pattern: str) -> str:
    pattern = pattern.strip().lstrip("/")
    return pattern + "*" if pattern.endswith("/") else pattern


def is_literal(pattern: str) -> bool:
    return not (_GLOB_CHARS & set(pattern)) and not pattern.strip().endswith("/")


def selected(path: str, include: list[str] | None, exclude: list[str] | None) -> bool:
    includes = [_normalise(p) for p in include or [] if p.strip()]
    excludes = [_normalise(p) for p in exclude or [] if p.strip()]
    if includes and not any(fnmatchcase(path, p) for p in includes):
        return False
    return not any(fnmatchcase(path, p) for p in excludes)


def unmatched_literals(paths: list[str], include: list[str] | None) -> list[str]:
    """Plain file names in `include` that name no file: most likely a typo worth reporting."""
    present = set(paths)
    return [
        p.strip().lstrip("/")
        for p in include or []
        if p.strip() and is_literal(p) and p.strip().lstrip("/") not in present
    ]
