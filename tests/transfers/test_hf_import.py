"""Hub → storage imports against the fake Hub and the real SeaweedFS: layouts, revisions, patterns,
odd names, metadata, skip-existing and the dry run."""

from __future__ import annotations

import hashlib

import pytest

from .conftest import TOKEN, hf_body, run_import, s3_keys


def _object(s3, bucket: str, key: str) -> tuple[bytes, dict]:
    answer = s3.get_object(Bucket=bucket, Key=key)
    return answer["Body"].read(), answer["Metadata"]


def test_sharded_model_lands_verified_with_metadata(hf_api, hub, bucket, s3):
    repo = hub.repo("hf-internal-testing/tiny-random-bert-sharded-safetensors")
    job = run_import(hf_api, repo.repo_id, f"s3:{bucket}", "models/")
    assert job["state"] == "completed", job
    assert job["resolved_revision"] == repo.sha
    base = f"models/{repo.repo_id}/"
    assert s3_keys(s3, bucket) == sorted(base + p for p in repo.files())
    totals = job["totals"]
    assert totals["files"] == totals["files_done"] == len(repo.files())
    assert totals["bytes"] == totals["bytes_done"] == sum(f.size for f in repo.files().values())
    for path, repo_file in repo.files().items():
        data, meta = _object(s3, bucket, base + path)
        assert data == repo_file.content.read(), path
        assert meta["hf-repo"] == repo.repo_id and meta["hf-commit"] == repo.sha and meta["hf-revision"] == "main"
        if repo_file.lfs:
            assert meta["hf-sha256"] == hashlib.sha256(data).hexdigest()
        else:
            assert meta["hf-oid"] == repo_file.oid
    assert all(f["state"] == "done" and f["bytes_done"] == f["size"] for f in job["files"])
    # No HEAD per file: one revision call, the paginated tree, then one GET per file.
    assert not hub.log.find(method="HEAD")
    assert len(hub.log.find(path_contains="/tree/")) >= 2  # page size 3: several pages


def test_model_with_subfolder_into_local_folder(hf_api, hub, live, local_root):
    repo = hub.repo("hf-internal-testing/tiny-random-bert-sharded-subfolder")
    location = f"local:{local_root.name}"
    job = run_import(hf_api, repo.repo_id, location, "sub/folder")
    assert job["state"] == "completed", job
    root = local_root / "sub/folder" / repo.repo_id
    for path, repo_file in repo.files().items():
        assert (root / path).read_bytes() == repo_file.content.read()
    assert (root / "bert/flax_model-00001-of-00011.msgpack").stat().st_size == 1
    # Metadata travels as extended attributes on local files (this filesystem has them).
    meta = hf_api.get(
        f"/api/locations/{location}/object", params={"key": f"sub/folder/{repo.repo_id}/bert/config.json"}
    )
    assert meta.status_code == 200, meta.text
    assert meta.json()["metadata"]["hf-commit"] == repo.sha
    assert meta.json()["metadata"]["hf-oid"] == repo.files()["bert/config.json"].oid


def test_dataset_import(hf_api, hub, bucket, s3):
    repo = hub.repo("CarterMcClellan/stanfordnlp_imdb", "dataset")
    job = run_import(hf_api, repo.repo_id, f"s3:{bucket}", "", repo_type="dataset", exclude=[".gitattributes"])
    assert job["state"] == "completed", job
    expected = sorted(f"{repo.repo_id}/{p}" for p in repo.files() if p != ".gitattributes")
    assert s3_keys(s3, bucket) == expected
    assert hub.log.find(path_contains="/api/datasets/")
    assert hub.log.find(path_contains="/datasets/CarterMcClellan/stanfordnlp_imdb/resolve/")


@pytest.mark.parametrize("form", ["branch", "tag", "sha", "pr", "convert"])
def test_every_revision_form(hf_api, hub, bucket, s3, form):
    if form == "convert":
        repo = hub.repo("CarterMcClellan/stanfordnlp_imdb", "dataset")
        revision, repo_type = "refs/convert/parquet", "dataset"
    elif form == "pr":
        repo = hub.repo("hf-internal-testing/tiny-random-bert-sharded-subfolder")
        revision, repo_type = "refs/pr/1", "model"
    else:
        repo = hub.repo("optimum-internal-testing/tiny-random-llama")
        revision = {"branch": "executorch", "tag": "v1.0", "sha": None}[form] or repo.branches["executorch"]
        repo_type = "model"
    job = run_import(hf_api, repo.repo_id, f"s3:{bucket}", "r/", revision=revision, repo_type=repo_type)
    assert job["state"] == "completed", job
    commit = repo.resolve(revision)
    assert job["resolved_revision"] == commit.sha
    assert s3_keys(s3, bucket) == sorted(f"r/{repo.repo_id}/{p}" for p in commit.files)
    some = next(iter(commit.files.values()))
    data = s3.get_object(Bucket=bucket, Key=f"r/{repo.repo_id}/{some.path}")["Body"].read()
    assert data == some.content.read()
    # Every download used the pinned sha, never the moving ref.
    resolves = hub.log.find(path_contains="/resolve/")
    assert resolves and all(f"/resolve/{commit.sha}/" in r.path for r in resolves)


def test_include_one_quant(hf_api, hub, bucket, s3):
    repo = hub.repo("afrideva/tiny-random-LlamaForCausalLM-GGUF")
    job = run_import(hf_api, repo.repo_id, f"s3:{bucket}", "", include=["*Q4_K_M.gguf"])
    assert job["state"] == "completed"
    assert s3_keys(s3, bucket) == [f"{repo.repo_id}/tiny-random-llamaforcausallm.Q4_K_M.gguf"]


def test_exclude_patterns_and_folders(hf_api, hub, bucket, s3):
    repo = hub.repo("meta-llama/Llama-3.2-1B")
    body = hf_body(repo.repo_id, f"s3:{bucket}", "", exclude=["original/", "*.md", ".gitattributes"], token=TOKEN)
    r = hf_api.post("/api/transfers", json=body)
    assert r.status_code == 201, r.text
    assert TOKEN not in r.text and "token" not in r.json()["source"]
    from .conftest import wait_job

    job = wait_job(hf_api, r.json()["id"])
    assert job["state"] == "completed", job
    names = {k.split("/", 2)[2] for k in s3_keys(s3, bucket)}
    assert names == {
        "LICENSE.txt",
        "config.json",
        "generation_config.json",
        "model.safetensors",
        "special_tokens_map.json",
        "tokenizer_config.json",
    }


def test_odd_names_empty_file_and_file_bigger_than_a_part(hf_api, hub, bucket, s3):
    repo = hub.repo("odd/names")
    job = run_import(hf_api, repo.repo_id, f"s3:{bucket}", "odd/")
    assert job["state"] == "completed", job
    for path, repo_file in repo.files().items():
        data = s3.get_object(Bucket=bucket, Key=f"odd/{repo.repo_id}/{path}")["Body"].read()
        assert data == repo_file.content.read(), path
    big = s3.head_object(Bucket=bucket, Key=f"odd/{repo.repo_id}/big/model.safetensors")
    assert big["ContentLength"] == 9 * 1024 * 1024 and big["ETag"].endswith('-2"')  # multipart
    assert s3.head_object(Bucket=bucket, Key=f"odd/{repo.repo_id}/empty.txt")["ContentLength"] == 0


def test_rerun_skips_what_is_already_there(hf_api, hub, bucket, s3):
    repo = hub.repo("hf-tiny-v2/tiny-random-GPT2Model")
    first = run_import(hf_api, repo.repo_id, f"s3:{bucket}", "m/")
    assert first["state"] == "completed"
    # Damage one object (same size, different bytes and no metadata): only it is fetched again.
    key = f"m/{repo.repo_id}/config.json"
    size = s3.head_object(Bucket=bucket, Key=key)["ContentLength"]
    s3.put_object(Bucket=bucket, Key=key, Body=b"x" * size)
    hub.log.reset()
    second = run_import(hf_api, repo.repo_id, f"s3:{bucket}", "m/")
    assert second["state"] == "completed"
    states = {f["path"]: f["state"] for f in second["files"]}
    assert states.pop("config.json") == "done"
    assert set(states.values()) == {"skipped"}
    assert second["totals"]["files_skipped"] == len(repo.files()) - 1
    downloads = [r for r in hub.log.find(method="GET") if r.file]
    assert [r.file for r in downloads] == ["config.json"]
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == repo.files()["config.json"].content.read()


def test_dry_run_preview(hf_api, hub, bucket, s3):
    repo = hub.repo("hf-internal-testing/tiny-random-bert-sharded-safetensors")
    s3.put_object(Bucket=bucket, Key=f"p/{repo.repo_id}/config.json", Body=b"other")
    r = hf_api.post(
        "/api/transfers/huggingface/preview",
        json={
            "source": {"repo_id": repo.repo_id, "revision": "main", "exclude": ["*.bin"]},
            "destination": {"location_id": f"s3:{bucket}", "prefix": "p/"},
        },
    )
    assert r.status_code == 200, r.text
    preview = r.json()
    assert preview["sha"] == repo.sha and preview["repo_type"] == "model" and preview["revision"] == "main"
    expected = {p: f for p, f in repo.files().items() if not p.endswith(".bin")}
    assert {f["path"] for f in preview["files"]} == set(expected)
    assert preview["file_count"] == len(expected)
    assert preview["total_size"] == sum(f.size for f in expected.values())
    by_path = {f["path"]: f for f in preview["files"]}
    assert by_path["config.json"]["exists"] is True and by_path["config.json"]["skip"] is False
    assert by_path["model-00001-of-00005.safetensors"]["sha256"] == expected["model-00001-of-00005.safetensors"].sha256
    assert by_path["config.json"]["sha256"] is None
    assert not any(f["exists"] for p, f in by_path.items() if p != "config.json")
    # Nothing was transferred.
    assert s3_keys(s3, bucket) == [f"p/{repo.repo_id}/config.json"]
    assert not [r for r in hub.log.requests if "/resolve/" in r.path]
