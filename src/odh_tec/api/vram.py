"""GPU VRAM estimator API (mounted at /api/vram): estimate, GPU catalog, model summary from the Hub.

The router is thin: validation and arithmetic live in `odh_tec.vram`, Hub access in
`odh_tec.vram.hub`. Errors are `{"error": code, "message": text}` with a 4xx/5xx status.

Parsing a config and estimating are CPU work on untrusted input (`GET /model` can be triggered by
any web page): they run on a small pool of their own, off the event loop, under a time limit, so
a slow one neither stalls other requests nor hangs its own. A thread cannot be killed, though: the
caps of `odh_tec.vram.limits` are what bound the work; the time limit bounds the wait.
"""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from fastapi import APIRouter, Body, HTTPException, Query, Request

from odh_tec.config import Config, RuntimeSettings
from odh_tec.hf.transport import HubTransport
from odh_tec.vram import limits
from odh_tec.vram.architecture import ConfigError, parse_config
from odh_tec.vram.estimate import estimate
from odh_tec.vram.gpus import catalog
from odh_tec.vram.hub import HubError, HubModel, fetch_model
from odh_tec.vram.workload import RequestError

router = APIRouter()
T = TypeVar("T")

# Its own pool, not the default executor: work queued here cannot starve the rest of the app.
_WORKERS = ThreadPoolExecutor(max_workers=limits.WORKERS, thread_name_prefix="vram")

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


async def off_loop(work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`work(*args, **kwargs)` on the VRAM pool, waited for at most `limits.WORK_SECONDS`
    (queueing included: a request behind busy workers times out too, and its work never starts)."""
    future = asyncio.get_running_loop().run_in_executor(_WORKERS, functools.partial(work, *args, **kwargs))
    try:
        return await asyncio.wait_for(future, limits.WORK_SECONDS)
    except TimeoutError as exc:
        raise _fail(
            503,
            "estimate_timeout",
            f"the estimate did not finish within its time limit of {limits.WORK_SECONDS:g} s; "
            "try again (the server may be busy)",
        ) from exc


async def resolve_model(request: Request, repo_id: str, revision: str) -> HubModel:
    endpoint, token = hub_settings(request)
    transport = HubTransport(outbound_settings(request), endpoint, token, read_timeout=30.0)
    try:
        # I/O only, so on the loop; the deadline keeps a trickling server from holding the request
        return await asyncio.wait_for(fetch_model(transport, repo_id, revision), limits.HUB_SECONDS)
    except HubError as exc:
        raise _fail(exc.status, exc.code, exc.message) from exc
    except TimeoutError as exc:
        message = f"reading {repo_id} from the Hub took longer than {limits.HUB_SECONDS:g} s"
        raise _fail(504, "hub_timeout", message) from exc
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
        result = await off_loop(estimate, body, weight_file_bytes=weight_bytes)
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
async def get_model(
    request: Request, repo_id: str = Query(..., min_length=3), revision: str = Query("main")
) -> dict[str, Any]:
    """Architecture summary of a Hub model: config.json + safetensors weight bytes."""
    hub = await resolve_model(request, repo_id, revision)
    try:
        summary = await off_loop(_summarize, hub.config)
    except ConfigError as exc:
        raise _fail(422, "unsupported_model", f"{repo_id}: {exc}") from exc
    summary.update(hub.as_dict())
    summary["config"] = hub.config
    return summary


def _summarize(config: dict[str, Any]) -> dict[str, Any]:
    return parse_config(config).summary()
