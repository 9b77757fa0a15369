"""GPU VRAM estimator API (mounted at /api/vram): estimate, GPU catalog, model summary from the Hub.

The router is thin: validation and arithmetic live in `odh_tec.vram`, Hub access in
`odh_tec.vram.hub`. Errors are `{"error": code, "message": text}` with a 4xx/5xx status.
"""

from __future__ import annotations

import os
from typing import Any

from fastapi import APIRouter, Body, HTTPException, Query, Request

from odh_tec.config import Config, RuntimeSettings
from odh_tec.hf.transport import HubTransport
from odh_tec.vram.architecture import ConfigError, parse_config
from odh_tec.vram.estimate import estimate
from odh_tec.vram.gpus import catalog
from odh_tec.vram.hub import HubError, HubModel, fetch_model
from odh_tec.vram.workload import RequestError

router = APIRouter()

DEFAULT_ENDPOINT = "https://huggingface.co"


def hub_settings(request: Request) -> tuple[str, str | None]:
    """Endpoint and token, read per request (the user may change them at runtime)."""
    factory = getattr(request.app.state, "hf_settings", None)
    if callable(factory):
        settings = factory()
        return str(settings.endpoint).rstrip("/"), (settings.token or None)
    return os.environ.get("HF_ENDPOINT", DEFAULT_ENDPOINT).rstrip("/"), (os.environ.get("HF_TOKEN") or None)


# the app's error vocabulary (docs/api.md): CamelCase codes, EndpointUnreachable for a dead upstream
_CODES = {"hub_unreachable": "EndpointUnreachable", "gated_repo": "AccessDenied", "forbidden": "AccessDenied"}


def _fail(status: int, code: str, message: str) -> HTTPException:
    name = _CODES.get(code) or "".join(part.capitalize() for part in code.split("_"))
    return HTTPException(status_code=status, detail={"error": name, "message": message})


def outbound_settings(request: Request) -> RuntimeSettings:
    """The app's proxy and CA settings (the same the importer uses); from the environment when the
    router is mounted on its own."""
    services = getattr(request.app.state, "services", None)
    return services.settings if services is not None else RuntimeSettings.from_config(Config())


async def resolve_model(request: Request, repo_id: str, revision: str) -> HubModel:
    endpoint, token = hub_settings(request)
    transport = HubTransport(outbound_settings(request), endpoint, token, read_timeout=30.0)
    try:
        return await fetch_model(transport, repo_id, revision)
    except HubError as exc:
        raise _fail(exc.status, exc.code, exc.message) from exc
    finally:
        await transport.aclose()


@router.post("/estimate")
async def post_estimate(request: Request, body: Any = Body(...)) -> dict[str, Any]:
    """One request of CONTRACT.md §1 -> one response of §2. `model.repo_id` is fetched from the Hub."""
    if not isinstance(body, dict):
        raise _fail(422, "invalid_request", "the body must be a JSON object with model, workload and hardware")
    model = body.get("model")
    weight_bytes = None
    hub_info = None
    if isinstance(model, dict) and not isinstance(model.get("config"), dict) and model.get("repo_id"):
        hub = await resolve_model(request, str(model["repo_id"]), str(model.get("revision") or "main"))
        body = {**body, "model": {**model, "config": hub.config}}
        weight_bytes = hub.weight_bytes
        hub_info = hub.as_dict()
    try:
        result = estimate(body, weight_file_bytes=weight_bytes)
    except RequestError as exc:
        status = 400 if exc.code == "unknown_gpu" else 422
        raise _fail(status, exc.code, str(exc)) from exc
    if hub_info is not None:
        result["hub"] = hub_info
    return result


@router.get("/gpus")
async def get_gpus() -> list[dict[str, Any]]:
    """The GPU catalog with usable memory (what CUDA reports as total)."""
    return catalog()


@router.get("/model")
async def get_model(request: Request, repo_id: str = Query(..., min_length=3), revision: str = Query("main")) -> dict[str, Any]:
    """Architecture summary of a Hub model: config.json + safetensors weight bytes."""
    hub = await resolve_model(request, repo_id, revision)
    try:
        arch = parse_config(hub.config)
    except ConfigError as exc:
        raise _fail(422, "unsupported_model", f"{repo_id}: {exc}") from exc
    summary = arch.summary()
    summary.update(hub.as_dict())
    summary["config"] = hub.config
    return summary
