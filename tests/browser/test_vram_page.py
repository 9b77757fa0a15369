"""The VRAM estimator page: presets, Hub models and manual geometry; inputs re-estimate (debounced) and the
verdict, the per-GPU bars and the table follow; invalid inputs and server errors show inline; axe; light and
dark screenshots (into $ODH_TEC_SCREENSHOTS when set, e.g. docs/screenshots)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from fakehub import FakeHub, models
from served import hub_endpoint

from .conftest import open_app
from .test_shell import axe_ready, axe_violations  # noqa: F401 - axe_ready is a fixture

# ---- helpers ------------------------------------------------------------------------------------


def open_vram(page, live):
    open_app(page, live, "/vram")
    page.get_by_role("heading", level=1, name="VRAM estimator").wait_for()
    page.get_by_test_id("vram-verdict").wait_for()
    return page


def verdict(page) -> str:
    return page.get_by_test_id("vram-verdict").inner_text()


def subverdict(page) -> str:
    return page.get_by_test_id("vram-subverdict").first.inner_text()


def changed(locator, old: str) -> str:
    """Wait until the estimate behind `locator` is replaced (the request is debounced), return the new text."""
    expect(locator).not_to_have_text(old, timeout=15_000)
    return locator.inner_text()


def new_verdict(page, old: str) -> str:
    return changed(page.get_by_test_id("vram-verdict"), old)


def segments(page, bar: int = 0) -> dict[str, float]:
    """GiB per term of one bar, read from the drawn segments."""
    out = {}
    for seg in page.get_by_test_id("vram-bar").nth(bar).locator("[data-term]").all():
        out[seg.get_attribute("data-term")] = float(seg.get_attribute("data-gib"))
    return out


def segment_width(page, term: str, bar: int = 0) -> float:
    return page.get_by_test_id("vram-bar").nth(bar).locator(f'[data-term="{term}"]').bounding_box()["width"]


def numbers(text: str) -> list[float]:
    return [float(n.replace(",", "")) for n in re.findall(r"\d[\d,]*(?:\.\d+)?", text)]


def _figure(page, term: str) -> float:
    """GiB of one key figure (the description after `term`)."""
    group = page.get_by_test_id("vram-figures").locator(".pf-v6-c-description-list__group").filter(has_text=term)
    return numbers(group.locator(".pf-v6-c-description-list__description").first.inner_text())[0]


def fits(text: str) -> tuple[int, str]:
    match = re.match(r"Fits on (\d+) × (\S+) with ([\d.]+) GiB to spare", text)
    assert match, text
    return int(match[1]), match[2]


# ---- tests --------------------------------------------------------------------------------------


def test_inputs_update_the_verdict_and_the_bars(page, live):
    open_vram(page, live)
    # Default: Llama 3.1 8B on vLLM, 8k max_model_len, the fewest H100s that fit.
    first = verdict(page)
    assert fits(first) == (1, "H100-80GB")
    kv_tokens, concurrent, length = numbers(subverdict(page))[:3]
    assert length == 8192 and kv_tokens > 100_000 and concurrent == kv_tokens // 8192
    arch = page.get_by_test_id("vram-architecture")
    assert "32 layers · 32 heads, 8 KV heads (GQA)" in arch.inner_text()
    bar = segments(page)
    assert {"weights", "kv_cache", "activations"} <= set(bar)
    assert bar["weights"] == pytest.approx(15.0, abs=0.5)
    table = page.get_by_test_id("vram-table")
    assert "KV cache" in table.inner_text() and "On the device" in table.inner_text()
    explanations = page.get_by_test_id("vram-explanations").inner_text()
    assert "paged KV pool" in explanations

    # A 70B preset needs tensor parallelism: more GPUs, weights split over them.
    page.get_by_label("Popular model").select_option(label="Llama 3.3 70B Instruct")
    expect(page.get_by_test_id("vram-loading")).to_be_visible()  # debounced: at least 300 ms
    seventy = new_verdict(page, first)
    expect(page.get_by_test_id("vram-loading")).to_have_count(0)
    gpus, gpu = fits(seventy)
    assert gpu == "H100-80GB" and gpus >= 2
    expect(arch).to_contain_text("80 layers")
    assert "tensor parallel" in page.get_by_test_id("vram-figures").inner_text()
    weights_70b = segments(page)["weights"]
    assert weights_70b > 2 * bar["weights"]

    # A longer max_model_len: one request no longer fits the pool of 2 GPUs, the search goes to more.
    before = subverdict(page)
    tokens_before = numbers(before)[0]
    page.get_by_label("Max model length").fill("32768")
    longer = new_verdict(page, seventy)
    assert fits(longer)[0] > gpus
    tokens_after, concurrent_after, length_after = numbers(subverdict(page))[:3]
    assert length_after == 32768 and tokens_after >= 32768 > tokens_before
    assert concurrent_after == tokens_after // 32768
    assert segments(page)["weights"] < weights_70b  # split over more GPUs

    # A bigger GPU: the KV pool grows, the bar follows.
    kv_h100 = segments(page)["kv_cache"]
    old = verdict(page)
    page.get_by_label("GPU", exact=True).select_option("H200")
    h200 = new_verdict(page, old)
    assert "H200" in h200
    assert segments(page)["kv_cache"] > kv_h100
    assert fits(h200)[0] <= fits(longer)[0]

    # Fine-tuning: gradients and optimizer states appear, in the bar and in the table.
    page.get_by_label("GPU", exact=True).select_option("H100-80GB")
    old = new_verdict(page, h200)
    page.get_by_role("button", name="Fine-tuning").click()
    page.get_by_label("Sequence length").fill("4096")
    page.get_by_role("button", name="QLoRA").click()
    expect(page.get_by_label("Weights", exact=True)).to_have_value("nf4")
    qlora = new_verdict(page, old)
    assert qlora.startswith("Fits on 1 × H100-80GB")
    terms = segments(page)
    assert {"weights", "gradients", "optimizer", "activations", "logits"} <= set(terms)
    assert terms["weights"] < weights_70b  # 4-bit base, on one GPU
    expect(page.get_by_test_id("vram-subverdict")).to_contain_text("trainable parameters")
    expect(page.get_by_test_id("vram-table")).to_contain_text("Optimizer states")

    # The training stack: the figures say which counter is which and which stack is assumed.
    figures = page.get_by_test_id("vram-figures")
    expect(figures).to_contain_text("Reserved per GPU")
    expect(figures).to_contain_text("max_memory_reserved")
    expect(figures).to_contain_text("HF Trainer / TRL + PEFT")
    reserved, device = _figure(page, "Reserved per GPU"), _figure(page, "Device memory per GPU")
    assert _figure(page, "Peak allocated per GPU") <= reserved <= device
    # torchtune keeps QLoRA's embeddings, norms and adapters in bf16: the weights shrink.
    page.get_by_label("Training stack").select_option("torchtune")
    torchtune = new_verdict(page, qlora)
    expect(figures).to_contain_text("torchtune")
    expect(page.get_by_text("no fp32 up-cast").first).to_be_visible()
    assert segments(page)["weights"] < terms["weights"]
    # A fused linear cross-entropy never materializes the logits: the logits segment shrinks.
    logits = segments(page)["logits"]
    page.get_by_role("button", name="Advanced").click()
    page.get_by_label("Cross-entropy").select_option("fused")
    new_verdict(page, torchtune)
    assert segments(page).get("logits", 0.0) < logits / 4  # (the peak may move to the backward)
    # Optimizer states on the CPU: the optimizer segment goes.
    page.get_by_text("Optimizer states on the CPU (ZeRO-Offload, FSDP cpu_offload)").click()
    expect(page.get_by_label("Optimizer states on the CPU (ZeRO-Offload, FSDP cpu_offload)")).to_be_checked()
    expect(page.get_by_test_id("vram-bar").first.locator('[data-term="optimizer"]')).to_have_count(0)
    qlora = verdict(page)
    page.get_by_role("button", name="Advanced").click()

    # Full fine-tuning of a 70B model does not fit one GPU without sharding.
    page.get_by_role("button", name="Full", exact=True).click()
    full = new_verdict(page, qlora)
    assert full.startswith("Does not fit on 1 × H100-80GB")
    assert page.get_by_test_id("vram-verdict").get_attribute("data-fits") == "false"
    expect(page.get_by_test_id("vram-warnings")).to_contain_text("zero3")
    # The overflowing bar is drawn past a capacity marker.
    assert page.get_by_test_id("vram-bar").first.locator(".odh-vram-capacity").count() == 1


def test_segments_have_tooltips_and_the_bar_a_description(page, live):
    open_vram(page, live)
    bar = page.get_by_test_id("vram-bar").first
    label = bar.get_attribute("aria-label")
    assert label.startswith("GPU 0: Weights") and "KV cache" in label and "of 79.19 GiB" in label
    bar.locator('[data-term="kv_cache"]').hover()
    tooltip = page.get_by_role("tooltip")
    expect(tooltip).to_contain_text(re.compile(r"KV cache: [\d.]+ GiB \([\d.]+ % of the GPU\)"))
    legend = page.get_by_role("list", name="Legend")
    expect(legend).to_contain_text("Weights")
    expect(legend).to_contain_text("Free")


def test_invalid_inputs_and_server_errors_show_inline(page, live):
    open_vram(page, live)
    context = page.get_by_label("Max model length")
    context.fill("0")
    expect(page.get_by_text("A whole number from 1 to 10,000,000")).to_be_visible()
    expect(page.get_by_test_id("vram-invalid")).to_be_visible()
    expect(context).to_have_attribute("aria-invalid", "true")
    context.fill("8192")
    expect(page.get_by_test_id("vram-invalid")).to_have_count(0)

    page.get_by_label("Memory utilization").fill("1.5")
    expect(page.get_by_text("A number above 0 and at most 1")).to_be_visible()
    page.get_by_label("Memory utilization").fill("0.9")

    # The server refuses a tensor-parallel size that does not divide the heads: its message is shown.
    page.get_by_label("Number of GPUs").select_option("3")
    error = page.get_by_test_id("vram-error")
    expect(error).to_contain_text("The estimate failed")
    expect(error).to_contain_text("does not divide 32 attention heads")
    expect(page.get_by_test_id("vram-verdict")).to_have_count(0)
    page.get_by_label("Number of GPUs").select_option("4")
    expect(error).to_have_count(0)
    expect(page.get_by_test_id("vram-verdict")).to_contain_text("on 4 × H100-80GB")

    # llama.cpp runs GGUF files: the weights switch to a GGUF type.
    page.get_by_role("button", name="llama.cpp").click()
    expect(page.get_by_label("Weights", exact=True)).to_have_value("gguf-q4_k_m")
    expect(page.get_by_test_id("vram-subverdict")).to_contain_text("llama.cpp context: 8,192 tokens")


def test_manual_geometry(page, live):
    open_vram(page, live)
    page.get_by_role("button", name="Manual").click()
    # Prefilled from the current model.
    hidden = page.get_by_label("Hidden size")
    expect(hidden).to_have_value("4096")
    expect(page.get_by_label("Layers", exact=True)).to_have_value("32")
    weights = segments(page)["weights"]
    old = verdict(page)
    page.get_by_label("Layers", exact=True).fill("64")
    expect(page.get_by_test_id("vram-architecture")).to_contain_text("64 layers")
    new_verdict(page, old)
    assert segments(page)["weights"] > 1.6 * weights
    page.get_by_label("KV heads").fill("x")
    expect(page.get_by_label("KV heads")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text(re.compile(r"A whole number from 1 to 10,000(?!,)"))).to_be_visible()
    expect(page.get_by_text("Choose a model to see an estimate.")).to_be_visible()


@pytest.fixture(scope="module")
def vram_hub() -> Iterator:
    with FakeHub(page_size=2) as hub:
        models.estimator_repos(hub)
        yield hub


@pytest.fixture
def hub_live(live, vram_hub):
    with hub_endpoint(live, vram_hub.url):
        yield live


def test_model_from_the_hub(page, hub_live):
    open_vram(page, hub_live)
    page.get_by_role("button", name="Hugging Face").click()
    expect(page.get_by_text("Fetch a model to estimate it.")).to_be_visible()
    repo = page.get_by_label("Repository")
    repo.fill("acme/tiny-llama")
    page.get_by_role("button", name="Fetch").click()
    arch = page.get_by_test_id("vram-architecture")
    expect(arch).to_contain_text("2 layers · 4 heads, 2 KV heads (GQA)")
    expect(arch).to_contain_text("of weights in the checkpoint files (safetensors headers)")
    expect(page.get_by_test_id("vram-verdict")).to_contain_text("Fits on 1 × H100-80GB")

    for repo_id, status_text in [("acme/missing", "not found"), ("acme/gated", "gated")]:
        repo.fill(repo_id)
        repo.press("Enter")
        alert = page.get_by_test_id("vram-fetch-error")
        expect(alert).to_contain_text("Could not read the model")
        assert status_text in alert.inner_text().lower() or repo_id in alert.inner_text()
        expect(page.get_by_test_id("vram-verdict")).to_have_count(0)
    repo.fill("not a repo")
    expect(page.get_by_text("Use the form org/name")).to_be_visible()
    expect(page.get_by_role("button", name="Fetch")).to_be_disabled()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_accessibility_and_look(page, live, axe_ready, theme, tmp_path):  # noqa: F811 - fixture
    page.add_init_script(f"localStorage.setItem('odh-tec-theme', '{theme}')")
    open_vram(page, live)
    found = {"inference": axe_violations(page)}
    page.get_by_role("button", name="Fine-tuning").click()
    page.get_by_test_id("vram-subverdict").filter(has_text="trainable parameters").wait_for()
    page.get_by_role("button", name="Advanced").click()
    expect(page.get_by_label("Compute dtype")).to_be_visible()
    page.wait_for_timeout(600)  # the section fades in; axe would measure contrast mid-transition
    found["fine-tuning"] = axe_violations(page)
    problems = {where: v for where, v in found.items() if v}
    assert problems == {}, problems

    # Nothing spills out sideways, at the test viewport and on a laptop-sized one.
    for width in (1400, 1024):
        page.set_viewport_size({"width": width, "height": 900})
        overflow = page.evaluate(
            "() => { const m = document.getElementById('odh-tec-main');"
            " return [m.scrollWidth - m.clientWidth,"
            " document.documentElement.scrollWidth - document.documentElement.clientWidth]; }"
        )
        assert overflow == [0, 0], (width, overflow)

    # Screenshots of a multi-GPU answer (docs/screenshots/vram-<theme>.png with ODH_TEC_SCREENSHOTS).
    out = Path(os.environ.get("ODH_TEC_SCREENSHOTS") or tmp_path)
    page.set_viewport_size({"width": 1440, "height": 1300})
    page.get_by_role("button", name="Advanced").click()
    page.get_by_role("button", name="Inference").click()
    old = new_verdict(page, verdict(page))
    page.get_by_label("Popular model").select_option(label="Mixtral 8x7B Instruct v0.1")
    assert fits(new_verdict(page, old))[0] == 2
    # The two tensor-parallel ranks hold the same: one bar for both.
    expect(page.get_by_test_id("vram-bar")).to_have_count(1)
    expect(page.get_by_test_id("vram-chart")).to_contain_text("GPU 0–1 × 2")
    expect(page.get_by_test_id("vram-subverdict")).to_contain_text("vLLM KV cache")
    page.mouse.move(0, 0)
    page.evaluate("document.getElementById('odh-tec-main').scrollTo(0, 0)")
    page.wait_for_timeout(400)
    out.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out / f"vram-{theme}.png"))
