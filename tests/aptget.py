"""Debian packages a suite needs (podman, a registry, skopeo…), installed when missing, as CI runs as root."""

from __future__ import annotations

import os
import shutil
import subprocess


class Unavailable(RuntimeError):
    """A package a suite needs is missing and cannot be installed here (no root for apt-get): the
    suite's tests are skipped with this reason."""


def apt_install(packages: list[str]) -> None:
    """Install `packages` (none: nothing to do) with apt-get, as root or through passwordless sudo."""
    if not packages:
        return
    apt = ["apt-get"] if os.geteuid() == 0 else (["sudo", "-n", "apt-get"] if shutil.which("sudo") else None)
    if apt is None or not shutil.which("apt-get"):
        raise Unavailable(f"missing {', '.join(packages)} and no root to apt-get them")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([*apt, "update", "-qq"], check=True, env=env, capture_output=True)
    subprocess.run(
        [*apt, "install", "-y", "-qq", "--no-install-recommends", *packages], check=True, env=env, capture_output=True
    )
