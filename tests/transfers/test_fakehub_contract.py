"""The real `huggingface_hub` client accepts the fake Hub: proof that our tests speak the Hub's protocol."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import OTHER_TOKEN, TOKEN

pytest.importorskip("huggingface_hub")
SCRIPT = Path(__file__).with_name("hf_client_contract.py")


def test_real_client_against_the_fake(hub, tmp_path):
    llama = hub.repo("optimum-internal-testing/tiny-random-llama")
    files = llama.files()
    expected = {
        "token": TOKEN,
        "other_token": OTHER_TOKEN,
        "llama_sha": llama.sha,
        "llama_files": sorted(files),
        "llama_model_sha256": files["model.safetensors"].sha256,
        "llama_config_size": files["config.json"].size,
        "llama_sha256": {
            n: hashlib.sha256(files[n].content.read()).hexdigest()
            for n in ("model.safetensors", "config.json", "tokenizer.json")
        },
        "imdb_data": sorted(
            p.split("/")[-1]
            for p in hub.repo("CarterMcClellan/stanfordnlp_imdb", "dataset").files()
            if p.startswith("data/")
        ),
    }
    hub.inject("disconnect", path="big/model.safetensors", host="lfs", after_bytes=(1 << 20) + 17)
    hub.inject("status", status=429, path="deep.safetensors", host="lfs", reset=0)
    env = {
        **os.environ,
        "HF_ENDPOINT": hub.url,
        "HF_HOME": str(tmp_path / "hf"),
        "HF_HUB_DISABLE_XET": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",
        "HF_TOKEN": "",
        "HTTP_PROXY": "",
        "HTTPS_PROXY": "",
        "NO_PROXY": "127.0.0.1,127.0.0.2",
    }
    run = subprocess.run(
        [sys.executable, str(SCRIPT), json.dumps(expected)], env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr[-3000:]
    results = json.loads(run.stdout.strip().splitlines()[-1])
    failed = {name: result for name, result in results.items() if result != "ok"}
    assert not failed, json.dumps(failed, indent=1)
    # The client resumed (or restarted) the dropped download and waited out the 429.
    assert len(hub.log.find(host="lfs", file="big/model.safetensors", method="GET")) == 2
    assert [r.status for r in hub.log.find(host="lfs", file="a/b/c/deep.safetensors", method="GET")] == [429, 200]
    # And never sent its token to the storage host.
    assert not [r for r in hub.log.find(host="lfs") if r.authorized]
    assert [r for r in hub.log.find(host="hub") if r.authorized]
