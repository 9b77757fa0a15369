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
        if value < 0:
            raise ValueError("a rate cannot be negative")
        return int(value)
    text = value.strip()
    if not text:
        return 0
    match = _SIZE.match(text)
    unit = match.group(2).lower() if match else None
    if match is None or unit not in _UNITS:
        raise ValueError(f"not a rate: {value!r} (write e.g. 200MiB, 50MB, 1G or a number of bytes)")
    return int(float(match.group(1)) * _UNITS[unit])
