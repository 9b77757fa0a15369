#!/usr/bin/env python3
"""Bandwidth limits: how close a limited copy comes to its limit, against one SeaweedFS this script starts.

    .venv/bin/python bench/rate_limit_bench.py [--size-mib 64] [--rate-mib 20]

It starts an embedded SeaweedFS and the app in a separate process (as `bench/transfer_bench.py` does),
writes one random file into a local location, then copies it to S3 three times through the engine:

* unlimited (for context: the rate the machine allows),
* with the job's own limit (`limit_rate` in `POST /api/transfers`),
* with the global limit (`PUT /api/settings/transfers {"max_transfer_rate"}`) and no own limit.

For each limited copy it prints the achieved rate over the whole job (request to completion, so the
upload of the last part and the polling are in it) and over its steady part: from the moment a quarter
of the file is counted to the moment all of it is (the bucket's quarter-second burst at the start and
the final part's upload are left out), as ratios to the limit. Target: the steady ratio within 5 % of 1.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from odh_tec.embedded_s3 import EmbeddedS3
from transfer_bench import BUCKET, MiB, direct_client, make_file, start_app, stop_app


def copy_once(client: httpx.Client, key: str, size: int, limit_rate: int | None) -> dict:
    """One copy of local:data/<key> to S3; the job's bytes_done sampled every 20 ms."""
    body = {
        "kind": "copy",
        "conflict": "overwrite",
        "source": {"location_id": "local:data", "keys": [key]},
        "destination": {"location_id": f"s3:{BUCKET}", "prefix": "limited/"},
        **({"limit_rate": limit_rate} if limit_rate else {}),
    }
    start = time.monotonic()
    r = client.post("/api/transfers", json=body)
    r.raise_for_status()
    job_id = r.json()["id"]
    steady_from: tuple[float, int] | None = None
    all_read: float | None = None  # every byte paced and counted (the upload of the last part may go on)
    while True:
        job = client.get(f"/api/transfers/{job_id}").json()
        now = time.monotonic()
        done = job["totals"]["bytes_done"]
        if steady_from is None and done >= size // 4 and job["state"] == "running":
            steady_from = (now, done)
        if all_read is None and done >= size:
            all_read = now
        if job["state"] in ("completed", "failed", "cancelled"):
            break
        time.sleep(0.02)
    if job["state"] != "completed":
        raise RuntimeError(f"the copy ended {job['state']}: {job['error']}")
    elapsed = now - start
    out = {"seconds": round(elapsed, 3), "mib_s": round(size / elapsed / MiB, 2)}
    if steady_from is not None and all_read is not None and all_read > steady_from[0]:
        out["steady_mib_s"] = round((size - steady_from[1]) / (all_read - steady_from[0]) / MiB, 2)
    return out


def run(args: argparse.Namespace) -> dict:
    size, rate = args.size_mib * MiB, args.rate_mib * MiB
    with tempfile.TemporaryDirectory(prefix="odh-tec-rate-", dir=args.tmp) as tmp_name:
        tmp = Path(tmp_name)
        (tmp / "data").mkdir()
        make_file(tmp / "data" / "src.bin", size)
        server = EmbeddedS3(tmp / "s3")
        server.start()
        app = None
        try:
            s3 = direct_client(server)
            s3.create_bucket(Bucket=BUCKET)
            app, url = start_app(tmp, server, {"LOCAL_STORAGE_PATHS": str(tmp / "data")})
            with httpx.Client(base_url=url, timeout=60) as client:
                results = {"unlimited": copy_once(client, "src.bin", size, None)}
                results["job_limit"] = copy_once(client, "src.bin", size, rate)
                client.put("/api/settings/transfers", json={"max_transfer_rate": rate}).raise_for_status()
                results["global_limit"] = copy_once(client, "src.bin", size, None)
            for name in ("job_limit", "global_limit"):
                result = results[name]
                result["ratio"] = round(result["mib_s"] / args.rate_mib, 3)
                if "steady_mib_s" in result:
                    result["steady_ratio"] = round(result["steady_mib_s"] / args.rate_mib, 3)
            return {"size_mib": args.size_mib, "limit_mib_s": args.rate_mib, **results}
        finally:
            if app is not None:
                stop_app(app)
            server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mib", type=int, default=64, help="file size in MiB (default 64)")
    parser.add_argument("--rate-mib", type=int, default=20, help="the limit in MiB/s (default 20)")
    parser.add_argument("--tmp", default=None, help="directory for the file and SeaweedFS data")
    args = parser.parse_args()
    summary = run(args)
    print(json.dumps(summary, indent=2))
    for name in ("job_limit", "global_limit"):
        result = summary[name]
        steady = result.get("steady_ratio", result["ratio"])
        print(
            f"{name}: {result['mib_s']} MiB/s overall ({result['ratio']} of the limit), "
            f"{result.get('steady_mib_s', '—')} MiB/s steady ({steady}): within 5 %: {abs(steady - 1) <= 0.05}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
