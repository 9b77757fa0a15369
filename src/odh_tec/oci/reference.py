"""Image references as podman spells them: `[registry[:port]/]repository[:tag][@sha256:…]`.

No registry part means Docker Hub, as for podman with its default search registry: `busybox` is
`docker.io/library/busybox:latest`. The special name `scratch` means no base image at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from odh_tec.oci.errors import InvalidImageReference

DOCKER_HUB = "docker.io"
DOCKER_HUB_API = "registry-1.docker.io"
MAX_REFERENCE = 512
# The distribution spec's grammar, lower-case path components separated by / (docs: reference.go).
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_REPOSITORY = re.compile(rf"^{_COMPONENT}(?:/{_COMPONENT})*$")
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_DIGEST = re.compile(r"^sha256:[a-f0-9]{64}$")
_HOST = re.compile(r"^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$")


@dataclass(frozen=True)
class ImageRef:
    registry: str  # host[:port], as written ("docker.io" for Docker Hub)
    repository: str
    tag: str | None = None
    digest: str | None = None

    @property
    def api_host(self) -> str:
        """The host that serves the API (Docker Hub's differs from its name)."""
        return DOCKER_HUB_API if self.registry == DOCKER_HUB else self.registry

    @property
    def reference(self) -> str:
        """What a manifest is fetched or pushed by: the digest if there is one, else the tag."""
        return self.digest or self.tag or "latest"

    @property
    def name(self) -> str:
        return f"{self.registry}/{self.repository}"

    def with_digest(self, digest: str) -> str:
        return f"{self.name}@{digest}"

    def __str__(self) -> str:
        out = self.name
        if self.tag:
            out += f":{self.tag}"
        if self.digest:
            out += f"@{self.digest}"
        return out


def parse_reference(text: str, *, default_tag: str | None = "latest") -> ImageRef:
    text = text.strip()
    if not text or len(text) > MAX_REFERENCE:
        raise InvalidImageReference(f"An image reference has 1 to {MAX_REFERENCE} characters")
    for scheme in ("docker://", "oci://"):
        if text.startswith(scheme):
            text = text[len(scheme) :]
    rest, _, digest = text.partition("@")
    if digest and not _DIGEST.match(digest):
        raise InvalidImageReference(f"'{digest}' is not a sha256 digest (sha256: and 64 hex digits)")
    first, slash, remainder = rest.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost" or first.startswith("[")):
        registry, path = first, remainder
        if not _HOST.match(registry):
            raise InvalidImageReference(f"'{registry}' is not a registry host[:port]")
    else:
        registry, path = DOCKER_HUB, rest
    repository, tag = path, None
    colon = path.rfind(":")
    if colon > path.rfind("/"):
        repository, tag = path[:colon], path[colon + 1 :]
        if not _TAG.match(tag):
            raise InvalidImageReference(f"'{tag}' is not a valid tag (letters, digits, '_', '.', '-'; 128 at most)")
    if registry == DOCKER_HUB and "/" not in repository:
        repository = f"library/{repository}"
    if not _REPOSITORY.match(repository) or len(repository) > 255:
        raise InvalidImageReference(
            f"'{repository}' is not a valid repository (lower-case letters, digits and separators '.', '_', '-', '/')"
        )
    if tag is None and not digest:
        tag = default_tag
    return ImageRef(registry, repository, tag, digest or None)
