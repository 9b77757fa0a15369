"""Part buffers are kept for the next part, never handed out twice, and not kept by an idle app."""

from __future__ import annotations

import asyncio

from odh_tec.storage.s3.multipart import PartBuffers

SIZE = 1 << 20


def on_a_loop(check) -> None:
    """Buffers are given back by the uploads' tasks, on their event loop."""

    async def run() -> None:
        check()

    asyncio.run(run())


def test_a_returned_buffer_is_overwritten_in_place_by_the_next_part():
    on_a_loop(_reused)


def _reused() -> None:
    pool = PartBuffers(SIZE, keep=2)
    first = pool.take(SIZE)
    assert len(first.getbuffer()) == SIZE and first.tell() == 0  # room for the part, nothing written
    first.write(b"a" * SIZE)
    pool.give(first)
    again = pool.take(SIZE)
    assert again is first and again.tell() == 0
    assert pool.take(SIZE) is not first  # handed out once


def test_only_full_size_buffers_are_kept_and_no_more_than_asked():
    on_a_loop(_kept_selectively)


def _kept_selectively() -> None:
    pool = PartBuffers(SIZE, keep=1)
    cut = pool.take(SIZE)
    cut.write(b"x" * 10)
    cut.truncate(10)  # a last part
    pool.give(cut)
    other_size = pool.take(SIZE // 2)
    pool.give(other_size)
    assert pool.take(SIZE) not in (cut, other_size)
    kept, extra = pool.take(SIZE), pool.take(SIZE)
    pool.give(kept)
    pool.give(extra)
    assert pool.take(SIZE) is kept
    assert pool.take(SIZE) is not extra


def test_an_idle_pool_lets_its_buffers_go():
    """Kept buffers are released after `idle_seconds` without any part, even if none comes again."""
    pool = PartBuffers(SIZE, keep=2, idle_seconds=0.05)

    async def scenario() -> int:
        buf = pool.take(SIZE)
        pool.give(buf)
        assert len(pool._kept) == 1
        await asyncio.sleep(0.2)
        return len(pool._kept)

    assert asyncio.run(scenario()) == 0
