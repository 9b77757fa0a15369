"""The "Package as ModelCar…" dialog of a folder: the job runs against a real registry, the Transfers
page shows the pushed reference and the storageUri with a copy button; skopeo checks the image."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

import pytest

import fakehub
import oci_registry
from fakehub import layouts
from oci_registry import skopeo_inspect
from odh_tec.config import RegistrySettings
from served import hub_endpoint

from .conftest import open_app
from .test_sync_ui import row_action

pytestmark = pytest.mark.registry
# The registry fixtures of tests/oci_registry.py, for this module's tests.
registry_tools, busybox_dir, plain_registry = (
    oci_registry.registry_tools,
    oci_registry.busybox_dir,
    oci_registry.plain_registry,
)


def test_package_a_folder_as_a_modelcar(page, live, local_root, plain_registry):
    settings = live.services.settings
    saved = settings.registry
    settings.registry = RegistrySettings(
        base_image=f"{plain_registry.host}/base/busybox:latest", insecure=[plain_registry.host]
    )
    try:
        name = f"modelcar-ui-{uuid.uuid4().hex[:6]}"
        (local_root / name / "sub").mkdir(parents=True)
        (local_root / name / "config.json").write_bytes(b'{"model_type": "llama"}')
        (local_root / name / "sub/model.safetensors").write_bytes(b"\x02" * 70_000)
        (local_root / name / "notes.log").write_bytes(b"not wanted")
        location = live.services.locations.local[0]

        open_app(page, live, f"/browse/{location.id}")
        row_action(page, name, "Package as ModelCar…")
        dialog = page.get_by_role("dialog")
        dialog.get_by_text(f"Package {location.name}/{name}/ as a ModelCar").wait_for()
        dialog.get_by_role("button", name="Package and push").click()
        dialog.get_by_text("Enter the image to push").wait_for()  # required, said before any request
        image = f"{plain_registry.host}/ui/{name}:v1"
        dialog.get_by_label("Image reference").fill(image)
        dialog.get_by_label("Exclude patterns").fill("*.log")
        dialog.get_by_role("button", name="Package and push").click()
        dialog.wait_for(state="detached")

        open_app(page, live, "/transfers")
        row = page.locator('[data-testid="job-row"][data-kind="modelcar"]').first
        row.get_by_text(f"ModelCar → {image}").wait_for()
        page.locator('[data-testid="job-row"][data-kind="modelcar"][data-state="completed"]').first.wait_for(
            timeout=60_000
        )
        row.locator("button[aria-expanded]").click()
        reference = page.get_by_test_id("modelcar-reference")
        reference.wait_for()
        assert f"{plain_registry.host}/ui/{name}@sha256:" in reference.inner_text()
        uri = page.get_by_test_id("modelcar-storage-uri")
        assert (
            uri.locator("input").input_value().startswith(f"storageUri: oci://{plain_registry.host}/ui/{name}@sha256:")
        )
        assert uri.get_by_role("button").count() >= 1  # the copy button
    finally:
        settings.registry = saved
    inspected = skopeo_inspect(plain_registry, f"ui/{name}:v1")
    assert len(inspected["Layers"]) == 1 + 2  # busybox, config.json, sub/model.safetensors (notes.log excluded)


@pytest.fixture(scope="module")
def hub() -> Iterator:
    with fakehub.FakeHub(page_size=3) as fake:
        layouts.tiny_gpt2(fake)
        yield fake


def test_hf_import_as_a_modelcar(page, live, hub, plain_registry, bucket):
    """The import dialog's other destination: the Hub repo streamed into the registry, nothing in the bucket."""
    settings = live.services.settings
    saved = settings.registry
    settings.registry = RegistrySettings(base_image="scratch", insecure=[plain_registry.host])
    image = f"{plain_registry.host}/ui/gpt2:{uuid.uuid4().hex[:6]}"
    try:
        with hub_endpoint(live, hub.url):
            open_app(page, live, f"/browse/s3:{bucket}")
            page.get_by_text("This folder is empty").wait_for()
            page.get_by_role("button", name="Import from HuggingFace").click()
            dialog = page.get_by_role("dialog", name="Import from HuggingFace")
            dialog.get_by_role("textbox", name="Repository").fill("hf-tiny-v2/tiny-random-GPT2Model")
            dialog.get_by_role("button", name="A ModelCar image").click()
            start = dialog.get_by_role("button", name="Start import")
            assert start.is_disabled()  # no image yet
            dialog.get_by_role("textbox", name="Image reference").fill(image)
            start.click()
            progress = dialog.get_by_test_id("hf-progress")
            progress.get_by_test_id("state-label").filter(has_text="Completed").wait_for(timeout=60_000)
    finally:
        settings.registry = saved
    inspected = skopeo_inspect(plain_registry, image.split("/", 1)[1])
    assert len(inspected["Layers"]) == 5  # scratch: one layer per file of the repo
    assert inspected["Labels"]["org.opencontainers.image.source"] == "hf://hf-tiny-v2/tiny-random-GPT2Model"
    assert live.services.settings.registry is saved


def test_registry_settings_tab_tests_and_saves_write_only(page, live, plain_registry):
    settings = live.services.settings
    saved = settings.registry
    secret = "robot-token-" + uuid.uuid4().hex
    settings.registry = RegistrySettings(insecure=[plain_registry.host])
    bodies: list[str] = []

    def record(response) -> None:
        with contextlib.suppress(Exception):  # some responses (the event stream, redirects) have no body
            bodies.append(response.text())

    page.on("response", record)
    try:
        open_app(page, live, "/settings?tab=registry")
        form = page.get_by_role("form", name="Registry")
        form.get_by_label("Registry host").fill(plain_registry.host)
        form.get_by_label("Username").fill("robot")
        form.get_by_role("button", name="Replace Password or token").click()
        form.get_by_label("New password or token").fill(secret)
        form.get_by_role("button", name="Test").click()
        result = form.get_by_test_id("test-result")
        result.wait_for()
        assert "Reached" in result.inner_text() and "plain HTTP" in result.inner_text()
        form.get_by_role("button", name="Save").click()
        page.get_by_text("Settings saved").first.wait_for()
        assert page.get_by_test_id("registry-password-state").inner_text() == "Set"
        assert settings.registry.password == secret and settings.registry.host == plain_registry.host
        assert not any(secret in body for body in bodies)  # write-only: never sent back
    finally:
        settings.registry = saved
