"""The transfer engine (Hugging Face imports, copies, moves), shared by the HTTP API and the CLI."""

from __future__ import annotations

from odh_tec.transfers.engine import EngineOptions, NoSuchTransfer, TransferEngine
from odh_tec.transfers.model import FileState, Job, JobState, TransferFile
from odh_tec.transfers.specs import CopySpec, HFImportSpec


def create_engine(services, options: EngineOptions | None = None) -> TransferEngine:
    return TransferEngine(services, options)


__all__ = ["CopySpec", "EngineOptions", "FileState", "HFImportSpec", "Job", "JobState", "NoSuchTransfer",
           "TransferEngine", "TransferFile", "create_engine"]
