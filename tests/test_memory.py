"""The server's allocator settings: transfer buffers and pyarrow's go back to the system when freed."""

from __future__ import annotations

import os
import platform
import subprocess
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


FAULTS_PER_CHUNK = """
import resource
from odh_tec.memory import READ_CHUNK, return_freed_buffers

assert return_freed_buffers()
pieces = [bytes(64 << 10)] * (READ_CHUNK >> 16)
for _ in range(20):
    b"".join(pieces)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(200):
    b"".join(pieces)
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 200)
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="a glibc setting")
def test_a_freed_read_chunk_leaves_its_pages_for_the_next_one():
    """Chunk after chunk, a download allocates and frees READ_CHUNK bytes: the heap keeps those pages.
    With glibc's trim threshold left at 128 KiB each chunk gave its pages back and the next faulted all
    of them in again (240 page faults a chunk; half of a download's CPU)."""
    run = subprocess.run([sys.executable, "-c", FAULTS_PER_CHUNK], capture_output=True, text=True, check=True)
    assert float(run.stdout) < 10, run.stdout
