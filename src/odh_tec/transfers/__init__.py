"""The transfer engine (HuggingFace imports, copies, moves). Placeholder until the engine lands."""

from __future__ import annotations


class _NoEngine:
    busy = False

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def create_engine(services):
    return _NoEngine()
