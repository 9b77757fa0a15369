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
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from fastapi import APIRouter, Body, Query

from odh_tec.api.deps import HubSettingsDep, RuntimeSettingsDep
from odh_tec.config import HFSettings, RuntimeSettings
from odh_tec.errors import ApiError, TimedOut, UnsupportedModel, camel_code
from odh_tec.hf.errors import HubTimeout
from odh_tec.hf.transport import HubTransport
from odh_tec.vram import limits
from odh_tec.vram.architecture import ConfigError, parse_config
from odh_tec.vram.estimate import estimate
from odh_tec.vram.gpus import catalog
from odh_tec.vram.hub import HubModel, fetch_model
from odh_tec.vram.schemas import GpuInfo, HubModelSummary, VramResult
from odh_tec.vram.workload import RequestError

router = APIRouter()
T = TypeVar("T")

# Its own pool, not the default executor: work queued here cannot starve the rest of the app.
_WORKERS = ThreadPoolExecutor(max_workers=limits.WORKERS, thread_name_prefix="vram")


async def off_loop(work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`work(*args, **kwargs)` on the VRAM pool, waited for at most `limits.WORK_SECONDS`
    (queueing included: a request behind busy workers times out too, and its work never starts)."""
    future = asyncio.get_running_loop().run_in_executor(_WORKERS, functools.partial(work, *args, **kwargs))
    try:
        return await asyncio.wait_for(future, limits.WORK_SECONDS)
    except TimeoutError as exc:
        raise TimedOut(
            f"the estimate did not finish within its time limit of {limits.WORK_SECONDS:g} s; "
            "try again (the server may be busy)"
        ) from exc


async def resolve_model(settings: RuntimeSettings, hub: HFSettings, repo_id: str, revision: str) -> HubModel:
    """The model's config and weight sizes; Hub failures are the importer's errors (`hf.errors`)."""
    transport = HubTransport(settings, hub.endpoint.rstrip("/"), hub.token or None, read_timeout=30.0)
    try:
        # I/O only, so on the loop; the deadline keeps a trickling server from holding the request
        return await asyncio.wait_for(fetch_model(transport, repo_id, revision), limits.HUB_SECONDS)
    except TimeoutError as exc:
        raise HubTimeout(f"reading {repo_id} from the Hub took longer than {limits.HUB_SECONDS:g} s") from exc
    finally:
        await transport.aclose()


def request_error(exc: RequestError) -> ApiError:
    """The estimator's own refusals (a pure package: snake_case codes) in the API's vocabulary."""
    return ApiError(str(exc), code=camel_code(exc.code), status=400 if exc.code == "unknown_gpu" else 422)


@router.post("/estimate", response_model=VramResult)
async def post_estimate(
    settings: RuntimeSettingsDep, hub_settings: HubSettingsDep, body: Any = Body(...)
) -> dict[str, Any]:
    """One estimate request -> one response (docs/vram.md). `model.repo_id` is fetched from the Hub."""
    if not isinstance(body, dict):
        raise ApiError("the body must be a JSON object with model, workload and hardware", status=422)
    model = body.get("model")
    weight_bytes = None
    hub_info = None
    if isinstance(model, dict) and not isinstance(model.get("config"), dict) and model.get("repo_id"):
        hub = await resolve_model(settings, hub_settings, str(model["repo_id"]), str(model.get("revision") or "main"))
        body = {**body, "model": {**model, "config": hub.config}}
        weight_bytes = hub.weight_bytes
        hub_info = hub.as_dict()
    try:
        result = await off_loop(estimate, body, weight_file_bytes=weight_bytes)
    except RequestError as exc:
        raise request_error(exc) from exc
    if hub_info is not None:
        result["hub"] = hub_info
    return result


@router.get("/gpus", response_model=list[GpuInfo])
async def get_gpus() -> list[dict[str, Any]]:
    """The GPU catalog with usable memory (what CUDA reports as total)."""
    return catalog()


@router.get("/model", response_model=HubModelSummary)
async def get_model(
    settings: RuntimeSettingsDep,
    hub_settings: HubSettingsDep,
    repo_id: str = Query(..., min_length=3),
    revision: str = Query("main"),
) -> dict[str, Any]:
    """Architecture summary of a Hub model: config.json + safetensors weight bytes."""
    hub = await resolve_model(settings, hub_settings, repo_id, revision)
    try:
        summary = await off_loop(_summarize, hub.config)
    except ConfigError as exc:
        raise UnsupportedModel(f"{repo_id}: {exc}") from exc
    summary.update(hub.as_dict())
    summary["config"] = hub.config
    return summary


def _summarize(config: dict[str, Any]) -> dict[str, Any]:
    return parse_config(config).summary()
