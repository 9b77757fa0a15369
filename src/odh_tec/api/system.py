"""Health, idle-culler activity, disclaimer, app info and the list of storage locations."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from typing_extensions import TypedDict

from odh_tec import __version__
from odh_tec.errors import ApiError
from odh_tec.services import Services, get_services
from odh_tec.storage.schemas import ConnectionProblem, Location

router = APIRouter(tags=["system"])


class Liveness(TypedDict):
    status: Literal["alive"]


class S3Health(TypedDict):
    ok: bool  # the endpoint answers (even "access denied" counts)
    endpoint: str
    message: str


class Health(TypedDict):
    status: Literal["ok"]
    s3: S3Health


class KernelActivity(TypedDict):
    """One entry of the Jupyter-style activity list the ODH idle culler reads."""

    id: str
    name: str
    last_activity: str  # ISO 8601, UTC
    execution_state: Literal["busy", "idle"]
    connections: int


class Disclaimer(TypedDict):
    accepted: bool
    accepted_at: str | None  # ISO 8601


class Info(TypedDict):
    version: str
    embedded_s3: bool
    s3_endpoint: str
    nb_prefix: str


class LocationList(TypedDict):
    locations: list[Location]
    errors: list[ConnectionProblem]  # connections whose buckets are missing from `locations`, and why


READINESS_TIMEOUT = 3.0


@router.get("/livez", response_model=Liveness)
async def livez() -> dict:
    """Liveness: the process answers. Never touches S3 (a slow S3 must not get the pod restarted)."""
    return {"status": "alive"}


@router.get("/health", response_model=Health)
async def health(services: Services = Depends(get_services)) -> dict:
    """Readiness, and what the UI shows about S3. Always 200 while the app serves: with S3 down the
    pod must stay routable, or nobody could reach the Settings page to fix the endpoint."""
    return {"status": "ok", "s3": await _s3_answers(services)}


async def _s3_answers(services: Services) -> dict:
    endpoint = services.settings.s3.endpoint or "AWS S3"
    try:
        await asyncio.wait_for(services.s3.list_buckets(), READINESS_TIMEOUT)
    except TimeoutError:
        return {"ok": False, "endpoint": endpoint, "message": f"{endpoint} did not answer in {READINESS_TIMEOUT:.0f} s"}
    except ApiError as exc:
        # Any S3 answer, even "access denied" to bucket-scoped keys, means the endpoint is up.
        if exc.status < 500:
            return {"ok": True, "endpoint": endpoint, "message": "S3 answers"}
        return {"ok": False, "endpoint": endpoint, "message": exc.message}
    return {"ok": True, "endpoint": endpoint, "message": "S3 answers"}


def _activity(services: Services) -> list[dict]:
    activity = services.activity
    return [
        {
            "id": "odh-tec",
            "name": "odh-tec",
            "last_activity": datetime.fromtimestamp(activity.last_activity, tz=UTC).isoformat().replace("+00:00", "Z"),
            "execution_state": "busy" if activity.busy else "idle",
            "connections": 1,
        }
    ]


@router.get("/kernels", response_model=list[KernelActivity])
async def kernels(services: Services = Depends(get_services)) -> list[dict]:
    return _activity(services)


@router.get("/terminals", response_model=list[KernelActivity])
async def terminals(services: Services = Depends(get_services)) -> list[dict]:
    return _activity(services)


class DisclaimerUpdate(BaseModel):
    accepted: bool


def _disclaimer_path(services: Services):
    return services.config.data_dir / "config" / "disclaimer.json"


@router.get("/disclaimer", response_model=Disclaimer)
async def get_disclaimer(services: Services = Depends(get_services)) -> dict:
    path = _disclaimer_path(services)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        data = {}
    accepted_at = data.get("accepted_at")
    return {
        "accepted": bool(data.get("accepted")),
        "accepted_at": accepted_at if isinstance(accepted_at, str) else None,
    }


@router.put("/disclaimer", response_model=Disclaimer)
async def put_disclaimer(update: DisclaimerUpdate, services: Services = Depends(get_services)) -> dict:
    path = _disclaimer_path(services)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"accepted": update.accepted, "accepted_at": datetime.now(UTC).isoformat() if update.accepted else None}
    path.write_text(json.dumps(data))
    return data


@router.get("/info", response_model=Info)
async def info(services: Services = Depends(get_services)) -> dict:
    return {
        "version": __version__,
        "embedded_s3": services.settings.s3.embedded,
        "s3_endpoint": services.settings.s3.endpoint,
        "nb_prefix": services.config.nb_prefix,
    }


@router.get("/locations", response_model=LocationList)
async def locations(services: Services = Depends(get_services)) -> dict:
    found, errors = await services.locations.list_all()
    return {"locations": found, "errors": errors}
