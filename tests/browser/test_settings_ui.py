"""Settings: a secret round trip that never shows the secret, in the page or in any response."""

from __future__ import annotations

import contextlib

from .conftest import open_app

SECRET = "hf_SUPER_secret_token_0123456789"


def test_secret_round_trip_never_visible(page, live):
    bodies: list[str] = []

    def record(response):
        with contextlib.suppress(Exception):  # some responses (redirects, aborted) have no body
            bodies.append(response.text())

    page.on("response", record)
    saved = live.services.settings.huggingface
    try:
        open_app(page, live, "/settings")
        page.get_by_role("tab", name="HuggingFace").click()
        form = page.get_by_role("form", name="HuggingFace")
        save = form.get_by_role("button", name="Save")
        assert save.is_disabled()  # nothing edited yet
        state = page.get_by_test_id("huggingface-token-state")
        assert state.inner_text() == "Not set"
        form.get_by_role("button", name="Replace Token").click()
        form.get_by_label("New token").fill(SECRET)
        assert save.is_enabled()
        save.click()
        page.get_by_text("Settings saved").first.wait_for()
        assert state.inner_text() == "Set"
        assert live.services.settings.huggingface.token == SECRET
        assert save.is_disabled()
        # Reload: still "Set", and the value is nowhere.
        page.reload()
        page.get_by_role("tab", name="HuggingFace").click()
        page.get_by_test_id("huggingface-token-state").wait_for()
        assert page.get_by_test_id("huggingface-token-state").inner_text() == "Set"
        assert SECRET not in page.content()
        assert all(SECRET not in body for body in bodies)
        # Clear it.
        form = page.get_by_role("form", name="HuggingFace")
        form.get_by_role("button", name="Clear Token").click()
        form.get_by_role("button", name="Save").click()
        page.get_by_test_id("huggingface-token-state").filter(has_text="Not set").wait_for()
        assert live.services.settings.huggingface.token == ""
    finally:
        live.services.settings.huggingface = saved


def test_s3_test_connection_and_transfers_validation(page, live):
    open_app(page, live, "/settings")
    form = page.get_by_role("form", name="S3")
    form.get_by_role("button", name="Test connection").click()
    result = page.get_by_test_id("test-result")
    result.wait_for()
    assert "Connection test passed" in result.inner_text()
    assert "bucket(s) visible" in result.inner_text()
    assert page.get_by_test_id("s3-secret_access_key-state").inner_text() == "Set"
    page.get_by_role("tab", name="Transfers").click()
    form = page.get_by_role("form", name="Transfers")
    field = form.get_by_label("Maximum concurrent transfers")
    field.fill("0")
    form.get_by_text("Enter a whole number from 1 to 64").wait_for()
    assert form.get_by_role("button", name="Save").is_disabled()


def test_bandwidth_limit_field(page, live):
    engine = live.services.transfers
    try:
        open_app(page, live, "/settings?tab=transfers")
        form = page.get_by_role("form", name="Transfers")
        field = form.get_by_label("Bandwidth limit")
        assert field.input_value() == ""  # unlimited
        field.fill("fast")
        form.get_by_text("A size per second").wait_for()
        assert form.get_by_role("button", name="Save").is_disabled()
        field.fill("20MiB")
        form.get_by_role("button", name="Save").click()
        page.get_by_text("Settings saved").first.wait_for()
        assert live.services.settings.transfers.max_transfer_rate == engine.bandwidth.rate == 20 << 20
        page.reload()
        assert page.get_by_role("form", name="Transfers").get_by_label("Bandwidth limit").input_value() == "20MiB"
    finally:
        live.services.settings.transfers.max_transfer_rate = 0
        engine.set_rate(0)
