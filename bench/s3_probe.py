#!/usr/bin/env python3
"""The direct-client baseline of bench/load_bench.py: users who list and stat with boto3, no app.

    python bench/s3_probe.py SPEC_JSON    # {"endpoint", "access_key_id", "secret_access_key", "bucket",
                                          #  "prefix", "keys": [...], "users", "duration"}

Its own process, plain threads: in Locust's gevent process a boto3 call would parse its XML while every
simulated user waited, and both figures would be wrong. Each user waits 0.5-2 s between requests, as the
app's users do, and lists the folder in one 1,000-key page or stats a key (equal odds). It prints one JSON
line: per request type, the count, errors and the p50/p95/p99 latency in ms.
"""

from __future__ import annotations

import json
import random
import sys
import threading
import time

import boto3
from botocore.config import Config

LIST, STAT = "direct S3: list 1,000", "direct S3: stat"


def percentile(values: list[float], q: float) -> int:
    if not values:
        return -1
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))])


def main() -> int:
    spec = json.loads(sys.argv[1])
    s3 = boto3.client(
        "s3",
        endpoint_url=spec["endpoint"],
        region_name="us-east-1",
        aws_access_key_id=spec["access_key_id"],
        aws_secret_access_key=spec["secret_access_key"],
        config=Config(s3={"addressing_style": "path"}, max_pool_connections=spec["users"]),
    )
    bucket, prefix, keys = spec["bucket"], spec["prefix"], spec["keys"]
    times: dict[str, list[float]] = {LIST: [], STAT: []}
    errors = {LIST: 0, STAT: 0}
    lock = threading.Lock()
    deadline = time.monotonic() + spec["duration"]

    def user() -> None:
        rng = random.Random()
        while time.monotonic() < deadline:
            time.sleep(rng.uniform(0.5, 2))
            name = rng.choice((LIST, STAT))
            started, failed = time.perf_counter(), False
            try:
                if name == LIST:
                    s3.list_objects_v2(Bucket=bucket, Prefix=prefix, Delimiter="/", MaxKeys=1000)
                else:
                    s3.head_object(Bucket=bucket, Key=rng.choice(keys))
            except Exception:
                failed = True
            with lock:
                times[name].append((time.perf_counter() - started) * 1000)
                errors[name] += failed

    threads = [threading.Thread(target=user, daemon=True) for _ in range(spec["users"])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(
        json.dumps(
            {
                name: {
                    "requests": len(values),
                    "errors": errors[name],
                    "p50_ms": percentile(values, 0.5),
                    "p95_ms": percentile(values, 0.95),
                    "p99_ms": percentile(values, 0.99),
                }
                for name, values in times.items()
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
