"""The server's allocator settings: transfer buffers and pyarrow's go back to the system when freed."""

from __future__ import annotations

import os
import platform
import sys

import pytest

from odh_tec.memory import MMAP_THRESHOLD, READ_CHUNK, return_freed_buffers
from odh_tec.storage.s3.multipart import MIN_PART_SIZE


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="a glibc setting")
def test_the_mmap_threshold_is_fixed_under_glibc(monkeypatch):
    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL", raising=False)
    assert return_freed_buffers() is True
    assert os.environ["ARROW_DEFAULT_MEMORY_POOL"] == "system"


def test_an_operator_choice_of_arrow_allocator_wins(monkeypatch):
    monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", "jemalloc")
    return_freed_buffers()
    assert os.environ["ARROW_DEFAULT_MEMORY_POOL"] == "jemalloc"


def test_body_chunks_stay_on_the_heap_and_parts_are_mapped():
    """Chunks of a request body (up to 256 KiB per read) below the threshold: mapping and unmapping each
    one cost an upload half its CPU. Parts above it, so that a freed part goes back to the system."""
    assert 256 * 1024 < MMAP_THRESHOLD < MIN_PART_SIZE


def test_read_chunks_stay_on_the_heap():
    """A download or copy reads chunks of READ_CHUNK: with its header each must stay under the threshold
    (at 1 MiB each chunk was mapped, faulted in and unmapped: a third of a download's CPU)."""
    assert sys.getsizeof(bytes(READ_CHUNK)) + 64 < MMAP_THRESHOLD
    assert READ_CHUNK >= 512 * 1024  # and large enough that each hop moves a few large writes
