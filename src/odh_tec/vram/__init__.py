"""GPU VRAM estimator: pure functions that turn a model architecture and a workload into a
per-GPU memory breakdown (weights, KV cache, activations, logits, gradients, optimizer, runtime).

Only `hub.py` does I/O; everything else is deterministic arithmetic on plain data.
The entry point is `odh_tec.vram.estimate.estimate(request_dict) -> response_dict`.
"""
