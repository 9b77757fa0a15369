"""Named S3 connections as files hold them.

Two files, two owners:

- `S3_CONNECTIONS_FILE` (YAML or JSON), written by whoever deploys the app (a mounted Secret): read at
  start, never written, and its connections are read-only in the UI;
- `<data dir>/s3-connections.json`, the connections added on the Settings page: mode 0600 (it holds
  their secret keys, like the embedded S3's credentials.json beside it), replaced atomically on each
  change so that a crash leaves the old file or the new one, never half of one.

Both hold a list of connections, or `{"connections": [...]}`; docs/connections.md shows the format.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from odh_tec.config import DEFAULT_REGION, S3Settings
from odh_tec.errors import ApiError
from odh_tec.storage.s3.connection import DEFAULT_CONNECTION

# A connection's name goes into location ids (`s3:NAME@BUCKET`) and CLI URLs (`s3://NAME@BUCKET/…`):
# no '@', ':' or '/', so that they split one way only.
NAME_PATTERN = r"^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$"
MAX_CONNECTIONS = 50  # named ones, file and Settings together
MAX_FILE_BYTES = 1 << 20
SAVED_FILE = "s3-connections.json"

Source = Literal["env", "file", "settings"]


class InvalidConnectionsFile(ApiError):
    """A connections file that cannot be read: the app does not start (a silent skip would hide a
    connection, and a later save would overwrite the Settings file)."""

    status, code = 500, "InvalidConnectionsFile"


def url_problem(value: str) -> str | None:
    """Why `value` is not an S3 endpoint URL, or None ('' is AWS S3's own endpoint)."""
    if not value:
        return None
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises on a port out of range
    except ValueError:
        return "The endpoint is not a valid URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "The endpoint must be an http:// or https:// URL"
    if parts.username or parts.password:
        return "The endpoint must not carry credentials: use the access key and secret fields"
    return None


class ConnectionValues(BaseModel):
    """What may be set on a connection, every field bounded; None: not given (a default, or kept)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    endpoint: str | None = Field(None, max_length=2048)  # '': AWS S3
    region: str | None = Field(None, max_length=64, pattern=r"^[A-Za-z0-9-]*$")
    access_key_id: str | None = Field(None, max_length=256)
    secret_access_key: str | None = Field(None, max_length=512)
    default_bucket: str | None = Field(None, max_length=63)

    @field_validator("endpoint")
    @classmethod
    def _endpoint(cls, value: str | None) -> str | None:
        problem = url_problem(value) if value else None
        if problem:
            raise ValueError(problem)
        return value.rstrip("/") if value else value

    @field_validator("default_bucket")
    @classmethod
    def _bucket(cls, value: str | None) -> str | None:
        from odh_tec.api.buckets import bucket_name_problem

        problem = bucket_name_problem(value) if value else None
        if problem:
            raise ValueError(problem)
        return value


class NamedConnectionValues(ConnectionValues):
    name: str = Field(pattern=NAME_PATTERN, max_length=32)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if value == DEFAULT_CONNECTION:
            raise ValueError("'default' is the Data Connection's name (AWS_* variables): choose another")
        return value


class ConnectionFields(NamedConnectionValues):
    """One connection as a file holds it: a file may also name a CA bundle (a PEM file on this
    machine), which a request may not."""

    ca_bundle: str = Field("", max_length=4096)


@dataclass(frozen=True)
class ConnectionSpec:
    """A named connection: where it goes, with which keys, and who defined it."""

    name: str
    endpoint: str = ""
    region: str = DEFAULT_REGION
    access_key_id: str = ""
    secret_access_key: str = ""
    default_bucket: str = ""
    ca_bundle: str = ""
    source: Source = "settings"

    @classmethod
    def of(cls, fields: NamedConnectionValues, source: Source) -> ConnectionSpec:
        return cls(
            name=fields.name,
            endpoint=fields.endpoint or "",
            region=fields.region or DEFAULT_REGION,
            access_key_id=fields.access_key_id or "",
            secret_access_key=fields.secret_access_key or "",
            default_bucket=fields.default_bucket or "",
            ca_bundle=getattr(fields, "ca_bundle", ""),
            source=source,
        )

    def s3_settings(self, *, connect_timeout: float, read_timeout: float) -> S3Settings:
        return S3Settings(
            endpoint=self.endpoint,
            region=self.region or DEFAULT_REGION,
            access_key_id=self.access_key_id,
            secret_access_key=self.secret_access_key,
            default_bucket=self.default_bucket,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
        )

    def to_file(self) -> dict[str, str]:
        out = {
            "name": self.name,
            "endpoint": self.endpoint,
            "region": self.region,
            "access_key_id": self.access_key_id,
            "secret_access_key": self.secret_access_key,
            "default_bucket": self.default_bucket,
        }
        if self.ca_bundle:
            out["ca_bundle"] = self.ca_bundle
        return out


def _parse(text: str, path: Path) -> Any:
    if path.suffix.lower() == ".json":
        return json.loads(text)
    import yaml  # JSON is YAML too: any other name is read as YAML

    return yaml.safe_load(text)


def read_connections(path: Path, source: Source) -> list[ConnectionSpec]:
    """The connections of `path` (a missing Settings file is none); raises InvalidConnectionsFile."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InvalidConnectionsFile(f"{path}: larger than {MAX_FILE_BYTES} bytes")
        data = _parse(path.read_text(encoding="utf-8"), path)
    except FileNotFoundError:
        if source == "settings":
            return []
        raise InvalidConnectionsFile(f"{path}: no such file (S3_CONNECTIONS_FILE)") from None
    except InvalidConnectionsFile:
        raise
    except Exception as exc:  # OSError, UnicodeError, JSON or YAML syntax
        # The parser's message quotes the file's text, which may hold a secret: only its kind is said.
        raise InvalidConnectionsFile(f"{path}: cannot be read ({type(exc).__name__})") from None
    if isinstance(data, dict):
        data = data.get("connections")
    if data is None:
        return []
    if not isinstance(data, list):
        raise InvalidConnectionsFile(f"{path}: expected a list of connections, or {{connections: [...]}}")
    if len(data) > MAX_CONNECTIONS:
        raise InvalidConnectionsFile(f"{path}: {len(data)} connections, more than {MAX_CONNECTIONS}")
    specs: list[ConnectionSpec] = []
    seen: set[str] = set()
    for index, entry in enumerate(data):
        try:
            fields = ConnectionFields.model_validate(entry)
        except ValidationError as exc:
            # Field names and reasons only: pydantic's own text quotes the input (a secret, maybe).
            reasons = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'entry'}: {e['msg']}" for e in exc.errors())
            raise InvalidConnectionsFile(f"{path}: connection #{index + 1}: {reasons}") from None
        if fields.name in seen:
            raise InvalidConnectionsFile(f"{path}: the connection name '{fields.name}' appears twice")
        seen.add(fields.name)
        specs.append(ConnectionSpec.of(fields, source))
    return specs


def saved_path(data_dir: Path) -> Path:
    return data_dir / SAVED_FILE


def write_connections(path: Path, specs: list[ConnectionSpec]) -> None:
    """Replace `path` with `specs`, mode 0600, atomically (a temporary file, fsync, rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"connections": [s.to_file() for s in specs]}, indent=2) + "\n"
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # also when an earlier temporary file was left with looser bits
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # the rename itself survives a crash
    finally:
        os.close(directory)
