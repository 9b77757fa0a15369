"""The dependencies routes ask for, as `Annotated` aliases: a route names what it needs
(`services: ServicesDep`), and a test swaps one with `app.dependency_overrides[get_…]`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from odh_tec.config import HFSettings, RuntimeSettings
from odh_tec.services import Services, get_services


def get_runtime_settings(services: Annotated[Services, Depends(get_services)]) -> RuntimeSettings:
    """The live settings: proxy, CA bundles, S3 and Hub (the Settings page changes them at runtime)."""
    return services.settings


def get_hub_settings(settings: Annotated[RuntimeSettings, Depends(get_runtime_settings)]) -> HFSettings:
    """The Hub endpoint and token, read per request."""
    return settings.huggingface


ServicesDep = Annotated[Services, Depends(get_services)]
RuntimeSettingsDep = Annotated[RuntimeSettings, Depends(get_runtime_settings)]
HubSettingsDep = Annotated[HFSettings, Depends(get_hub_settings)]
