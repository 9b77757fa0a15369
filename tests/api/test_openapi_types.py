"""The OpenAPI document is the contract between the API and the web UI: every route says what it
answers, and frontend/src/api/schema.d.ts holds the types this document gives today."""

from __future__ import annotations

import difflib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from odh_tec.openapi import document

FRONTEND = Path(__file__).resolve().parents[2] / "frontend"
SCHEMA_TS = FRONTEND / "src" / "api" / "schema.d.ts"
GENERATOR = FRONTEND / "scripts" / "api-types.mjs"
METHODS = ("get", "put", "post", "delete", "patch")


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    return document()


def operations(openapi: dict[str, Any]):
    for path, item in openapi["paths"].items():
        for method in METHODS:
            if method in item:
                yield f"{method.upper()} {path}", item[method]


def resolve(schema: dict[str, Any], openapi: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if not ref:
        return schema
    return openapi["components"]["schemas"][ref.rsplit("/", 1)[-1]]


def says_what_it_holds(schema: dict[str, Any], media_type: str, openapi: dict[str, Any]) -> bool:
    """A JSON body is a model with named fields, an enum, or a list or union of those; any other
    body (a download, a zip, an event stream) is a string of bytes or text."""
    if media_type != "application/json":
        return schema.get("type") == "string"
    schema = resolve(schema, openapi)
    if "properties" in schema or "enum" in schema:
        return True
    if schema.get("type") == "array":
        return says_what_it_holds(schema.get("items", {}), media_type, openapi)
    union = schema.get("oneOf") or schema.get("anyOf")
    if union:
        return all(says_what_it_holds(member, media_type, openapi) for member in union)
    return False


def test_every_route_describes_its_answer(openapi):
    vague = []
    for name, operation in operations(openapi):
        answers = {status: r for status, r in operation["responses"].items() if status.startswith("2")}
        if not answers:
            vague.append(f"{name}: no 2xx answer")
        for status, answer in answers.items():
            content = answer.get("content") or {}
            if not content:
                vague.append(f"{name} {status}: no content")
            for media_type, body in content.items():
                if not says_what_it_holds(body.get("schema") or {}, media_type, openapi):
                    vague.append(f"{name} {status} {media_type}: {json.dumps(body.get('schema'))}")
    assert not vague, "routes without a response model (or, for bytes, a documented media type):\n" + "\n".join(vague)


def test_every_route_documents_the_error_body(openapi):
    schemas = openapi["components"]["schemas"]
    assert set(schemas["ErrorBody"]["required"]) == {"error", "message"}
    # FastAPI's own 422 body would be a lie: a validation error is an ErrorBody like every other.
    assert "HTTPValidationError" not in schemas
    undocumented = [
        name
        for name, operation in operations(openapi)
        if operation["responses"].get("4XX", {}).get("content", {}).get("application/json", {}).get("schema")
        != {"$ref": "#/components/schemas/ErrorBody"}
    ]
    assert not undocumented, f"routes whose 4XX answer is not documented as ErrorBody: {undocumented}"


def test_generated_types_are_current(openapi, tmp_path):
    node = shutil.which("node")
    if node is None or not (FRONTEND / "node_modules" / "openapi-typescript").is_dir():
        pytest.fail("node and frontend/node_modules are needed: run `cd frontend && npm ci` (`make test` does)")
    generated = tmp_path / "schema.d.ts"
    subprocess.run(
        [node, str(GENERATOR), str(generated)],
        input=json.dumps(openapi),
        text=True,
        check=True,
        capture_output=True,
        timeout=120,
    )
    committed = SCHEMA_TS.read_text() if SCHEMA_TS.exists() else ""
    if generated.read_text() != committed:
        diff = difflib.unified_diff(
            committed.splitlines(), generated.read_text().splitlines(), "committed", "generated", lineterm="", n=2
        )
        shown = "\n".join(list(diff)[:80])
        pytest.fail(
            "frontend/src/api/schema.d.ts does not match the API's OpenAPI document: "
            f"run `make api-types` and commit the result.\n{shown}"
        )
