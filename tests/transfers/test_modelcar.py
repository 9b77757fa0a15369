"""ModelCar jobs against a real registry (CNCF Distribution, Debian's docker-registry), checked with
the reference tools (skopeo), from a local folder, S3 and the (fake) Hub; faults: wrong credentials,
cancel, re-packaging after a change, a registry restart mid-push."""

from __future__ import annotations

import hashlib
import io
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import oci_registry
from aptget import Unavailable
from conftest import LiveServer, make_config
from oci_registry import (
    RegistryServer,
    TokenServer,
    layer_members,
    make_ca,
    push_busybox_base,
    skopeo,
    skopeo_inspect,
    skopeo_layers,
)
from odh_tec.cli import main
from odh_tec.config import RegistrySettings
from odh_tec.transfers import modelcar
from rss import peak_rss
from served import ServedApp, s3_env
from transfers.conftest import notebook_env, wait_job

pytestmark = pytest.mark.registry
# The registry fixtures of tests/oci_registry.py, for this module's tests.
registry_tools, busybox_dir, plain_registry = (
    oci_registry.registry_tools,
    oci_registry.busybox_dir,
    oci_registry.plain_registry,
)

USER, PASSWORD = "alice", "alice-registry-password"


@pytest.fixture(scope="session")
def tls_registry(busybox_dir, tmp_path_factory) -> Iterator[RegistryServer]:
    directory = tmp_path_factory.mktemp("registry-tls")
    server = RegistryServer(directory, ca=make_ca(directory / "ca"), users={USER: PASSWORD}).start()
    push_busybox_base(server, busybox_dir)
    yield server
    server.stop()


def _use(live, registry: RegistrySettings, ca_bundles: list[str] | None = None):
    settings = live.services.settings
    saved = (settings.registry, settings.ca_bundles)
    settings.registry = registry
    if ca_bundles is not None:
        settings.ca_bundles = [*settings.ca_bundles, *ca_bundles]
    return saved


@pytest.fixture
def mc_live(live, plain_registry, engine_options) -> Iterator:
    """The shared app, speaking plain HTTP to the test registry, busybox as the default base."""
    saved = _use(
        live, RegistrySettings(base_image=f"{plain_registry.host}/base/busybox:latest", insecure=[plain_registry.host])
    )
    yield live
    live.services.settings.registry, live.services.settings.ca_bundles = saved


@pytest.fixture
def mc_api(mc_live):
    with mc_live.client() as client:
        yield client


def model_files(root: Path, big: int = 3 << 20) -> dict[str, bytes]:
    """A small model: config, tokenizer, one weights file bigger than a chunk, one in a sub-folder."""
    files = {
        "config.json": b'{"model_type": "llama"}',
        "tokenizer.json": b'{"version": "1.0"}' * 100,
        "model.safetensors": os.urandom(big),
        "sub/extra weights.bin": os.urandom(70_000),
    }
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return files


def modelcar_body(location_id: str, prefix: str, image: str, **extra) -> dict:
    return {"kind": "modelcar", "source": {"location_id": location_id, "prefix": prefix}, "image": image, **extra}


def run_modelcar(client, body: dict, timeout: float = 120) -> dict:
    r = client.post("/api/transfers", json=body)
    assert r.status_code == 201, r.text
    return wait_job(client, r.json()["id"], timeout)


def check_image(server: RegistryServer, image: str, files: dict[str, bytes], tmp: Path, models_dir="models") -> dict:
    """What the reference tools see: labels, one layer per file on top of busybox's, identical bytes."""
    inspected = skopeo_inspect(server, image)
    assert inspected["Labels"]["io.odh-tec.tool"].startswith("odh-tec")
    assert inspected["Labels"]["base"] == "busybox"  # the base's config carried over
    assert len(inspected["Layers"]) == 1 + len(files)
    back = skopeo_layers(server, image, tmp / "pulled")
    for name, data in files.items():
        got = back[f"{models_dir}/{name}"]
        assert hashlib.sha256(got).hexdigest() == hashlib.sha256(data).hexdigest(), name
    raw = json.loads((tmp / "pulled" / "manifest.json").read_text())
    for layer in raw["layers"][1:]:
        for member in layer_members(tmp / "pulled", layer["digest"]):
            assert (member.uid, member.gid) == (0, 0)
            assert member.mode == (0o755 if member.isdir() else 0o644), member.name
    return inspected


def test_local_folder_to_registry(mc_api, local_root, plain_registry, tmp_path):
    files = model_files(local_root / "mc-local" / "tiny")
    job = run_modelcar(
        mc_api, modelcar_body(f"local:{local_root.name}", "mc-local/tiny/", f"{plain_registry.host}/models/tiny:v1")
    )
    assert job["state"] == "completed", job
    info = job["modelcar"]
    assert info["reference"].startswith(f"{plain_registry.host}/models/tiny@sha256:")
    assert info["storage_uri"] == f"oci://{info['reference']}"
    assert f"storageUri: {info['storage_uri']}" in info["inference_service"]
    assert job["totals"]["files_done"] == len(files)
    inspected = check_image(plain_registry, "models/tiny:v1", files, tmp_path)
    assert inspected["Digest"] == info["digest"]


def test_s3_repackage_after_one_change_sends_one_layer(mc_api, s3, bucket, plain_registry, tmp_path):
    files = {"config.json": b'{"a": 1}', "model.safetensors": os.urandom(2 << 20), "tokenizer.json": b"{}" * 500}
    for name, data in files.items():
        s3.put_object(Bucket=bucket, Key=f"llm/{name}", Body=data)
    image = f"{plain_registry.host}/models/s3model:latest"
    uploads = "/v2/models/s3model/blobs/uploads/"
    first = run_modelcar(mc_api, modelcar_body(f"s3:{bucket}", "llm", image))
    assert first["state"] == "completed", first
    assert first["modelcar"]["layers_sent"] == 3

    files["config.json"] = b'{"a": 2}'
    s3.put_object(Bucket=bucket, Key="llm/config.json", Body=files["config.json"])
    before = plain_registry.requests("POST", uploads)
    second = run_modelcar(mc_api, modelcar_body(f"s3:{bucket}", "llm", image))
    assert second["state"] == "completed", second
    assert second["modelcar"]["layers_sent"] == 1
    assert second["totals"]["files_skipped"] == 2 and second["totals"]["files_done"] == 1
    assert {f["path"]: f["state"] for f in second["files"]}["llm/config.json"] == "done"
    # One upload session for the changed file's layer, one for the new config: the rest was there.
    posts = [line for line in plain_registry.log.read_text(errors="replace").splitlines() if '"POST ' in line]
    assert plain_registry.requests("POST", uploads) - before == 2, "\n".join(posts)
    assert second["modelcar"]["digest"] != first["modelcar"]["digest"]
    check_image(plain_registry, "models/s3model:latest", files, tmp_path)
    labels = skopeo_inspect(plain_registry, "models/s3model:latest")["Labels"]
    assert labels["org.opencontainers.image.source"] == f"s3:{bucket}/llm/"


def test_hub_repo_to_registry_on_scratch(hf_live, mc_live, plain_registry, tmp_path):
    with mc_live.client() as client:
        job = run_modelcar(
            client,
            {
                "kind": "modelcar",
                "source": {"hf": {"repo_id": "hf-tiny-v2/tiny-random-GPT2Model"}, "exclude": [".gitattributes"]},
                "image": f"{plain_registry.host}/hf/gpt2:main",
                "base": "scratch",
                "models_dir": "/mnt/models",
            },
        )
    assert job["state"] == "completed", job
    assert job["modelcar"]["base"] == "scratch"
    inspected = skopeo_inspect(plain_registry, "hf/gpt2:main")
    assert len(inspected["Layers"]) == 4
    assert inspected["Labels"]["org.opencontainers.image.revision"] == job["resolved_revision"]
    assert inspected["Labels"]["org.opencontainers.image.source"] == "hf://hf-tiny-v2/tiny-random-GPT2Model"
    back = skopeo_layers(plain_registry, "hf/gpt2:main", tmp_path / "pulled")
    assert sorted(back) == sorted(
        f"mnt/models/{n}" for n in ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json")
    )
    with hf_live.client() as client:
        r = client.get(
            f"{hf_live.services.settings.huggingface.endpoint}/hf-tiny-v2/tiny-random-GPT2Model/resolve/main/config.json"
        )
    assert back["mnt/models/config.json"] == r.content


def test_tls_registry_with_basic_auth(live, tls_registry, engine_options, local_root, tmp_path):
    files = model_files(local_root / "mc-tls", big=1 << 20)
    base = f"{tls_registry.host}/base/busybox:latest"
    body = modelcar_body(f"local:{local_root.name}", "mc-tls", f"{tls_registry.host}/secure/model:1", base=base)
    assert tls_registry.ca is not None
    saved = _use(
        live,
        RegistrySettings(host=tls_registry.host, username=USER, password=PASSWORD),
        ca_bundles=[str(tls_registry.ca.cert)],
    )
    try:
        with live.client() as client:
            job = run_modelcar(client, body)
            assert job["state"] == "completed", job
            check_image(tls_registry, "secure/model:1", files, tmp_path)

            live.services.settings.registry = RegistrySettings(host=tls_registry.host, username=USER, password="wrong")
            r = client.post("/api/transfers", json={**body, "image": f"{tls_registry.host}/secure/model:2"})
            assert r.status_code == 401, r.text
            assert r.json()["error"] == "RegistryUnauthorized"
            assert f"refused the credentials for user '{USER}'" in r.json()["message"]

            # Credentials are for the registry they were saved for only: none go to another host.
            live.services.settings.registry = RegistrySettings(
                host="elsewhere.example:5000", username=USER, password=PASSWORD
            )
            r = client.post("/api/transfers", json={**body, "image": f"{tls_registry.host}/secure/model:3"})
            assert r.status_code == 401 and "needs credentials" in r.json()["message"], r.text
    finally:
        live.services.settings.registry, live.services.settings.ca_bundles = saved
    assert skopeo(
        "inspect", *tls_registry.tool_args(), f"docker://{tls_registry.host}/secure/model:2", check=False
    ).returncode


def test_cancel_leaves_no_tag(mc_api, local_root, plain_registry):
    model_files(local_root / "mc-cancel", big=4 << 20)
    body = modelcar_body(f"local:{local_root.name}", "mc-cancel", f"{plain_registry.host}/models/cancelled:v1")
    r = mc_api.post("/api/transfers", json={**body, "limit_rate": 512 << 10})
    assert r.status_code == 201, r.text
    job_id = r.json()["id"]
    wait_bytes(mc_api, job_id)
    mc_api.post(f"/api/transfers/{job_id}/cancel")
    job = wait_job(mc_api, job_id, 30)
    assert job["state"] == "cancelled"
    assert job["modelcar"]["reference"] is None
    gone = skopeo("inspect", "--tls-verify=false", f"docker://{plain_registry.host}/models/cancelled:v1", check=False)
    assert gone.returncode != 0 and "manifest unknown" in gone.stderr.lower(), gone.stderr
    # Every upload session the cancel cut off got its DELETE. (Distribution 2.8 cannot honour one sent
    # after a PATCH that was cut mid-body: its state token is stale by then; the registry purges such
    # sessions itself, after a week by default.)
    sessions = plain_registry.directory / "storage/docker/registry/v2/repositories/models/cancelled/_uploads"
    for session in sessions.iterdir() if sessions.exists() else []:
        assert plain_registry.requests("DELETE", f"/v2/models/cancelled/blobs/uploads/{session.name}") == 1


def wait_bytes(client, job_id: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/transfers/{job_id}").json()
        if job["totals"]["bytes_done"] > 0:
            return job
        time.sleep(0.05)
    raise AssertionError("no byte moved")


def test_registry_restart_mid_push_retries_and_completes(mc_api, local_root, plain_registry, engine_options, tmp_path):
    engine_options.file_attempts, engine_options.retry_base_delay, engine_options.retry_max_delay = 6, 0.5, 2
    files = model_files(local_root / "mc-restart", big=4 << 20)
    body = modelcar_body(f"local:{local_root.name}", "mc-restart", f"{plain_registry.host}/models/restarted:v1")
    r = mc_api.post("/api/transfers", json={**body, "limit_rate": 1 << 20})
    assert r.status_code == 201, r.text
    job_id = r.json()["id"]
    wait_bytes(mc_api, job_id)
    plain_registry.restart(kill=True)
    job = wait_job(mc_api, job_id, 90)
    assert job["state"] == "completed", job
    big = next(f for f in job["files"] if f["path"].endswith("model.safetensors"))
    assert big["state"] == "done"
    check_image(plain_registry, "models/restarted:v1", files, tmp_path)


def test_cli_packages_a_folder(monkeypatch, s3_server, local_root, tmp_path, plain_registry, capsys):
    notebook_env(
        monkeypatch,
        s3_server,
        local_root,
        tmp_path,
        MODELCAR_INSECURE_REGISTRIES=plain_registry.host,
        MODELCAR_BASE_IMAGE=f"{plain_registry.host}/base/busybox:latest",
    )
    files = model_files(tmp_path / "model", big=1 << 20)
    image = f"{plain_registry.host}/cli/model:v1"
    assert main(["modelcar", str(tmp_path / "model"), "--to", image, "--exclude", "sub/*", "--json"]) == 0
    job = json.loads(capsys.readouterr().out)
    assert job["kind"] == "modelcar" and job["state"] == "completed"
    assert job["modelcar"]["storage_uri"].startswith(f"oci://{plain_registry.host}/cli/model@sha256:")
    assert len(skopeo_inspect(plain_registry, "cli/model:v1")["Layers"]) == 1 + len(files) - 1

    assert main(["modelcar", str(tmp_path / "model"), "--to", image, "--exclude", "sub/*"]) == 0
    out = capsys.readouterr().out
    assert "0 of 3 layers sent" in out and "storageUri: oci://" in out
    assert main(["modelcar", "hf://", "--to", "Bad Image"]) == 2


def test_registry_settings_are_write_only_and_tested(live, tls_registry):
    assert tls_registry.ca is not None
    settings = live.services.settings
    saved = _use(live, RegistrySettings(), ca_bundles=[str(tls_registry.ca.cert)])
    try:
        with live.client() as client:
            body = {"host": tls_registry.host, "username": USER, "password": PASSWORD}
            r = client.post("/api/settings/registry/test", json=body)
            assert r.status_code == 200 and r.json()["ok"], r.text
            assert f"as '{USER}'" in r.json()["message"]
            r = client.post("/api/settings/registry/test", json={**body, "password": "wrong"})
            assert r.json()["ok"] is False and r.json()["error"] == "RegistryUnauthorized", r.text

            r = client.put("/api/settings/registry", json={**body, "base_image": "scratch"})
            assert r.status_code == 200, r.text
            view = r.json()["registry"]
            assert view["password_set"] is True and PASSWORD not in r.text
            assert client.get("/api/settings").json()["registry"] == view
            assert settings.registry.password == PASSWORD and settings.registry.base_image == "scratch"
            # The stored password follows no new host.
            r = client.put("/api/settings/registry", json={"host": "quay.io"})
            assert r.json()["registry"]["password_set"] is False
            r = client.put("/api/settings/registry", json={"host": "169.254.169.254"})
            assert r.status_code == 400 and r.json()["error"] == "DestinationNotAllowed"
    finally:
        settings.registry, settings.ca_bundles = saved


@pytest.fixture(scope="session")
def token_registry(busybox_dir, tmp_path_factory) -> Iterator[RegistryServer]:
    """Plain HTTP, Bearer challenge: tokens from a token service that checks Basic credentials."""
    directory = tmp_path_factory.mktemp("registry-token")
    tokens = TokenServer(directory / "token", {USER: PASSWORD}).start()
    server = RegistryServer(directory, users={USER: PASSWORD}, token=tokens).start()
    push_busybox_base(server, busybox_dir)
    yield server
    server.stop()
    tokens.stop()


def test_token_auth_registry_mounts_the_base(live, token_registry, engine_options, local_root, tmp_path):
    """quay.io's, Harbor's and OpenShift's flow: 401 Bearer → token for the repositories → push."""
    tokens = token_registry.token
    assert tokens is not None
    files = model_files(local_root / "mc-token", big=1 << 20)
    base = f"{token_registry.host}/base/busybox:latest"
    saved = _use(
        live,
        RegistrySettings(host=token_registry.host, username=USER, password=PASSWORD, insecure=[token_registry.host]),
    )
    try:
        with live.client() as client:
            body = modelcar_body(
                f"local:{local_root.name}", "mc-token", f"{token_registry.host}/team/model:1", base=base
            )
            job = run_modelcar(client, body)
            assert job["state"] == "completed", job
            # The push token covers the target, and the pull of the base repository for the mount.
            assert ["repository:team/model:pull,push", "repository:base/busybox:pull"] in tokens.scopes
            mounted = r'/v2/team/model/blobs/uploads/\?mount=sha256%3A[0-9a-f]+&from=base%2Fbusybox HTTP/1.1" 201'
            assert token_registry.requests("POST", mounted) == 1

            live.services.settings.registry = RegistrySettings(
                host=token_registry.host, username=USER, password="wrong", insecure=[token_registry.host]
            )
            r = client.post("/api/transfers", json={**body, "image": f"{token_registry.host}/team/model:2"})
            assert r.status_code == 401 and r.json()["error"] == "RegistryUnauthorized", r.text
            assert tokens.refused >= 1
    finally:
        live.services.settings.registry, live.services.settings.ca_bundles = saved
    check_image(token_registry, "team/model:1", files, tmp_path)


def test_a_stopped_app_resumes_and_skips_the_layers_it_pushed(s3_server, local_root, plain_registry, tmp_path):
    folder = local_root / "mc-resume"
    files = {"a.json": b'{"a": 1}', "b.txt": b"tokens" * 1000, "z.safetensors": os.urandom(4 << 20)}
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    config = make_config(
        s3_server,
        tmp_path,
        local_storage_paths=str(local_root),
        modelcar_insecure_registries=plain_registry.host,
        modelcar_base_image=f"{plain_registry.host}/base/busybox:latest",
        max_concurrent_transfers=1,  # one layer after the other
    )
    image = f"{plain_registry.host}/models/resumed:v1"
    body = modelcar_body(f"local:{local_root.name}", "mc-resume", image, limit_rate=1 << 20)
    first = LiveServer(config).start()
    try:
        with first.client() as client:
            r = client.post("/api/transfers", json=body)
            assert r.status_code == 201, r.text
            job_id = r.json()["id"]
            deadline = time.monotonic() + 30
            while True:
                job = client.get(f"/api/transfers/{job_id}").json()
                big = next(f for f in job["files"] if f["path"].endswith("z.safetensors"))
                if big["bytes_done"] > 0:
                    break
                assert time.monotonic() < deadline, job
                time.sleep(0.05)
            assert [f["state"] for f in job["files"]][:2] == ["done", "done"]
    finally:
        first.stop()  # a graceful stop (SIGTERM in a pod): interrupted, not cancelled
    uploads = r"/v2/models/resumed/blobs/uploads/ HTTP"
    before = plain_registry.requests("POST", uploads)

    second = LiveServer(make_config(s3_server, tmp_path, **config.model_dump(include={
        "local_storage_paths", "modelcar_insecure_registries", "modelcar_base_image"}))).start()  # fmt: skip
    try:
        with second.client() as client:
            job = wait_job(client, job_id, 60)
    finally:
        second.stop()
    assert job["state"] == "completed", job
    assert job["resumed_at"] is not None
    # After the restart: the big file's layer and the config, nothing of the two layers pushed before.
    posts = [line for line in plain_registry.log.read_text(errors="replace").splitlines() if '"POST ' in line]
    assert plain_registry.requests("POST", uploads) - before == 2, "\n".join(posts)
    check_image(plain_registry, "models/resumed:v1", files, tmp_path)


READ_BACK = "/models/model.safetensors '/models/sub/extra weights.bin'"


def test_podman_runs_the_modelcar_as_an_arbitrary_uid(mc_api, local_root, plain_registry, tmp_path):
    """As KServe runs a ModelCar: the image's shell lists /models and reads a file, as a non-root UID."""
    from deploy import podman as pm
    from deploy.container import OPENSHIFT_UID

    try:
        pm.ensure_packages()
    except Unavailable as exc:
        pytest.skip(str(exc))
    podman = pm.Podman(pm.write_containers_conf(tmp_path))
    files = model_files(local_root / "mc-podman", big=1 << 20)
    image = f"{plain_registry.host}/models/podman:{os.urandom(4).hex()}"
    job = run_modelcar(mc_api, modelcar_body(f"local:{local_root.name}", "mc-podman", image))
    assert job["state"] == "completed", job
    try:
        podman("pull", "--tls-verify=false", image, timeout=180)
        done = podman(
            "run", "--rm", "--user", f"{OPENSHIFT_UID}:0", "--read-only", "--network", "none", "--cap-drop", "ALL",
            image, "/bin/sh", "-c", f"id -u; ls -ln /models; sha256sum {READ_BACK}",
        )  # fmt: skip
    finally:
        podman("rmi", "-f", image, check=False)
    lines = done.stdout.splitlines()
    assert lines[0] == str(OPENSHIFT_UID)
    assert any(line.startswith("-rw-r--r--") and line.endswith("model.safetensors") for line in lines), done.stdout
    assert any(line.startswith("drwxr-xr-x") and line.endswith("sub") for line in lines), done.stdout
    for name in ("model.safetensors", "sub/extra weights.bin"):
        assert f"{hashlib.sha256(files[name]).hexdigest()}  /models/{name}" in lines, done.stdout


def test_corrupted_hub_bytes_never_become_a_layer(hf_live, hub, mc_live, plain_registry):
    """The Hub's sha256 is checked while the layer streams: a corrupted file fails before its upload is
    committed, so no blob of those bytes and no tag exist."""
    hub.inject("corrupt", path="model.safetensors", host="lfs", offset=1000, times=None)
    image = f"{plain_registry.host}/hf/corrupt:v1"
    with mc_live.client() as client:
        job = run_modelcar(
            client,
            {
                "kind": "modelcar",
                "source": {"hf": {"repo_id": "hf-tiny-v2/tiny-random-GPT2Model"}, "include": ["model.safetensors"]},
                "image": image,
                "base": "scratch",
            },
        )
    assert job["state"] == "failed", job
    assert job["files"][0]["error"].startswith("ChecksumMismatch")
    assert skopeo("inspect", "--tls-verify=false", f"docker://{image}", check=False).returncode != 0
    # No upload of those bytes was closed with a digest (PUT ?digest=): every try was abandoned.
    assert plain_registry.requests("PUT", r"/v2/hf/corrupt/blobs/uploads/") == 0


def test_refusals_before_any_push(mc_api, local_root, plain_registry, monkeypatch):
    monkeypatch.setattr(modelcar, "MAX_FILES", 100)  # the app runs in this process
    folder = local_root / "mc-refusals"
    (folder / "many").mkdir(parents=True)
    for i in range(101):
        (folder / "many" / f"f{i:03d}.bin").write_bytes(b"x")
    (folder / "empty").mkdir()
    location = f"local:{local_root.name}"
    image = f"{plain_registry.host}/models/refused:v1"

    def refused(body: dict) -> tuple[int, str]:
        r = mc_api.post("/api/transfers", json=body)
        return r.status_code, r.json()["error"]

    assert refused(modelcar_body(location, "mc-refusals/many", "Not An Image")) == (400, "InvalidImageReference")
    assert refused(modelcar_body(location, "mc-refusals/many", f"{image}@sha256:" + "a" * 64)) == (
        400,
        "InvalidImageReference",
    )
    assert refused(modelcar_body(location, "mc-refusals/empty", image)) == (400, "NothingToPackage")
    assert refused(modelcar_body(location, "mc-refusals/many", image)) == (422, "LimitExceeded")
    assert refused(modelcar_body(location, "mc-refusals/many", image, models_dir="/models/../etc")) == (
        400,
        "InvalidKey",
    )
    both = modelcar_body(location, "mc-refusals/many", image)
    both["source"]["hf"] = {"repo_id": "a/b"}
    assert refused(both) == (400, "InvalidRequest")
    assert refused({**modelcar_body(location, "x", image), "image": "x" * 600}) == (422, "ValidationError")
    assert refused(modelcar_body(location, "mc-refusals/many", "169.254.169.254/a/b:1")) == (
        400,
        "DestinationNotAllowed",
    )
    assert plain_registry.requests("POST", "/v2/models/refused/") == 0


MODEL_MIB = int(os.environ.get("ODH_TEC_MODELCAR_TEST_MIB") or 2048)
RSS_BUDGET = 250 << 20  # the app's memory target with transfers running (docs/performance.md)


def test_a_2gib_model_from_s3_streams_within_the_memory_budget(s3_server, s3, bucket, plain_registry, tmp_path):
    """The app as a process of its own (`odh-tec serve`): its RSS while it packages a 2 GiB model from S3
    stays within the upload budget, and does not grow with the model."""
    chunk = os.urandom(8 << 20)
    half = (MODEL_MIB << 20) // 2

    class Pattern(io.RawIOBase):
        """`size` bytes of a repeated random block, read by boto3 without a copy on disk."""

        def __init__(self, size: int):
            self.left = size

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:
            n = min(len(buffer), self.left, len(chunk))
            buffer[:n] = chunk[:n]
            self.left -= n
            return n

    for name in ("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"):
        s3.upload_fileobj(io.BufferedReader(Pattern(half), 8 << 20), bucket, f"big/{name}")
    s3.put_object(Bucket=bucket, Key="big/config.json", Body=b'{"model_type": "llama"}')
    env = s3_env(tmp_path, s3_server, MODELCAR_INSECURE_REGISTRIES=plain_registry.host, MODELCAR_BASE_IMAGE="scratch")
    app = ServedApp(tmp_path, env, capture=False)
    try:
        with peak_rss(app.process.pid, interval=0.1) as rss, httpx.Client(base_url=app.url, timeout=60) as client:
            job = run_modelcar(
                client, modelcar_body(f"s3:{bucket}", "big", f"{plain_registry.host}/models/big:v1"), timeout=600
            )
        peak, idle = rss["peak"], rss["base"]
    finally:
        app.stop()
    assert job["state"] == "completed", job
    assert job["totals"]["bytes_done"] == 2 * half + len(b'{"model_type": "llama"}')
    print(f"\nModelCar of {MODEL_MIB} MiB from S3: app RSS idle {idle >> 20} MiB, peak {peak >> 20} MiB")
    assert peak < RSS_BUDGET, f"peak RSS {peak >> 20} MiB"
    assert peak - idle < 64 << 20, f"RSS grew by {(peak - idle) >> 20} MiB while packaging"
    layers = skopeo_inspect(plain_registry, "models/big:v1", raw=True)["layers"]
    assert sorted(layer["size"] for layer in layers)[-2:] == [half + 2048, half + 2048]  # headers, end of archive


def test_past_the_layer_limit_neighbouring_files_share_layers(mc_api, local_root, plain_registry, tmp_path):
    folder = local_root / "mc-many"
    files = {f"shards/s{i:03d}.json": f'{{"shard": {i}}}'.encode() for i in range(150)}
    files["model.safetensors"] = os.urandom(2 << 20)
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    body = modelcar_body(f"local:{local_root.name}", "mc-many", f"{plain_registry.host}/models/many:v1")
    job = run_modelcar(mc_api, body)
    assert job["state"] == "completed", job
    assert job["modelcar"]["layers"] <= modelcar.MAX_LAYERS
    assert job["totals"]["bytes_done"] == sum(len(d) for d in files.values())
    layers = skopeo_inspect(plain_registry, "models/many:v1")["Layers"]
    assert len(layers) == 1 + job["modelcar"]["layers"]
    back = skopeo_layers(plain_registry, "models/many:v1", tmp_path / "pulled")
    for name, data in files.items():
        assert back[f"models/{name}"] == data, name
    again = run_modelcar(mc_api, body)  # nothing changed: every layer, shared or not, is recognised
    assert again["modelcar"]["layers_sent"] == 0 and again["modelcar"]["digest"] == job["modelcar"]["digest"]
