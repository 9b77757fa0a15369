"""The server's allocator setting: transfer buffers go back to the system when freed."""

from __future__ import annotations

import platform

import pytest

from odh_tec.memory import return_freed_buffers


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="a glibc setting")
def test_the_mmap_threshold_is_fixed_under_glibc():
    assert return_freed_buffers() is True
