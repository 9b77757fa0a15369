"""Hugging Face import benchmark: the app streaming a ~2 GiB repo from the fake Hub into SeaweedFS.

It starts SeaweedFS, the fake Hub (its own process, serving at a known rate) and the real app
(`odh-tec serve`, its own process), then measures:

* direct read: the repo's files read straight from the fake Hub (what the network side allows);
* direct write: the same bytes written straight to SeaweedFS with boto3 (what the storage side allows);
* the import through the app's API, against the slower of the two, with the app's peak RSS and
  CPU-seconds per GiB (sampled with psutil).

Direct writes and imports alternate (--runs pairs, default 3) and the ratio is the median of the
per-pair ratios: SeaweedFS on 2 shared cores drifts by ±30 % from minute to minute.

Targets from the issue: throughput ≥ 0.85 × that bound; peak RSS ≤ 250 MB with 4 concurrent
transfers. Figures are printed, never asserted. Usage:

    .venv/bin/python bench/hf_import_bench.py                 # ~2 GiB, a few minutes on 2 cores
    .venv/bin/python bench/hf_import_bench.py --size-gib 0.5  # quicker
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import boto3
import httpx
import psutil
from boto3.s3.transfer import TransferConfig
from botocore.config import Config as BotoConfig

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "src"))

MiB = 1 << 20
GiB = 1 << 30
REPO = "bench/big-model"


def repo_files(size_gib: float, small_count: int) -> dict[str, int]:
    """One large safetensors file plus small ones (configs, a tokenizer, shards of a second model)."""
    total = int(size_gib * GiB)
    small = {
        "config.json": 900,
        "generation_config.json": 180,
        "tokenizer_config.json": 50_000,
        "tokenizer.json": 9 * MiB,
    }
    for i in range(small_count):
        small[f"extra/shard-{i:03d}.safetensors"] = 4 * MiB + i * 4099
    large = total - sum(small.values())
    return {"model.safetensors": large, **small}


# The fake Hub, in its own process ----------------------------------------------------------------


def serve_hub(args: argparse.Namespace) -> None:
    from fakehub import FakeHub, SyntheticContent

    hub = FakeHub(rate=args.rate_mibs * MiB if args.rate_mibs else None, chunk_size=MiB)
    files = {path: SyntheticContent(size, seed=path) for path, size in repo_files(args.size_gib, args.small).items()}
    for content in files.values():
        content.sha256  # noqa: B018 - computed now, not on the first tree request
    hub.add_repo(REPO, files, lfs_rule=lambda p: p.endswith(".safetensors"))
    if args.per_connection_mibs:
        # A CDN that caps each connection (common behind proxies): what parallel ranged requests fix.
        hub.inject("throttle", rate=args.per_connection_mibs * MiB, times=None)
    hub.start()
    print(json.dumps({"url": hub.url, "lfs": hub.lfs_url}), flush=True)
    sys.stdin.read()  # until the parent closes our stdin
    hub.stop()


# Measurements ------------------------------------------------------------------------------------


class Sampler:
    """Peak RSS and CPU time of a process (and its children) while a block runs."""

    def __init__(self, pid: int, interval: float = 0.05):
        self.process = psutil.Process(pid)
        self.interval = interval
        self.peak_rss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _cpu(self) -> float:
        times = self.process.cpu_times()
        return times.user + times.system

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak_rss = max(self.peak_rss, self.process.memory_info().rss)
            except psutil.Error:
                return
            self._stop.wait(self.interval)

    def __enter__(self) -> Sampler:
        self.cpu_start = self._cpu()
        self.rss_start = self.process.memory_info().rss
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.cpu = self._cpu() - self.cpu_start - self._paused_cpu

    _paused_cpu = 0.0

    @contextlib.contextmanager
    def paused(self):
        """Leave the app's (idle) CPU during the direct writes out of its CPU-per-GiB."""
        start = self._cpu()
        try:
            yield
        finally:
            self._paused_cpu += self._cpu() - start


def direct_read(hub_url: str, sizes: dict[str, int], connections: int) -> float:
    """Every file read from the fake Hub and dropped, `connections` at a time: MiB/s."""
    paths = list(sizes)
    lock = threading.Lock()

    def worker() -> None:
        with httpx.Client(follow_redirects=True, timeout=60, headers={"Accept-Encoding": "identity"}) as client:
            while True:
                with lock:
                    if not paths:
                        return
                    path = paths.pop(0)
                with client.stream("GET", f"{hub_url}/{REPO}/resolve/main/{path}") as response:
                    response.raise_for_status()
                    for _ in response.iter_raw(MiB):
                        pass

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(sizes.values()) / MiB / (time.perf_counter() - started)


class SyntheticReader:
    """A file-like view of a synthetic content, for boto3 uploads without touching the disk."""

    def __init__(self, content) -> None:
        self._chunks = content.chunks(chunk=MiB)
        self._left = b""

    def read(self, n: int = -1) -> bytes:
        parts, have = ([self._left], len(self._left)) if self._left else ([], 0)
        self._left = b""
        while n < 0 or have < n:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            parts.append(chunk)
            have += len(chunk)
        data = b"".join(parts)
        if 0 <= n < len(data):
            data, self._left = data[:n], data[n:]
        return data


def direct_write(s3, bucket: str, sizes: dict[str, int], connections: int) -> float:
    """The same bytes uploaded straight to SeaweedFS with boto3 (8 MiB parts): MiB/s."""
    from fakehub import SyntheticContent

    config = TransferConfig(multipart_threshold=8 * MiB, multipart_chunksize=8 * MiB, max_concurrency=4)
    paths = list(sizes)
    lock = threading.Lock()

    def worker() -> None:
        while True:
            with lock:
                if not paths:
                    return
                path = paths.pop(0)
            s3.upload_fileobj(
                SyntheticReader(SyntheticContent(sizes[path], seed=path)), bucket, f"direct/{path}", Config=config
            )

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(sizes.values()) / MiB / (time.perf_counter() - started)


def import_once(client: httpx.Client, bucket: str, prefix: str) -> float:
    """One import through the API; seconds from the request to the job's end."""
    started = time.perf_counter()
    r = client.post(
        "/transfers",
        json={
            "kind": "huggingface",
            "source": {"repo_id": REPO},
            "destination": {"location_id": f"s3:{bucket}", "prefix": prefix},
        },
    )
    r.raise_for_status()
    job_id = r.json()["id"]
    while True:
        job = client.get(f"/transfers/{job_id}").json()
        if job["state"] in ("completed", "failed", "cancelled"):
            break
        time.sleep(0.1)
    if job["state"] != "completed":
        raise RuntimeError(f"import ended {job['state']}: {job['error']}")
    return time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


def clear_prefix(s3, bucket: str, prefix: str) -> None:
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        if keys:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})


def run(args: argparse.Namespace) -> dict:
    from odh_tec.embedded_s3 import EmbeddedS3

    sizes = repo_files(args.size_gib, args.small)
    total = sum(sizes.values())
    work = Path(tempfile.mkdtemp(prefix="hf-bench-"))
    s3_server = EmbeddedS3(work / "s3")
    endpoint = s3_server.start()
    creds = s3_server.credentials
    hub_proc = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--serve-hub",
            "--size-gib",
            str(args.size_gib),
            "--small",
            str(args.small),
            "--rate-mibs",
            str(args.rate_mibs),
            "--per-connection-mibs",
            str(args.per_connection_mibs),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    app = None
    try:
        hub = json.loads(hub_proc.stdout.readline())
        s3 = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id=creds.access_key_id,
            aws_secret_access_key=creds.secret_access_key,
            config=BotoConfig(
                s3={"addressing_style": "path"}, max_pool_connections=32, request_checksum_calculation="when_required"
            ),
        )
        bucket = "bench"
        s3.create_bucket(Bucket=bucket)
        print(
            f"repo: {len(sizes)} files, {total / GiB:.2f} GiB (largest {max(sizes.values()) / GiB:.2f} GiB); "
            f"hub rate {args.rate_mibs or 'unlimited'} MiB/s"
            f"{f', {args.per_connection_mibs} MiB/s per connection' if args.per_connection_mibs else ''}; "
            f"{args.concurrency} concurrent transfers, {args.connections_per_file} connections per large file",
            flush=True,
        )

        s3.put_object(Bucket=bucket, Key="warm-up", Body=b"w" * 8 * MiB)  # SeaweedFS allocates volumes
        read_rate = direct_read(hub["url"], sizes, args.concurrency)
        print(f"direct read from the fake Hub  : {read_rate:7.1f} MiB/s", flush=True)

        port = free_port()
        env = {
            **os.environ,
            "AWS_S3_ENDPOINT": endpoint,
            "AWS_ACCESS_KEY_ID": creds.access_key_id,
            "AWS_SECRET_ACCESS_KEY": creds.secret_access_key,
            "HF_ENDPOINT": hub["url"],
            "HF_TOKEN": "",
            "MAX_CONCURRENT_TRANSFERS": str(args.concurrency),
            "ODH_TEC_DATA_DIR": str(work / "data"),
            "ODH_TEC_EMBEDDED_S3": "false",
            "LOG_LEVEL": "warning",
            "HTTP_PROXY": "",
            "HTTPS_PROXY": "",
            "PORT": str(port),
            "IP": "127.0.0.1",
            "ODH_TEC_HF_CONNECTIONS_PER_FILE": str(args.connections_per_file),
        }
        app = subprocess.Popen(
            [sys.executable, "-m", "odh_tec.cli", "serve"], env=env, cwd=work, stdout=subprocess.DEVNULL
        )
        api = f"http://127.0.0.1:{port}/api"
        wait_http(f"{api}/health")
        # Pairs of (direct write, import), alternated so that drift (other load, SeaweedFS compaction)
        # hits both sides alike; the ratio is taken per pair.
        pairs: list[tuple[float, float]] = []
        with httpx.Client(base_url=api, timeout=60) as client:
            idle_rss = psutil.Process(app.pid).memory_info().rss
            with Sampler(app.pid) as sample:
                for run_no in range(args.runs):
                    with sample.paused():
                        write_rate = direct_write(s3, bucket, sizes, args.concurrency)
                        clear_prefix(s3, bucket, "direct/")
                    import_rate = total / MiB / import_once(client, bucket, f"imported-{run_no}/")
                    clear_prefix(s3, bucket, f"imported-{run_no}/")
                    pairs.append((write_rate, import_rate))
                    bound = min(read_rate, write_rate)
                    print(
                        f"run {run_no + 1}: direct boto3 write {write_rate:6.1f} MiB/s, import {import_rate:6.1f} "
                        f"MiB/s = {import_rate / bound:.2f} x min(read, write)",
                        flush=True,
                    )
        ratio = statistics.median(imp / min(read_rate, wr) for wr, imp in pairs)
        write_rate = max(wr for wr, _ in pairs)
        rate = max(imp for _, imp in pairs)
        bound = min(read_rate, write_rate)
        elapsed = total / MiB / rate
        result = {
            "size_gib": round(total / GiB, 2),
            "files": len(sizes),
            "concurrency": args.concurrency,
            "hub_rate_mibs": args.rate_mibs,
            "direct_read_mibs": round(read_rate, 1),
            "direct_write_mibs": round(write_rate, 1),
            "bound_mibs": round(bound, 1),
            "import_mibs": round(rate, 1),
            "ratio": round(ratio, 2),
            "import_seconds": round(elapsed, 1),
            "app_idle_rss_mb": round(idle_rss / 1e6),
            "app_peak_rss_mb": round(sample.peak_rss / 1e6),
            "app_cpu_s_per_gib": round(sample.cpu / (args.runs * total / GiB), 2),
            "pairs_mibs": [[round(w, 1), round(i, 1)] for w, i in pairs],
            "connections_per_file": args.connections_per_file,
            "runs": args.runs,
            "per_connection_mibs": args.per_connection_mibs,
        }
        print(
            f"import through the app: best {rate:.1f} MiB/s ({elapsed:.1f} s); median ratio to min(read, write) "
            f"{result['ratio']:.2f} (target >= 0.85)"
        )
        print(
            f"app RSS: idle {result['app_idle_rss_mb']} MB, peak {result['app_peak_rss_mb']} MB "
            f"(target <= 250 MB); CPU {result['app_cpu_s_per_gib']} s per GiB"
        )
        print(json.dumps(result))
        return result
    finally:
        if app is not None:
            app.terminate()
            app.wait(15)
        if hub_proc.stdin:
            hub_proc.stdin.close()
        hub_proc.wait(15)
        s3_server.stop()
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-gib", type=float, default=2.0)
    parser.add_argument("--small", type=int, default=24, help="number of ~4 MiB extra files")
    parser.add_argument("--rate-mibs", type=float, default=200, help="the fake Hub's total rate (0 = unlimited)")
    parser.add_argument(
        "--per-connection-mibs",
        type=float,
        default=0,
        help="also cap each connection at this rate, like a CDN (0 = no cap)",
    )
    parser.add_argument("--concurrency", type=int, default=4, help="MAX_CONCURRENT_TRANSFERS")
    parser.add_argument(
        "--connections-per-file",
        type=int,
        default=4,
        help="parallel ranged requests for the large file (the app's default: 4)",
    )
    parser.add_argument("--runs", type=int, default=3, help="(direct write, import) pairs")
    parser.add_argument("--serve-hub", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_hub:
        serve_hub(args)
    else:
        run(args)


if __name__ == "__main__":
    main()
