"""Run by test_fakehub_contract.py in a fresh interpreter (HF_ENDPOINT is read at import time): the real
`huggingface_hub` client against the fake Hub. Prints one JSON object: check name → "ok" or the error."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import traceback


def main() -> None:
    expected = json.loads(sys.argv[1])
    token = expected["token"]
    other = expected["other_token"]
    import huggingface_hub as hf
    from huggingface_hub import errors

    api = hf.HfApi()
    results: dict[str, str] = {}

    def check(name, fn):
        try:
            fn()
            results[name] = "ok"
        except Exception as exc:
            results[name] = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}"

    def expect(exc_type, fn):
        def run():
            try:
                fn()
            except exc_type:
                return
            raise AssertionError(f"expected {exc_type.__name__}")

        return run

    llama = "optimum-internal-testing/tiny-random-llama"

    def model_info():
        info = api.model_info(llama, files_metadata=True)
        assert info.sha == expected["llama_sha"], info.sha
        siblings = {s.rfilename: s for s in info.siblings}
        assert siblings["model.safetensors"].lfs.sha256 == expected["llama_model_sha256"]
        assert siblings["config.json"].size == expected["llama_config_size"]

    def tree():
        entries = list(api.list_repo_tree(llama, recursive=True))  # 3 per page on the fake
        files = [e.path for e in entries if isinstance(e, hf.hf_api.RepoFile)]
        assert sorted(files) == sorted(expected["llama_files"]), files

    def download():
        for name in ("model.safetensors", "config.json", "tokenizer.json"):
            path = hf.hf_hub_download(llama, name)
            with open(path, "rb") as fh:
                assert hashlib.sha256(fh.read()).hexdigest() == expected["llama_sha256"][name], name

    def snapshot_revision():
        folder = hf.snapshot_download(llama, revision="executorch")
        assert "model.pte" in os.listdir(folder)

    def snapshot_pr():
        folder = hf.snapshot_download("hf-internal-testing/tiny-random-bert-sharded-subfolder", revision="refs/pr/1")
        assert os.path.exists(os.path.join(folder, "bert", "model.safetensors"))

    def snapshot_dataset():
        folder = hf.snapshot_download(
            "CarterMcClellan/stanfordnlp_imdb", repo_type="dataset", allow_patterns=["data/*"]
        )
        assert sorted(os.listdir(os.path.join(folder, "data"))) == sorted(expected["imdb_data"])

    gated = "meta-llama/Llama-3.2-1B"
    check("model_info", model_info)
    check("tree_paginated", tree)
    check("download", download)
    check("snapshot_revision", snapshot_revision)
    check("snapshot_pr", snapshot_pr)
    check("snapshot_dataset", snapshot_dataset)
    check("resume_after_disconnect", lambda: hf.hf_hub_download("odd/names", "big/model.safetensors"))
    check("retry_after_429", lambda: hf.hf_hub_download("odd/names", "a/b/c/deep.safetensors"))
    check("auth_check_ok", lambda: api.auth_check(gated, token=token))
    check("gated_download_with_token", lambda: hf.hf_hub_download(gated, "model.safetensors", token=token))
    check("gated_anonymous", expect(errors.GatedRepoError, lambda: hf.hf_hub_download(gated, "config.json")))
    check("gated_not_approved", expect(errors.GatedRepoError, lambda: api.auth_check(gated, token=other)))
    check("gated_readme_public", lambda: hf.hf_hub_download(gated, "README.md"))
    check("repo_not_found", expect(errors.RepositoryNotFoundError, lambda: api.model_info("nobody/nothing")))
    check("private_anonymous", expect(errors.RepositoryNotFoundError, lambda: api.model_info("acme/private-model")))
    check("private_with_token", lambda: api.model_info("acme/private-model", token=token))
    check(
        "revision_not_found",
        expect(errors.RevisionNotFoundError, lambda: hf.hf_hub_download(llama, "config.json", revision="nope")),
    )
    check("entry_not_found", expect(errors.EntryNotFoundError, lambda: hf.hf_hub_download(llama, "missing.bin")))
    check("invalid_token", expect(errors.HfHubHTTPError, lambda: api.model_info(llama, token="hf_invalid")))
    check("whoami", lambda: api.whoami(token=token))
    print(json.dumps(results))


if __name__ == "__main__":
    main()
