"""Fixtures of the image tests: podman set up for this machine, the image built by `make image` on a
Debian 12 base, and containers run the way OpenShift runs them (arbitrary UID in group 0, read-only
root filesystem, a volume for $HOME, /tmp on tmpfs) with only loopback networking."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from aptget import Unavailable

from . import podman as pm
from .container import Container


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.fspath)).name == "test_image.py" and "tests/deploy" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.image)


class Figures:
    """Figures printed in pytest's summary (the numbers deploy/README.md reports)."""

    lines: ClassVar[list[str]] = []

    def add(self, line: str) -> None:
        self.lines.append(line)


def pytest_terminal_summary(terminalreporter):
    if Figures.lines:
        terminalreporter.write_sep("-", "container image figures")
        for line in Figures.lines:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def figures() -> Figures:
    return Figures()


@pytest.fixture(scope="session")
def podman(tmp_path_factory) -> pm.Podman:
    try:
        pm.ensure_packages()
    except Unavailable as exc:
        pytest.skip(str(exc))
    workdir = tmp_path_factory.mktemp("podman")
    return pm.Podman(pm.write_containers_conf(workdir))


@pytest.fixture(scope="session")
def image(podman, figures, tmp_path_factory) -> str:
    """`make image` on the cached Debian 12 base: the image tag. Prints build times and sizes."""
    workdir = tmp_path_factory.mktemp("image-build")
    made = pm.ensure_base_tar(workdir)
    figures.add(
        "base rootfs (mmdebstrap bookworm minbase + python3, python3-venv): "
        + (f"made in {made:.1f} s" if made is not None else f"cached in {pm.BASE_TAR}")
    )
    imported = pm.ensure_base_image(podman, made is not None)
    if imported is not None:
        figures.add(f"podman import of the base: {imported:.1f} s")
    secrets = pm.pip_build_secrets(workdir)
    first = pm.make_image(podman, secrets)
    figures.add(f"make image (wheel + podman build), {first.kind}: {first.seconds:.1f} s")
    second = pm.rebuild(podman, secrets)
    figures.add(f"podman build again, {second.kind}: {second.seconds:.1f} s")
    assert second.cached, "a second build of the same wheel did not come from the layer cache"
    podman.prune_stale(pm.build_ids(first.output) | pm.build_ids(second.output))
    return pm.IMAGE_TAG


@pytest.fixture
def data_dir(tmp_path) -> Path:
    """The volume mounted at /opt/app-root/src: group 0 may write it, as on a PVC with OpenShift's fsGroup."""
    data = tmp_path / "home"
    data.mkdir()
    os.chown(data, 0, 0)
    data.chmod(0o2770)
    return data


@pytest.fixture
def containers(podman) -> Iterator[list[Container]]:
    """Containers a test starts; all removed at its end."""
    started: list[Container] = []
    yield started
    for container in started:
        container.remove()


def wait_until(predicate, timeout: float, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
