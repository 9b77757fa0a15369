"""Registry credentials and challenges, the way podman and skopeo find and use them.

Where credentials come from, first match wins:
1. the registry credentials of the Settings page (or `MODELCAR_REGISTRY_*`), only for the registry
   host they were saved for (`netguard.secret_for`'s rule: a secret never follows a new destination);
2. an `auth.json`: `$REGISTRY_AUTH_FILE`, `$XDG_RUNTIME_DIR/containers/auth.json`,
   `~/.config/containers/auth.json`, then Docker's `~/.docker/config.json`. Keys are a host or a
   host/repository path (the longest that matches wins), as in containers-auth.json(5).

How they are used: the registry answers 401 with `WWW-Authenticate`. `Basic` gets the credentials on
the next request; `Bearer realm=…,service=…,scope=…` sends them (or nothing, anonymously) to the realm
for a token scoped to the repositories at hand, then the token to the registry.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

MAX_AUTH_FILE = 1 << 20  # an auth.json is a few KiB; a huge one is not read
DOCKER_HUB_KEYS = ("docker.io", "index.docker.io", "registry-1.docker.io", "https://index.docker.io/v1/")


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str = field(repr=False)

    def basic(self) -> str:
        return "Basic " + base64.b64encode(f"{self.username}:{self.password}".encode()).decode()


@dataclass(frozen=True)
class Challenge:
    scheme: str  # "basic" or "bearer", lower-case
    params: dict[str, str]


_PARAM = re.compile(r'\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?')


def parse_challenge(header: str) -> Challenge | None:
    """`Bearer realm="https://auth/token",service="registry",scope="repository:a/b:pull"` → its parts."""
    scheme, _, rest = header.strip().partition(" ")
    if not scheme:
        return None
    params: dict[str, str] = {}
    pos = 0
    while pos < len(rest):
        match = _PARAM.match(rest, pos)
        if not match or match.end() == pos:
            break
        quoted, bare = match.group(2), match.group(3)
        value = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else bare
        params[match.group(1).lower()] = value
        pos = match.end()
    return Challenge(scheme.lower(), params)


def auth_files(environ=os.environ) -> list[Path]:
    found = []
    if environ.get("REGISTRY_AUTH_FILE"):
        found.append(Path(environ["REGISTRY_AUTH_FILE"]))
    if environ.get("XDG_RUNTIME_DIR"):
        found.append(Path(environ["XDG_RUNTIME_DIR"]) / "containers" / "auth.json")
    home = Path(environ.get("HOME") or Path.home())
    found.append(Path(environ.get("XDG_CONFIG_HOME") or home / ".config") / "containers" / "auth.json")
    found.append(Path(environ.get("DOCKER_CONFIG") or home / ".docker") / "config.json")
    return found


def _decode(entry: object) -> Credentials | None:
    if not isinstance(entry, dict):
        return None
    encoded = entry.get("auth")
    if isinstance(encoded, str) and encoded:
        try:
            username, _, password = base64.b64decode(encoded).decode().partition(":")
        except ValueError:
            return None
        return Credentials(username, password) if username else None
    if isinstance(entry.get("username"), str) and isinstance(entry.get("password"), str):
        return Credentials(entry["username"], entry["password"])
    return None


def _keys_for(host: str, repository: str) -> list[str]:
    """The auth.json keys that apply, most specific first: host/a/b, host/a, host (and Docker Hub's aliases)."""
    hosts = list(DOCKER_HUB_KEYS) if host in DOCKER_HUB_KEYS else [host]
    parts = repository.split("/")
    keys = []
    for h in hosts[:1]:
        keys += [f"{h}/{'/'.join(parts[:n])}" for n in range(len(parts), 0, -1)]
    return keys + hosts


def from_auth_files(host: str, repository: str, environ=os.environ) -> Credentials | None:
    for path in auth_files(environ):
        try:
            if not path.is_file() or path.stat().st_size > MAX_AUTH_FILE:
                continue
            auths = json.loads(path.read_text()).get("auths") or {}
        except (OSError, ValueError, AttributeError) as exc:
            log.warning("could not read the registry auth file %s: %s", path, type(exc).__name__)
            continue
        for key in _keys_for(host, repository):
            for candidate in (key, f"https://{key}", f"http://{key}"):
                creds = _decode(auths.get(candidate))
                if creds is not None:
                    return creds
    return None
