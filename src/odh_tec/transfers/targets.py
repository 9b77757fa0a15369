"""`s3://BUCKET/PREFIX` and `local://LOCATION/PATH` as the CLI spells locations."""

from __future__ import annotations

from dataclasses import dataclass


class TargetError(ValueError):
    pass


@dataclass(frozen=True)
class Target:
    location_id: str  # "s3:bucket" or "local:name"
    path: str  # key or prefix inside it ("" = the root)

    @property
    def is_folder(self) -> bool:
        return self.path == "" or self.path.endswith("/")

    def __str__(self) -> str:
        kind, _, name = self.location_id.partition(":")
        return f"{kind}://{name}/{self.path}"


def parse_target(text: str) -> Target:
    for scheme, kind in (("s3://", "s3"), ("local://", "local")):
        if text.startswith(scheme):
            name, _, path = text[len(scheme):].partition("/")
            if not name:
                raise TargetError(f"'{text}': the {'bucket' if kind == 's3' else 'location'} name is missing")
            return Target(f"{kind}:{name}", path)
    raise TargetError(f"'{text}': expected s3://BUCKET/PATH or local://LOCATION/PATH")
