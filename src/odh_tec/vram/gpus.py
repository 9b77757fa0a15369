"""GPU catalog. "Usable" memory is what CUDA reports as total (`torch.cuda.mem_get_info()[1]`,
vLLM's `total_gpu_memory`), not the marketing number: vLLM's budget is a fraction of it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Gpu:
    name: str
    usable_gib: float
    nominal_gb: int
    vendor: str
    source: str
    aliases: tuple[str, ...] = ()
    is_a100: bool = False

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "usable_gib": self.usable_gib,
            "nominal_gb": self.nominal_gb,
            "vendor": self.vendor,
            "source": self.source,
            "aliases": list(self.aliases),
        }


CATALOG: tuple[Gpu, ...] = (
    Gpu(
        "H100-80GB",
        79.19,
        80,
        "NVIDIA",
        "vLLM 0.19 logs (total_gpu_memory)",
        ("H100", "H100-SXM", "H100-SXM5", "H100-PCIE", "H100-80G"),
    ),
    Gpu("H100-NVL", 93.1, 94, "NVIDIA", "nominal 94 GB less driver reserve", ("H100-94GB",)),
    Gpu("H200", 139.8, 141, "NVIDIA", "nominal 141 GB less driver reserve", ("H200-141GB", "H200-SXM")),
    Gpu("B200", 178.4, 192, "NVIDIA", "nominal 180 GB usable HBM3e", ("B200-180GB",)),
    Gpu(
        "A100-80GB",
        79.15,
        80,
        "NVIDIA",
        "vLLM log total_gpu_memory=79.15GiB",
        ("A100-80G", "A100-SXM4-80GB", "A100"),
        is_a100=True,
    ),
    Gpu("A100-40GB", 39.39, 40, "NVIDIA", "vLLM logs (39.39-39.56)", ("A100-40G", "A100-SXM4-40GB"), is_a100=True),
    Gpu("L40S", 44.39, 48, "NVIDIA", "vLLM logs (44.31-44.39)", ("L40S-48GB",)),
    Gpu("L40", 44.39, 48, "NVIDIA", "same board memory as L40S", ()),
    Gpu("L4", 22.05, 24, "NVIDIA", "nominal 24 GB less ECC/driver reserve", ("L4-24GB",)),
    Gpu("A10G", 22.05, 24, "NVIDIA", "nominal 24 GB less ECC/driver reserve", ("A10", "A10G-24GB")),
    Gpu("T4", 14.58, 16, "NVIDIA", "nominal 16 GB less ECC/driver reserve", ("T4-16GB",)),
    Gpu("V100-32GB", 31.74, 32, "NVIDIA", "nominal 32 GB", ("V100",)),
    Gpu("RTX-6000-ADA", 47.5, 48, "NVIDIA", "nominal 48 GB", ("RTX6000-ADA",)),
    Gpu("RTX-A6000", 47.5, 48, "NVIDIA", "nominal 48 GB", ("A6000",)),
    Gpu("RTX-5090", 31.4, 32, "NVIDIA", "nominal 32 GB", ("RTX5090",)),
    Gpu("RTX-4090", 23.6, 24, "NVIDIA", "Ollama log total=23.6 GiB", ("RTX4090", "4090")),
    Gpu("RTX-3090", 23.69, 24, "NVIDIA", "nominal 24 GB", ("RTX3090", "3090")),
    Gpu("RTX-4080", 15.6, 16, "NVIDIA", "nominal 16 GB", ("RTX4080",)),
    Gpu("RTX-3070", 7.79, 8, "NVIDIA", "nominal 8 GB", ("RTX3070",)),
    Gpu("MI300X", 191.5, 192, "AMD", "nominal 192 GB HBM3", ("MI300X-192GB",)),
    Gpu("MI325X", 255.5, 256, "AMD", "nominal 256 GB HBM3e", ()),
)


def _key(name: str) -> str:
    return name.upper().replace("_", "-").replace(" ", "-")


_INDEX: dict[str, Gpu] = {}
for _gpu in CATALOG:
    _INDEX[_key(_gpu.name)] = _gpu
    for _alias in _gpu.aliases:
        _INDEX.setdefault(_key(_alias), _gpu)


def find_gpu(name: str) -> Gpu | None:
    return _INDEX.get(_key(name or ""))


def custom_gpu(memory_gib: float, name: str | None = None) -> Gpu:
    return Gpu(name or "custom", float(memory_gib), round(float(memory_gib)), "custom", "hardware.memory_gib")


def vllm_batch_defaults(gpu: Gpu) -> tuple[int, int]:
    """(max_num_seqs, max_num_batched_tokens) of `vllm serve` 0.19 on this GPU."""
    if gpu.usable_gib >= 70 and not gpu.is_a100:
        return 1024, 8192
    return 256, 2048


def catalog() -> list[dict[str, object]]:
    return [gpu.as_dict() for gpu in CATALOG]
