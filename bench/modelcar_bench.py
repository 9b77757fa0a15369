#!/usr/bin/env python3
"""ModelCar packaging, streamed S3 → registry through the app, vs `skopeo copy` of the same bytes.

    .venv/bin/python bench/modelcar_bench.py [--size-mib 2048] [--files 2]

It starts an embedded SeaweedFS, a CNCF Distribution registry (Debian's `docker-registry`, plain HTTP
on loopback, installed with apt when missing: tests/oci_registry.py) and the app as a **separate
process** (`odh-tec serve`), so the app's peak RSS is measured alone (psutil, every 0.1 s). The model
(`--files` random files, `--size-mib` in all) is put in S3, then:

* the app packages it (`POST /api/transfers`, kind `modelcar`, base `scratch`): S3 → tar framing →
  chunked blob uploads, nothing on disk;
* `skopeo copy oci:DIR docker://…` pushes an OCI layout holding the same files as uncompressed tar
  layers, prepared on disk beforehand (the disk-based tools' last step: modelcar-maker downloads,
  builds such a layout, then runs skopeo; only the push is timed here, their download is extra).

Figures: MiB/s of each, their ratio, and the app's peak RSS against its idle RSS (memory must not
grow with the model: each file streams through one source chunk and one PATCH at a time).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))
from oci_registry import RegistryServer, ensure_packages, skopeo  # noqa: E402
from odh_tec.embedded_s3 import EmbeddedS3  # noqa: E402
from odh_tec.oci.tarlayer import FileLayer  # noqa: E402
from transfer_bench import MiB, Sampler, direct_client, make_file, start_app, stop_app  # noqa: E402

BUCKET = "bench"


def oci_layout(directory: Path, files: list[Path]) -> Path:
    """An OCI image layout with one uncompressed tar layer per file, under /models (as ours)."""
    blobs = directory / "blobs" / "sha256"
    blobs.mkdir(parents=True)
    layers, diff_ids = [], []
    for path in files:
        layer_path = directory / "layer.tmp"
        with tarfile.open(layer_path, "w", format=tarfile.PAX_FORMAT) as tar:
            tar.add(path, arcname=f"models/{path.name}")
        digest = hashlib.sha256()
        with open(layer_path, "rb") as fh:
            while chunk := fh.read(16 * MiB):
                digest.update(chunk)
        size = layer_path.stat().st_size
        layer_path.rename(blobs / digest.hexdigest())
        layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": f"sha256:{digest.hexdigest()}",
                       "size": size})  # fmt: skip
        diff_ids.append(f"sha256:{digest.hexdigest()}")

    def blob(data: bytes) -> dict:
        name = hashlib.sha256(data).hexdigest()
        (blobs / name).write_bytes(data)
        return {"digest": f"sha256:{name}", "size": len(data)}

    config = blob(
        json.dumps(
            {"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": diff_ids}}
        ).encode()
    )
    manifest = blob(json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                                "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **config},
                                "layers": layers}).encode())  # fmt: skip
    (directory / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    (directory / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", **manifest,
         "annotations": {"org.opencontainers.image.ref.name": "latest"}}]}))  # fmt: skip
    return directory


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mib", type=int, default=2048, help="the model's size in MiB (default 2048)")
    parser.add_argument("--files", type=int, default=2, help="how many files it is split into (default 2)")
    parser.add_argument("--tmp", default=None, help="where the temporary files go (needs about 5x the size)")
    args = parser.parse_args()
    ensure_packages()
    with tempfile.TemporaryDirectory(prefix="odh-tec-modelcar-bench-", dir=args.tmp) as tmp_name:
        tmp = Path(tmp_name)
        size = args.size_mib * MiB
        paths = [tmp / "model" / f"model-{i:05d}.safetensors" for i in range(args.files)]
        paths[0].parent.mkdir()
        print(f"writing {args.size_mib} MiB in {args.files} files ...", flush=True)
        for path in paths:
            make_file(path, size // args.files)
        s3_server = EmbeddedS3(tmp / "s3")
        s3_server.start()
        registry = RegistryServer(tmp / "registry").start()
        app = None
        try:
            s3 = direct_client(s3_server)
            s3.create_bucket(Bucket=BUCKET)
            for path in paths:
                s3.upload_file(str(path), BUCKET, f"model/{path.name}")
            env = {"PYTHONPATH": str(ROOT / "src"), "MODELCAR_INSECURE_REGISTRIES": registry.host}
            app, url = start_app(tmp, s3_server, env)
            sampler = Sampler(app.pid)
            time.sleep(0.5)
            idle = sampler.rss()
            body = {"kind": "modelcar", "source": {"location_id": f"s3:{BUCKET}", "prefix": "model/"},
                    "image": f"{registry.host}/bench/app:1", "base": "scratch"}  # fmt: skip
            with sampler.window() as phase, httpx.Client(base_url=url, timeout=60) as client:
                start = time.monotonic()
                job = client.post("/api/transfers", json=body).json()
                while job.get("state") not in ("completed", "failed", "cancelled"):
                    time.sleep(0.2)
                    job = client.get(f"/api/transfers/{job['id']}").json()
                app_seconds = time.monotonic() - start
            if job.get("state") != "completed":
                print(f"the app's job did not complete: {job.get('error') or job}", file=sys.stderr)
                return 1
            layout = oci_layout(tmp / "oci", paths)
            start = time.monotonic()
            skopeo(
                "copy", "--dest-tls-verify=false", f"oci:{layout}:latest", f"docker://{registry.host}/bench/skopeo:1"
            )
            skopeo_seconds = time.monotonic() - start
        finally:
            if app is not None:
                stop_app(app)
            registry.stop()
            s3_server.stop()
        layer_bytes = sum(FileLayer.for_file(f"models/{p.name}", p.stat().st_size).layer_size for p in paths)
        app_rate = layer_bytes / MiB / app_seconds
        skopeo_rate = layer_bytes / MiB / skopeo_seconds
        print(f"model: {args.size_mib} MiB in {args.files} files (layers {layer_bytes / MiB:.0f} MiB)")
        print(f"app, S3 → registry, streamed:   {app_seconds:6.1f} s  {app_rate:7.1f} MiB/s")
        print(f"skopeo copy oci: → registry:    {skopeo_seconds:6.1f} s  {skopeo_rate:7.1f} MiB/s")
        print(f"ratio app / skopeo:             {app_rate / skopeo_rate:6.2f}")
        print(f"app RSS: idle {idle / MiB:.0f} MiB, peak while packaging {phase['peak_rss'] / MiB:.0f} MiB, "
              f"CPU {phase['cpu']:.1f} s")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
