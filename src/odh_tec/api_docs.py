"""Swagger UI for the OpenAPI document, from files the app serves itself.

FastAPI's default page loads its scripts from a public CDN: blank on an air-gapped cluster, and a
third party's code running with the user's session. The assets are copied from the pinned
`swagger-ui-dist` npm package by the UI build (`frontend/vite.config.ts`).
"""

from __future__ import annotations

import html
import json

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from odh_tec.security.headers import content_security_policy

_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{title} · API</title>
<link rel="stylesheet" href="{assets}/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({{url: {openapi}, dom_id: "#swagger-ui", deepLinking: true}});</script>
</body></html>"""


def add_api_docs(app: FastAPI, *, prefix: str, api_root: str) -> None:
    page = _PAGE.format(
        title=html.escape(app.title), assets=f"{prefix}/swagger", openapi=json.dumps(f"{api_root}/openapi.json")
    )
    csp = content_security_policy(page)

    @app.get(f"{api_root}/docs", include_in_schema=False, response_class=HTMLResponse)
    async def api_docs() -> HTMLResponse:
        return HTMLResponse(page, headers={"Content-Security-Policy": csp, "Cache-Control": "no-cache"})
