#!/usr/bin/env python3
"""S3 listing through the app vs direct boto3, against one SeaweedFS, in one run.

    .venv/bin/python bench/listing_bench.py [--rounds 6] [--calls 30] [--baseline-rev aa54177]

It starts an embedded SeaweedFS (`weed mini`, temporary directory) unless `--endpoint` names a running
one, puts `--keys` small objects under `page/` and `--big-keys` under `big/` (only what is missing),
and starts the app in a **separate process** (`odh-tec serve`, as `make run` does) so that psutil
can measure its CPU. With `--baseline-rev REV` a second app runs the source of that git revision
(`git archive`), the "before" of a change, against the same server.

Each round measures, one after the other (so that the machine's load drifts over all of them alike;
the app and the baseline take turns going first):

* **S3 alone**: a presigned ListObjectsV2 URL fetched with httpx, nothing parsed: the server's time;
* **direct boto3** `list_objects_v2(MaxKeys=500, Delimiter="/")`: wall time and the client's CPU;
* **through the app** (and the baseline app): `GET /api/locations/s3:<bucket>/objects?page_size=500`,
  wall time and the app's CPU per call (psutil, all its threads);
* the same with `page_size=1`: the app's fixed cost per listing (routing, middleware, the S3
  request), so that the rest is the cost of 500 entries;
* `GET /api/health`: the app's floor for any request.

Then the first page (default page size, and 1,000) of the `--big-keys` prefix, through the app and
directly. Figures are medians over all rounds; the summary compares them with the targets of issue 15:
a 500-key page ≤ 0.6× direct boto3, ≤ 15 ms of app CPU per 500-key page, the first page of a 100,000-key
prefix under 150 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import boto3
import httpx
import psutil
from botocore.config import Config as BotoConfig

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from odh_tec.embedded_s3 import EmbeddedS3
from transfer_bench import start_app, stop_app

ROOT = Path(__file__).resolve().parents[1]

BUCKET = "listbench"
PAGE = 500


def boto_client(endpoint: str, access_key: str, secret_key: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        config=BotoConfig(s3={"addressing_style": "path"}, signature_version="s3v4", max_pool_connections=32),
    )


def seed(s3, prefix: str, count: int) -> None:
    """`count` small objects `<prefix>file-000000.txt`…, only those not there yet (a rerun on the same
    server seeds nothing)."""
    present = set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix):
        present.update(o["Key"] for o in page.get("Contents", []))
    missing = [f"{prefix}file-{i:06d}.txt" for i in range(count) if f"{prefix}file-{i:06d}.txt" not in present]
    if not missing:
        return
    print(f"seeding {len(missing)} objects under {prefix} ...", flush=True)
    started = time.monotonic()
    with ThreadPoolExecutor(32) as pool:
        list(pool.map(lambda key: s3.put_object(Bucket=BUCKET, Key=key, Body=key.encode()), missing))
    print(f"  {time.monotonic() - started:.0f} s", flush=True)


def baseline_source(rev: str, into: Path) -> Path:
    """The `src/` of git revision `rev`, unpacked into `into`."""
    archive = subprocess.run(["git", "archive", rev, "src"], cwd=ROOT, check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


class App:
    """One app process: its URL, an httpx client that keeps its connection, and its CPU clock."""

    def __init__(self, name: str, tmp: Path, server: SimpleNamespace, src: Path):
        self.name = name
        data = tmp / name
        data.mkdir()
        # PYTHONPATH decides which source the child imports (the venv's editable install may point
        # elsewhere).
        self.proc, self.url = start_app(data, server, {"PYTHONPATH": str(src)})  # type: ignore[arg-type]
        self.ps = psutil.Process(self.proc.pid)
        self.http = httpx.Client(base_url=self.url, timeout=60)

    def cpu(self) -> float:
        times = self.ps.cpu_times()
        return times.user + times.system

    def objects(self, prefix: str, page_size: int | None) -> int:
        params: dict = {"prefix": prefix}
        if page_size:
            params["page_size"] = page_size
        answer = self.http.get(f"/api/locations/s3:{BUCKET}/objects", params=params)
        answer.raise_for_status()
        return len(answer.json()["files"])

    def health(self) -> int:
        self.http.get("/api/health").raise_for_status()
        return 0

    def close(self) -> None:
        self.http.close()
        stop_app(self.proc)


def timed(calls: int, fn: Callable[[], int], cpu: Callable[[], float]) -> tuple[list[float], float, int]:
    """Wall milliseconds of each call, CPU milliseconds per call (by `cpu`), what the last call returned."""
    fn()  # a warm-up: connections, first-use imports
    walls = []
    cpu0 = cpu()
    result = 0
    for _ in range(calls):
        started = time.perf_counter()
        result = fn()
        walls.append((time.perf_counter() - started) * 1000)
    return walls, (cpu() - cpu0) * 1000 / calls, result


def client_cpu() -> float:
    return time.process_time()


def run(args: argparse.Namespace) -> dict:
    results: dict[str, dict[str, list[float]]] = {}

    def record(name: str, walls: list[float], cpu_ms: float | None, entries: int) -> None:
        entry = results.setdefault(name, {"wall": [], "cpu": [], "entries": []})
        entry["wall"].extend(walls)
        if cpu_ms is not None:
            entry["cpu"].append(cpu_ms)
        entry["entries"].append(entries)

    with tempfile.TemporaryDirectory(prefix="odh-tec-listing-bench-", dir=args.tmp) as tmp_name:
        tmp = Path(tmp_name)
        embedded = None
        if args.endpoint:
            server = SimpleNamespace(
                endpoint=args.endpoint,
                credentials=SimpleNamespace(access_key_id=args.access_key, secret_access_key=args.secret_key),
            )
        else:
            embedded = EmbeddedS3(tmp / "s3")
            embedded.start()
            server = SimpleNamespace(endpoint=embedded.endpoint, credentials=embedded.credentials)
        apps: list[App] = []
        try:
            s3 = boto_client(server.endpoint, server.credentials.access_key_id, server.credentials.secret_access_key)
            with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou, s3.exceptions.BucketAlreadyExists):
                s3.create_bucket(Bucket=BUCKET)
            seed(s3, "page/", args.keys)
            if args.big_keys:
                seed(s3, "big/", args.big_keys)
            apps.append(App("app", tmp, server, ROOT / "src"))
            if args.baseline_rev:
                apps.append(App("baseline", tmp, server, baseline_source(args.baseline_rev, tmp / "baseline-src")))
            presigned = s3.generate_presigned_url(
                "list_objects_v2", Params={"Bucket": BUCKET, "Prefix": "page/", "Delimiter": "/", "MaxKeys": PAGE}
            )
            raw = httpx.Client(timeout=60)

            def s3_alone() -> int:
                answer = raw.get(presigned)
                answer.raise_for_status()
                return answer.content.count(b"<Contents>")

            def direct(prefix: str, page: int) -> Callable[[], int]:
                def call() -> int:
                    answer = s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix, Delimiter="/", MaxKeys=page)
                    return len(answer.get("Contents", []))

                return call

            for round_ in range(args.rounds):
                load = " ".join(f"{x:.1f}" for x in os.getloadavg())
                print(f"round {round_ + 1}/{args.rounds} (load average {load})", flush=True)
                walls, _, n = timed(args.calls, s3_alone, client_cpu)
                record("S3 alone (presigned GET, no parse)", walls, None, n)
                walls, cpu_ms, n = timed(args.calls, direct("page/", PAGE), client_cpu)
                record("direct boto3 list_objects_v2", walls, cpu_ms, n)
                # The apps take turns going first: whatever the machine does meanwhile hits both alike.
                for app in apps if round_ % 2 == 0 else apps[::-1]:
                    walls, cpu_ms, n = timed(args.calls, lambda app=app: app.objects("page/", PAGE), app.cpu)
                    record(f"{app.name}: 500-key page", walls, cpu_ms, n)
                    walls, cpu_ms, n = timed(args.calls, lambda app=app: app.objects("page/", 1), app.cpu)
                    record(f"{app.name}: 1-key page", walls, cpu_ms, n)
                    walls, cpu_ms, n = timed(args.calls, app.health, app.cpu)
                    record(f"{app.name}: GET /api/health", walls, cpu_ms, n)
                if args.big_keys:
                    for page in (None, 1000):
                        walls, cpu_ms, n = timed(max(3, args.calls // 4), direct("big/", page or 100), client_cpu)
                        record(f"direct boto3, first page of big/ ({page or 100} keys)", walls, cpu_ms, n)
                        for app in apps:
                            walls, cpu_ms, n = timed(
                                max(3, args.calls // 4), lambda app=app, page=page: app.objects("big/", page), app.cpu
                            )
                            record(f"{app.name}: first page of big/ ({page or 'default'} keys)", walls, cpu_ms, n)
            raw.close()
        finally:
            for app in apps:
                app.close()
            if embedded is not None:
                embedded.stop()
    return results


def summarise(results: dict, args: argparse.Namespace) -> dict:
    rows = {}
    for name, entry in results.items():
        rows[name] = {
            "median_ms": round(statistics.median(entry["wall"]), 2),
            "p90_ms": round(sorted(entry["wall"])[int(len(entry["wall"]) * 0.9)], 2),
            "cpu_ms_per_call": round(statistics.median(entry["cpu"]), 2) if entry["cpu"] else None,
            "entries": entry["entries"][-1],
        }
    direct = rows["direct boto3 list_objects_v2"]["median_ms"]
    for name, row in rows.items():
        if "500-key page" in name:
            row["ratio_to_boto3"] = round(row["median_ms"] / direct, 2)
    return rows


def report(rows: dict, args: argparse.Namespace) -> None:
    print(f"\n{'':58} {'median ms':>9} {'p90 ms':>8} {'CPU ms/call':>11} {'entries':>7} {'÷ boto3':>7}")
    for name, row in rows.items():
        cpu = f"{row['cpu_ms_per_call']:.1f}" if row["cpu_ms_per_call"] is not None else "-"
        ratio = f"{row['ratio_to_boto3']:.2f}" if "ratio_to_boto3" in row else ""
        print(f"{name:58} {row['median_ms']:9.1f} {row['p90_ms']:8.1f} {cpu:>11} {row['entries']:7} {ratio:>7}")
    page = rows["app: 500-key page"]
    verdicts = [
        f"500-key page <= 0.6x direct boto3: {'met' if page['ratio_to_boto3'] <= 0.6 else 'NOT met'} "
        f"({page['ratio_to_boto3']:.2f}x)",
        f"app CPU <= 15 ms per 500-key page: {'met' if page['cpu_ms_per_call'] <= 15 else 'NOT met'} "
        f"({page['cpu_ms_per_call']:.1f} ms)",
    ]
    big = rows.get("app: first page of big/ (default keys)")
    if big:
        verdicts.append(
            f"first page of a {args.big_keys:,}-key prefix < 150 ms: "
            f"{'met' if big['median_ms'] < 150 else 'NOT met'} ({big['median_ms']:.1f} ms)"
        )
    print("targets:", "; ".join(verdicts))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=6, help="rounds, each measuring every subject once (6)")
    parser.add_argument("--calls", type=int, default=30, help="calls per subject and round (30)")
    parser.add_argument("--keys", type=int, default=5000, help="objects under page/ (5,000)")
    parser.add_argument("--big-keys", type=int, default=100_000, help="objects under big/ (100,000; 0: skip)")
    parser.add_argument("--baseline-rev", help="also run the app of this git revision (the 'before')")
    parser.add_argument("--endpoint", help="a running S3 server instead of a fresh SeaweedFS")
    parser.add_argument("--access-key", default=os.environ.get("AWS_ACCESS_KEY_ID", ""))
    parser.add_argument("--secret-key", default=os.environ.get("AWS_SECRET_ACCESS_KEY", ""))
    parser.add_argument("--tmp", help="directory for SeaweedFS's data")
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    print(
        f"machine: {platform.platform()}, {psutil.cpu_count()} CPUs, load average "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}; Python {platform.python_version()}",
        flush=True,
    )
    rows = summarise(run(args), args)
    report(rows, args)
    load = [round(x, 1) for x in os.getloadavg()]
    print("load average at the end:", *load)
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": rows, "load_average_after": load}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
