#!/usr/bin/env python3
"""S3 upload/download through the app vs direct boto3, against one SeaweedFS this script starts.

    .venv/bin/python bench/transfer_bench.py [--size-mib 1024] [--concurrent 4] [--repeat 1]

It starts an embedded SeaweedFS (`weed mini`, in a temporary directory) and the app in a **separate
process** (`odh-tec serve`, exactly what `make run` runs), so the app's RSS and CPU time can be measured
with psutil (sampled every 0.1 s). Then, with one random file of `--size-mib`:

* direct boto3 `upload_file` (its defaults: 8 MiB parts, 10 threads) vs a streamed httpx PUT through
  the app (`PUT /api/locations/s3:<bucket>/object`, Content-Length set);
* direct boto3 streamed `get_object` vs a streamed httpx GET through the app (`/download`);
* `--concurrent` simultaneous uploads of the file through the app;
* the app's peak RSS for an upload of a quarter of the size vs the full size (memory must not grow
  with the file).

`--pin`: the app gets the last CPU to itself (as in a pod with a CPU limit of one core), SeaweedFS and
this script share the others; without it, everything shares every CPU.

Figures: MiB/s, the ratio to direct boto3, the app's CPU-seconds per GiB moved, its peak RSS (and
SeaweedFS's CPU for context: on a small machine the S3 server's CPU is usually the limit).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import httpx
import psutil
from boto3.s3.transfer import TransferConfig
from botocore.config import Config as BotoConfig

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from odh_tec.embedded_s3 import EmbeddedS3

MiB = 1 << 20
GiB = 1 << 30
CHUNK = MiB
BUCKET = "bench"


class Sampler:
    """Samples the RSS of a process tree every 0.1 s in a thread; `window()` measures one phase."""

    def __init__(self, pid: int):
        self.proc = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _tree(self) -> list[psutil.Process]:
        with contextlib.suppress(psutil.Error):
            return [self.proc, *self.proc.children(recursive=True)]
        return [self.proc]

    def rss(self) -> int:
        total = 0
        for p in self._tree():
            with contextlib.suppress(psutil.Error):
                total += p.memory_info().rss
        return total

    def cpu(self) -> float:
        total = 0.0
        for p in self._tree():
            with contextlib.suppress(psutil.Error):
                t = p.cpu_times()
                total += t.user + t.system
        return total

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            self.peak = max(self.peak, self.rss())

    @contextlib.contextmanager
    def window(self):
        """Yields a dict filled on exit with cpu (seconds) and peak_rss (bytes) for the phase."""
        out: dict = {}
        self.peak = self.rss()
        cpu0 = self.cpu()
        try:
            yield out
        finally:
            out["cpu"] = self.cpu() - cpu0
            out["peak_rss"] = max(self.peak, self.rss())

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class Result:
    name: str
    nbytes: int
    seconds: float
    app_cpu: float | None = None
    app_peak_rss: int | None = None
    s3_cpu: float | None = None
    extra: dict = field(default_factory=dict)

    @property
    def mib_s(self) -> float:
        return self.nbytes / MiB / self.seconds


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_file(path: Path, size: int) -> None:
    with open(path, "wb") as fh:
        left = size
        while left:
            n = min(16 * MiB, left)
            fh.write(os.urandom(n))
            left -= n


def file_chunks(path: Path):
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            yield chunk


def direct_client(server: EmbeddedS3, **config):
    """boto3 straight to the benchmark's SeaweedFS (path-style): the baseline, and for seeding."""
    return boto3.client(
        "s3",
        endpoint_url=server.endpoint,
        region_name="us-east-1",
        aws_access_key_id=server.credentials.access_key_id,
        aws_secret_access_key=server.credentials.secret_access_key,
        config=BotoConfig(s3={"addressing_style": "path"}, **config),
    )


def pin(pid: int, cpus: set[int]) -> None:
    """Every thread of `pid` on `cpus` (affinity is per thread; threads started later inherit it)."""
    for tid in os.listdir(f"/proc/{pid}/task"):
        with contextlib.suppress(ProcessLookupError):
            os.sched_setaffinity(int(tid), cpus)


def split_cpus() -> tuple[set[int], set[int]]:
    """(the app's CPU, everyone else's) for --pin."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        raise SystemExit("--pin needs two CPUs at least")
    return {cpus[-1]}, set(cpus[:-1])


def start_app(
    tmp: Path, s3: EmbeddedS3, extra_env: dict[str, str] | None = None, cpus: set[int] | None = None
) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {
        **os.environ,
        "AWS_S3_ENDPOINT": s3.endpoint,
        "AWS_ACCESS_KEY_ID": s3.credentials.access_key_id,
        "AWS_SECRET_ACCESS_KEY": s3.credentials.secret_access_key,
        "AWS_DEFAULT_REGION": "us-east-1",
        "ODH_TEC_DATA_DIR": str(tmp / "app-data"),
        "ODH_TEC_EMBEDDED_S3": "false",
        "LOG_LEVEL": "warning",
        "NB_PREFIX": "",
        "HTTP_PROXY": "",
        "HTTPS_PROXY": "",
        "http_proxy": "",
        "https_proxy": "",
        **(extra_env or {}),
    }
    # The child holds its own copy of the log's descriptor: ours can close once it has started.
    with open(tmp / "app.log", "wb") as app_log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "odh_tec.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=tmp,
            stdout=app_log,
            stderr=subprocess.STDOUT,
            # Before the interpreter starts: every thread the app will have inherits it.
            preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the app exited: {(tmp / 'app.log').read_text()[-2000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/api/health", timeout=1).status_code == 200:
                return proc, url
        time.sleep(0.2)
    raise RuntimeError("the app did not start")


def stop_app(proc: subprocess.Popen) -> None:
    proc.terminate()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(15)
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def app_upload(url: str, path: Path, key: str, size: int) -> None:
    with httpx.Client(timeout=httpx.Timeout(600, connect=10)) as client:
        r = client.put(
            f"{url}/api/locations/s3:{BUCKET}/object",
            params={"key": key},
            content=file_chunks(path),
            headers={"Content-Length": str(size), "Content-Type": "application/octet-stream"},
        )
    if r.status_code != 201:
        raise RuntimeError(f"upload failed: {r.status_code} {r.text}")


def app_download(url: str, key: str) -> int:
    total = 0
    with (
        httpx.Client(timeout=httpx.Timeout(600, connect=10)) as client,
        client.stream("GET", f"{url}/api/locations/s3:{BUCKET}/download", params={"key": key}) as r,
    ):
        r.raise_for_status()
        for chunk in r.iter_raw(CHUNK):
            total += len(chunk)
    return total


def app_download_urllib3(url: str, key: str) -> int:
    """The same GET with urllib3, the HTTP client boto3 itself uses: separates the app's cost from
    httpx's (which spends about three times the CPU of urllib3 per byte here)."""
    import urllib3

    pool = urllib3.PoolManager()
    r = pool.request("GET", f"{url}/api/locations/s3:{BUCKET}/download", fields={"key": key}, preload_content=False)
    total = 0
    for chunk in r.stream(CHUNK):
        total += len(chunk)
    r.release_conn()
    return total


def direct_download(s3, key: str) -> int:
    body = s3.get_object(Bucket=BUCKET, Key=key)["Body"]
    total = 0
    for chunk in body.iter_chunks(CHUNK):
        total += len(chunk)
    return total


def timed(fn, *args):
    start = time.perf_counter()
    value = fn(*args)
    return time.perf_counter() - start, value


def run(args: argparse.Namespace) -> list[Result]:
    size = args.size_mib * MiB
    small = max(args.size_mib // 4, 16) * MiB
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="odh-tec-bench-", dir=args.tmp) as tmp_name:
        tmp = Path(tmp_name)
        print(f"writing {args.size_mib} MiB and {small // MiB} MiB random files in {tmp} ...", flush=True)
        big_file, small_file = tmp / "big.bin", tmp / "small.bin"
        make_file(big_file, size)
        make_file(small_file, small)

        server = EmbeddedS3(tmp / "s3")
        server.start()
        app_cpus, other_cpus = split_cpus() if args.pin else (None, None)
        if other_cpus:
            pin(server.process.pid, other_cpus)
            pin(os.getpid(), other_cpus)
            print(f"pinned: the app on CPU {sorted(app_cpus)}, SeaweedFS and this client on {sorted(other_cpus)}")
        app = None
        try:
            s3 = direct_client(
                server,
                max_pool_connections=16,
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            )
            s3.create_bucket(Bucket=BUCKET)
            app_samplers: list[Sampler] = []
            s3_sampler = Sampler(server.process.pid)

            def fresh_app() -> tuple[str, Sampler]:
                """A new app process, so each phase's peak RSS is its own (freed memory is not always
                given back to the OS, so a high-water mark would carry over)."""
                nonlocal app
                if app is not None:
                    stop_app(app)
                app, url = start_app(tmp, server, cpus=app_cpus)
                sampler = Sampler(app.pid)
                app_samplers.append(sampler)
                time.sleep(0.5)
                idle.append(sampler.rss())
                print(
                    f"app pid {app.pid} on {url} (idle RSS {idle[-1] / MiB:.0f} MiB); "
                    f"SeaweedFS pid {server.process.pid} on {server.endpoint}",
                    flush=True,
                )
                return url, sampler

            def measure(name: str, nbytes: int, sampler: Sampler, fn, *fargs) -> Result:
                me = psutil.Process()
                client0 = sum(me.cpu_times()[:2])
                with sampler.window() as a, s3_sampler.window() as w:
                    seconds, _ = timed(fn, *fargs)
                client = sum(me.cpu_times()[:2]) - client0
                res = Result(name, nbytes, seconds, a["cpu"], a["peak_rss"], w["cpu"], {"client_cpu": client})
                results.append(res)
                print(
                    f"  {name:<34} {res.mib_s:8.1f} MiB/s  app {res.app_cpu:6.2f} CPU-s, "
                    f"peak RSS {res.app_peak_rss / MiB:6.0f} MiB; SeaweedFS {res.s3_cpu:6.2f} CPU-s; "
                    f"client {client:6.2f} CPU-s",
                    flush=True,
                )
                return res

            idle: list[int] = []
            url, sampler = fresh_app()
            for round_ in range(args.repeat):
                print(f"round {round_ + 1}/{args.repeat}", flush=True)
                measure(
                    "direct boto3 upload_file",
                    size,
                    sampler,
                    s3.upload_file,
                    str(big_file),
                    BUCKET,
                    "direct.bin",
                    None,
                    None,
                    TransferConfig(),
                )
                measure("app upload (streamed PUT)", size, sampler, app_upload, url, big_file, "via-app.bin", size)
                head = s3.head_object(Bucket=BUCKET, Key="via-app.bin")
                assert head["ContentLength"] == size, head
                measure("direct boto3 get_object", size, sampler, direct_download, s3, "direct.bin")
                measure("app download (streamed GET)", size, sampler, app_download, url, "via-app.bin")
                measure("app download (urllib3 client)", size, sampler, app_download_urllib3, url, "via-app.bin")

            def concurrent_uploads() -> None:
                with concurrent.futures.ThreadPoolExecutor(args.concurrent) as pool:
                    futures = [
                        pool.submit(app_upload, url, big_file, f"concurrent-{i}.bin", size)
                        for i in range(args.concurrent)
                    ]
                    for f in futures:
                        f.result()

            url, sampler = fresh_app()
            measure(f"app {args.concurrent} concurrent uploads", size * args.concurrent, sampler, concurrent_uploads)
            url, sampler = fresh_app()
            measure(
                f"app upload {small // MiB} MiB (RSS check)",
                small,
                sampler,
                app_upload,
                url,
                small_file,
                "small.bin",
                small,
            )
            url, sampler = fresh_app()
            measure(
                f"app upload {size // MiB} MiB (RSS check)", size, sampler, app_upload, url, big_file, "again.bin", size
            )
            results.append(Result("idle", 0, 1, None, max(idle)))
            for sampler in app_samplers:
                sampler.close()
            s3_sampler.close()
        finally:
            if app is not None:
                stop_app(app)
            server.stop()
    return results


def summarise(results: list[Result], args: argparse.Namespace) -> dict:
    """Ratios are taken round by round (app and direct measured a few seconds apart, under the same
    load), then the best and the median of the rounds are reported."""

    def rows(prefix: str) -> list[Result]:
        return [r for r in results if r.name.startswith(prefix)]

    def ratios(app_prefix: str, direct_prefix: str) -> list[float]:
        return [a.mib_s / d.mib_s for a, d in zip(rows(app_prefix), rows(direct_prefix), strict=True)]

    def per_gib(value: float, r: Result) -> float:
        return round(value / (r.nbytes / GiB), 2)

    def median(values: list[float]) -> float:
        values = sorted(values)
        mid = len(values) // 2
        return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2

    up_r = ratios("app upload (streamed", "direct boto3 upload")
    dn_r = ratios("app download (streamed", "direct boto3 get")
    dn3_r = ratios("app download (urllib3", "direct boto3 get")
    up_d, up_a = rows("direct boto3 upload")[0], rows("app upload (streamed")[-1]
    dn_d, dn_a = rows("direct boto3 get")[-1], rows("app download (streamed")[-1]
    conc = rows(f"app {args.concurrent} concurrent")[0]
    small, big = results[-3], results[-2]
    return {
        "size_mib": args.size_mib,
        "app_pinned": args.pin,
        "upload_mib_s": {
            "direct": [round(r.mib_s, 1) for r in rows("direct boto3 upload")],
            "app": [round(r.mib_s, 1) for r in rows("app upload (streamed")],
        },
        "download_mib_s": {
            "direct": [round(r.mib_s, 1) for r in rows("direct boto3 get")],
            "app_httpx": [round(r.mib_s, 1) for r in rows("app download (streamed")],
            "app_urllib3": [round(r.mib_s, 1) for r in rows("app download (urllib3")],
        },
        "upload_ratio_best": round(max(up_r), 2),
        "upload_ratio_median": round(median(up_r), 2),
        "download_ratio_best": round(max(dn_r), 2),
        "download_ratio_median": round(median(dn_r), 2),
        "download_urllib3_ratio_best": round(max(dn3_r), 2),
        "download_urllib3_ratio_median": round(median(dn3_r), 2),
        "upload_app_cpu_s_per_gib": per_gib(up_a.app_cpu, up_a),
        "download_app_cpu_s_per_gib": per_gib(dn_a.app_cpu, dn_a),
        "upload_seaweedfs_cpu_s_per_gib": per_gib(up_a.s3_cpu, up_a),
        "upload_direct_client_cpu_s_per_gib": per_gib(up_d.extra["client_cpu"], up_d),
        "upload_httpx_client_cpu_s_per_gib": per_gib(up_a.extra["client_cpu"], up_a),
        "download_direct_client_cpu_s_per_gib": per_gib(dn_d.extra["client_cpu"], dn_d),
        "download_httpx_client_cpu_s_per_gib": per_gib(dn_a.extra["client_cpu"], dn_a),
        "concurrent_uploads": args.concurrent,
        "concurrent_total_mib_s": round(conc.mib_s, 1),
        "concurrent_app_cpu_s_per_gib": per_gib(conc.app_cpu, conc),
        "concurrent_app_peak_rss_mib": round(conc.app_peak_rss / MiB),
        "upload_app_peak_rss_mib": round(up_a.app_peak_rss / MiB),
        "download_app_peak_rss_mib": round(dn_a.app_peak_rss / MiB),
        "rss_check_peak_mib": {
            f"{small.nbytes // MiB} MiB": round(small.app_peak_rss / MiB),
            f"{big.nbytes // MiB} MiB": round(big.app_peak_rss / MiB),
        },
        "app_idle_rss_mib": round(results[-1].app_peak_rss / MiB),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mib", type=int, default=1024, help="file size in MiB (default 1024)")
    parser.add_argument("--concurrent", type=int, default=4, help="simultaneous uploads (default 4)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds of the single up/download pairs")
    parser.add_argument("--tmp", default=None, help="directory for the files and SeaweedFS data")
    parser.add_argument("--json", help="also write the summary here")
    parser.add_argument("--pin", action="store_true", help="the app on a CPU of its own, the rest on the others")
    args = parser.parse_args()

    print(
        f"machine: {platform.platform()}, {psutil.cpu_count()} CPUs, "
        f"{psutil.virtual_memory().total / GiB:.0f} GiB RAM, Python {platform.python_version()}",
        flush=True,
    )
    results = run(args)
    summary = summarise(results, args)
    print(json.dumps(summary, indent=2))
    rss_mb = summary["concurrent_app_peak_rss_mib"] * MiB / 1e6
    print(
        f"targets: upload >= 0.9x direct: {summary['upload_ratio_median'] >= 0.9} "
        f"(median {summary['upload_ratio_median']}); download >= {0.95 if args.pin else 0.9}x"
        f"{' (app pinned)' if args.pin else ''}: {summary['download_ratio_median'] >= (0.95 if args.pin else 0.9)} "
        f"(median {summary['download_ratio_median']}); RSS <= 200 MB with {args.concurrent} uploads: "
        f"{rss_mb <= 200} ({rss_mb:.0f} MB)"
    )
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
