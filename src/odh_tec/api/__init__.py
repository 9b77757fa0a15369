"""Thin HTTP routers; the work happens in storage/, transfers/, hf/ and vram/."""
