#!/usr/bin/env python3
"""Load: simulated users browse the app while a Hugging Face import and large uploads run.

    .venv/bin/python bench/load_bench.py            # 50 users, 60 s, a 2 GiB import, 4 x 256 MiB uploads
    .venv/bin/python bench/load_bench.py --quick    # 20 users, 20 s, 0.25 GiB, 4 x 32 MiB: about a minute

It starts SeaweedFS (`weed mini`), the fake Hub (its own process, from bench/hf_import_bench.py) and the
app (`odh-tec serve`, its own process, from bench/transfer_bench.py, so psutil can sample its RSS), and
seeds a bucket: a folder of 1,000+ small objects, files to preview (CSV, JSON, Parquet, Markdown) and
1-10 MiB objects to download. Then Locust (its library API: headless, in this process, gevent) runs
`--users` users for `--duration` seconds. Each user, with 0.5-2 s of think time between requests:

* lists the 1,000-key folder in one page (`GET …/objects?prefix=browse/&page_size=1000`);
* stats a key of it (`GET …/object`); previews a file (`GET …/preview`);
* downloads a 1-10 MiB object (`GET …/download`); uploads 64 KiB (`PUT …/object`).

Beside them, `--direct-users` users (bench/s3_probe.py, a process of their own) list the same folder and
stat the same keys with boto3 straight to SeaweedFS: what a client without the app sees under the same
load, the baseline the app's latencies are read against (their ratio is printed).

Meanwhile, started with the users: one import of `--import-size` GiB from the fake Hub through
`POST /api/transfers`, and `--big-uploads` simultaneous uploads of `--upload-mib` MiB through the app.

Printed: per request type, requests/s, p50/p95/p99 latency and errors; how long the import and the big
uploads took; the app's peak RSS (psutil every 0.1 s, the app and its children but SeaweedFS); the
worst event-loop lag, read from the app's `/metrics` (`odh_tec_event_loop_lag_*`). Targets for a 2-core
machine are printed beside the figures, never asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlencode

# Locust patches the standard library for gevent when it is imported: before anything below opens a
# socket or a thread (boto3, httpx and the other benchmarks' helpers are imported inside `run`).
import gevent
import psutil
from locust import FastHttpUser, between, task
from locust.env import Environment

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent / "tests"))
sys.path.insert(0, str(BENCH.parent / "src"))

MiB = 1 << 20
GiB = 1 << 30
FOLDER = "browse/"
PREVIEWS = ["previews/table.csv", "previews/records.json", "previews/table.parquet", "previews/README.md"]
LAG_COUNT = "odh_tec_event_loop_lag_seconds_count"
TARGETS = {"list": 300, "stat": 100, "lag_ms": 100, "rss_mb": 300}


class Browser(FastHttpUser):
    """One person in the object browser. The keys it uses are set on the class before the run."""

    wait_time = between(0.5, 2)
    location = "/api/locations/s3:bench"
    keys: ClassVar[list[str]] = []
    blobs: ClassVar[list[str]] = []
    upload_body = b""

    def _get(self, path: str, name: str, **query: str | int) -> None:
        self.client.get(f"{self.location}/{path}?{urlencode(query)}", name=name)

    @task(4)
    def list_folder(self) -> None:
        self._get("objects", "list 1,000 keys", prefix=FOLDER, page_size=1000)

    @task(4)
    def stat(self) -> None:
        self._get("object", "stat", key=random.choice(self.keys))

    @task(2)
    def preview(self) -> None:
        self._get("preview", "preview", key=random.choice(PREVIEWS))

    @task(1)
    def download(self) -> None:
        self._get("download", "download 1-10 MiB", key=random.choice(self.blobs))

    @task(1)
    def upload(self) -> None:
        key = f"uploads/{id(self):x}-{time.monotonic_ns()}.bin"
        with self.client.put(
            f"{self.location}/object?{urlencode({'key': key})}",
            data=self.upload_body,
            headers={"Content-Type": "application/octet-stream"},
            name="upload 64 KiB",
            catch_response=True,
        ) as answer:
            if answer.status_code != 201:
                answer.failure(f"HTTP {answer.status_code}")


def preview_files() -> dict[str, bytes]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [{"id": i, "name": f"item {i}", "score": i * 0.37, "tags": "a;b;c"} for i in range(20_000)]
    table = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), table)
    csv = "id,name,score,tags\n" + "".join(f"{r['id']},{r['name']},{r['score']},{r['tags']}\n" for r in rows)
    return {
        "previews/table.csv": csv.encode(),
        "previews/records.json": json.dumps(rows[:2000], indent=1).encode(),
        "previews/table.parquet": table.getvalue(),
        "previews/README.md": ("# Data\n\n" + "Some notes about the data set.\n" * 2000).encode(),
    }


def seed(s3, bucket: str, keys: int) -> tuple[list[str], list[str]]:
    """The folder of small objects, the preview files and ten 1-10 MiB objects; returns (keys, blobs)."""
    from concurrent.futures import ThreadPoolExecutor  # gevent's threads: greenlets on patched sockets

    small = [f"{FOLDER}file-{i:05d}.txt" for i in range(keys)]
    blobs = [f"blobs/blob-{n:02d}MiB.bin" for n in range(1, 11)]
    objects: dict[str, bytes] = {key: f"object {key}\n".encode() * 8 for key in small}
    objects.update(preview_files())
    for blob in blobs:
        objects[blob] = os.urandom(int(blob.split("-")[1][:2]) * MiB)
    with ThreadPoolExecutor(16) as pool:
        for future in [pool.submit(s3.put_object, Bucket=bucket, Key=k, Body=v) for k, v in objects.items()]:
            future.result()
    return small, blobs


def lag_metrics(url: str) -> dict[str, float]:
    """The event-loop lag series of the app's /metrics: worst, sample count, and samples ≤ each bound."""
    import httpx

    out: dict[str, float] = {}
    for line in httpx.get(f"{url}/metrics", timeout=10).text.splitlines():
        if line.startswith("odh_tec_event_loop_lag"):
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


def lag_over(before: dict[str, float], after: dict[str, float], bound: str) -> int:
    """How many lag samples taken between the two readings were above `bound` seconds."""
    le = f'odh_tec_event_loop_lag_seconds_bucket{{le="{bound}"}}'
    return int((after[LAG_COUNT] - before[LAG_COUNT]) - (after[le] - before[le]))


class AppSampler:
    """Peak RSS of the app and its children, SeaweedFS excepted (an app with the embedded S3 starts
    `weed` as a child: not the app's memory)."""

    def __init__(self, pid: int):
        import transfer_bench

        class Sampler(transfer_bench.Sampler):
            def _tree(self) -> list[psutil.Process]:
                return [p for p in super()._tree() if not _is_weed(p)]

        self.sampler = Sampler(pid)

    def __enter__(self) -> AppSampler:
        self.idle = self.sampler.rss()
        self.sampler.peak = self.idle
        return self

    def __exit__(self, *exc: object) -> None:
        self.peak = max(self.sampler.peak, self.sampler.rss())
        self.sampler.close()


def cpu_seconds(pid: int) -> float:
    with contextlib.suppress(psutil.Error):
        times = psutil.Process(pid).cpu_times()
        return times.user + times.system
    return 0.0


def _is_weed(process: psutil.Process) -> bool:
    with contextlib.suppress(psutil.Error):
        return process.name().startswith("weed")
    return False


def background(url: str, tmp: Path, args: argparse.Namespace, results: dict) -> list[gevent.Greenlet]:
    """The import and the big uploads, each in its own greenlet; `results` gets their durations/errors."""
    import httpx

    import hf_import_bench
    import transfer_bench

    def hub_import() -> None:
        started = time.perf_counter()
        try:
            with httpx.Client(base_url=f"{url}/api", timeout=60) as client:
                hf_import_bench.import_once(client, "bench", "imported/")
            results["import"] = {"seconds": round(time.perf_counter() - started, 1), "error": None}
        except Exception as exc:
            results["import"] = {"seconds": round(time.perf_counter() - started, 1), "error": str(exc)[:300]}

    big = tmp / "big.bin"
    transfer_bench.make_file(big, args.upload_mib * MiB)

    def upload(n: int) -> None:
        started = time.perf_counter()
        try:
            transfer_bench.app_upload(url, big, f"big/upload-{n}.bin", args.upload_mib * MiB)
            error = None
        except Exception as exc:
            error = str(exc)[:300]
        results.setdefault("uploads", []).append({"seconds": round(time.perf_counter() - started, 1), "error": error})

    return [gevent.spawn(hub_import)] + [gevent.spawn(upload, n) for n in range(args.big_uploads)]


def start_probe(server, args: argparse.Namespace) -> subprocess.Popen | None:
    """The direct-client users (bench/s3_probe.py), for `--duration` seconds."""
    if not args.direct_users:
        return None
    spec = {
        "endpoint": server.endpoint,
        "access_key_id": server.credentials.access_key_id,
        "secret_access_key": server.credentials.secret_access_key,
        "bucket": "bench",
        "prefix": FOLDER,
        "keys": Browser.keys,
        "users": args.direct_users,
        "duration": args.duration,
    }
    return subprocess.Popen([sys.executable, str(BENCH / "s3_probe.py"), json.dumps(spec)], stdout=subprocess.PIPE)


def start_hub(args: argparse.Namespace) -> tuple[subprocess.Popen, dict]:
    """The fake Hub of bench/hf_import_bench.py (a synthetic repo of `--import-size` GiB), in its own process."""
    import hf_import_bench

    proc = subprocess.Popen(
        [
            sys.executable,
            hf_import_bench.__file__,
            "--serve-hub",
            "--size-gib",
            str(args.import_size),
            "--small",
            "8",
            "--rate-mibs",
            str(args.hub_rate_mibs),
            "--per-connection-mibs",
            "0",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    return proc, json.loads(proc.stdout.readline())  # type: ignore[union-attr]


def run(args: argparse.Namespace) -> dict:

    import transfer_bench
    from odh_tec.embedded_s3 import EmbeddedS3

    tmp = Path(tempfile.mkdtemp(prefix="odh-tec-load-", dir=args.tmp))
    server = EmbeddedS3(tmp / "s3")
    server.start()
    hub = app = None
    try:
        s3 = transfer_bench.direct_client(server, max_pool_connections=32, request_checksum_calculation="when_required")
        s3.create_bucket(Bucket="bench")
        started = time.perf_counter()
        Browser.keys, Browser.blobs = seed(s3, "bench", args.keys)
        Browser.upload_body = os.urandom(64 * 1024)
        took = time.perf_counter() - started
        print(f"seeded {args.keys} keys, 4 preview files, 10 objects of 1-10 MiB ({took:.1f} s)", flush=True)

        hub, hub_urls = start_hub(args)
        app, url = transfer_bench.start_app(
            tmp,
            server,
            {"HF_ENDPOINT": hub_urls["url"], "HF_TOKEN": "", "MAX_CONCURRENT_TRANSFERS": str(args.concurrency)},
        )
        print(f"app pid {app.pid} on {url}; fake Hub on {hub_urls['url']} ({args.import_size} GiB repo)", flush=True)
        time.sleep(1)
        before = lag_metrics(url)

        env = Environment(user_classes=[Browser], host=url)
        runner = env.create_local_runner()
        results: dict = {}
        processes = {"app": app.pid, "SeaweedFS": server.process.pid, "fake Hub": hub.pid, "Locust": os.getpid()}
        cpu_before = {name: cpu_seconds(pid) for name, pid in processes.items()}
        with AppSampler(app.pid) as memory:
            started = time.perf_counter()
            runner.start(args.users, spawn_rate=max(1, args.users / 5))
            probe = start_probe(server, args)
            jobs = background(url, tmp, args, results)
            gevent.spawn_later(args.duration, runner.quit)
            runner.greenlet.join()
            elapsed = time.perf_counter() - started
            print(f"users stopped after {elapsed:.0f} s; waiting for the import and the uploads ...", flush=True)
            gevent.joinall(jobs)
            direct = json.loads(probe.communicate(timeout=60)[0]) if probe is not None else {}
        cpu = {name: round(cpu_seconds(pid) - cpu_before[name], 1) for name, pid in processes.items()}
        after = lag_metrics(url)
        summary = summarise(args, env, elapsed, results, memory, before, after)
        for name, figures in direct.items():
            summary["requests"][name] = {"method": "S3", "rps": round(figures["requests"] / elapsed, 1), **figures}
        summary["errors"] += sum(figures["errors"] for figures in direct.values())
        summary["cpu_s"] = {**cpu, "wall": round(time.perf_counter() - started, 1)}
        return summary
    finally:
        if app is not None:
            transfer_bench.stop_app(app)
            if args.app_log:
                shutil.copyfile(tmp / "app.log", args.app_log)
        if hub is not None:
            hub.stdin.close()  # type: ignore[union-attr]
            hub.wait(15)
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def summarise(args, env, elapsed, results, memory, before, after) -> dict:
    requests = {}
    for (name, method), entry in sorted(env.stats.entries.items()):
        requests[name] = {
            "method": method,
            "requests": entry.num_requests,
            "rps": round(entry.num_requests / elapsed, 1),
            "errors": entry.num_failures,
            "p50_ms": entry.get_response_time_percentile(0.5),
            "p95_ms": entry.get_response_time_percentile(0.95),
            "p99_ms": entry.get_response_time_percentile(0.99),
        }
    errors = sum(r["errors"] for r in requests.values())
    errors += sum(1 for job in [results.get("import", {}), *results.get("uploads", [])] if job.get("error"))
    lag_max = after.get("odh_tec_event_loop_lag_max_seconds", float("nan"))
    return {
        "users": args.users,
        "duration_s": round(elapsed),
        "requests": requests,
        "errors": errors,
        "errors_seen": [str(e) for e in list(env.stats.errors.values())[:5]],
        "import": {"gib": args.import_size, **results.get("import", {})},
        "uploads": {"count": args.big_uploads, "mib": args.upload_mib, "each": results.get("uploads", [])},
        "app_rss_mb": {"idle": round(memory.idle / 1e6), "peak": round(memory.peak / 1e6)},
        "loop_lag": {
            "max_ms": round(lag_max * 1000, 1),
            "max_before_load_ms": round(before.get("odh_tec_event_loop_lag_max_seconds", 0) * 1000, 1),
            "samples": int(after[LAG_COUNT] - before[LAG_COUNT]),
            "over_50ms": lag_over(before, after, "0.05"),
            "over_100ms": lag_over(before, after, "0.1"),
        },
    }


def report(summary: dict) -> None:
    print(f"\n{summary['users']} users for {summary['duration_s']} s")
    print(f"{'request':<20} {'requests':>8} {'req/s':>7} {'errors':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
    for name, r in summary["requests"].items():
        print(
            f"{name:<20} {r['requests']:>8} {r['rps']:>7} {r['errors']:>6} "
            f"{r['p50_ms']:>7} {r['p95_ms']:>7} {r['p99_ms']:>7}"
        )
    imp, up = summary["import"], summary["uploads"]
    print(f"import of {imp['gib']} GiB from the fake Hub: {imp.get('seconds')} s, error: {imp.get('error')}")
    each = ", ".join(f"{u['seconds']} s" + (f" ({u['error']})" if u["error"] else "") for u in up["each"])
    print(f"{up['count']} uploads of {up['mib']} MiB through the app: {each}")
    lag, rss = summary["loop_lag"], summary["app_rss_mb"]
    print(
        f"event-loop lag: worst {lag['max_ms']} ms (before the load: {lag['max_before_load_ms']} ms); "
        f"{lag['over_50ms']} of {lag['samples']} samples over 50 ms, {lag['over_100ms']} over 100 ms"
    )
    print(f"app RSS: idle {rss['idle']} MB, peak {rss['peak']} MB")
    cpu = summary["cpu_s"]
    print(
        "CPU-seconds while it ran:",
        ", ".join(f"{name} {value}" for name, value in cpu.items() if name != "wall"),
        f"(in {cpu['wall']} s on {psutil.cpu_count()} CPUs)",
    )
    if summary["errors_seen"]:
        print("errors:", *summary["errors_seen"], sep="\n  ")

    def p99(name: str) -> int:
        return next((r["p99_ms"] for n, r in summary["requests"].items() if n.startswith(name)), -1)

    for app, direct in (("list", "direct S3: list"), ("stat", "direct S3: stat")):
        if p99(direct) > 0:
            ratio = p99(app) / p99(direct)
            print(f"{app} p99 through the app / direct to SeaweedFS: {p99(app)} / {p99(direct)} ms = {ratio:.2f}x")

    checks = [
        ("0 errors", summary["errors"] == 0, summary["errors"]),
        (f"p99 listing <= {TARGETS['list']} ms", 0 <= p99("list") <= TARGETS["list"], p99("list")),
        (f"p99 stat <= {TARGETS['stat']} ms", 0 <= p99("stat") <= TARGETS["stat"], p99("stat")),
        (f"loop lag <= {TARGETS['lag_ms']} ms", lag["max_ms"] <= TARGETS["lag_ms"], lag["max_ms"]),
        (f"RSS <= {TARGETS['rss_mb']} MB", rss["peak"] <= TARGETS["rss_mb"], rss["peak"]),
    ]
    print("targets (2-core machine):", "; ".join(f"{n}: {'met' if ok else 'NOT met'} ({v})" for n, ok, v in checks))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller defaults: about a minute in all")
    parser.add_argument("--users", type=int, help="simulated users (50; quick 20)")
    parser.add_argument("--duration", type=float, help="seconds of load (60; quick 20)")
    parser.add_argument("--import-size", type=float, help="GiB imported from the fake Hub (2; quick 0.25)")
    parser.add_argument("--upload-mib", type=int, help="size of each big upload (256; quick 32)")
    parser.add_argument("--big-uploads", type=int, default=4, help="simultaneous big uploads (4)")
    parser.add_argument(
        "--direct-users", type=int, default=5, help="users beside them who list and stat with boto3, no app (5)"
    )
    parser.add_argument("--keys", type=int, default=1200, help="objects in the listed folder (1200: over a page)")
    parser.add_argument("--hub-rate-mibs", type=float, default=200, help="the fake Hub's total rate (200)")
    parser.add_argument("--concurrency", type=int, default=4, help="MAX_CONCURRENT_TRANSFERS (4)")
    parser.add_argument("--tmp", help="directory for SeaweedFS's data and the upload file")
    parser.add_argument("--json", help="also write the summary here")
    parser.add_argument("--app-log", help="copy the app's log here (ODH_TEC_SLOW_CALLBACK_MS=N: its slow callbacks)")
    args = parser.parse_args()
    quick = args.quick
    args.users = args.users or (20 if quick else 50)
    args.duration = args.duration or (20 if quick else 60)
    args.import_size = args.import_size or (0.25 if quick else 2.0)
    args.upload_mib = args.upload_mib or (32 if quick else 256)
    print(
        f"machine: {platform.platform()}, {psutil.cpu_count()} CPUs, load average "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}; Python {platform.python_version()}",
        flush=True,
    )
    summary = run(args)
    summary["load_average_after"] = [round(x, 1) for x in os.getloadavg()]
    report(summary)
    print("load average at the end:", *summary["load_average_after"])
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
