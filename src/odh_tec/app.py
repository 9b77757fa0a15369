"""The application factory: one port serving the API under `${NB_PREFIX}/api` and the web UI."""

from __future__ import annotations

import asyncio
import gc
import logging
import mimetypes
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.staticfiles import StaticFiles

from odh_tec import __version__
from odh_tec.api import buckets, connections, objects, previews, settings, system, transfers, vram
from odh_tec.api_docs import add_api_docs
from odh_tec.config import Config, RuntimeSettings
from odh_tec.errors import ERROR_RESPONSES, install_error_handlers
from odh_tec.http import trusted_ssl_context
from odh_tec.observability.logs import RequestIdMiddleware
from odh_tec.observability.looplag import watch_event_loop
from odh_tec.observability.metrics import MetricsMiddleware
from odh_tec.security import SecurityPolicy, install_security
from odh_tec.security.headers import content_security_policy
from odh_tec.services import Activity, Services
from odh_tec.storage.locations import Locations, local_locations
from odh_tec.storage.partials import PartialsJournal
from odh_tec.storage.s3 import S3Connection
from odh_tec.storage.s3.connections import S3Connections

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"
# Paths of API calls that must not count as user activity for the idle culler.
_PASSIVE_SUFFIXES = ("/api/kernels", "/api/terminals", "/api/health", "/api/livez", "/api/transfers/events")


class ActivityMiddleware:
    """Plain ASGI (not BaseHTTPMiddleware) so streamed uploads and downloads pass untouched."""

    def __init__(self, app, activity: Activity, api_root: str):
        self.app, self.activity, self.api_root = app, activity, api_root

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            path = scope.get("path", "")
            if path.startswith(self.api_root) and not path.endswith(_PASSIVE_SUFFIXES):
                # A request counts for as long as it runs: a browser upload of an hour is activity.
                self.activity.touch()
                self.activity.in_flight += 1
                running = True

                def ended() -> None:
                    nonlocal running
                    if running:
                        running = False
                        self.activity.in_flight -= 1
                        self.activity.touch()

                async def counting_send(message):
                    # Ended before the last byte leaves: a client that holds the whole answer must not
                    # find its own request still counted (the idle culler's next look may follow at once).
                    if message["type"] == "http.response.body" and not message.get("more_body"):
                        ended()
                    await send(message)

                try:
                    await self.app(scope, receive, counting_send)
                finally:
                    ended()
                return
        await self.app(scope, receive, send)


def build_services(config: Config) -> Services:
    runtime = RuntimeSettings.from_config(config)
    s3 = S3Connection(runtime, ca_dir=config.data_dir / "ca")
    # Raises InvalidConnectionsFile: a connection that cannot be read stops the start, not a transfer.
    connections = S3Connections.from_config(config, runtime, s3)
    partials = PartialsJournal(config.data_dir / "partials")  # swept at start (TransferEngine.recover)
    locations = Locations(connections, local_locations(config.local_paths()), partials)
    return Services(
        config=config, settings=runtime, s3=s3, connections=connections, locations=locations, activity=Activity()
    )


async def start_embedded_s3(services: Services) -> None:
    from odh_tec.embedded_s3 import EmbeddedS3

    embedded = EmbeddedS3(services.config.embedded_s3_dir)
    endpoint = await asyncio.to_thread(embedded.start)
    s3 = services.settings.s3
    s3.endpoint, s3.embedded = endpoint, True
    s3.access_key_id = embedded.credentials.access_key_id
    s3.secret_access_key = embedded.credentials.secret_access_key
    services.embedded = embedded


def prepare_off_loop(app: FastAPI, services: Services) -> None:
    """Work that would otherwise run on the event loop at the first request that needs it, and make every
    other request wait: FastAPI builds each route's models when the route is first matched (0.1-0.3 s in
    all); outbound clients share one SSL context, whose CA bundles take as long to read; `mimetypes` reads
    the system's type table (0.2 s) at its first guess. Done at start, in a worker thread.

    Then what start made (modules, route models, the S3 model: 140,000 objects) is frozen out of the
    garbage collector's reach: a full collection, a pause of the event loop wherever it falls, took
    80-90 ms; it now scans only what requests create."""
    app.openapi()
    trusted_ssl_context(services.settings)
    mimetypes.init()
    gc.collect()
    gc.freeze()


def create_app(config: Config | None = None) -> FastAPI:
    """The app for `config`; raises `InsecureConfiguration` when the settings would leave the API open."""
    config = config or Config()
    policy = SecurityPolicy.from_config(config)
    services = build_services(config)
    prefix = config.nb_prefix
    api_root = f"{prefix}/api"

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        loop_lag = watch_event_loop()
        await asyncio.to_thread(prepare_off_loop, app, services)
        if config.wants_embedded_s3:
            await start_embedded_s3(services)
            from odh_tec.embedded_s3 import write_runtime_file

            write_runtime_file(services.embedded)  # how the CLI of the same data dir finds it
        from odh_tec.transfers import create_engine, options_from_env
        from odh_tec.transfers.store import JobStore

        # Jobs, their history and the multipart journal survive restarts (docs/reliability.md).
        store = JobStore(config.data_dir / "transfers.sqlite3")
        services.connections.journal = store
        options = options_from_env()
        options.max_finished_jobs = config.job_history_max
        options.retention_seconds = config.job_history_days * 86400.0
        services.transfers = create_engine(services, options, store)
        await services.transfers.start()
        recovery = asyncio.create_task(services.transfers.recover(), name="transfer-recovery")
        services.activity.busy_sources.append(lambda: services.transfers.busy)
        try:
            yield
        finally:
            await loop_lag.stop()
            recovery.cancel()
            await services.transfers.stop()
            await services.connections.close()
            await asyncio.to_thread(store.close)  # waits for a worker thread's commit: never on the loop
            if services.embedded is not None:
                from odh_tec.embedded_s3 import remove_runtime_file

                remove_runtime_file(services.embedded)
                await asyncio.to_thread(services.embedded.stop)

    app = FastAPI(
        title="ODH Tools & Extensions Companion",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=f"{api_root}/openapi.json",
    )
    app.state.services = services
    app.state.security = policy
    install_error_handlers(app)

    api = APIRouter(prefix=api_root, responses=ERROR_RESPONSES)
    api.add_api_route("", system.livez, methods=["GET"], tags=["system"], response_model=system.Liveness)
    api.include_router(system.router)
    api.include_router(buckets.router)
    api.include_router(objects.router)
    api.include_router(settings.router)
    api.include_router(connections.router)
    api.include_router(transfers.router, prefix="/transfers", tags=["transfers"])
    api.include_router(vram.router, prefix="/vram", tags=["vram"])
    api.include_router(previews.router)
    app.include_router(api)
    add_api_docs(app, prefix=prefix, api_root=api_root)

    mount_ui(app, prefix)
    app.add_middleware(ActivityMiddleware, activity=services.activity, api_root=api_root)
    # `/metrics` is at the root whatever NB_PREFIX is, where a ServiceMonitor looks for it; inside the
    # security checks (a rebinding page must not read it; with AUTH=token, scrapers show the token).
    app.add_middleware(MetricsMiddleware, transfers=lambda: services.transfers)
    install_security(app, policy)
    # Outermost: every log line of a request, the audit line included, carries its id.
    app.add_middleware(RequestIdMiddleware)
    return app


PLACEHOLDER = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>ODH Tools &amp; Extensions Companion</title></head><body>
<h1>ODH Tools &amp; Extensions Companion</h1>
<p>The web UI is not built. Run <code>make run</code> (or <code>make ui</code>) to build it.
The API is available at <a href="api/docs">api/docs</a>.</p></body></html>"""


def mount_ui(app: FastAPI, prefix: str) -> None:
    """Serve the built single-page app under the prefix, with a fallback to index.html."""
    index_file = STATIC_DIR / "index.html"
    assets_dir = STATIC_DIR / "assets"

    def index_html() -> str:
        if not index_file.exists():
            return PLACEHOLDER
        # Every asset and API URL in the UI is relative to <base>, so one build works under any prefix.
        return index_file.read_text().replace('<base href="/"', f'<base href="{prefix}/"', 1)

    if assets_dir.is_dir():
        app.mount(f"{prefix}/assets", _ImmutableStatic(directory=assets_dir), name="assets")

    if prefix:

        @app.get("/", include_in_schema=False)
        async def _to_prefix() -> RedirectResponse:
            return RedirectResponse(f"{prefix}/")

        @app.get(prefix, include_in_schema=False)
        async def _prefix_root() -> RedirectResponse:
            return RedirectResponse(f"{prefix}/")

    @app.get(f"{prefix}/{{path:path}}", include_in_schema=False)
    async def spa(path: str) -> Response:
        if path == "api" or path.startswith("api/"):
            return Response(
                '{"error": "NotFound", "message": "No such API route"}', status_code=404, media_type="application/json"
            )
        candidate = (STATIC_DIR / path).resolve()
        if path and STATIC_DIR.is_dir() and candidate.is_file() and STATIC_DIR.resolve() in candidate.parents:
            return Response(
                candidate.read_bytes(), media_type=_guess(candidate.name), headers={"Cache-Control": "no-cache"}
            )
        page = index_html()
        # The CSP names the hash of the page's one inline script (the theme set before first paint).
        return HTMLResponse(
            page, headers={"Cache-Control": "no-cache", "Content-Security-Policy": content_security_policy(page)}
        )


def _guess(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


class _ImmutableStatic(StaticFiles):
    """Hashed Vite assets never change under the same name: let browsers keep them."""

    async def get_response(self, path, scope):
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response
