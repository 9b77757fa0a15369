"""Podman on this machine, set up for the image tests without touching the machine's configuration.

- The packages (podman, runc, fuse-overlayfs, slirp4netns, uidmap, mmdebstrap) come from apt when missing.
- A `containers.conf` of our own (pointed at by CONTAINERS_CONF, for our podman calls only): runc (crun
  refuses this host's hybrid cgroups), cgroupfs, file events, and ulimits this sandbox can grant.
- The base image is a Debian 12 rootfs made by mmdebstrap from this machine's apt mirror (the only
  network: no container registry is reachable), cached on disk and `podman import`ed.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import subprocess
import tarfile
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from aptget import apt_install

REPO = Path(__file__).resolve().parents[2]
PACKAGES = {
    "podman": "podman",
    "runc": "runc",
    "fuse-overlayfs": "fuse-overlayfs",
    "slirp4netns": "slirp4netns",
    "newuidmap": "uidmap",
    "mmdebstrap": "mmdebstrap",
}
BASE_TAG = "localhost/odh-tec-base:bookworm"
IMAGE_TAG = "localhost/odh-tec:test"
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "odh-tec"
BASE_TAR = CACHE / "base-bookworm.tar"
LAYER_SIZES = CACHE / "layer-sizes.json"
DEBIAN_FALLBACK = "http://deb.debian.org/debian"


def ensure_packages() -> None:
    missing = sorted({pkg for tool, pkg in PACKAGES.items() if not shutil.which(tool)})
    apt_install(missing)


def write_containers_conf(directory: Path) -> Path:
    """Settings for our podman calls only (CONTAINERS_CONF); the machine's files stay as they are."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    nofile = hard if hard != resource.RLIM_INFINITY else 1048576
    conf = directory / "containers.conf"
    conf.write_text(
        "[containers]\n"
        f'default_ulimits = ["nofile={nofile}:{nofile}", "nproc=4096:4096"]\n'
        "[engine]\n"
        'runtime = "runc"\n'
        'cgroup_manager = "cgroupfs"\n'
        'events_logger = "file"\n'
    )
    return conf


# --- the base image: Debian 12 from this machine's apt mirror -------------------------------------


def _apt_entries() -> list[dict]:
    """Debian entries of this machine's apt sources (one-line and deb822 formats), as dicts."""
    entries: list[dict] = []
    files = [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*"))]
    for path in files:
        if not path.is_file() or not path.name.endswith((".list", ".sources")):
            continue
        text = path.read_text(errors="replace")
        if path.name.endswith(".list"):
            for line in text.splitlines():
                line = re.sub(r"\[[^]]*\]", "", line.split("#", 1)[0]).split()
                if len(line) >= 3 and line[0] == "deb":
                    entries.append({"uri": line[1], "suites": [line[2]], "components": line[3:] or ["main"]})
        else:
            for stanza in re.split(r"\n\s*\n", text):
                fields: dict[str, str] = {}
                for line in stanza.splitlines():
                    if line.startswith("#") or ":" not in line:
                        continue
                    key, value = line.split(":", 1)
                    fields[key.strip().lower()] = value.strip()
                if "deb" in fields.get("types", "").split() and fields.get("enabled", "yes") != "no":
                    for uri in fields.get("uris", "").split():
                        entries.append(
                            {
                                "uri": uri,
                                "suites": fields.get("suites", "").split(),
                                "components": fields.get("components", "main").split(),
                            }
                        )
    return entries


def bookworm_sources() -> str:
    """A deb822 sources file for Debian 12 using this machine's mirror (bookworm, -updates, -security)."""
    stanzas = []
    for entry in _apt_entries():
        suites = [s for s in entry["suites"] if s == "bookworm" or s.startswith("bookworm-")]
        if suites:
            stanzas.append(f"Types: deb\nURIs: {entry['uri']}\nSuites: {' '.join(suites)}\nComponents: main\n")
    if not stanzas:
        mirror = next((e["uri"] for e in _apt_entries() if re.search(r"/debian/?$", e["uri"])), DEBIAN_FALLBACK)
        stanzas.append(f"Types: deb\nURIs: {mirror}\nSuites: bookworm bookworm-updates\nComponents: main\n")
    return "\n".join(stanzas)


def ensure_base_tar(workdir: Path) -> float | None:
    """The Debian 12 rootfs tarball, made once and kept in ~/.cache/odh-tec. Seconds taken, None if cached."""
    if BASE_TAR.is_file() and BASE_TAR.stat().st_size > 0:
        return None
    CACHE.mkdir(parents=True, exist_ok=True)
    sources = workdir / "bookworm.sources"
    sources.write_text(bookworm_sources())
    partial = BASE_TAR.with_suffix(".partial.tar")
    started = time.monotonic()
    done = subprocess.run(
        [
            "mmdebstrap",
            "--quiet",
            "--variant=minbase",
            "--include=python3,python3-venv",
            "--aptopt=Acquire::Retries=3",
            "bookworm",
            str(partial),
            str(sources),
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        raise RuntimeError(f"mmdebstrap failed:\n{done.stdout}\n{done.stderr}")
    partial.rename(BASE_TAR)
    return time.monotonic() - started


# --- podman ----------------------------------------------------------------------------------------


@dataclass
class Podman:
    conf: Path
    env: dict = field(default_factory=dict)

    def __post_init__(self):
        self.env = {**os.environ, "CONTAINERS_CONF": str(self.conf)}
        # Builds and containers of the tests talk to no proxy.
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
            self.env.pop(name, None)

    def __call__(self, *args: str, check: bool = True, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
        done = subprocess.run(
            ["podman", *args], env=self.env, capture_output=True, text=True, timeout=timeout, **kwargs
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"podman {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return done

    def image_exists(self, tag: str) -> bool:
        return self("image", "exists", tag, check=False).returncode == 0

    def inspect(self, tag: str) -> dict:
        return json.loads(self("image", "inspect", tag).stdout)[0]

    def prune_stale(self, keep: set[str]) -> None:
        """Drop untagged images that the last build did not make or reuse (old builds' leftovers)."""
        ids = self("images", "--filter", "dangling=true", "--format", "{{.ID}}", check=False).stdout.split()
        for image_id in ids:
            if not any(k.startswith(image_id) or image_id.startswith(k) for k in keep):
                self("rmi", image_id, check=False)


def ensure_base_image(podman: Podman, made_tar: bool) -> float | None:
    if podman.image_exists(BASE_TAG) and not made_tar:
        return None
    started = time.monotonic()
    podman("import", "--change", "CMD=/bin/bash", str(BASE_TAR), BASE_TAG, timeout=300)
    return time.monotonic() - started


def pip_build_secrets(workdir: Path) -> list[str]:
    """`--secret` flags that hand this machine's pip CA bundle and index to pip inside the build."""
    flags: list[str] = []
    python = str(REPO / ".venv" / "bin" / "python")

    def pip_config(name: str) -> str:
        try:
            done = subprocess.run(
                [python, "-m", "pip", "config", "get", name], capture_output=True, text=True, timeout=60
            )
        except (OSError, subprocess.TimeoutExpired):
            return ""
        return done.stdout.strip() if done.returncode == 0 else ""

    cert = os.environ.get("PIP_CERT") or pip_config("global.cert") or "/etc/ssl/certs/ca-certificates.crt"
    if Path(cert).is_file():
        flags += ["--secret", f"id=ca,src={cert}"]
    index = os.environ.get("PIP_INDEX_URL") or pip_config("global.index-url")
    extra = (os.environ.get("PIP_EXTRA_INDEX_URL") or pip_config("global.extra-index-url")).split()
    extra = [url for url in extra if url.startswith(("http://", "https://"))]  # local folders stay here
    if index.startswith(("http://", "https://")) or extra:
        conf = workdir / "pip.conf"
        lines = ["[global]"]
        if index.startswith(("http://", "https://")):
            lines.append(f"index-url = {index}")
        if extra:
            lines.append(f"extra-index-url = {' '.join(extra)}")
        conf.write_text("\n".join(lines) + "\n")
        flags += ["--secret", f"id=pipconf,src={conf}"]
    return flags


@dataclass
class Build:
    seconds: float
    cached: bool  # every step came from the layer cache
    output: str

    @property
    def kind(self) -> str:
        return "warm" if self.cached else "cold"


def make_image(podman: Podman, secrets: list[str]) -> Build:
    """`make image` with the test base image; cold when any step ran, warm when all came from the cache."""
    flags = " ".join(["--pull=never", *secrets])
    started = time.monotonic()
    done = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "image",
            f"BASE_IMAGE={BASE_TAG}",
            f"IMAGE={IMAGE_TAG}",
            f"IMAGE_BUILD_FLAGS={flags}",
        ],
        cwd=REPO,
        env=podman.env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    seconds = time.monotonic() - started
    if done.returncode != 0:
        raise RuntimeError(f"make image failed:\n{done.stdout[-6000:]}\n{done.stderr[-6000:]}")
    return Build(seconds, _all_cached(done.stdout), done.stdout)


def rebuild(podman: Podman, secrets: list[str]) -> Build:
    """The same podman build again, without the wheel step: the warm figure."""
    started = time.monotonic()
    done = podman(
        "build",
        "-f",
        "deploy/Containerfile",
        "--build-arg",
        f"BASE_IMAGE={BASE_TAG}",
        "--pull=never",
        *secrets,
        "-t",
        IMAGE_TAG,
        "dist",
        cwd=REPO,
        timeout=900,
    )
    return Build(time.monotonic() - started, _all_cached(done.stdout), done.stdout)


def _all_cached(output: str) -> bool:
    """Whether every step of a build came from the layer cache ("--> Using cache" after each STEP)."""
    steps = cached = 0
    in_step = False
    for line in output.splitlines():
        if re.search(r"STEP \d+/\d+: ", line):
            steps, in_step = steps + 1, True
        elif in_step and line.startswith("--> "):
            cached += line.startswith("--> Using cache")
            in_step = False
    # A stage's FROM step prints no "-->" line of its own.
    froms = len(re.findall(r"STEP 1/\d+: FROM ", output))
    return steps > 0 and cached >= steps - froms


def build_ids(output: str) -> set[str]:
    return set(re.findall(r"--> (?:Using cache )?([0-9a-f]{12,64})", output))


# --- sizes -----------------------------------------------------------------------------------------


@dataclass
class Layer:
    diff_id: str
    size: int  # uncompressed
    gzipped: int  # as a registry stores it (gzip -6)
    created_by: str


def image_layers(podman: Podman, tag: str, workdir: Path) -> list[Layer]:
    """The layers `tag` adds on top of the base image, with their uncompressed and gzipped sizes.
    Gzipped sizes are cached by layer digest (compressing 350 MB takes ~10 s)."""
    info, base = podman.inspect(tag), podman.inspect(BASE_TAG)
    own = [d for d in info["RootFS"]["Layers"] if d not in set(base["RootFS"]["Layers"])]
    history = [
        h for h in json.loads(podman("history", "--no-trunc", "--format", "json", tag).stdout) if h.get("size", 0) > 0
    ]
    cache = json.loads(LAYER_SIZES.read_text()) if LAYER_SIZES.is_file() else {}
    if any(d not in cache for d in own):
        archive = workdir / "image.tar"
        podman("save", "--format", "docker-archive", "-o", str(archive), tag, timeout=300)
        try:
            with tarfile.open(archive) as tar:
                manifest = json.load(tar.extractfile("manifest.json"))[0]
                config = json.load(tar.extractfile(manifest["Config"]))
                for diff_id, member in zip(config["rootfs"]["diff_ids"], manifest["Layers"], strict=True):
                    if diff_id in own and diff_id not in cache:
                        cache[diff_id] = _sizes(tar.extractfile(member))
        finally:
            archive.unlink(missing_ok=True)
        CACHE.mkdir(parents=True, exist_ok=True)
        LAYER_SIZES.write_text(json.dumps(cache, indent=1))
    layers = []
    for diff_id in own:
        size, gz = cache[diff_id]
        # History entries name image ids, not layer digests: match them by size.
        what = next(
            (h.get("CreatedBy", "") for h in history if abs(int(h.get("size", 0)) - size) <= max(65536, size // 50)), ""
        )
        layers.append(Layer(diff_id, size, gz, what))
    return layers


def _sizes(stream) -> tuple[int, int]:
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
    raw = packed = 0
    while chunk := stream.read(1 << 20):
        raw += len(chunk)
        packed += len(compressor.compress(chunk))
    packed += len(compressor.flush())
    return raw, packed
