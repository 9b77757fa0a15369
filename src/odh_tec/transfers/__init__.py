"""The transfer engine (Hugging Face imports, copies, moves, syncs, ModelCars), shared by the HTTP API and the CLI."""

from __future__ import annotations

import os

from odh_tec.transfers.engine import EngineOptions, NoSuchTransfer, TransferEngine
from odh_tec.transfers.model import FileState, Job, JobState, TransferFile
from odh_tec.transfers.specs import CopySpec, HFImportSpec, ModelCarSpec, SyncSpec


def options_from_env(environ=os.environ) -> EngineOptions:
    """Tuning knobs for unusual networks (documented in docs/transfers.md); defaults suit most."""
    options = EngineOptions()
    if value := environ.get("ODH_TEC_HF_CONNECTIONS_PER_FILE"):
        options.download.connections = max(1, int(value))
    if value := environ.get("ODH_TEC_HF_SEGMENT_MIB"):
        options.download.segment_size = max(1, int(value)) << 20
        options.download.parallel_threshold = 4 * options.download.segment_size
    if value := environ.get("ODH_TEC_HF_READ_TIMEOUT"):
        options.hub.read_timeout = max(1.0, float(value))
    return options


def create_engine(services, options: EngineOptions | None = None, store=None) -> TransferEngine:
    return TransferEngine(services, options or options_from_env(), store)


__all__ = [
    "CopySpec",
    "EngineOptions",
    "FileState",
    "HFImportSpec",
    "Job",
    "JobState",
    "ModelCarSpec",
    "NoSuchTransfer",
    "SyncSpec",
    "TransferEngine",
    "TransferFile",
    "create_engine",
    "options_from_env",
]
