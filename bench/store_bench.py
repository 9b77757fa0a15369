#!/usr/bin/env python3
"""What the durable job store costs: the same copies through the engine with and without it.

    .venv/bin/python bench/store_bench.py [--files 2000] [--big-mib 256] [--rounds 3]

One process, one embedded SeaweedFS this script starts. Two engines on the same services, one with
a `JobStore` (SQLite, as the app runs) and one with none, take turns, so the machine's drift is shared:

* many small files (4 KiB each, local → S3): where the store costs most, a row per file and a flush
  a second;
* one big file (local → S3, multipart): the journal of its UploadId and the byte counts.

For each it prints the median wall time and the process's CPU time per round, and the ratios with the
store to without it. The store writes in a worker thread, so its cost shows as CPU more than as time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from odh_tec.app import build_services
from odh_tec.config import Config
from odh_tec.embedded_s3 import EmbeddedS3
from odh_tec.transfers import create_engine, options_from_env
from odh_tec.transfers.model import JobState
from odh_tec.transfers.specs import CopySpec
from odh_tec.transfers.store import JobStore
from transfer_bench import BUCKET, MiB, direct_client, make_file


async def one_copy(engine, prefix: str, folder: str) -> tuple[float, float]:
    """(wall seconds, process CPU seconds) of one copy job of local:data/<folder>/ to S3."""
    spec = CopySpec(
        source_location="local:data",
        destination_location=f"s3:{BUCKET}",
        prefixes=[folder + "/"],
        prefix=prefix,
        conflict="overwrite",
    )
    wall, cpu = time.perf_counter(), time.process_time()
    job = await engine.submit(spec)
    await engine.wait(job.id)
    if job.state != JobState.COMPLETED:
        raise RuntimeError(f"the copy ended {job.state.value}: {job.error}")
    return time.perf_counter() - wall, time.process_time() - cpu


async def measure(tmp: Path, server: EmbeddedS3, rounds: int) -> dict:
    config = Config(
        aws_s3_endpoint=server.endpoint,
        aws_access_key_id=server.credentials.access_key_id,
        aws_secret_access_key=server.credentials.secret_access_key,
        odh_tec_data_dir=str(tmp / "app-data"),
        odh_tec_embedded_s3=False,
        local_storage_paths=str(tmp / "data"),
    )
    services = build_services(config)
    store = JobStore(tmp / "transfers.sqlite3")
    services.s3.journal = store
    engines = {"with_store": create_engine(services, options_from_env(), store), "without": None}
    engines["without"] = create_engine(services, options_from_env(), None)
    for engine in engines.values():
        await engine.start()
    times: dict[str, dict[str, list[tuple[float, float]]]] = {name: {"small": [], "big": []} for name in engines}
    try:
        for index in range(rounds):
            order = list(engines) if index % 2 == 0 else list(reversed(engines))
            for name in order:
                for what in ("small", "big"):
                    times[name][what].append(await one_copy(engines[name], f"{name}-{index}/", what))
    finally:
        for engine in engines.values():
            await engine.stop()
        store.close()
        await services.s3.close()
    out: dict = {}
    for what in ("small", "big"):
        row = {}
        for name in engines:
            row[name] = {
                "wall_s": round(statistics.median(t[0] for t in times[name][what]), 3),
                "cpu_s": round(statistics.median(t[1] for t in times[name][what]), 3),
            }
        row["wall_ratio"] = round(row["with_store"]["wall_s"] / row["without"]["wall_s"], 3)
        row["cpu_ratio"] = round(row["with_store"]["cpu_s"] / row["without"]["cpu_s"], 3)
        out[what] = row
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=2000, help="small files (4 KiB each; default 2000)")
    parser.add_argument("--big-mib", type=int, default=256, help="the big file, MiB (default 256)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each (default 3)")
    parser.add_argument("--tmp", default=None, help="directory for the files and SeaweedFS data")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="odh-tec-store-", dir=args.tmp) as tmp_name:
        tmp = Path(tmp_name)
        small = tmp / "data" / "small"
        small.mkdir(parents=True)
        for n in range(args.files):
            (small / f"f{n:05d}.bin").write_bytes(os.urandom(4096))
        (tmp / "data" / "big").mkdir()
        make_file(tmp / "data" / "big" / "big.bin", args.big_mib * MiB)
        server = EmbeddedS3(tmp / "s3")
        server.start()
        try:
            direct_client(server).create_bucket(Bucket=BUCKET)
            summary = asyncio.run(measure(tmp, server, args.rounds))
        finally:
            server.stop()
    print(json.dumps({"files": args.files, "big_mib": args.big_mib, "rounds": args.rounds, **summary}, indent=2))
    for what, label in (("small", f"{args.files} × 4 KiB"), ("big", f"1 × {args.big_mib} MiB")):
        row = summary[what]
        print(
            f"{label}: with the store / without: wall {row['wall_ratio']}, CPU {row['cpu_ratio']} "
            f"({row['with_store']['wall_s']} s vs {row['without']['wall_s']} s)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
