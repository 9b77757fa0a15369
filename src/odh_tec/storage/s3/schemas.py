"""The JSON shapes of `/api/connections`: a connection as the API shows it, never with its secret."""

from __future__ import annotations

from typing import Literal

from typing_extensions import TypedDict


class ConnectionView(TypedDict):
    name: str  # `default`: the Data Connection (AWS_*) or the embedded S3
    endpoint: str  # '': AWS S3
    region: str
    access_key_id: str
    default_bucket: str
    source: Literal["env", "file", "settings"]  # the environment, S3_CONNECTIONS_FILE, the Settings page
    has_secret: bool  # a secret key is stored (it is never sent back)
    editable: bool  # only the Settings page's own connections: the others change where they are defined


class ConnectionList(TypedDict):
    connections: list[ConnectionView]  # the default connection first
    max_connections: int  # how many named connections may be defined


class ConnectionDeleted(TypedDict):
    name: str
