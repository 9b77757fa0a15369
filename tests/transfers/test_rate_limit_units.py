"""The size parser of MAX_TRANSFER_RATE / --limit-rate, and the token bucket that paces transfers."""

from __future__ import annotations

import asyncio
import time

import pytest

from odh_tec.sizes import parse_rate
from odh_tec.transfers.ratelimit import BURST_SECONDS, Throttle, TokenBucket, throttled
from odh_tec.transfers.specs import CopySpec, HFImportSpec

MiB = 1 << 20
WAIT = 0.3  # a changed rate is seen within one wait slice (0.2 s), plus scheduling


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("", 0),
        ("0", 0),
        (None, 0),
        (0, 0),
        ("1048576", MiB),
        (" 200MiB ", 200 * MiB),
        ("200mib", 200 * MiB),
        ("20Mi", 20 * MiB),
        ("50MB", 50_000_000),
        ("50M", 50_000_000),
        ("1G", 1_000_000_000),
        ("1GiB/s", 1 << 30),
        ("1.5KiB", 1536),
        ("10kB", 10_000),
        ("100 B", 100),
        (4096, 4096),
    ],
)
def test_parse_rate(text, rate):
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text", ["fast", "10 apples", "-5", "1..2M", "M", "5 MiB/h", True])
def test_parse_rate_refuses(text):
    with pytest.raises(ValueError, match="rate"):
        parse_rate(text)


def test_env_setting_reads_human_sizes(monkeypatch):
    from odh_tec.config import Config

    monkeypatch.setenv("MAX_TRANSFER_RATE", "200MiB")
    assert Config().max_transfer_rate == 200 * MiB
    monkeypatch.setenv("MAX_TRANSFER_RATE", "")
    assert Config().max_transfer_rate == 0


def test_job_limit_is_stored_for_a_resume():
    assert HFImportSpec("org/a", "s3:b", limit_rate=MiB).stored()["limit_rate"] == MiB
    assert "token" not in HFImportSpec("org/a", "s3:b", token="hf_x").stored()
    assert CopySpec("s3:a", "s3:b", keys=["k"], limit_rate=5).stored()["limit_rate"] == 5


async def _take(bucket: TokenBucket, total: int, chunk: int) -> float:
    start = time.monotonic()
    for _ in range(total // chunk):
        await bucket.take(chunk)
    return time.monotonic() - start


def test_bucket_paces_to_its_rate_after_one_burst():
    rate = 8 * MiB
    took = asyncio.run(_take(TokenBucket(rate), 4 * MiB, 64 * 1024))
    expected = (4 * MiB - rate * BURST_SECONDS) / rate  # 0.25 s: the burst goes at once
    assert expected * 0.9 <= took <= expected + 0.15


def test_chunks_larger_than_the_burst_keep_the_average_rate():
    rate = 8 * MiB
    took = asyncio.run(_take(TokenBucket(rate), 6 * MiB, 3 * MiB))  # each chunk > the 2 MiB burst
    # The first chunk goes at once and leaves a debt; the second waits for it: 6 MiB at 8 MiB/s.
    assert 0.3 <= took <= 0.55


def test_unlimited_bucket_never_waits():
    assert asyncio.run(_take(TokenBucket(0), 100 * MiB, MiB)) < 0.05


def test_lifting_the_limit_releases_a_waiting_consumer():
    async def scenario() -> float:
        bucket = TokenBucket(1024)  # 1 MiB would take 1000 s
        waiter = asyncio.create_task(bucket.take(MiB))
        await asyncio.sleep(0.1)
        start = time.monotonic()
        bucket.set_rate(0)
        await waiter
        return time.monotonic() - start

    assert asyncio.run(scenario()) <= WAIT


def test_raising_and_lowering_the_rate_apply_within_a_slice():
    async def scenario() -> tuple[float, float]:
        bucket = TokenBucket(1024)
        waiter = asyncio.create_task(bucket.take(MiB))
        await asyncio.sleep(0.1)
        start = time.monotonic()
        bucket.set_rate(100 * MiB)
        await waiter
        raised = time.monotonic() - start
        # From 100 MiB/s down to 1 MiB/s with an 8 MiB chunk in flight: the debt left from the fast rate
        # is cut to one slice, not 8 s at the new rate.
        fast = TokenBucket(100 * MiB)
        slow_waiter = asyncio.create_task(fast.take(8 * MiB))
        await asyncio.sleep(0.01)
        start = time.monotonic()
        fast.set_rate(MiB)
        await slow_waiter
        return raised, time.monotonic() - start

    raised, lowered = asyncio.run(scenario())
    assert raised <= WAIT
    assert lowered <= 0.5


def test_throttle_passes_every_bucket_and_chunks_unchanged():
    async def scenario() -> tuple[list[bytes], float]:
        async def source():
            for i in range(8):
                yield bytes([i]) * (256 * 1024)

        own, shared = TokenBucket(4 * MiB), TokenBucket(0)
        start = time.monotonic()
        out = [chunk async for chunk in throttled(source(), Throttle(own, shared))]
        return out, time.monotonic() - start

    out, took = asyncio.run(scenario())
    assert [c[0] for c in out] == list(range(8)) and all(len(c) == 256 * 1024 for c in out)
    assert 0.2 <= took <= 0.45  # 2 MiB at 4 MiB/s, less the 1 MiB burst


def test_cli_limit_rate_option():
    import argparse

    from odh_tec.transfers import cli

    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers())
    assert parser.parse_args(["cp", "a", "b", "--limit-rate", "50MiB"]).limit_rate == 50 * MiB
    assert parser.parse_args(["import-hf", "org/m", "--to", "./x", "--limit-rate", "1G"]).limit_rate == 10**9
    assert parser.parse_args(["cp", "a", "b"]).limit_rate == 0
    with pytest.raises(SystemExit):
        parser.parse_args(["cp", "a", "b", "--limit-rate", "fast"])


@pytest.mark.parametrize(
    "value", ["9" * 400, float("inf"), float("nan"), 10**100, "1e400", "x" * 10_000, ["1"], {"a": 1}]
)
def test_absurd_rates_are_refused_as_values_not_crashes(value):
    with pytest.raises(ValueError):
        parse_rate(value)
