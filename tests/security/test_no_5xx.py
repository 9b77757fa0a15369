"""No route of the OpenAPI document answers a 5xx to bad input.

Every operation is sent a set of malformed requests built from its own schema: path parameters that
name nothing, query values of the wrong type or absurd size, and bodies that are not JSON, not
objects, too deep, or full of wrong types. Bad input is the client's fault: a 4xx, never a 500.
A 502/503/504 is allowed: the test app's Hub endpoint has nothing behind it, and a well-formed repo
id such as '1e309' rightly gets "cannot reach the Hub".
"""

from __future__ import annotations

import json

import httpx
import pytest

BAD_PATH_VALUES = ["nope", "s3:no-such-bucket-zz", "local:none", "%00", "..%2F..%2Fetc", "x" * 2000]
BAD_SCALARS = ["", "-1", "1e309", "NaN", "true", "\u202e\u0000", "x" * 5000, "[]"]
BAD_BODIES = [
    b"",
    b"not json",
    b"[]",
    b"null",
    b"123",
    b'"text"',
    b"[" * 50_000 + b"]" * 50_000,
    json.dumps({"x": {"y": [1, 2, {"z": None}]}}).encode(),
]


def _wrong_typed(schema: dict, components: dict) -> list[dict]:
    """Bodies shaped like the schema's object, with every field of a wrong type or absurd value."""
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    properties = schema.get("properties") or {}
    if not properties:
        return []
    wrong = [1e308, -1, "", None, [], {}, "x" * 100_000, True, {"$ne": 1}]
    return [dict.fromkeys(properties, value) for value in wrong]


def _requests(spec: dict):
    components = spec.get("components", {}).get("schemas", {})
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "delete", "patch"):
                continue
            params = operation.get("parameters", [])
            in_path = [p["name"] for p in params if p["in"] == "path"]
            query = [p["name"] for p in params if p["in"] == "query"]
            body_schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            for value in BAD_PATH_VALUES[: 3 if query or body_schema else None]:
                url = path
                for name in in_path:
                    url = url.replace("{" + name + "}", value)
                for scalar in BAD_SCALARS[:4]:
                    yield method, url, dict.fromkeys(query, scalar), None
                if body_schema is not None:
                    for body in BAD_BODIES:
                        yield method, url, {}, body
                    for body in _wrong_typed(body_schema, components):
                        yield method, url, {}, json.dumps(body).encode()
            for scalar in BAD_SCALARS:
                url = path
                for name in in_path:
                    url = url.replace("{" + name + "}", "s3:no-such-bucket-zz" if name == "location_id" else "x")
                yield method, url, dict.fromkeys(query, scalar), None


@pytest.fixture
def fuzz_target(make_live, local_root):
    """An app of its own: bad input must change nothing, but this one can be thrown away if it does."""
    return make_live(local_storage_paths=str(local_root))


def test_no_route_answers_5xx_to_bad_input(fuzz_target):
    failures = []
    with fuzz_target.client(timeout=httpx.Timeout(20, read=5)) as client:
        spec = client.get("/api/openapi.json").json()
        count = 0
        for method, url, params, body in _requests(spec):
            if url.endswith("/events"):
                continue  # an endless stream; its input is checked in the transfer tests
            headers = {"Content-Type": "application/json"} if body is not None else {}
            try:
                answer = client.request(method.upper(), url, params=params, content=body, headers=headers)
            except httpx.ReadTimeout:
                continue
            count += 1
            if answer.status_code >= 500 and answer.status_code not in (502, 503, 504):
                failures.append(
                    f"{method.upper()} {url} {params} {(body or b'')[:60]!r} -> "
                    f"{answer.status_code} {answer.text[:200]}"
                )
    assert count > 300
    assert not failures, "\n".join(failures[:40])
