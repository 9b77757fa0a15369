"""Screenshots of every screen into docs/screenshots/: 1440 px light and dark, 800 px for the main ones.

    .venv/bin/python tests/browser/screenshots.py [--out docs/screenshots] [--only NAME ...]

Starts its own SeaweedFS, the app (plus one with the embedded S3 and one with AUTH=token) and the fake
Hub, seeds a few realistic objects and jobs, and drives Debian's Chromium through the screens. Files are
`NAME-THEME.png` at 1440 px and `NAME-800-THEME.png` at 800 px. Look at the results: they should look
like a PatternFly product at both widths and in both themes.
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


# Every screen at 1440 px in both themes; the main ones at 800 px (light), a few of them dark too.
SCREENS = [
    "storage-browser",
    "object-details",
    "preview-code",
    "preview-parquet",
    "uploads",
    "copy-move",
    "sync-plan",
    "share-link",
    "copy-uri",
    "modelcar",
    "rename",
    "hf-import",
    "transfers",
    "buckets",
    "create-bucket",
    "location-picker-create",
    "settings",
    "settings-embedded",
    "settings-connections",
    "vram",
    "vram-finetune",
    "about",
    "login",
]
NARROW = {
    "storage-browser",
    "uploads",
    "copy-move",
    "share-link",
    "hf-import",
    "transfers",
    "buckets",
    "settings",
    "settings-embedded",
    "vram",
    "vram-finetune",
    "about",
    "login",
}
NARROW_DARK = {"storage-browser", "transfers", "vram", "vram-finetune"}
PASSES = [
    (1440, "light", set(SCREENS)),
    (1440, "dark", set(SCREENS)),
    (800, "light", NARROW),
    (800, "dark", NARROW_DARK),
]
TOKEN = "screenshot-token-" + "0123456789abcdef" * 2


def post_job(api: httpx.Client, body: dict) -> dict:
    response = api.post("/api/transfers", json=body)
    response.raise_for_status()
    return response.json()


def wait_for_end(api: httpx.Client, jobs: list[dict]) -> None:
    for job in jobs:
        for _ in range(300):
            if api.get(f"/api/transfers/{job['id']}").json()["state"] in ("completed", "failed", "cancelled"):
                break
            time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--only", nargs="*", choices=SCREENS, help="shoot only these screens")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    only = set(args.only or SCREENS)
    tmp = Path(tempfile.gettempdir()) / "odh-tec-screenshots"  # one fixed name: the paths shown stay the same
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    local = tmp / "pvc" / "data"
    local.mkdir(parents=True)
    (local / "notes.txt").write_text("local PVC folder\n")

    from fakehub import FakeHub, layouts

    s3server = EmbeddedS3(tmp / "s3", credentials=ADMIN)
    s3server.start()
    hub = FakeHub(page_size=50)
    hub.__enter__()
    servers: list[LiveServer] = []
    try:
        layouts.tiny_gpt2(hub)
        layouts.gated_llama(hub)
        layouts.gguf_quants(hub)
        layouts.tiny_llama(hub, scale=1)  # the import still running while the screens are shot
        s3 = S3Server(s3server.endpoint, ADMIN).client()
        seed(s3)
        main_s3 = S3Server(s3server.endpoint, ADMIN)
        # A second S3 connection from S3_CONNECTIONS_FILE (read-only in the UI): the same server by another name.
        connections_file = tmp / "connections.yaml"
        archive = s3server.endpoint.replace("127.0.0.1", "localhost")
        connections_file.write_text(
            json.dumps(
                [
                    {
                        "name": "archive",
                        "endpoint": archive,
                        "default_bucket": "datasets",
                        "access_key_id": ADMIN.access_key_id,
                        "secret_access_key": ADMIN.secret_access_key,
                    }
                ]
            )
        )
        live = LiveServer(
            make_config(
                main_s3,
                tmp / "app",
                local_storage_paths=str(local),
                aws_s3_bucket="models",
                hf_endpoint=hub.url,
                s3_connections_file=str(connections_file),
            )
        ).start()
        servers.append(live)
        # The embedded S3 (its keys on Settings, no bucket yet: the picker offers to create one).
        embedded = LiveServer(
            make_config(
                main_s3,
                tmp / "embedded",
                aws_s3_endpoint="",
                aws_access_key_id="",
                aws_secret_access_key="",
                odh_tec_embedded_s3=True,
                local_storage_paths=str(local),
            )
        ).start()
        servers.append(embedded)
        guarded = LiveServer(make_config(main_s3, tmp / "auth", auth_token=TOKEN)).start()  # AUTH=token
        servers.append(guarded)
        for server in (live, embedded):
            with server.client() as client:
                client.put("/api/disclaimer", json={"accepted": True}).raise_for_status()
        api = httpx.Client(base_url=live.url, timeout=30)
        # And one added on the Settings page (saved in the data dir).
        api.post(
            "/api/connections",
            json={"name": "team-scratch", "endpoint": "https://s3.eu-west-1.amazonaws.com", "region": "eu-west-1"},
        ).raise_for_status()
        # Jobs for the Transfers page: an import and a copy done, an import failed (gated file), one running.
        done = post_job(
            api,
            {
                "kind": "huggingface",
                "source": {"repo_id": "hf-tiny-v2/tiny-random-GPT2Model"},
                "destination": {"location_id": "s3:scratch", "prefix": ""},
            },
        )
        wait_for_end(api, [done])
        hub.inject("status", path="tokenizer.json", status=403, times=None)
        failing = post_job(
            api,
            {
                "kind": "huggingface",
                "source": {"repo_id": "hf-tiny-v2/tiny-random-GPT2Model"},
                "destination": {"location_id": "s3:scratch", "prefix": "failing/"},
            },
        )
        copied = post_job(
            api,
            {
                "kind": "copy",
                "source": {"location_id": "s3:models", "prefixes": [MODEL]},
                "destination": {"location_id": "s3:scratch", "prefix": "backup/"},
                "conflict": "skip",
            },
        )
        wait_for_end(api, [failing, copied])
        hub.reset()
        hub.inject("throttle", path="model.safetensors", host="lfs", rate=4 * 1024, times=None)
        post_job(
            api,
            {
                "kind": "huggingface",
                "source": {"repo_id": "optimum-internal-testing/tiny-random-llama"},
                "destination": {"location_id": "s3:models", "prefix": "imports/"},
            },
        )
        time.sleep(3)

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for width, theme, screens in PASSES:
                wanted = [name for name in SCREENS if name in screens and name in only]
                if wanted:
                    Shooter(browser, out, tmp, s3, width, theme, live, embedded, guarded).run(wanted)
            browser.close()
    finally:
        for server in reversed(servers):
            server.stop()
        hub.__exit__(None, None, None)
        s3server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"screenshots in {out}")


class Shooter:
    """One browser context (one width, one theme) walking through the screens."""

    def __init__(self, browser, out: Path, tmp: Path, s3, width: int, theme: str, live, embedded, guarded):
        self.out, self.tmp, self.s3, self.width, self.theme = out, tmp, s3, width, theme
        self.live, self.embedded, self.guarded = live, embedded, guarded
        self.context = browser.new_context(
            viewport={"width": width, "height": 900},
            locale="en-US",
            timezone_id="UTC",
            device_scale_factor=1,
            color_scheme=theme,
        )
        self.context.add_init_script(f"localStorage.setItem('odh-tec-theme', '{theme}')")
        self.page = self.context.new_page()
        self.page.set_default_timeout(20_000)

    def run(self, names: list[str]) -> None:
        try:
            for name in names:
                try:
                    after = getattr(self, "shot_" + name.replace("-", "_"))()
                except Exception:
                    failure = Path(tempfile.gettempdir()) / f"odh-tec-screenshot-failed-{name}.png"
                    self.page.screenshot(path=str(failure))
                    print(f"{name} failed: the page as it was is in {failure}", file=sys.stderr)
                    raise
                self.snap(name)
                if after:
                    after()
                self.page.keyboard.press("Escape")
        finally:
            self.context.close()

    def snap(self, name: str) -> None:
        self.page.wait_for_timeout(400)  # let transitions settle
        suffix = "" if self.width == 1440 else f"-{self.width}"
        self.page.screenshot(path=str(self.out / f"{name}{suffix}-{self.theme}.png"))
        print(f"  {name}{suffix}-{self.theme}.png", flush=True)

    def go(self, path: str, server=None) -> None:
        self.page.goto((server or self.live).url + path)
        self.page.get_by_role("heading", level=1).wait_for()  # (at 800 px the navigation starts closed)

    def dialog(self, name: str):
        return self.page.get_by_role("dialog", name=name)

    def row_action(self, name: str, action: str) -> None:
        self.page.get_by_role("button", name=f"Actions for {name}").click()
        self.page.get_by_role("menuitem", name=action, exact=True).click()

    def select_weights(self) -> None:
        self.go(f"/browse/s3:models?prefix={MODEL}")
        self.page.get_by_text("config.json", exact=True).wait_for()
        self.page.get_by_role("checkbox", name="Select model-00001-of-00002.safetensors").check()
        self.page.get_by_role("checkbox", name="Select model-00002-of-00002.safetensors").check()

    # ---- the screens ----------------------------------------------------------------------------

    def shot_storage_browser(self) -> None:
        self.select_weights()

    def shot_object_details(self) -> None:
        self.go(f"/browse/s3:models?prefix={MODEL}")
        self.row_action("config.json", "Details")
        self.page.get_by_role("dialog").get_by_text("8d6a1b7c0f2e4a9b").first.wait_for()

    def shot_preview_code(self) -> None:
        self.go("/browse/s3:models?prefix=scripts/")
        self.page.get_by_role("button", name="train.py", exact=True).click()
        self.page.get_by_role("dialog").get_by_text("Language: python").wait_for()

    def shot_preview_parquet(self) -> None:
        self.go("/browse/s3:datasets?prefix=tickets/")
        self.page.get_by_role("button", name="train.parquet", exact=True).click()
        self.page.get_by_role("dialog").get_by_text("row groups").wait_for()

    def shot_uploads(self):
        """Two files on their way (the network held to 192 KiB/s), one done, one that already exists."""
        self.go("/browse/s3:datasets?prefix=tickets/")
        self.page.get_by_text("train.parquet", exact=True).wait_for()
        up = self.tmp / "up"
        up.mkdir(exist_ok=True)
        sizes = {"labels.json": 4_000, "sample.csv": 200_000, "eval.jsonl": 3_000_000, "test.jsonl": 2_400_000}
        for name, size in sizes.items():
            (up / name).write_bytes(b"x" * size)
        cdp = self.context.new_cdp_session(self.page)
        cdp.send("Network.enable")
        cdp.send(
            "Network.emulateNetworkConditions",
            {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 192 * 1024},
        )
        self.page.get_by_test_id("file-input").set_input_files([str(up / n) for n in sizes])
        uploads = self.dialog("Uploads")
        uploads.get_by_text("already exists").first.wait_for()
        uploads.locator('[data-testid="upload-row"][data-state="done"]').first.wait_for()
        self.page.wait_for_timeout(3000)

        def after() -> None:  # the same state for the next pass: nothing new in the bucket
            uploads.get_by_role("button", name="Cancel all").click()  # (the file that exists too)
            uploads.locator('[data-testid="upload-row"][data-state="uploading"]').first.wait_for(state="detached")
            cdp.send(
                "Network.emulateNetworkConditions",
                {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
            )
            cdp.detach()
            self.s3.delete_object(Bucket="datasets", Key="tickets/labels.json")

        return after

    def shot_copy_move(self) -> None:
        self.select_weights()
        self.page.get_by_role("button", name="Copy or move…").click()
        dialog = self.dialog("Copy or move 2 items")
        dialog.get_by_label("Destination location").select_option(label="scratch (S3)")
        dialog.get_by_label("Destination folder").fill("backup/granite-3.3-2b-instruct/")  # the copy made above
        dialog.get_by_role("button", name="Check").click()
        dialog.get_by_text("2 already exist").wait_for()

    def shot_sync_plan(self) -> None:
        """The model synced onto its backup (the copy made above): a changed file, an extra one to delete."""
        backup = "backup/granite-3.3-2b-instruct/"
        self.s3.put_object(Bucket="scratch", Key=backup + "README.md", Body=b"# Granite (an older card)\n")
        self.s3.put_object(Bucket="scratch", Key=backup + "optimizer.pt", Body=b"\0" * 120_000)
        self.go("/browse/s3:models?prefix=ibm-granite/")
        self.row_action("granite-3.3-2b-instruct", "Sync…")
        dialog = self.dialog(f"Sync models/{MODEL} to…")
        dialog.get_by_label("Destination location").select_option(label="scratch (S3)")
        dialog.get_by_label("Destination folder").fill(backup)
        dialog.get_by_label("Delete files that are not in the source").check()
        dialog.get_by_role("button", name="Preview plan").click()
        dialog.get_by_test_id("sync-plan").wait_for()

    def shot_share_link(self) -> None:
        """A link of one day for a weights file, with the honest note of an endpoint only this machine reaches."""
        self.go(f"/browse/s3:models?prefix={MODEL}")
        self.page.get_by_text("config.json", exact=True).wait_for()
        self.row_action("model-00001-of-00002.safetensors", "Share link…")
        dialog = self.page.get_by_role("dialog")
        dialog.get_by_label("Link expires after").select_option(label="1 day")
        dialog.get_by_role("button", name="Create link").click()
        dialog.get_by_test_id("share-expires-at").wait_for()

    def shot_copy_uri(self) -> None:
        """The model folder as an s3:// URI, a KServe InferenceService and a boto3 snippet."""
        self.go("/browse/s3:models?prefix=ibm-granite/")
        self.row_action("granite-3.3-2b-instruct", "Copy URI…")
        self.page.get_by_role("dialog").get_by_test_id("uri-kserve").wait_for()

    def shot_modelcar(self) -> None:
        """The model folder as a ModelCar image: its reference, base image and folder, before the push."""
        self.go("/browse/s3:models?prefix=ibm-granite/")
        self.row_action("granite-3.3-2b-instruct", "Package as ModelCar…")
        dialog = self.page.get_by_role("dialog")
        dialog.get_by_label("Image reference").fill("quay.io/my-team/granite-3.3-2b-instruct:v1")
        dialog.get_by_label("Exclude patterns").fill("*.md")

    def shot_rename(self) -> None:
        self.go(f"/browse/s3:models?prefix={MODEL}")
        self.row_action("README.md", "Rename…")
        self.dialog("Rename README.md").get_by_role("textbox").fill("MODEL_CARD.md")

    def shot_hf_import(self) -> None:
        self.go("/browse/s3:models?prefix=imports/")
        self.page.get_by_role("button", name="Import from HuggingFace").click()
        dialog = self.dialog("Import from HuggingFace")
        dialog.get_by_role("textbox", name="Repository").fill("afrideva/tiny-random-LlamaForCausalLM-GGUF")
        dialog.get_by_role("button", name="One GGUF quantization").click()
        dialog.get_by_role("button", name="Preview").click()
        dialog.get_by_test_id("hf-preview-files").locator("tr").last.scroll_into_view_if_needed()

    def shot_transfers(self) -> None:
        self.go("/transfers")
        self.page.locator('[data-testid="job-row"][data-state="running"]').first.wait_for()
        failed = self.page.locator('[data-testid="job-row"][data-state="failed"]').first
        if failed.count():
            failed.get_by_role("button", name="Show files of").click()

    def shot_buckets(self) -> None:
        self.go("/buckets")
        self.page.locator('[data-testid="bucket-row"]').first.wait_for()

    def shot_create_bucket(self) -> None:
        self.go("/buckets")
        self.page.get_by_role("button", name="Create bucket").click()
        self.page.get_by_role("dialog").get_by_role("textbox", name="Name").fill("My_Bucket")

    def shot_location_picker_create(self) -> None:
        self.go("/browse", self.embedded)
        self.page.get_by_test_id("location-picker").click()
        self.page.get_by_role("button", name="Create bucket").wait_for()

    def shot_settings(self) -> None:
        self.go("/settings")
        self.page.get_by_role("button", name="Test connection").click()
        self.page.get_by_test_id("test-result").wait_for()

    def shot_settings_embedded(self) -> None:
        self.go("/settings", self.embedded)
        self.page.get_by_role("button", name="Reveal the embedded S3 keys").click()
        self.page.get_by_test_id("embedded-keys-file").wait_for()
        self.page.get_by_test_id("embedded-s3").scroll_into_view_if_needed()

    def shot_settings_connections(self) -> None:
        self.go("/settings?tab=connections")
        self.page.get_by_role("button", name="Test connection archive").click()
        self.page.get_by_test_id("connection-test-result").wait_for()

    def shot_vram(self) -> None:
        self.go("/vram")
        self.page.get_by_test_id("vram-verdict").wait_for()
        self.page.wait_for_timeout(600)

    def shot_vram_finetune(self) -> None:
        """QLoRA under torchtune: the training stack, and allocated / reserved / device figures."""
        self.go("/vram")
        self.page.get_by_test_id("vram-verdict").wait_for()
        self.page.get_by_role("button", name="Fine-tuning").click()
        self.page.get_by_role("button", name="QLoRA").click()
        self.page.get_by_label("Training stack").select_option("torchtune")
        self.page.get_by_test_id("vram-figures").get_by_text("torchtune").first.wait_for()
        self.page.wait_for_timeout(600)

    def shot_about(self) -> None:
        self.go("/browse")
        self.page.get_by_role("button", name="Help").click()
        self.page.get_by_role("menuitem", name="About").click()
        self.page.get_by_role("dialog").get_by_text("S3 endpoint", exact=True).wait_for()

    def shot_login(self) -> None:
        self.page.goto(self.guarded.url + "/")
        self.page.get_by_label("Access token").wait_for()


if __name__ == "__main__":
    main()
