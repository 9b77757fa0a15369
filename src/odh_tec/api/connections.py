"""Named S3 connections: list, add, edit, delete and test (docs/connections.md).

Secrets are write-only, as on the rest of the Settings page: an answer says `has_secret`, never the
key. A connection's stored secret goes only to that connection's endpoint (`netguard.secret_for`):
an edit that moves it to another origin drops the secret unless a new one comes with it, and a test
of unsaved values at another endpoint sends only the keys sent with the test. Endpoints from a request
are checked by `netguard` (no link-local or cloud metadata addresses).
"""

from __future__ import annotations

import dataclasses
from typing import Literal

from fastapi import APIRouter, Body, Request

from odh_tec.api.deps import ServicesDep
from odh_tec.api.settings import S3TestResult
from odh_tec.errors import ApiError
from odh_tec.netguard import check_endpoint, secret_for
from odh_tec.security.audit import audit_details
from odh_tec.services import Services
from odh_tec.storage.s3.connection import DEFAULT_CONNECTION, S3Connection
from odh_tec.storage.s3.connections_file import (
    MAX_CONNECTIONS,
    ConnectionSpec,
    ConnectionValues,
    NamedConnectionValues,
)
from odh_tec.storage.s3.probe import probe_s3
from odh_tec.storage.s3.schemas import ConnectionDeleted, ConnectionList, ConnectionView

router = APIRouter(prefix="/connections", tags=["connections"])


def _view(connection: S3Connection, source: Literal["env", "file", "settings"]) -> ConnectionView:
    s3 = connection.s3
    return {
        "name": connection.name,
        "endpoint": s3.endpoint,
        "region": s3.region,
        "access_key_id": s3.access_key_id,
        "default_bucket": s3.default_bucket,
        "source": source,
        "has_secret": bool(s3.secret_access_key),
        "editable": source == "settings",
    }


def _named_view(services: Services, name: str) -> ConnectionView:
    return _view(services.connections.get(name), services.connections.spec(name).source)


def _merged(current: ConnectionSpec, update: ConnectionValues) -> ConnectionSpec:
    """`current` with what the update sets; the stored secret follows only its own endpoint."""
    changes = {k: v for k, v in update.model_dump().items() if v is not None}
    spec = dataclasses.replace(current, **changes)
    if update.endpoint is not None:
        secret = secret_for(
            spec.endpoint,
            saved_endpoint=current.endpoint,
            stored=current.secret_access_key,
            sent=update.secret_access_key,
        )
        spec = dataclasses.replace(spec, secret_access_key=secret)
    return spec


@router.get("", response_model=ConnectionList)
async def list_connections(services: ServicesDep) -> dict:
    registry = services.connections
    views = [_view(registry.default, "env")]
    views += [_view(registry.get(spec.name), spec.source) for spec in registry.specs()]
    return {"connections": views, "max_connections": MAX_CONNECTIONS}


@router.post("", status_code=201, response_model=ConnectionView)
async def add_connection(request: Request, body: NamedConnectionValues, services: ServicesDep) -> dict:
    audit_details(request, connection=body.name)  # the name only: a body is never logged
    spec = ConnectionSpec.of(body, "settings")
    await check_endpoint(spec.endpoint, saved="", proxy=services.settings.proxy)
    await services.connections.add(spec)
    return dict(_named_view(services, spec.name))


@router.put("/{name}", response_model=ConnectionView)
async def edit_connection(request: Request, name: str, body: ConnectionValues, services: ServicesDep) -> dict:
    audit_details(request, connection=name)
    current = services.connections.spec(name)
    spec = _merged(current, body)
    await check_endpoint(spec.endpoint, saved=current.endpoint, proxy=services.settings.proxy)
    await services.connections.replace(spec)
    return dict(_named_view(services, name))


@router.delete("/{name}", response_model=ConnectionDeleted)
async def delete_connection(request: Request, name: str, services: ServicesDep) -> dict:
    audit_details(request, connection=name)
    await services.connections.remove(name)
    return {"name": name}


@router.post("/{name}/test", response_model=S3TestResult, response_model_exclude_unset=True)
async def test_connection(name: str, services: ServicesDep, body: ConnectionValues | None = Body(None)) -> S3TestResult:
    """Can this connection list buckets (or reach its default bucket)? With a body, its unsaved
    values are tried instead (nothing is saved). The default connection is tried as it is."""
    connection = services.connections.get(name)
    stored = connection.s3
    candidate = stored
    if body is not None and name != DEFAULT_CONNECTION:
        current = services.connections.spec(name)
        candidate = _merged(current, body).s3_settings(
            connect_timeout=stored.connect_timeout, read_timeout=stored.read_timeout
        )
    # The probe sends stored keys only to the endpoint of `settings.s3`: this connection's own.
    bundles = services.settings.ca_bundles + ([connection.ca_bundle] if connection.ca_bundle else [])
    settings = dataclasses.replace(services.settings, s3=stored, ca_bundles=bundles)
    sent = (body.access_key_id or "", body.secret_access_key or "") if body is not None else ("", "")
    ca_dir = connection.ca_dir or services.config.data_dir / "ca"
    found = await probe_s3(settings, candidate, sent_keys=sent, ca_dir=ca_dir)
    if isinstance(found, ApiError):
        return S3TestResult.failed(found)
    return S3TestResult(ok=True, message=found.message, buckets=found.buckets)
