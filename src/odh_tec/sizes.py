"""Human sizes in settings and on the command line (`200MiB`, `50MB`, `1G`)."""

from __future__ import annotations

import re

_UNITS = {
    "": 1,
    "b": 1,
    "k": 1000,
    "kb": 1000,
    "m": 1000**2,
    "mb": 1000**2,
    "g": 1000**3,
    "gb": 1000**3,
    "t": 1000**4,
    "tb": 1000**4,
    "ki": 1024,
    "kib": 1024,
    "mi": 1024**2,
    "mib": 1024**2,
    "gi": 1024**3,
    "gib": 1024**3,
    "ti": 1024**4,
    "tib": 1024**4,
}
# Far above any link (1 PB/s) and any int64: a larger number is a typo, not a limit.
MAX_RATE = 10**15
_SIZE = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-z]*)\s*(?:/\s*s)?\s*$", re.IGNORECASE)


def parse_rate(value: str | int | float | None) -> int:
    """Bytes per second from a human size: `200MiB`, `50MB`, `1G`, `1.5GiB/s`, `1048576`.

    Units as SI and IEC write them: k/M/G/T (with or without `B`) are powers of 1000, Ki/Mi/Gi/Ti
    (with or without `B`) powers of 1024; case does not matter, `/s` may follow. Empty, None or 0:
    unlimited (0)."""
    if value is None:
        return 0
    if isinstance(value, bool):
        raise ValueError("a rate is a size per second, such as 50MiB")
    if isinstance(value, (int, float)):
        rate = float(value)
    elif not isinstance(value, str):
        raise ValueError("a rate is a number of bytes per second or a size such as 50MiB")
    else:
        text = value.strip()
        if not text:
            return 0
        match = _SIZE.match(text[:64])
        unit = match.group(2).lower() if match else None
        if match is None or unit not in _UNITS:
            raise ValueError(f"not a rate: {value!r:.80} (write e.g. 200MiB, 50MB, 1G or a number of bytes)")
        rate = float(match.group(1)) * _UNITS[unit]
    # NaN fails every comparison: it is refused here too, as are infinities and absurd sizes.
    if not 0 <= rate <= MAX_RATE:
        raise ValueError(f"a rate must be between 0 and {MAX_RATE} bytes per second")
    return int(rate)
