"""Screenshots of the main screens, light and dark, into docs/screenshots/.

    .venv/bin/python tests/browser/screenshots.py [--out docs/screenshots]

Starts its own SeaweedFS, the app and the fake Hub, seeds a few realistic objects, and drives Chromium
through the screens. Look at the results: they should look like a PatternFly product.
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

import httpx  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from browser.conftest import ARGS, CHROMIUM  # noqa: E402
from conftest import ADMIN, LiveServer, S3Server, make_config  # noqa: E402
from odh_tec.embedded_s3 import EmbeddedS3  # noqa: E402

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360f8cfc0f01f0005050200a2d5e1c70000000049454e44ae426082"
)
MODEL = "ibm-granite/granite-3.3-2b-instruct/"
TRAIN_PY = '''"""Fine-tune a small model on the prepared dataset."""
import json
from pathlib import Path

from transformers import AutoModelForCausalLM, AutoTokenizer

MODEL = "ibm-granite/granite-3.3-2b-instruct"  # loaded from the S3 bucket


def main(data_dir: Path, epochs: int = 3) -> None:
    tokenizer = AutoTokenizer.from_pretrained(MODEL)
    model = AutoModelForCausalLM.from_pretrained(MODEL, torch_dtype="bfloat16")
    for epoch in range(epochs):
        for line in (data_dir / "train.jsonl").read_text().splitlines():
            sample = json.loads(line)
            print(epoch, sample["prompt"][:40])


if __name__ == "__main__":
    main(Path("/opt/app-root/src/data"))
'''


def seed(s3) -> None:
    for bucket in ["models", "datasets", "scratch"]:
        s3.create_bucket(Bucket=bucket)
    config = {
        "architectures": ["GraniteForCausalLM"],
        "hidden_size": 2048,
        "num_attention_heads": 32,
        "num_hidden_layers": 40,
        "vocab_size": 49159,
        "torch_dtype": "bfloat16",
    }
    files = {
        "config.json": json.dumps(config, indent=2).encode(),
        "generation_config.json": b'{"bos_token_id": 0, "eos_token_id": 0}',
        "model-00001-of-00002.safetensors": b"\0" * 480_000,
        "model-00002-of-00002.safetensors": b"\0" * 310_000,
        "model.safetensors.index.json": b'{"metadata": {"total_size": 790000}, "weight_map": {}}',
        "tokenizer.json": b'{"version": "1.0"}' * 2000,
        "tokenizer_config.json": b'{"model_max_length": 131072}',
        "README.md": b"# Granite 3.3 2B Instruct\n\nA 2B parameter instruction-tuned model.\n",
    }
    meta = {
        "hf-repo": "ibm-granite/granite-3.3-2b-instruct",
        "hf-revision": "8d6a1b7c0f2e4a9b",
        "hf-sha256": "3f1e9c0b7a5d2e8f6c4b1a0d9e8f7c6b5a4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f",
    }
    for name, body in files.items():
        s3.put_object(Bucket="models", Key=MODEL + name, Body=body, Metadata=meta)
    s3.put_object(Bucket="models", Key="ibm-granite/granite-embedding-125m/config.json", Body=b"{}")
    s3.put_object(Bucket="models", Key="scripts/train.py", Body=TRAIN_PY.encode())
    s3.put_object(Bucket="models", Key="README.md", Body=b"# Models\n")
    table = pa.table(
        {
            "id": list(range(2000)),
            "prompt": [f"Summarise support ticket #{i} in one sentence." for i in range(2000)],
            "label": [["billing", "network", "storage", "gpu"][i % 4] for i in range(2000)],
            "score": [round(0.5 + (i % 50) / 100, 2) for i in range(2000)],
        }
    )
    sink = io.BytesIO()
    pq.write_table(table, sink, row_group_size=500)
    s3.put_object(Bucket="datasets", Key="tickets/train.parquet", Body=sink.getvalue())
    csv = "id,prompt,label\n" + "".join(f"{i},Ticket {i} about storage,storage\n" for i in range(50))
    s3.put_object(Bucket="datasets", Key="tickets/sample.csv", Body=csv.encode())
    s3.put_object(Bucket="datasets", Key="tickets/diagram.png", Body=PNG)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="odh-tec-shots-"))
    local = tmp / "pvc" / "data"
    local.mkdir(parents=True)
    (local / "notes.txt").write_text("local PVC folder\n")

    from fakehub import FakeHub, layouts

    s3server = EmbeddedS3(tmp / "s3", credentials=ADMIN)
    s3server.start()
    hub = FakeHub(page_size=50)
    hub.__enter__()
    try:
        layouts.tiny_gpt2(hub)
        layouts.gated_llama(hub)
        layouts.gguf_quants(hub)
        s3 = S3Server(s3server.endpoint, ADMIN).client()
        seed(s3)
        live = LiveServer(
            make_config(
                S3Server(s3server.endpoint, ADMIN),
                tmp,
                local_storage_paths=str(local),
                aws_s3_bucket="models",
                hf_endpoint=hub.url,
            )
        ).start()
        api = httpx.Client(base_url=live.url, timeout=30)
        api.put("/api/disclaimer", json={"accepted": True})
        # Jobs for the Transfers page: one done, one failed (gated), one running (throttled).
        done = api.post(
            "/api/transfers",
            json={
                "kind": "huggingface",
                "source": {"repo_id": "hf-tiny-v2/tiny-random-GPT2Model"},
                "destination": {"location_id": "s3:scratch", "prefix": ""},
            },
        ).json()
        hub.inject("status", path="tokenizer.json", status=403, times=None)
        failing = api.post(
            "/api/transfers",
            json={
                "kind": "huggingface",
                "source": {"repo_id": "hf-tiny-v2/tiny-random-GPT2Model"},
                "destination": {"location_id": "s3:scratch", "prefix": "failing/"},
            },
        ).json()
        api.post(
            "/api/transfers",
            json={
                "kind": "copy",
                "source": {"location_id": "s3:models", "prefixes": [MODEL]},
                "destination": {"location_id": "s3:scratch", "prefix": "backup/"},
                "conflict": "skip",
            },
        )
        for job in (done, failing):
            for _ in range(300):
                if api.get(f"/api/transfers/{job['id']}").json()["state"] in ("completed", "failed"):
                    break
                time.sleep(0.1)
        hub.reset()
        hub.inject("throttle", path="model.safetensors", host="lfs", rate=20 * 1024, times=None)
        api.post(
            "/api/transfers",
            json={
                "kind": "huggingface",
                "source": {"repo_id": "hf-tiny-v2/tiny-random-GPT2Model"},
                "destination": {"location_id": "s3:models", "prefix": "imports/"},
            },
        )
        time.sleep(3)

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for theme in ["light", "dark"]:
                shoot(browser, live, out, theme, tmp)
            browser.close()
        live.stop()
    finally:
        hub.__exit__(None, None, None)
        s3server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"screenshots in {out}")


def shoot(browser, live, out: Path, theme: str, tmp: Path) -> None:
    context = browser.new_context(
        viewport={"width": 1440, "height": 900}, locale="en-US", timezone_id="UTC", device_scale_factor=1
    )
    context.add_init_script(f"localStorage.setItem('odh-tec-theme', '{theme}')")
    page = context.new_page()
    page.set_default_timeout(20_000)

    def snap(name: str) -> None:
        page.wait_for_timeout(400)  # let transitions settle
        page.screenshot(path=str(out / f"{name}-{theme}.png"))

    def go(path: str) -> None:
        page.goto(live.url + path)
        page.get_by_role("link", name="Storage browser").wait_for()

    go(f"/browse/s3:models?prefix={MODEL}")
    page.get_by_text("config.json", exact=True).wait_for()
    page.get_by_role("checkbox", name="Select model-00001-of-00002.safetensors").check()
    page.get_by_role("checkbox", name="Select model-00002-of-00002.safetensors").check()
    snap("storage-browser")
    page.get_by_role("checkbox", name="Select all loaded items").uncheck()

    page.get_by_role("button", name="Actions for config.json").click()
    page.get_by_role("menuitem", name="Details").click()
    page.get_by_role("dialog").get_by_text("GraniteForCausalLM").or_(
        page.get_by_role("dialog").get_by_text("8d6a1b7c0f2e4a9b").first
    ).first.wait_for()
    snap("object-details")
    page.keyboard.press("Escape")

    go("/browse/s3:models?prefix=scripts/")
    page.get_by_role("button", name="train.py", exact=True).click()
    page.get_by_role("dialog").get_by_text("Language: python").wait_for()
    snap("preview-code")
    page.keyboard.press("Escape")

    go("/browse/s3:datasets?prefix=tickets/")
    page.get_by_role("button", name="train.parquet", exact=True).click()
    page.get_by_role("dialog").get_by_text("row groups").wait_for()
    snap("preview-parquet")
    page.keyboard.press("Escape")

    # Uploads: two new files and one that already exists.
    (tmp / "up").mkdir(exist_ok=True)
    names = ["sample.csv", "eval.jsonl", "labels.json"]
    for n in names:
        (tmp / "up" / n).write_bytes(b"x" * 200_000)
    page.get_by_test_id("file-input").set_input_files([str(tmp / "up" / n) for n in names])
    page.get_by_role("dialog", name="Uploads").get_by_text("already exists").first.wait_for()
    snap("uploads")
    page.get_by_role("dialog", name="Uploads").get_by_role("button", name="Skip all").click()
    page.keyboard.press("Escape")

    go("/browse/s3:models?prefix=imports/")
    page.get_by_role("button", name="Import from HuggingFace").click()
    dialog = page.get_by_role("dialog", name="Import from HuggingFace")
    dialog.get_by_role("textbox", name="Repository").fill("afrideva/tiny-random-LlamaForCausalLM-GGUF")
    dialog.get_by_role("button", name="One GGUF quantization").click()
    dialog.get_by_role("button", name="Preview").click()
    dialog.get_by_test_id("hf-preview-files").get_by_text("README.md").scroll_into_view_if_needed()
    snap("hf-import")
    page.keyboard.press("Escape")

    go("/transfers")
    page.locator('[data-testid="job-row"]').first.wait_for()
    failed = page.locator('[data-testid="job-row"][data-state="failed"]').first
    if failed.count():
        failed.get_by_role("button", name="Show files of").click()
    snap("transfers")

    go("/buckets")
    page.locator('[data-testid="bucket-row"]').first.wait_for()
    snap("buckets")
    page.get_by_role("button", name="Create bucket").click()
    page.get_by_role("dialog").get_by_role("textbox", name="Name").fill("My_Bucket")
    snap("create-bucket")
    page.keyboard.press("Escape")

    go("/settings")
    page.get_by_role("button", name="Test connection").wait_for()
    page.get_by_role("button", name="Test connection").click()
    page.get_by_test_id("test-result").wait_for()
    snap("settings")
    context.close()


if __name__ == "__main__":
    main()
