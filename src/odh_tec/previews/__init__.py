"""Previews of stored objects (text, tables, Parquet, JSON, images) and streamed zip archives.

Everything here reads only what it shows: the first bytes of a text file, the first rows of a CSV, the
footer and first row group of a Parquet file (through range requests). Nothing a user stored is ever
sent back as HTML or SVG: images are only served with a content type from a fixed allow-list.
"""

from odh_tec.previews.build import IMAGE_TYPES, build_preview, image_type
from odh_tec.previews.parquet import NotPreviewable
from odh_tec.previews.zipstream import ZipEntry, zip_stream

__all__ = ["IMAGE_TYPES", "NotPreviewable", "ZipEntry", "build_preview", "image_type", "zip_stream"]
