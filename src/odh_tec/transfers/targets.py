"""How the CLI spells locations: `s3://BUCKET/PREFIX` (the default connection), `s3://NAME@BUCKET/PREFIX`
(a named S3 connection: S3_CONNECTIONS_FILE, or one saved on the Settings page), `local://LOCATION/PATH`
(a folder named in LOCAL_STORAGE_PATHS), or a plain path (`/tmp/x`, `./dir`, `~/dir`, or any relative path that exists).

A plain path becomes an ad-hoc local location rooted at the folder that holds it (its parent, or `/`;
for a destination that does not exist yet, its nearest existing ancestor), and the key is the rest of
the path. The local storage's checks then apply as for any location: no `..`, and no symbolic link
inside a copied folder leads outside that root. The named path itself is resolved first, so a link
given on the command line is followed, as `cp` does.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


class TargetError(ValueError):
    pass


@dataclass(frozen=True)
class Target:
    location_id: str  # "s3:bucket", "s3:connection@bucket" or "local:name"
    path: str  # key or prefix inside it ("" = the root)
    root: str | None = None  # a plain path: the folder its ad-hoc local location is rooted at

    @property
    def is_folder(self) -> bool:
        return self.path == "" or self.path.endswith("/")

    @property
    def is_s3(self) -> bool:
        return self.location_id.startswith("s3:")

    @property
    def location_name(self) -> str:
        return self.location_id.partition(":")[2]

    def __str__(self) -> str:
        if self.root is not None:
            return os.path.join(self.root, self.path)
        kind, _, name = self.location_id.partition(":")
        return f"{kind}://{name}/{self.path}"


def parse_target(text: str) -> Target:
    for scheme, kind in (("s3://", "s3"), ("local://", "local")):
        if text.startswith(scheme):
            name, _, path = text[len(scheme) :].partition("/")
            if not name or (kind == "s3" and name.endswith("@")):
                raise TargetError(f"'{text}': the {'bucket' if kind == 's3' else 'location'} name is missing")
            return Target(f"{kind}:{name}", path)
    if "://" not in text and _is_plain_path(text):
        return _plain_path(text)
    raise TargetError(
        f"'{text}': expected s3://BUCKET/PATH, s3://CONNECTION@BUCKET/PATH, local://LOCATION/PATH or a path "
        f"(/absolute, ./relative or ~/home; write ./{text} for a new local path)"
    )


def _is_plain_path(text: str) -> bool:
    if not text or "\x00" in text:
        return False
    if text.startswith(("/", "./", "../", "~")) or text in (".", ".."):
        return True
    # A bare relative name ("data/x.bin") is a path when it exists; otherwise it may be a mistyped
    # URL ("bucket/key"): the error says how to write either.
    return os.path.lexists(text)


def _plain_path(text: str) -> Target:
    wants_folder = text.endswith(("/", "/.", "/..")) or text in (".", "..")
    path = os.path.abspath(os.path.expanduser(text))
    if os.path.lexists(path):
        real = os.path.realpath(path)
        if real == os.sep:
            return _local(os.sep, "")
        root, name = os.path.split(real)
        return _local(root, name + "/" if (wants_folder or os.path.isdir(real)) else name)
    # Not there yet (a destination): rooted at the nearest folder that exists.
    missing: list[str] = []
    ancestor = path
    while not os.path.lexists(ancestor):
        ancestor, tail = os.path.split(ancestor)
        missing.insert(0, tail)
    root = os.path.realpath(ancestor)
    if not os.path.isdir(root):
        raise TargetError(f"'{text}': '{ancestor}' is not a folder")
    return _local(root, "/".join(missing) + ("/" if wants_folder else ""))


def _local(root: str, key: str) -> Target:
    return Target(f"local:{root}", key, root)
