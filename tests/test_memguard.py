"""The suite's memory guard stops a runaway test process with every thread's stack."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path


def test_a_process_past_the_limit_stops_with_its_stacks():
    script = textwrap.dedent(
        f"""
        import sys, time
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        import memguard
        memguard.guard(memguard.rss_bytes() + (64 << 20), interval=0.05)
        def hoard():
            kept = []
            while True:
                kept.append(bytearray(8 << 20))
                time.sleep(0.01)
        hoard()
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 3
    assert "memguard: the test process uses" in result.stderr
    assert "in hoard" in result.stderr  # where it grew
