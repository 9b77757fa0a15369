"""Each Hub failure comes back as its own error code, from the dry run and from starting a job."""

from __future__ import annotations

import socket

import httpx
import pytest

from odh_tec.hf.errors import ProxyAuthRequired, hub_error, network_reason

from .conftest import OTHER_TOKEN, TOKEN, hf_body, run_import, s3_keys, wait_job

GATED = "meta-llama/Llama-3.2-1B"
PRIVATE = "acme/private-model"


def _preview(client, repo_id, **source):
    return client.post("/api/transfers/huggingface/preview", json={"source": {"repo_id": repo_id, **source}})


CASES = [
    # (name, repo_id, source fields, status, code)
    ("missing repo", "nobody/nothing", {}, 404, "RepoNotFound"),
    ("missing repo with a token", "nobody/nothing", {"token": TOKEN}, 404, "RepoNotFound"),
    ("private, anonymous", PRIVATE, {}, 404, "RepoNotFound"),
    ("private, token without access", PRIVATE, {"token": OTHER_TOKEN}, 404, "RepoNotFound"),
    ("gated, anonymous", GATED, {}, 401, "GatedRepo"),
    ("gated, not approved", GATED, {"token": OTHER_TOKEN}, 403, "GatedNotApproved"),
    (
        "invalid token on a public repo",
        "hf-tiny-v2/tiny-random-GPT2Model",
        {"token": "hf_expired"},
        401,
        "InvalidToken",
    ),
    ("missing revision", "hf-tiny-v2/tiny-random-GPT2Model", {"revision": "no-such-branch"}, 404, "RevisionNotFound"),
    (
        "missing file named in include",
        "hf-tiny-v2/tiny-random-GPT2Model",
        {"include": ["config.jsn"]},
        404,
        "EntryNotFound",
    ),
]


@pytest.mark.parametrize(("name", "repo_id", "source", "status", "code"), CASES, ids=[c[0] for c in CASES])
def test_error_codes(hf_api, bucket, name, repo_id, source, status, code):
    r = _preview(hf_api, repo_id, **source)
    assert (r.status_code, r.json()["error"]) == (status, code), r.text
    assert r.json()["message"]
    r = hf_api.post("/api/transfers", json=hf_body(repo_id, f"s3:{bucket}", **source))
    assert (r.status_code, r.json()["error"]) == (status, code), r.text


def test_messages_say_what_to_do(hf_api, hub):
    gated = _preview(hf_api, GATED).json()["message"]
    assert "token" in gated and hub.url in gated
    not_approved = _preview(hf_api, GATED, token=OTHER_TOKEN).json()["message"]
    assert "request" in not_approved.lower()
    assert (
        "invalid or expired" in _preview(hf_api, "hf-tiny-v2/tiny-random-GPT2Model", token="hf_bad").json()["message"]
    )


def test_configured_token_and_request_token(hf_api, hf_live, bucket, s3):
    """Approved token → the gated import works; the request's token wins over the configured one."""
    assert _preview(hf_api, GATED, token=TOKEN).status_code == 200
    hf_live.services.settings.huggingface.token = TOKEN
    assert _preview(hf_api, GATED).status_code == 200
    assert _preview(hf_api, GATED, token=OTHER_TOKEN).status_code == 403
    job = run_import(hf_api, GATED, f"s3:{bucket}", "", include=["config.json", "model.safetensors"])
    assert job["state"] == "completed", job
    assert len(s3_keys(s3, bucket)) == 2


def test_gated_readme_is_readable_without_access(hf_api, bucket, s3):
    job = run_import(hf_api, GATED, f"s3:{bucket}", "", include=["README.md"])
    assert job["state"] == "completed", job
    assert s3_keys(s3, bucket) == [f"{GATED}/README.md"]


def test_entry_missing_at_download_fails_that_file_only(hf_api, hub, bucket, s3):
    repo_id = "hf-tiny-v2/tiny-random-GPT2Model"
    hub.inject(
        "status",
        path="tokenizer_config.json",
        host="hub",
        status=404,
        times=None,
        headers={"X-Error-Code": "EntryNotFound"},
    )
    job = run_import(hf_api, repo_id, f"s3:{bucket}", "")
    assert job["state"] == "failed"
    by_path = {f["path"]: f for f in job["files"]}
    assert by_path["tokenizer_config.json"]["state"] == "failed"
    assert by_path["tokenizer_config.json"]["error"].startswith("EntryNotFound")
    assert all(f["state"] == "done" for p, f in by_path.items() if p != "tokenizer_config.json")
    # Not worth retrying: asked once.
    assert len(hub.log.find(path_contains="tokenizer_config.json")) == 1
    assert "tokenizer_config.json" in job["error"]


def test_hub_unreachable_names_the_endpoint(hf_api, hf_live, bucket):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed once we leave: nothing listens there
    endpoint = f"http://127.0.0.1:{port}"
    hf_live.services.settings.huggingface.endpoint = endpoint
    r = _preview(hf_api, "hf-tiny-v2/tiny-random-GPT2Model")
    assert r.status_code == 502 and r.json()["error"] == "HubUnreachable"
    assert endpoint in r.json()["message"]


def test_unknown_destination(hf_api):
    r = hf_api.post("/api/transfers", json=hf_body("hf-tiny-v2/tiny-random-GPT2Model", "s3:no-such-bucket-here"))
    assert (r.status_code, r.json()["error"]) == (404, "NoSuchBucket")
    r = hf_api.post("/api/transfers", json=hf_body("hf-tiny-v2/tiny-random-GPT2Model", "local:nope"))
    assert (r.status_code, r.json()["error"]) == (404, "NoSuchLocation")


def test_bad_requests(hf_api, bucket):
    r = hf_api.post("/api/transfers", json=hf_body("../etc", f"s3:{bucket}"))
    assert (r.status_code, r.json()["error"]) == (400, "InvalidRepoId")
    r = hf_api.post("/api/transfers", json={"kind": "teleport", "source": {}, "destination": {}})
    assert r.status_code == 422
    r = hf_api.get("/api/transfers/nope")
    assert (r.status_code, r.json()["error"]) == (404, "NoSuchTransfer")


def test_failed_job_is_reported(hf_api, hub, bucket):
    hub.inject("status", path="/config.json", host="hub", status=500, times=None)
    r = hf_api.post("/api/transfers", json=hf_body("hf-tiny-v2/tiny-random-GPT2Model", f"s3:{bucket}"))
    job = wait_job(hf_api, r.json()["id"])
    assert job["state"] == "failed" and job["totals"]["files_failed"] == 1
    config = next(f for f in job["files"] if f["path"] == "config.json")
    assert config["error"].startswith("HubServerError")


def test_a_repo_listing_past_the_file_cap_is_refused(hf_api, monkeypatch):
    """A runaway tree listing (a hostile or broken Hub) stops at the cap, with a clear 422."""
    from odh_tec.hf import client

    monkeypatch.setattr(client, "MAX_FILES", 2)
    r = _preview(hf_api, "hf-tiny-v2/tiny-random-GPT2Model")
    assert (r.status_code, r.json()["error"]) == (422, "LimitExceeded"), r.text
    assert "more than 2 files" in r.json()["message"]


# The mapping itself, as the Settings page's Hub test uses it too -----------------------------------


def _answer(status: int, headers: dict | None = None) -> httpx.Response:
    request = httpx.Request("GET", "https://mirror.example/api/whoami-v2")
    return httpx.Response(status, headers=headers, request=request)


def test_a_proxy_asking_for_credentials():
    error = hub_error(_answer(407), endpoint="https://mirror.example")
    assert (type(error), error.status, error.code) == (ProxyAuthRequired, 502, "ProxyAuthenticationRequired")
    assert "proxy URL" in error.message


@pytest.mark.parametrize(("status", "expected"), [(401, "InvalidToken"), (404, "HubNotFound"), (500, "HubServerError")])
def test_a_hub_nobody_configured_is_not_quoted(status, expected):
    said = {"X-Error-Message": "internal note: hunter2"}
    quoted = hub_error(_answer(status, said), endpoint="https://mirror.example", token_sent=True)
    ours = hub_error(_answer(status, said), endpoint="https://mirror.example", token_sent=True, quote_server=False)
    assert quoted.code == ours.code == expected
    assert "hunter2" in quoted.message and "hunter2" not in ours.message


def test_a_protocol_error_is_not_quoted():
    banner = httpx.RemoteProtocolError("illegal status line: bytearray(b'SSH-2.0-OpenSSL-proxy timed out')")
    assert network_reason(banner, "http://10.0.0.5:22") == "the answer is not HTTP"
    closed = httpx.RemoteProtocolError("Server disconnected without sending a response.")
    assert network_reason(closed, "http://10.0.0.5:22") == "it closed the connection without answering"
