"""A fake Hugging Face Hub for tests and benchmarks (loopback only).

    from fakehub import FakeHub, layouts, models

    with FakeHub(page_size=3) as hub:           # hub on 127.0.0.1, LFS host on 127.0.0.2
        repo = hub.add_repo("org/model", {"config.json": "{}", "model.safetensors": b"..."})
        hub.add_token("hf_good", "alice", name="ci-read"); repo.readers.add("hf_good")  # whoami answers
        hub.inject("disconnect", path="model.safetensors", host="lfs", after_bytes=1000)
        hub.inject("ignore_range", repo="org/model", times=None)  # a server that ignores Range, one repo
        models.estimator_repos(hub)              # real config.json and safetensors headers (VRAM estimator)
        ...  # point HF_ENDPOINT (or the app's Settings) at hub.url
        hub.log.find(host="lfs")                 # every request, with headers
        hub.log.max_files_in_flight["lfs"]       # concurrency actually seen

`tests/` is on sys.path under pytest, so other suites import it as `fakehub`.
"""

from .content import BytesContent, Content, SyntheticContent, git_blob_sha1, pseudo_bytes
from .faults import CORRUPT, DISCONNECT, IGNORE_RANGE, STALL, STATUS, THROTTLE, Fault
from .log import Request, RequestLog
from .proxy import ForwardProxy
from .repos import FakeRepo, RepoFile
from .server import INVALID_CREDENTIALS, FakeHub

__all__ = [
    "CORRUPT",
    "DISCONNECT",
    "IGNORE_RANGE",
    "INVALID_CREDENTIALS",
    "STALL",
    "STATUS",
    "THROTTLE",
    "BytesContent",
    "Content",
    "FakeHub",
    "FakeRepo",
    "Fault",
    "ForwardProxy",
    "RepoFile",
    "Request",
    "RequestLog",
    "SyntheticContent",
    "git_blob_sha1",
    "pseudo_bytes",
]
