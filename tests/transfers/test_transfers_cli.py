"""`odh-tec import-hf` and `odh-tec cp`: same engine and settings as the server, from the environment."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import time

import pytest

from odh_tec.cli import main
from odh_tec.transfers.targets import TargetError, parse_target

from .conftest import TOKEN, notebook_env, s3_keys

GPT2 = "hf-tiny-v2/tiny-random-GPT2Model"


@pytest.fixture
def cli_env(monkeypatch, hub, s3_server, local_root, tmp_path):
    """The environment a notebook would have: S3 and Hub settings, one local folder."""
    return notebook_env(monkeypatch, s3_server, local_root, tmp_path, HF_ENDPOINT=hub.url, HF_TOKEN="")


def test_import_to_s3_with_json_summary(cli_env, capsys, bucket, s3, hub):
    code = main(["import-hf", GPT2, "--to", f"s3://{bucket}/models", "--exclude", "*.md", "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    job = json.loads(out.out)
    repo = hub.repo(GPT2)
    assert job["state"] == "completed" and job["resolved_revision"] == repo.sha
    assert s3_keys(s3, bucket) == sorted(f"models/{GPT2}/{p}" for p in repo.files())
    # A second run skips everything and still succeeds.
    assert main(["import-hf", GPT2, "--to", f"s3://{bucket}/models", "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["totals"]["files_skipped"] == len(repo.files())


def test_import_to_local_with_human_output(cli_env, capsys, local_root, hub):
    code = main(
        [
            "import-hf",
            "CarterMcClellan/stanfordnlp_imdb",
            "--repo-type",
            "dataset",
            "--to",
            f"local://{local_root.name}/cli-data",
            "--include",
            "data/*",
            "--no-repo-folder",
        ]
    )
    out = capsys.readouterr()
    assert code == 0, out.err
    assert (local_root / "cli-data/data/train-00000-of-00001.parquet").is_file()
    assert "done" in out.err and "completed: 3 of 3 files" in out.err


def test_dry_run(cli_env, capsys, bucket, s3):
    assert main(["import-hf", GPT2, "--to", f"s3://{bucket}/x/", "--dry-run", "--json"]) == 0
    preview = json.loads(capsys.readouterr().out)
    assert preview["file_count"] == 5 and preview["sha"]
    assert main(["import-hf", GPT2, "--to", f"s3://{bucket}/x/", "--dry-run"]) == 0
    assert "5 files" in capsys.readouterr().out
    assert s3_keys(s3, bucket) == []


def test_exit_codes(cli_env, capsys, bucket, hub):
    assert main(["import-hf", "nobody/nothing", "--to", f"s3://{bucket}/"]) == 2
    assert "RepoNotFound" in capsys.readouterr().err
    assert main(["import-hf", "meta-llama/Llama-3.2-1B", "--to", f"s3://{bucket}/", "--json"]) == 2
    assert json.loads(capsys.readouterr().out)["error"] == "GatedRepo"
    assert (
        main(
            [
                "import-hf",
                "meta-llama/Llama-3.2-1B",
                "--to",
                f"s3://{bucket}/",
                "--token",
                TOKEN,
                "--include",
                "config.json",
            ]
        )
        == 0
    )
    assert main(["import-hf", GPT2, "--to", "ftp://nowhere"]) == 2
    capsys.readouterr()
    hub.inject(
        "status", path="/config.json", host="hub", status=404, times=None, headers={"X-Error-Code": "EntryNotFound"}
    )
    assert main(["import-hf", GPT2, "--to", f"s3://{bucket}/f/"]) == 1  # one file failed
    err = capsys.readouterr().err
    assert "failed" in err and "config.json" in err and "EntryNotFound" in err


def test_cp_between_s3_and_local(cli_env, capsys, bucket, s3, local_root):
    s3.put_object(Bucket=bucket, Key="src/a.txt", Body=b"a")
    s3.put_object(Bucket=bucket, Key="src/sub/b.txt", Body=b"b")
    loc = local_root.name
    assert main(["cp", "-r", f"s3://{bucket}/src/", f"local://{loc}/cp-test/"]) == 0
    assert (local_root / "cp-test/src/sub/b.txt").read_bytes() == b"b"
    assert main(["cp", f"local://{loc}/cp-test/src/a.txt", f"s3://{bucket}/renamed.txt", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["state"] == "completed"
    assert s3.get_object(Bucket=bucket, Key="renamed.txt")["Body"].read() == b"a"
    assert main(["cp", f"s3://{bucket}/src/", f"s3://{bucket}/x/"]) == 2  # a folder needs -r
    assert main(["cp", "--move", f"s3://{bucket}/renamed.txt", f"s3://{bucket}/moved/"]) == 0
    assert s3_keys(s3, bucket, "renamed") == [] and s3_keys(s3, bucket, "moved/") == ["moved/renamed.txt"]


def test_progress_bar_on_a_terminal(cli_env, bucket, hub):
    hub.inject("throttle", path="big/model.safetensors", host="lfs", rate=8 << 20, times=None)
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "odh_tec.cli",
            "import-hf",
            "odd/names",
            "--include",
            "big/*",
            "--to",
            f"s3://{bucket}/",
        ],
        stderr=follower,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "COLUMNS": "100"},
    )
    os.close(follower)
    output = b""
    started = time.monotonic()
    while True:
        try:
            piece = os.read(leader, 4096)
        except OSError:
            break
        if not piece:
            break
        output += piece
    assert proc.wait(30) == 0
    os.close(leader)
    print(f"cli run took {time.monotonic() - started:.1f}s")
    text = output.decode(errors="replace")
    assert text.count("\r[") >= 2 and "%" in text and "MiB" in text
    assert "completed: 1 of 1 files" in text


def test_parse_target():
    assert parse_target("s3://bucket/a/b").location_id == "s3:bucket"
    assert parse_target("s3://bucket").path == "" and parse_target("s3://bucket").is_folder
    assert parse_target("local://data/x/").is_folder
    for bad in ("bucket/key", "s3:///key", "gs://b/k"):
        with pytest.raises(TargetError):
            parse_target(bad)
