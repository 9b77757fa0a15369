"""Every S3 connection of the app: the default one and any number of named ones.

The default connection is the Data Connection (`AWS_*`), or the embedded S3: its locations are
`s3:BUCKET`, as they always were. A named connection comes from `S3_CONNECTIONS_FILE` (read-only) or
from the Settings page (saved to `<data dir>/s3-connections.json`); its locations are
`s3:NAME@BUCKET`. Each connection is one `S3Connection` object, built once and kept: `S3Storage`
copies server-side only between buckets of the same object, so two connections never share one,
and an edit changes the object's settings (its client is rebuilt at the next request) rather than
replacing it under the transfers that use it. A removed connection is closed at shutdown, after the
transfers still holding it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path

from odh_tec.config import Config, RuntimeSettings, S3Settings
from odh_tec.errors import ApiError, NotFound
from odh_tec.storage.s3.connection import DEFAULT_CONNECTION, S3Connection
from odh_tec.storage.s3.connections_file import (
    MAX_CONNECTIONS,
    ConnectionSpec,
    read_connections,
    saved_path,
    write_connections,
)
from odh_tec.storage.s3.multipart import UploadJournal

log = logging.getLogger(__name__)


class NoSuchConnection(NotFound):
    code = "NoSuchConnection"


class ConnectionConflict(ApiError):
    """The name is taken, the connection is read-only (from the file), or the cap is reached."""

    status, code = 409, "ConnectionExists"


class S3Connections:
    def __init__(
        self,
        settings: RuntimeSettings,
        default: S3Connection,
        *,
        specs: Sequence[ConnectionSpec] = (),
        saved: Path | None = None,
        ca_dir: Path | None = None,
    ):
        self.settings = settings
        self.default = default
        self.saved = saved  # None: changes are not persisted (no data dir: tests of the registry)
        self.ca_dir = ca_dir
        self._specs: dict[str, ConnectionSpec] = {}
        self._named: dict[str, S3Connection] = {}
        self._retired: list[S3Connection] = []
        self._journal: UploadJournal | None = None
        self._lock = asyncio.Lock()
        for spec in specs:
            self._build(spec)

    @classmethod
    def from_config(cls, config: Config, settings: RuntimeSettings, default: S3Connection) -> S3Connections:
        """The file's connections, then those saved from the Settings page (a name the file also has
        is the file's: the administrator's definition wins, and the saved one is left out)."""
        specs = read_connections(Path(config.s3_connections_file), "file") if config.s3_connections_file else []
        names = {s.name for s in specs}
        saved = saved_path(config.data_dir)
        for spec in read_connections(saved, "settings"):
            if spec.name in names:
                log.warning("S3 connection '%s' of %s is in S3_CONNECTIONS_FILE too: the file's wins", spec.name, saved)
                continue
            specs.append(spec)
            names.add(spec.name)
        return cls(settings, default, specs=specs, saved=saved, ca_dir=default.ca_dir)

    # Reading -------------------------------------------------------------------------------------

    def get(self, name: str) -> S3Connection:
        if name == DEFAULT_CONNECTION:
            return self.default
        found = self._named.get(name)
        if found is None:
            raise NoSuchConnection(f"No S3 connection named '{name}'")
        return found

    def spec(self, name: str) -> ConnectionSpec:
        """A named connection's definition (secret included: for the server's own use)."""
        if name == DEFAULT_CONNECTION:
            raise ConnectionConflict(
                "The default connection comes from the AWS_* variables: change it in the S3 settings",
                code="ConnectionReadOnly",
            )
        found = self._specs.get(name)
        if found is None:
            raise NoSuchConnection(f"No S3 connection named '{name}'")
        return found

    def specs(self) -> list[ConnectionSpec]:
        return list(self._specs.values())

    def all(self) -> list[S3Connection]:
        """The default connection first, then the named ones in the order they were defined."""
        return [self.default, *self._named.values()]

    @property
    def journal(self) -> UploadJournal | None:
        return self._journal

    @journal.setter
    def journal(self, journal: UploadJournal | None) -> None:
        """The multipart journal, for every connection, those added later included."""
        self._journal = journal
        for connection in self.all():
            connection.journal = journal

    # Changes (the Settings page) ------------------------------------------------------------------

    async def add(self, spec: ConnectionSpec) -> None:
        async with self._lock:
            if spec.name == DEFAULT_CONNECTION or spec.name in self._specs:
                raise ConnectionConflict(f"An S3 connection named '{spec.name}' exists already")
            if len(self._specs) >= MAX_CONNECTIONS:
                raise ConnectionConflict(
                    f"At most {MAX_CONNECTIONS} S3 connections can be defined", code="TooManyConnections"
                )
            await self._save([*self._settings_specs(), spec])
            self._build(spec)

    async def replace(self, spec: ConnectionSpec) -> None:
        async with self._lock:
            self._editable(spec.name)
            await self._save([spec if s.name == spec.name else s for s in self._settings_specs()])
            self._specs[spec.name] = spec
            self._named[spec.name].s3 = self._s3_settings(spec)

    async def remove(self, name: str) -> None:
        async with self._lock:
            self._editable(name)
            await self._save([s for s in self._settings_specs() if s.name != name])
            del self._specs[name]
            # Transfers may still hold it: closed at shutdown, not now.
            self._retired.append(self._named.pop(name))

    def _editable(self, name: str) -> None:
        if self.spec(name).source != "settings":
            raise ConnectionConflict(
                f"The S3 connection '{name}' comes from S3_CONNECTIONS_FILE: change it there",
                code="ConnectionReadOnly",
            )

    def _settings_specs(self) -> list[ConnectionSpec]:
        return [s for s in self._specs.values() if s.source == "settings"]

    async def _save(self, specs: list[ConnectionSpec]) -> None:
        """Written before the change is applied: a disk that refuses leaves the app as it was."""
        if self.saved is not None:
            await asyncio.to_thread(write_connections, self.saved, specs)

    def _s3_settings(self, spec: ConnectionSpec) -> S3Settings:
        s3 = self.default.s3
        return spec.s3_settings(connect_timeout=s3.connect_timeout, read_timeout=s3.read_timeout)

    def _build(self, spec: ConnectionSpec) -> None:
        # Its own CA directory: the combined bundle file botocore reads differs per connection.
        ca_dir = self.ca_dir / "connections" / spec.name if self.ca_dir is not None else None
        connection = S3Connection(
            self.settings, ca_dir, name=spec.name, s3=self._s3_settings(spec), ca_bundle=spec.ca_bundle
        )
        connection.journal = self._journal
        self._specs[spec.name] = spec
        self._named[spec.name] = connection

    # Life cycle ---------------------------------------------------------------------------------------

    async def sweep_uploads(self) -> int:
        """After a restart: each connection aborts the multipart uploads the app left open at its
        endpoint (the journal is keyed by endpoint). One that fails (its S3 is down) does not keep the
        others from sweeping; its uploads stay journaled for the next start."""
        aborted = 0
        for connection in self.all():
            try:
                aborted += await connection.sweep_uploads()
            except Exception as exc:
                log.warning("could not sweep open multipart uploads of S3 connection '%s': %s", connection.name, exc)
        return aborted

    async def close(self) -> None:
        for connection in [*self._named.values(), *self._retired]:
            await connection.close()
        await self.default.close()
