"""A per-GPU memory breakdown: named terms in bytes, each with a one-line explanation."""

from __future__ import annotations

from dataclasses import dataclass, field

from odh_tec.vram.architecture import GIB

# terms that are on the device but not in the framework's peak-allocated metric
OUTSIDE_PEAK = ("cuda_context", "cuda_graphs", "allocator_reserve", "allocator_slack")
ALWAYS = ("weights", "kv_cache", "activations", "logits", "gradients", "optimizer", "other", "cuda_context")


@dataclass
class Breakdown:
    terms: dict[str, float] = field(default_factory=dict)  # bytes
    why: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, nbytes: float, why: str = "") -> None:
        self.terms[name] = self.terms.get(name, 0.0) + max(0.0, float(nbytes))
        if why:
            self.why[name] = why if name not in self.why or not self.why[name] else self.why[name]

    def set(self, name: str, nbytes: float, why: str) -> None:
        self.terms[name] = max(0.0, float(nbytes))
        self.why[name] = why

    @property
    def peak_bytes(self) -> float:
        """What torch.cuda.max_memory_allocated (or the engine's own budget) reports."""
        return sum(v for k, v in self.terms.items() if k not in OUTSIDE_PEAK)

    @property
    def reserved_bytes(self) -> float:
        """What torch.cuda.max_memory_reserved reports: the peak plus the allocator's cached blocks."""
        return self.peak_bytes + self.terms.get("allocator_slack", 0.0)

    @property
    def device_bytes(self) -> float:
        """What nvidia-smi would show."""
        return sum(self.terms.values())

    def gib(self) -> dict[str, float]:
        out = dict.fromkeys(ALWAYS, 0.0)
        for name, value in self.terms.items():
            if name in ("allocator_reserve", "allocator_slack"):
                continue
            out[name] = round(value / GIB, 4)
        return out

    def explanations(self) -> dict[str, str]:
        return {k: v for k, v in self.why.items() if k in self.terms}


def gib(nbytes: float) -> float:
    return nbytes / GIB
