"""The objects every request handler needs, built once per app and kept on `app.state.services`."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from odh_tec.config import Config, RuntimeSettings
from odh_tec.storage.locations import Locations
from odh_tec.storage.s3 import S3Connection
from odh_tec.storage.s3.connections import S3Connections

IDLE_AFTER_SECONDS = 600


@dataclass
class Activity:
    """What the ODH idle culler reads: busy while a transfer or an API request (an upload, a download)
    runs, or within 10 min of the last API call."""

    started: float = field(default_factory=time.time)
    last_call: float = field(default_factory=time.time)
    busy_sources: list = field(default_factory=list)  # callables returning True while work runs
    in_flight: int = 0  # API requests running now (uploads and downloads included)

    def touch(self) -> None:
        self.last_call = time.time()

    @property
    def transfers_running(self) -> bool:
        return self.in_flight > 0 or any(source() for source in self.busy_sources)

    @property
    def last_activity(self) -> float:
        return time.time() if self.transfers_running else self.last_call

    @property
    def busy(self) -> bool:
        return self.transfers_running or (time.time() - self.last_call) < IDLE_AFTER_SECONDS


@dataclass
class Services:
    config: Config
    settings: RuntimeSettings
    s3: S3Connection  # the default connection (also `connections.default`)
    connections: S3Connections  # every S3 connection, the named ones included
    locations: Locations
    activity: Activity
    embedded: Any = None  # EmbeddedS3 when we started one
    transfers: Any = None  # the transfer engine, when running


def get_services(request: Request) -> Services:
    return request.app.state.services
