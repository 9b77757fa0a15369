"""Health, idle-culler activity, disclaimer, app info and the list of storage locations."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from odh_tec import __version__
from odh_tec.services import Services, get_services

router = APIRouter(tags=["system"])


@router.get("/health")
async def health() -> dict:
    return {"status": "ok"}


def _activity(services: Services) -> list[dict]:
    activity = services.activity
    return [{
        "id": "odh-tec",
        "name": "odh-tec",
        "last_activity": datetime.fromtimestamp(activity.last_activity, tz=UTC).isoformat().replace("+00:00", "Z"),
        "execution_state": "busy" if activity.busy else "idle",
        "connections": 1,
    }]


@router.get("/kernels")
async def kernels(services: Services = Depends(get_services)) -> list[dict]:
    return _activity(services)


@router.get("/terminals")
async def terminals(services: Services = Depends(get_services)) -> list[dict]:
    return _activity(services)


class DisclaimerUpdate(BaseModel):
    accepted: bool


def _disclaimer_path(services: Services):
    return services.config.data_dir / "config" / "disclaimer.json"


@router.get("/disclaimer")
async def get_disclaimer(services: Services = Depends(get_services)) -> dict:
    path = _disclaimer_path(services)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        data = {}
    return {"accepted": bool(data.get("accepted")), "accepted_at": data.get("accepted_at")}


@router.put("/disclaimer")
async def put_disclaimer(update: DisclaimerUpdate, services: Services = Depends(get_services)) -> dict:
    path = _disclaimer_path(services)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"accepted": update.accepted,
            "accepted_at": datetime.now(UTC).isoformat() if update.accepted else None}
    path.write_text(json.dumps(data))
    return data


@router.get("/info")
async def info(services: Services = Depends(get_services)) -> dict:
    return {
        "version": __version__,
        "embedded_s3": services.settings.s3.embedded,
        "s3_endpoint": services.settings.s3.endpoint,
        "nb_prefix": services.config.nb_prefix,
    }


@router.get("/locations")
async def locations(services: Services = Depends(get_services)) -> dict:
    return {"locations": await services.locations.list()}
