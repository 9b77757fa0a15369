"""Hugging Face Hub access for imports: metadata (pin, list, check access) and resumable, verified
downloads. Our own small async client; `huggingface_hub` is only a test dependency (contract tests)."""

from odh_tec.hf.client import HubClient
from odh_tec.hf.download import DownloadPolicy, RemoteFile, file_chunks
from odh_tec.hf.errors import HubError
from odh_tec.hf.models import HubFile, RepoRef, Snapshot
from odh_tec.hf.transport import HubTransport
from odh_tec.hf.verify import Checksum, verified

__all__ = [
    "Checksum",
    "DownloadPolicy",
    "HubClient",
    "HubError",
    "HubFile",
    "HubTransport",
    "RemoteFile",
    "RepoRef",
    "Snapshot",
    "file_chunks",
    "verified",
]
