"""The JSON of `GET /locations/{id}/preview`, one shape per `kind` (built in `previews.build`)."""

from __future__ import annotations

from typing import Annotated, Literal, NotRequired

from pydantic import Field
from typing_extensions import TypedDict

# A table cell: numbers and booleans as they are, anything else (dates, nested values, bytes in hex,
# non-finite floats) as text.
Cell = str | int | float | bool | None


class PreviewBase(TypedDict):
    truncated: bool  # only the head of the object is shown
    key: str
    name: str
    size: int
    content_type: str | None


class TextPreview(PreviewBase):
    """Text or code (`text`), or a JSON document indented (`json`)."""

    kind: Literal["text", "json"]
    language: str  # a hint for the highlighter: python, yaml, json, text…
    text: str
    bytes_shown: NotRequired[int]  # `text` only
    note: NotRequired[str]  # why a .json file is shown as plain text


class TablePreview(PreviewBase):
    kind: Literal["table"]
    format: Literal["csv", "tsv", "jsonl"]
    columns: list[str]
    rows: list[list[Cell]]


class ParquetField(TypedDict):
    name: str
    type: str  # the Arrow type, as Arrow writes it
    nullable: bool


class ParquetPreview(PreviewBase):
    kind: Literal["parquet"]
    schema: list[ParquetField]
    schema_fields: int  # all the fields, of which `schema` lists the first ones
    num_rows: int
    num_row_groups: int
    created_by: str | None
    columns: list[str]
    rows: list[list[Cell]]
    note: str | None  # columns left out, and why
    bytes_read: int
    range_requests: int


class ImagePreview(PreviewBase):
    kind: Literal["image"]
    image_type: str  # the content type `/preview/raw` answers with


class BinaryPreview(PreviewBase):
    kind: Literal["binary"]


Preview = Annotated[
    TextPreview | TablePreview | ParquetPreview | ImagePreview | BinaryPreview, Field(discriminator="kind")
]
