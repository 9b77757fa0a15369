"""What a newcomer tripped over, in the web UI's words (issue 10): the embedded S3's endpoint and keys on
the Settings page (the keys only on "Reveal"), an unreachable Hub said plainly with a way to the proxy
settings and no "Start import" after a failed preview, the VRAM verdict when the weights do not fit,
and concurrency as a whole number of requests."""

from __future__ import annotations

import contextlib
import re

from playwright.sync_api import expect

from .conftest import open_app
from .test_browse import browse, row


def _accept(server) -> None:
    with server.client() as client:
        client.put("/api/disclaimer", json={"accepted": True}).raise_for_status()


def test_settings_show_the_embedded_s3_and_reveal_its_keys_on_request(page, make_live):
    server = make_live(aws_s3_endpoint="", aws_access_key_id="", aws_secret_access_key="", odh_tec_embedded_s3=True)
    _accept(server)
    embedded = server.services.embedded
    assert embedded is not None
    secret = embedded.credentials.secret_access_key
    bodies: list[str] = []

    def record(response):
        with contextlib.suppress(Exception):  # streams, redirects
            bodies.append(response.text())

    page.on("response", record)
    open_app(page, server, "/settings")
    card = page.get_by_test_id("embedded-s3")
    card.wait_for()
    expect(page.get_by_test_id("embedded-endpoint")).to_have_text(embedded.endpoint)
    expect(page.get_by_test_id("embedded-access-key")).to_have_text(embedded.credentials.access_key_id)
    assert secret not in page.content() and not any(secret in body for body in bodies)
    page.get_by_role("button", name="Reveal the embedded S3 keys").click()
    expect(page.get_by_test_id("embedded-secret")).to_have_text(secret)
    expect(page.get_by_test_id("embedded-keys-file")).to_contain_text("credentials.json")
    page.get_by_role("button", name="Hide").click()
    expect(page.get_by_test_id("embedded-secret")).not_to_have_text(secret)
    assert not page.errors


def test_no_reveal_for_a_configured_s3(page, live):
    open_app(page, live, "/settings")
    page.get_by_role("form", name="S3").wait_for()
    expect(page.get_by_test_id("embedded-s3")).to_have_count(0)
    expect(page.get_by_role("button", name="Reveal the embedded S3 keys")).to_have_count(0)


def test_unreachable_hub_points_at_the_proxy_settings_and_blocks_start(page, live, bucket):
    # The shared app's Hub is http://127.0.0.1:9: nothing answers there.
    browse(page, live, bucket)
    page.get_by_text("This folder is empty").wait_for()
    page.get_by_role("button", name="Import from HuggingFace").click()
    dialog = page.get_by_role("dialog", name="Import from HuggingFace")
    dialog.get_by_role("textbox", name="Repository").fill("org/model")
    start = dialog.get_by_role("button", name="Start import")
    expect(start).to_be_enabled()
    dialog.get_by_role("button", name="Preview").click()
    error = dialog.get_by_test_id("hf-error")
    error.wait_for(timeout=30_000)
    text = error.inner_text()
    assert "Cannot reach the Hugging Face Hub (http://127.0.0.1:9" in text, text
    assert "Check the proxy in Settings or HF_ENDPOINT" in text and "Errno" not in text, text
    expect(start).to_be_disabled()
    # Editing the request makes it worth trying again.
    dialog.get_by_role("textbox", name="Revision").fill("v1")
    expect(start).to_be_enabled()
    dialog.get_by_role("button", name="Preview").click()
    expect(start).to_be_disabled(timeout=30_000)
    dialog.get_by_role("link", name="Open the proxy settings").click()
    page.get_by_role("heading", level=1, name="Settings").wait_for()
    expect(page.get_by_role("tab", name="Proxy")).to_have_attribute("aria-selected", "true")


def _numbers(text: str) -> list[float]:
    return [float(n.replace(",", "")) for n in re.findall(r"\d[\d,]*(?:\.\d+)?", text)]


def test_vram_concurrency_is_whole_requests_and_big_weights_are_named(page, live):
    open_app(page, live, "/vram")
    page.get_by_role("heading", level=1, name="VRAM estimator").wait_for()
    sub = page.get_by_test_id("vram-subverdict").first
    sub.wait_for()
    text = sub.inner_text()
    assert re.search(r"room for [\d,]+ concurrent requests of 8,192 tokens", text), text
    assert not re.search(r"\d\.\d+ concurrent", text), text
    tokens, requests = _numbers(text)[:2]
    assert requests == tokens // 8192

    # Llama 3.3 70B on one T4: the weights are the reason, and the warnings say how many GPUs it takes.
    verdict = page.get_by_test_id("vram-verdict")
    old = verdict.inner_text()
    page.get_by_label("Popular model").select_option(label="Llama 3.3 70B Instruct")
    page.get_by_label("GPU", exact=True).select_option("T4")
    page.get_by_label("Number of GPUs").select_option("1")
    expect(verdict).to_contain_text("of weights do not fit in 14.6 GiB", timeout=15_000)
    assert verdict.inner_text() != old
    assert re.search(r"Does not fit on 1 × T4: 131\.\d GiB of weights", verdict.inner_text()), verdict.inner_text()
    warnings = page.get_by_test_id("vram-warnings").inner_text()
    assert re.search(r"at least \d+ × T4", warnings), warnings
    assert "0 tokens" not in warnings and "max_model_len=" not in warnings, warnings
    assert not page.errors


def test_previews_do_not_speak_of_range_requests(page, live, bucket, s3):
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"id": list(range(500)), "label": [f"label-{i}" for i in range(500)]})
    sink = io.BytesIO()
    pq.write_table(table, sink, row_group_size=100)
    s3.put_object(Bucket=bucket, Key="rows.parquet", Body=sink.getvalue())
    browse(page, live, bucket)
    row(page, "rows.parquet").get_by_role("button", name="rows.parquet", exact=True).click()
    dialog = page.get_by_role("dialog", name="Preview: rows.parquet")
    dialog.get_by_text("Showing 100 of 500 rows (5 row groups).").wait_for()
    body = dialog.inner_text()
    assert "range request" not in body, body
    assert "of the file was downloaded for this preview" in body, body
