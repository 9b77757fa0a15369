"""Preview modal in the browser: text (highlighted), CSV, Parquet, image; stored HTML never runs."""

from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.parquet as pq

from .test_browse import browse, row

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360f8cfc0f01f0005050200a2d5e1c70000000049454e44ae426082"
)


def open_preview(page, name: str):
    row(page, name).get_by_role("button", name=name, exact=True).click()
    return page.get_by_role("dialog", name=f"Preview: {name}")


def test_text_csv_parquet_and_image_previews(page, live, bucket, s3):
    s3.put_object(Bucket=bucket, Key="p/train.py", Body=b"def main():\n    return 'ok'  # done\n")
    s3.put_object(Bucket=bucket, Key="p/data.csv", Body=b"name,score\nalpha,1\nbeta,2\n")
    table = pa.table({"id": list(range(500)), "label": [f"label-{i}" for i in range(500)]})
    sink = io.BytesIO()
    pq.write_table(table, sink, row_group_size=100)
    s3.put_object(Bucket=bucket, Key="p/rows.parquet", Body=sink.getvalue())
    s3.put_object(Bucket=bucket, Key="p/dot.png", Body=PNG)
    browse(page, live, bucket, "p/")

    dialog = open_preview(page, "train.py")
    dialog.get_by_text("Language: python").wait_for()
    keyword = dialog.locator(".odh-hl-keyword", has_text="def")
    assert keyword.count() == 1
    assert dialog.locator(".odh-hl-comment").inner_text() == "# done"
    page.keyboard.press("Escape")

    dialog = open_preview(page, "data.csv")
    table_el = dialog.get_by_role("grid", name="First rows of data.csv")
    table_el.get_by_role("columnheader", name="score").wait_for()
    assert table_el.get_by_role("gridcell", name="beta").is_visible()
    page.keyboard.press("Escape")

    dialog = open_preview(page, "rows.parquet")
    dialog.get_by_text("Showing 100 of 500 rows (5 row groups).").wait_for()
    assert dialog.get_by_role("gridcell", name="label-99", exact=True).is_visible()
    dialog.get_by_role("tab", name="Schema").click()
    schema = dialog.get_by_role("grid", name="Schema of rows.parquet")
    assert schema.get_by_role("gridcell", name="int64").is_visible()
    page.keyboard.press("Escape")

    dialog = open_preview(page, "dot.png")
    image = dialog.get_by_role("img", name="Preview of dot.png")
    image.wait_for()
    page.wait_for_function("img => img.complete && img.naturalWidth === 1", arg=image.element_handle())


def test_stored_html_and_svg_never_execute(page, live, bucket, s3):
    evil = b"<html><body><script>window.parent.__pwned = 1; alert('pwned')</script><h1>evil</h1></body></html>"
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="window.parent.__pwned = 2; alert(2)"></svg>'
    s3.put_object(Bucket=bucket, Key="evil.html", Body=evil, ContentType="text/html")
    s3.put_object(Bucket=bucket, Key="evil.svg", Body=svg, ContentType="image/svg+xml")
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    browse(page, live, bucket)

    dialog = open_preview(page, "evil.html")
    dialog.get_by_text("Language: html").wait_for()
    assert "<script>window.parent.__pwned = 1;" in dialog.locator("pre").inner_text()
    page.keyboard.press("Escape")
    dialog = open_preview(page, "evil.svg")
    dialog.get_by_text("Language: xml").wait_for()
    page.keyboard.press("Escape")
    assert page.evaluate("window.__pwned") is None

    # Opened directly, the raw preview refuses non-images, and downloads are attachments.
    raw = page.request.get(f"{live.url}/api/locations/s3:{bucket}/preview/raw?key=evil.svg")
    assert raw.status == 415 and "svg" not in raw.headers["content-type"]
    download = page.request.get(f"{live.url}/api/locations/s3:{bucket}/download?key=evil.html")
    assert download.headers["content-disposition"].startswith("attachment")
    assert download.headers["x-content-type-options"] == "nosniff"
    page.wait_for_timeout(300)
    assert dialogs == []
    assert page.evaluate("window.__pwned") is None
