"""What a newcomer tripped over: versioned job updates (late answers, reordered events, a dropped
stream), listings that refresh themselves after a job, stale rows, location names instead of ids,
narrow layouts, the About dialog, the VRAM verdict, the copy dialog's disabled button, lighter delete
confirmations, rename, and "Create bucket" in an empty location picker."""

from __future__ import annotations

import contextlib
import json
import re
import time

from playwright.sync_api import expect

from odh_tec.transfers.events import EventHub
from odh_tec.transfers.model import FileState, Job, JobState, TransferFile

from .conftest import open_app
from .test_browse import browse, keys, row, row_action

ACTIVE_ROWS = '[data-testid="job-row"][data-state="queued"], [data-testid="job-row"][data-state="running"]'


def indicator(page):
    return page.get_by_test_id("transfers-indicator")


def local_location(live) -> dict:
    with live.client() as client:
        return next(loc for loc in client.get("/api/locations").json()["locations"] if loc["kind"] == "local")


def quietly(handler):
    """A route handler that gives up quietly when the page closes under it (end of test)."""

    def wrapped(route):
        with contextlib.suppress(Exception):
            handler(route)

    return wrapped


def start_copy(live, source: str, key: str, destination: str, prefix: str) -> None:
    """A copy of one file started through the API, as another tab or a script would start it."""
    body = {
        "kind": "copy",
        "source": {"location_id": source, "keys": [key]},
        "destination": {"location_id": destination, "prefix": prefix},
    }
    with live.client() as client:
        client.post("/api/transfers", json=body).raise_for_status()


def wait_for_keys(s3, bucket: str, wanted: list[str], timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while not set(wanted) <= set(keys(s3, bucket)):
        assert time.time() < deadline, (wanted, keys(s3, bucket))
        time.sleep(0.2)


# ---- 1. versions: the server's side ------------------------------------------------------------


def test_job_version_grows_with_every_change_and_rides_every_payload():
    """(No browser needed.) Equal content, equal version; any change the client shows, a higher one."""
    job = Job(
        kind="copy",
        title="t",
        source={},
        destination={},
        files=[TransferFile(path="a", key="a", size=4), TransferFile(path="b", key="b", size=4)],
    )
    first = job.to_json()["version"]
    assert job.to_json()["version"] == first and job.to_json(files=False)["version"] == first
    job.files[0].bytes_done = 2
    second = job.to_json(files=False)["version"]
    assert second > first
    job.state = JobState.RUNNING
    third = job.version
    assert third > second
    hub = EventHub()
    sub = hub.subscribe()
    hub.now(job)  # first event: in full
    full = json.loads(sub._pending[job.id][1])
    assert full["version"] == third and "files" in full
    sub._pending.clear()
    job.files[1].state = FileState.RUNNING
    hub.now(job)  # then a delta: only the changed file, and the version it brings the client to
    delta = json.loads(sub._pending[job.id][1])
    assert [f["path"] for f in delta["files_changed"]] == ["b"] and delta["version"] > third
    assert json.loads(hub.snapshot([job]))["jobs"][0]["version"] == delta["version"]


# ---- 1. versions: the client's side ------------------------------------------------------------


def test_late_start_answer_does_not_reopen_a_finished_copy(page, live, bucket, s3):
    """The answer to POST /api/transfers arrives 2 s late, after the stream said the copy completed."""
    s3.put_object(Bucket=bucket, Key="src/small.txt", Body=b"small")

    def late(route):
        if route.request.method != "POST":
            route.continue_()
            return
        response = route.fetch()
        time.sleep(2)
        route.fulfill(response=response)

    page.route("**/api/transfers", quietly(late))
    browse(page, live, bucket, "src/")
    page.get_by_role("checkbox", name="Select small.txt").check()
    page.get_by_role("button", name="Copy or move…").click()
    dialog = page.get_by_role("dialog", name="Copy or move 1 item")
    dialog.get_by_label("Destination folder").fill("dest/")
    dialog.get_by_role("button", name="Copy", exact=True).click()
    dialog.wait_for(state="detached", timeout=20_000)
    wait_for_keys(s3, bucket, ["dest/small.txt"])
    indicator(page).click()
    page.locator('[data-testid="job-row"][data-kind="copy"][data-state="completed"]').first.wait_for()
    page.wait_for_timeout(1000)
    expect(page.locator(ACTIVE_ROWS)).to_have_count(0)
    expect(indicator(page)).to_have_attribute("aria-label", "No active transfers")


def crafted_job(job_id: str, version: int, state: str, files: list[tuple[str, str, int]], **extra) -> dict:
    done = sum(1 for _, s, _ in files if s == "done")
    return {
        "id": job_id,
        "version": version,
        "kind": "huggingface",
        "state": state,
        "title": f"org/{job_id}@main",
        "source": {"repo_id": f"org/{job_id}", "revision": "main"},
        "destination": {"location_id": "s3:crafted", "prefix": "models/"},
        "created_at": "2030-01-01T00:00:00Z",
        "started_at": "2030-01-01T00:00:01Z",
        "finished_at": "2030-01-01T00:00:09Z" if state in ("completed", "failed", "cancelled") else None,
        "resolved_revision": None,
        "error": None,
        "totals": {
            "files": len(files),
            "files_done": done,
            "files_failed": 0,
            "files_skipped": 0,
            "files_cancelled": 0,
            "bytes": 8 * len(files),
            "bytes_done": sum(b for *_, b in files),
            "rate_bps": 0,
            "eta_seconds": None,
        },
        "files": [
            {"path": p, "destination_key": f"models/{p}", "size": 8, "bytes_done": b, "state": s, "error": None}
            for p, s, b in files
        ],
        **extra,
    }


def delta(job: dict, changed: list[str]) -> dict:
    out = {k: v for k, v in job.items() if k != "files"}
    out["files_changed"] = [f for f in job["files"] if f["path"] in changed]
    out["files_count"] = len(job["files"])
    return out


def sse(*events: tuple[str, dict], retry: int) -> str:
    return f"retry: {retry}\n\n" + "".join(f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events)


def job_row(page, job_id: str):
    return page.locator('[data-testid="job-row"]').filter(has_text=f"org/{job_id}@main")


def test_reordered_events_and_a_dropped_stream_keep_the_newest_state(page, live):
    """A stale full event and a stale delta after a newer delta; then the stream drops, and the new
    snapshot (the job moved on, another job is gone) and a late delta follow."""
    v1 = crafted_job("jobj", 1, "queued", [("a.bin", "queued", 0), ("b.bin", "queued", 0)])
    v2 = crafted_job("jobj", 2, "running", [("a.bin", "running", 0), ("b.bin", "queued", 0)])
    v3 = crafted_job("jobj", 3, "running", [("a.bin", "running", 4), ("b.bin", "queued", 0)])
    v4 = crafted_job("jobj", 4, "running", [("a.bin", "done", 8), ("b.bin", "queued", 0)])
    v5 = crafted_job("jobj", 5, "running", [("a.bin", "done", 8), ("b.bin", "running", 4)])
    v7 = crafted_job("jobj", 7, "completed", [("a.bin", "done", 8), ("b.bin", "done", 8)])
    gone = crafted_job("jobgone", 3, "running", [("x.bin", "running", 2)])
    first = sse(
        ("snapshot", {"jobs": [v2, gone]}),
        ("job", delta(v4, ["a.bin"])),
        ("job", v1),
        ("job", delta(v3, ["a.bin"])),
        retry=200,
    )
    second = sse(
        ("snapshot", {"jobs": [v5]}), ("job", delta(v4, ["a.bin", "b.bin"])), ("job", v1), ("job", v7), retry=600_000
    )
    held = []

    def stream(route):
        if not held:
            held.append(route)
            route.fulfill(
                status=200, headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}, body=first
            )
        else:
            held.append(route)  # answered below, once the first stream's outcome is checked

    page.route("**/api/transfers/events", quietly(stream))
    open_app(page, live, "/transfers")
    job = job_row(page, "jobj")
    expect(job).to_have_attribute("data-state", "running")
    expect(job.get_by_test_id("job-progress")).to_contain_text("1/2 files")
    expect(job_row(page, "jobgone")).to_have_count(1)
    page.wait_for_timeout(500)  # the stale events had their chance
    expect(job.get_by_test_id("job-progress")).to_contain_text("1/2 files")
    job.get_by_role("button", name="Show files of").click()
    files = page.get_by_test_id("job-files").first
    expect(files.locator("tr", has_text="a.bin").get_by_test_id("state-label")).to_have_text("Done")
    expect(files.locator("tr", has_text="b.bin").get_by_test_id("state-label")).to_have_text("Queued")

    # The stream drops; the reconnection's snapshot no longer has the other job.
    deadline = time.time() + 15
    while len(held) < 2:
        assert time.time() < deadline, "the page did not reconnect"
        page.wait_for_timeout(100)
    held[1].fulfill(status=200, headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}, body=second)
    expect(job).to_have_attribute("data-state", "completed")
    expect(job.get_by_test_id("job-progress")).to_contain_text("2/2 files")
    expect(job_row(page, "jobgone")).to_have_count(0)
    expect(files.locator("tr", has_text="b.bin").get_by_test_id("state-label")).to_have_text("Done")
    expect(indicator(page)).to_have_attribute("aria-label", "No active transfers")


# ---- 2. listings refresh themselves; stale rows ------------------------------------------------


def test_move_within_a_bucket_refreshes_the_listing(page, live, bucket, s3):
    s3.put_object(Bucket=bucket, Key="data/iris.csv", Body=b"a,b\n1,2\n")
    s3.put_object(Bucket=bucket, Key="data/keep.txt", Body=b"keep")
    browse(page, live, bucket, "data/")
    row(page, "iris.csv").wait_for()
    row_action(page, "iris.csv", "Copy or move…")
    dialog = page.get_by_role("dialog", name="Copy or move 1 item")
    dialog.get_by_label("Move").check()
    dialog.get_by_label("Destination folder").fill("archive/")
    dialog.get_by_role("button", name="Move", exact=True).click()
    dialog.wait_for(state="detached")
    # No click on Refresh: the finished job refreshes the open listing.
    row(page, "iris.csv").wait_for(state="detached", timeout=20_000)
    assert row(page, "keep.txt").is_visible()
    assert keys(s3, bucket) == ["archive/iris.csv", "data/keep.txt"]


def test_open_destination_refreshes_when_a_copy_lands(page, live, bucket, s3):
    """A copy started elsewhere (here: the API) into the folder this tab shows."""
    s3.put_object(Bucket=bucket, Key="in/fresh.txt", Body=b"fresh")
    local = local_location(live)
    folder = f"landing-{bucket}/"
    open_app(page, live, f"/browse/{local['id']}")
    page.get_by_role("button", name="Create folder").first.click()
    page.get_by_role("dialog").get_by_label("Folder name").fill(folder.rstrip("/"))
    page.get_by_role("dialog").get_by_role("button", name="Create").click()
    page.get_by_role("button", name=folder.rstrip("/"), exact=True).click()
    page.get_by_text("This folder is empty").wait_for()
    start_copy(live, f"s3:{bucket}", "in/fresh.txt", local["id"], folder)
    row(page, "fresh.txt").wait_for(timeout=20_000)


def test_a_row_that_is_gone_explains_itself(page, live, bucket, s3):
    s3.put_object(Bucket=bucket, Key="data/iris.csv", Body=b"a,b\n1,2\n")
    s3.put_object(Bucket=bucket, Key="data/keep.txt", Body=b"keep")
    browse(page, live, bucket, "data/")
    row(page, "iris.csv").wait_for()
    # No listing still on its way (a slow second load would already show the row gone).
    page.wait_for_load_state("networkidle")
    s3.delete_object(Bucket=bucket, Key="data/iris.csv")  # behind the page's back
    row(page, "iris.csv").get_by_role("button", name="iris.csv", exact=True).click()
    toast = page.get_by_test_id("toast").filter(has_text="iris.csv")
    expect(toast).to_contain_text("no longer")
    row(page, "iris.csv").wait_for(state="detached")
    assert "No object" not in page.inner_text("body")


# ---- 9. location names, never ids --------------------------------------------------------------


def test_job_titles_and_toasts_use_location_names(page, live, bucket, s3):
    s3.put_object(Bucket=bucket, Key="named/report.txt", Body=b"report")
    local = local_location(live)
    browse(page, live, bucket, "named/")
    row_action(page, "report.txt", "Copy or move…")
    dialog = page.get_by_role("dialog", name="Copy or move 1 item")
    dialog.get_by_label("Destination location").select_option(local["id"])
    dialog.get_by_label("Destination folder").fill(f"from-s3-{bucket}/")
    dialog.get_by_role("button", name="Copy", exact=True).click()
    dialog.wait_for(state="detached")
    finished = page.get_by_test_id("toast").filter(has_text="Finished")
    finished.first.wait_for(timeout=20_000)
    toasts = " | ".join(page.get_by_test_id("toast").all_inner_texts())
    assert local["name"] in toasts and "local:" not in toasts and "s3:" not in toasts, toasts
    indicator(page).click()
    title = page.get_by_test_id("job-title").filter(has_text=f"from-s3-{bucket}").first
    title.wait_for()
    assert "local:" not in title.inner_text() and local["name"] in title.inner_text()
    job = page.locator('[data-testid="job-row"]').filter(has_text=f"from-s3-{bucket}").first
    assert "local:" not in job.inner_text() and "s3:" not in job.inner_text()


# ---- 10, 11. About in dark mode; narrow screens ------------------------------------------------


def overlaps(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def test_about_dialog_has_no_overlap_in_dark_mode(page, live):
    page.add_init_script("localStorage.setItem('odh-tec-theme', 'dark')")
    open_app(page, live, "/")
    with live.client() as client:
        version = client.get("/api/info").json()["version"]
    page.get_by_role("button", name="Help").click()
    page.get_by_role("menuitem", name="About").click()
    about = page.get_by_role("dialog")
    term = about.get_by_text("S3 endpoint", exact=True)
    value = about.get_by_text(version, exact=True)
    term.wait_for()
    value.wait_for()
    boxes = [about.get_by_text(text, exact=True).bounding_box() for text in ("Version", version, "S3 endpoint")]
    assert not overlaps(boxes[1], boxes[2]), boxes
    assert not overlaps(boxes[0], boxes[2]), boxes
    # Terms and values are read in order, top to bottom.
    assert boxes[0]["y"] <= boxes[1]["y"] < boxes[2]["y"] + boxes[2]["height"], boxes


def test_narrow_transfers_page_and_navigation_drawer(page, live, bucket, s3):
    s3.put_object(Bucket=bucket, Key="narrow/a file with a long name.txt", Body=b"x")
    start_copy(live, f"s3:{bucket}", "narrow/a file with a long name.txt", f"s3:{bucket}", "narrow copies/of today/")
    page.set_viewport_size({"width": 800, "height": 900})
    page.goto(live.url + "/transfers")  # (the navigation starts closed at this width)
    page.get_by_role("heading", level=1, name="Transfers").wait_for()
    title = page.get_by_test_id("job-title").first
    title.wait_for()
    box = title.bounding_box()
    line = float(title.evaluate("e => parseFloat(getComputedStyle(e).lineHeight) || 24"))
    assert box["height"] <= 4 * line + 1, (box, line)  # not one word per line
    assert box["width"] >= 160, box

    # The drawer: open it, choose a page, and it closes (it would cover the page at this width).
    page.get_by_role("button", name="Toggle the navigation").click()
    nav = page.get_by_role("navigation", name="Main navigation")
    nav.get_by_role("link", name="Buckets").click()
    page.get_by_role("heading", level=1, name="Buckets").wait_for()
    sidebar = page.locator(".pf-v6-c-page__sidebar")
    expect(sidebar).not_to_have_class(re.compile("pf-m-expanded"))
    expect(sidebar).to_have_class(re.compile("pf-m-collapsed"))


# ---- 12. the VRAM verdict ----------------------------------------------------------------------


def test_vram_verdict_stays_in_view_and_comes_first_when_narrow(page, live):
    page.set_viewport_size({"width": 1400, "height": 700})
    open_app(page, live, "/vram")
    verdict = page.get_by_test_id("vram-verdict")
    verdict.wait_for()
    # Down to the end of the form (the hardware card): the estimate beside it is still in view.
    page.get_by_role("heading", name="Hardware", exact=True).evaluate("h => h.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(300)
    assert page.locator("#odh-tec-main").evaluate("m => m.scrollTop") > 300  # the page did scroll
    box = verdict.bounding_box()
    assert box and box["y"] >= 0 and box["y"] + box["height"] <= 700, box

    page.set_viewport_size({"width": 700, "height": 900})
    page.locator("#odh-tec-main").evaluate("m => m.scrollTo(0, 0)")
    page.wait_for_timeout(500)
    verdict_y = verdict.bounding_box()["y"]
    model_y = page.get_by_role("heading", name="Model", exact=True).bounding_box()["y"]
    assert verdict_y < model_y, (verdict_y, model_y)


# ---- 13. why Copy is disabled ------------------------------------------------------------------


def test_copy_dialog_says_why_copy_is_disabled(page, live, bucket, s3):
    s3.put_object(Bucket=bucket, Key="here/a.txt", Body=b"a")
    browse(page, live, bucket, "here/")
    row_action(page, "a.txt", "Copy or move…")
    dialog = page.get_by_role("dialog", name="Copy or move 1 item")
    copy = dialog.get_by_role("button", name="Copy", exact=True)
    expect(copy).to_be_disabled()
    reason = dialog.get_by_test_id("copy-same-folder")
    expect(reason).to_be_visible()
    assert "current folder" in reason.inner_text()
    dialog.get_by_label("Destination folder").fill("elsewhere/")
    expect(copy).to_be_enabled()
    expect(reason).to_have_count(0)


# ---- 14. lighter delete confirmations ----------------------------------------------------------


def test_deleting_a_few_files_needs_one_confirmation(page, live, bucket, s3):
    for name in ["a.txt", "b.txt", "c.txt"]:
        s3.put_object(Bucket=bucket, Key=f"few/{name}", Body=b"x")
    for name in ["1.txt", "2.txt", "sub/3.txt"]:
        s3.put_object(Bucket=bucket, Key=f"few/dir/{name}", Body=b"x")
    browse(page, live, bucket, "few/")
    page.get_by_role("checkbox", name="Select a.txt").check()
    page.get_by_role("checkbox", name="Select b.txt").check()
    page.get_by_role("button", name="Delete", exact=True).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("2 objects")
    assert dialog.get_by_role("textbox").count() == 0
    dialog.get_by_role("button", name="Delete").click()
    row(page, "a.txt").wait_for(state="detached")
    assert keys(s3, bucket, "few/") == ["few/c.txt", "few/dir/1.txt", "few/dir/2.txt", "few/dir/sub/3.txt"]
    # A folder still asks for its name, and says how many objects go with it.
    row_action(page, "dir", "Delete")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("3 objects")
    delete = dialog.get_by_role("button", name="Delete")
    expect(delete).to_be_disabled()
    dialog.get_by_label('Type "dir" to confirm').fill("dir")
    delete.click()
    row(page, "dir").wait_for(state="detached")
    assert keys(s3, bucket, "few/") == ["few/c.txt"]


# ---- 15. rename --------------------------------------------------------------------------------


def rename_folder(page, old: str, new: str) -> None:
    """Rename the row `old` through its dialog; a folder moves as a job, so its rows take a while."""
    row_action(page, old, "Rename…")
    dialog = page.get_by_role("dialog", name=f"Rename {old}")
    dialog.get_by_label("New name").fill(new)
    dialog.get_by_role("button", name="Rename", exact=True).click()
    dialog.wait_for(state="detached")
    row(page, new).wait_for(timeout=20_000)
    row(page, old).wait_for(state="detached", timeout=20_000)


def test_rename_a_file_and_a_folder(page, live, bucket, s3):
    s3.put_object(Bucket=bucket, Key="r/iris.csv", Body=b"a,b\n")
    s3.put_object(Bucket=bucket, Key="r/taken.csv", Body=b"t")
    s3.put_object(Bucket=bucket, Key="r/old/a.txt", Body=b"a")
    s3.put_object(Bucket=bucket, Key="r/old/sub/b.txt", Body=b"b")
    browse(page, live, bucket, "r/")
    row_action(page, "iris.csv", "Rename…")
    dialog = page.get_by_role("dialog", name="Rename iris.csv")
    name = dialog.get_by_label("New name")
    submit = dialog.get_by_role("button", name="Rename", exact=True)
    name.fill("bad/name.csv")
    expect(submit).to_be_disabled()
    expect(dialog).to_contain_text('"/"')
    name.fill("taken.csv")
    expect(submit).to_be_disabled()
    expect(dialog).to_contain_text("already exists")
    name.fill("  ")
    expect(submit).to_be_disabled()
    name.fill("flowers.csv")
    submit.click()
    dialog.wait_for(state="detached")
    row(page, "flowers.csv").wait_for(timeout=20_000)
    row(page, "iris.csv").wait_for(state="detached")
    assert s3.get_object(Bucket=bucket, Key="r/flowers.csv")["Body"].read() == b"a,b\n"

    rename_folder(page, "old", "new")
    assert keys(s3, bucket, "r/") == ["r/flowers.csv", "r/new/a.txt", "r/new/sub/b.txt", "r/taken.csv"]
    # The folder went as a move job, with progress on the Transfers page.
    indicator(page).click()
    page.locator('[data-testid="job-row"][data-kind="move"]').filter(has_text="old").first.wait_for()


# ---- 16. an empty location picker offers to create a bucket ------------------------------------


def test_location_picker_offers_create_bucket_when_it_lists_none(page, live, s3):
    local = local_location(live)

    def no_buckets(route):
        response = route.fetch()
        body = response.json()
        body["locations"] = [loc for loc in body["locations"] if loc["kind"] != "s3"]
        route.fulfill(response=response, json=body)

    page.route("**/api/locations", quietly(no_buckets))
    open_app(page, live, f"/browse/{local['id']}")
    page.get_by_test_id("location-picker").click()
    page.get_by_role("button", name="Create bucket").click()
    dialog = page.get_by_role("dialog", name="Create bucket")
    name = f"picked-{int(time.time() * 1000) % 10**9}"
    dialog.get_by_label("Name").fill(name)
    dialog.get_by_role("button", name="Create").click()
    try:
        page.wait_for_url(f"**/browse/s3%3A{name}", timeout=15_000)
        s3.head_bucket(Bucket=name)
    finally:
        with contextlib.suppress(Exception):
            s3.delete_bucket(Bucket=name)


def test_rename_a_local_folder(page, live, local_root):
    base = local_root / f"renaming-{int(time.time() * 1000) % 10**9}"
    (base / "before" / "deep").mkdir(parents=True)
    (base / "before" / "x.txt").write_bytes(b"x")
    (base / "before" / "deep" / "y.txt").write_bytes(b"y")
    local = local_location(live)
    open_app(page, live, f"/browse/{local['id']}?prefix={base.name}/")
    row(page, "before").wait_for()
    rename_folder(page, "before", "after")
    assert (base / "after" / "x.txt").read_bytes() == b"x"
    assert (base / "after" / "deep" / "y.txt").read_bytes() == b"y"
    deadline = time.time() + 10
    while (base / "before").exists():  # the emptied folder goes too
        assert time.time() < deadline, list((base / "before").rglob("*"))
        time.sleep(0.2)
