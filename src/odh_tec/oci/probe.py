"""The Settings page's registry connection test: `GET /v2/` with the unsaved credentials."""

from __future__ import annotations

import asyncio
import dataclasses

from odh_tec.config import RegistrySettings, RuntimeSettings
from odh_tec.errors import ApiError
from odh_tec.http import trusted_ssl_context
from odh_tec.oci.auth import Credentials
from odh_tec.oci.registry import Registry


async def probe_registry(settings: RuntimeSettings, registry: RegistrySettings) -> str | ApiError:
    """What the test found: a sentence when the registry answered and took the credentials, else the error."""
    await asyncio.to_thread(trusted_ssl_context, settings)  # a first CA bundle load: not on the loop
    trial = dataclasses.replace(settings, registry=registry)
    creds = Credentials(registry.username, registry.password) if registry.username else None
    insecure = registry.host in registry.insecure
    client = Registry(trial, registry.host, credentials=creds, insecure=insecure, read_timeout=15)
    try:
        await client.ping()
    except ApiError as exc:
        return exc
    finally:
        await client.aclose()
    who = f"as '{registry.username}'" if creds else "anonymously"
    return f"Reached {registry.host} {'over plain HTTP' if insecure else 'over TLS'} and signed in {who}"
