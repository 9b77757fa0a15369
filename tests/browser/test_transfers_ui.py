"""HuggingFace import from the browser against the fake Hub: dry run, live progress, cancel, errors;
the Transfers page and the masthead indicator from the one SSE stream."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

import fakehub
from conftest import LiveServer, make_config
from fakehub import layouts
from odh_tec.transfers.model import TransferFile
from odh_tec.transfers.specs import CopySpec
from served import hub_endpoint, store_unfinished_copy

from .conftest import open_app
from .test_browse import browse, keys

GPT2 = "hf-tiny-v2/tiny-random-GPT2Model"
GGUF = "afrideva/tiny-random-LlamaForCausalLM-GGUF"


@pytest.fixture(scope="module")
def hub() -> Iterator:
    with fakehub.FakeHub(page_size=3) as fake:
        layouts.tiny_gpt2(fake)
        layouts.gguf_quants(fake)
        layouts.gated_llama(fake)
        yield fake


@pytest.fixture
def hf_live(live, hub):
    hub.reset()
    with hub_endpoint(live, hub.url):
        yield live
    hub.reset()


def open_import(page, live, bucket):
    browse(page, live, bucket)
    page.get_by_text("This folder is empty").wait_for()
    page.get_by_role("button", name="Import from HuggingFace").click()
    return page.get_by_role("dialog", name="Import from HuggingFace")


def test_hf_import_preview_progress_and_result(page, hf_live, bucket, s3):
    dialog = open_import(page, hf_live, bucket)
    dialog.get_by_role("textbox", name="Repository").fill(GPT2)
    dialog.get_by_role("button", name="Preview").click()
    files = dialog.get_by_test_id("hf-preview-files")
    files.get_by_text("model.safetensors").wait_for()
    assert dialog.get_by_test_id("hf-preview-title").inner_text().startswith("5 files")
    dialog.get_by_role("button", name="Start import").click()
    progress = dialog.get_by_test_id("hf-progress")
    progress.get_by_test_id("state-label").filter(has_text="Completed").wait_for(timeout=60_000)
    assert "5/5 files" in progress.get_by_test_id("job-progress").inner_text()
    assert keys(s3, bucket) == sorted(
        f"{GPT2}/{name}"
        for name in [".gitattributes", "config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"]
    )
    dialog.get_by_role("button", name="Close").last.click()
    # The Transfers page lists it, also after a reload (snapshot on connect).
    page.get_by_test_id("transfers-indicator").click()
    page.locator('[data-testid="job-row"][data-state="completed"]').first.wait_for()
    page.reload()
    job = page.locator('[data-testid="job-row"][data-kind="huggingface"]').first
    job.wait_for()
    job.get_by_role("button", name="Show files of").click()
    page.get_by_test_id("job-files").first.get_by_text("tokenizer_config.json").wait_for()


def test_hf_import_gguf_preset_and_engine_errors(page, hf_live, bucket):
    dialog = open_import(page, hf_live, bucket)
    dialog.get_by_role("textbox", name="Repository").fill(GGUF)
    dialog.get_by_role("button", name="One GGUF quantization").click()
    dialog.get_by_label("GGUF quantization").select_option("Q4_K_M")
    dialog.get_by_role("button", name="Preview").click()
    files = dialog.get_by_test_id("hf-preview-files")
    files.wait_for()
    names = files.locator("tbody tr td:first-child").all_inner_texts()
    assert names and all("q4_k_m" in n.lower() or n == "README.md" for n in names), names
    # Errors from the engine are shown as they are.
    dialog.get_by_role("textbox", name="Repository").fill("nobody/does-not-exist")
    dialog.get_by_role("button", name="Preview").click()
    error = dialog.get_by_test_id("hf-error")
    error.wait_for()
    assert "not" in error.inner_text().lower()
    dialog.get_by_role("textbox", name="Repository").fill("meta-llama/Llama-3.2-1B")
    dialog.get_by_role("button", name="Preview").click()
    dialog.get_by_test_id("hf-error").filter(has_text="gated").or_(
        dialog.get_by_test_id("hf-error").filter(has_text="token")
    ).first.wait_for()


def test_hf_import_cancel(page, hf_live, hub, bucket, s3):
    hub.inject(fakehub.THROTTLE, path="model.safetensors", host="lfs", rate=64 * 1024, times=None)
    dialog = open_import(page, hf_live, bucket)
    dialog.get_by_role("textbox", name="Repository").fill(GPT2)
    dialog.get_by_role("button", name="Start import").click()
    progress = dialog.get_by_test_id("hf-progress")
    progress.get_by_test_id("state-label").filter(has_text="Running").first.wait_for(timeout=30_000)
    # The masthead shows one active transfer (the modal hides it from the accessibility tree meanwhile).
    indicator = page.get_by_test_id("transfers-indicator")
    page.locator('[data-testid="transfers-indicator"][aria-label="1 active transfer"]').wait_for()
    page.wait_for_function(
        "() => { const p = document.querySelector("
        "'[data-testid=hf-progress] [data-testid=job-progress] [role=progressbar]');"
        " return p && Number(p.getAttribute('aria-valuenow')) > 0; }",
        timeout=30_000,
    )
    dialog.get_by_role("button", name="Cancel import").click()
    progress.get_by_test_id("state-label").filter(has_text="Cancelled").first.wait_for(timeout=30_000)
    page.locator('[data-testid="transfers-indicator"][aria-label="No active transfers"]').wait_for()
    assert indicator.is_visible()
    assert f"{GPT2}/model.safetensors" not in keys(s3, bucket)
    open_app(page, hf_live, "/transfers")
    cancelled = page.locator('[data-testid="job-row"][data-state="cancelled"]')
    cancelled.first.wait_for()
    count = cancelled.count()
    cancelled.first.get_by_role("button", name="from the list").click()
    page.wait_for_function(
        f"() => document.querySelectorAll('[data-testid=job-row][data-state=cancelled]').length === {count - 1}"
    )


def test_move_selection_to_another_folder(page, live, bucket, s3):
    s3.put_object(Bucket=bucket, Key="src/a.txt", Body=b"a")
    s3.put_object(Bucket=bucket, Key="src/dir/b.txt", Body=b"b")
    s3.put_object(Bucket=bucket, Key="dest/a.txt", Body=b"old a")
    browse(page, live, bucket, "src/")
    page.get_by_role("checkbox", name="Select a.txt").check()
    page.get_by_role("checkbox", name="Select dir").check()
    page.get_by_role("button", name="Copy or move…").click()
    dialog = page.get_by_role("dialog", name="Copy or move 2 items")
    dialog.get_by_label("Move").check()
    dialog.get_by_label("Destination folder").fill("dest/")
    dialog.get_by_role("button", name="Check").click()
    dialog.get_by_text("2 files").wait_for()
    assert "1 already exists" in dialog.inner_text()
    dialog.get_by_label("Keep both (rename the copy)").check()
    dialog.get_by_role("button", name="Move", exact=True).click()
    dialog.wait_for(state="detached")
    page.get_by_test_id("transfers-indicator").click()
    page.locator('[data-testid="job-row"][data-kind="move"][data-state="completed"]').first.wait_for(timeout=30_000)
    left = keys(s3, bucket)
    assert "src/a.txt" not in left and "src/dir/b.txt" not in left
    assert "dest/a.txt" in left and "dest/dir/b.txt" in left
    assert s3.get_object(Bucket=bucket, Key="dest/a.txt")["Body"].read() == b"old a"
    assert len([k for k in left if k.startswith("dest/a")]) == 2  # the renamed copy


def test_a_resumed_job_says_so_and_finished_jobs_can_be_cleared(page, s3_server, s3, bucket, tmp_path):
    """A copy left unfinished by an earlier run (as in the app's store after a crash) resumes at start;
    the Transfers page says so, and "Clear finished" empties the history."""
    s3.put_object(Bucket=bucket, Key="src/a.txt", Body=b"abc")
    config = make_config(s3_server, tmp_path)
    spec = CopySpec(
        source_location=f"s3:{bucket}", destination_location=f"s3:{bucket}", keys=["src/a.txt"], prefix="dst/"
    )
    files = [TransferFile(path="src/a.txt", key="dst/a.txt", size=3, source="src/a.txt")]
    store_unfinished_copy(config.data_dir, spec, files)

    app = LiveServer(config).start()
    try:
        with app.client() as client:
            client.put("/api/disclaimer", json={"accepted": True}).raise_for_status()
        open_app(page, app, "/transfers")
        row = page.get_by_test_id("job-row")
        expect(row).to_have_attribute("data-state", "completed")
        expect(row.get_by_test_id("job-resumed")).to_have_text("Resumed after restart")
        page.get_by_role("button", name="Clear finished").click()
        expect(page.get_by_test_id("job-row")).to_have_count(0)
        with app.client() as client:
            assert client.get("/api/transfers").json()["jobs"] == []
    finally:
        app.stop()
    assert "dst/a.txt" in keys(s3, bucket)
