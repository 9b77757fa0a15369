"""Fine-tuning memory (HF Trainer + PEFT, optionally DeepSpeed ZeRO / FSDP).

The peak is the largest of three moments of a training step, each a sum of live tensors:

* loss: weights + states + every saved activation (or every checkpointed layer input) + the
  logits and cross-entropy buffers (bf16 logits, fp32 up-cast, log-softmax, its gradient);
* backward through the last layer: checkpointed inputs + that layer's recomputed activations
  + gradient transients;
* optimizer step: weights + gradients + optimizer states + the foreach AdamW temporary.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from odh_tec.vram.architecture import GIB, ModelArch
from odh_tec.vram.breakdown import Breakdown
from odh_tec.vram.weights import DTYPE_BYTES, WeightFormat, weight_bytes
from odh_tec.vram.workload import Workload

CUDA_CONTEXT_GIB = 0.5
NCCL_GIB = 0.5
ALLOCATOR_SLACK = 0.08  # training fragments more (large transient logits and recompute buffers)
LOSS_BYTES_PER_LOGIT = 12  # fp32 log-softmax output + its incoming gradient + the outgoing gradient
LORA_ADAPTER_BYTES = 4  # PEFT keeps adapters in fp32 (autocast_adapter_dtype)


@dataclass
class TrainingResult:
    per_gpu: list[Breakdown]
    binding: str = ""
    trainable_params: int = 0
    layout: dict = field(default_factory=dict)
    assumptions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def lora_trainable_params(arch: ModelArch, roles: tuple[str, ...], rank: int) -> int:
    """r x (d_in + d_out) for every adapted matrix. A fused QKV (or gate_up) module is adapted as
    one matrix when any of its roles is targeted, as PEFT does."""
    wanted = set(roles)
    total = 0
    for layer in arch.layers:
        for lin in layer.linears:
            if lin.role in ("router", "shared_gate"):
                continue
            if wanted & set(lin.lora_roles):
                total += rank * (lin.d_in + lin.d_out) * lin.count
    return total


def _adapted_inputs(arch: ModelArch, roles: tuple[str, ...]) -> list[tuple[str, int, int]]:
    """(role, d_in, count) of the adapted matrices of one (first) layer, routed experts
    weighted by the experts a token visits."""
    wanted = set(roles)
    out = []
    for lin in arch.layers[0].linears:
        if lin.role in ("router", "shared_gate") or not wanted & set(lin.lora_roles):
            continue
        copies = min(lin.count, arch.experts_per_token) if lin.expert else lin.count
        out.append((lin.role, lin.d_in, copies))
    return out


def layer_activation_bytes(
    arch: ModelArch,
    *,
    b_compute: int,
    b_residual: int,
    b_out: int,
    seq: int,
    attention: str = "sdpa",
    linear_saves_input: bool = True,
    lora_roles: tuple[str, ...] = (),
    lora_dropout: float = 0.0,
    lora_input_bytes: int | None = None,
) -> float:
    """Bytes one token leaves saved for backward in one decoder layer (autograd's saved tensors).

    RMSNorm keeps an fp32 copy of its input; the attention kernel keeps q, k, v and its output;
    the MLP keeps the projections and the activation. A Linear keeps its input only when it is
    needed: trainable weights, or bitsandbytes' MatMul4Bit which always stores it. A frozen
    16-bit Linear does not (autograd only saves what the gradient of the input needs).
    LoRA keeps the (dropout) input of each adapted module for its A matrix.
    """
    h = arch.hidden_size
    a, k = arch.num_heads, arch.num_kv_heads
    d = arch.head_dim
    dv = arch.v_head_dim or d
    layer = arch.layers[0]
    norm_width = 2 * h if arch.norm_kind == "layer" else h
    n_norms = max(1, round(layer.norm_params / norm_width)) if layer.norm_params >= norm_width else 1
    norms = n_norms * (4 * h if arch.norm_kind == "rms" else b_residual * h)
    keep = 1 if linear_saves_input else 0

    if arch.is_mla:
        qkv_saved = b_compute * a * (2 * d + dv) + b_compute * (arch.kv_lora_rank + arch.qk_rope_head_dim)
    else:
        qkv_saved = b_compute * (a * d + 2 * k * d)
    # SDPA/eager return (B, H, T, D): o_proj reads a transposed contiguous copy; flash-attention's
    # (B, T, H, D) output is reshaped in place, so o_proj's input is the saved kernel output
    o_copy = 0 if attention.startswith("flash") else b_compute * a * dv
    attn = keep * b_compute * h + qkv_saved + b_compute * a * dv + keep * o_copy
    if attention == "eager":
        attn += b_compute * a * seq  # softmax probabilities per query token

    cast = b_compute if b_out != b_compute else 0
    if arch.is_moe:
        width = arch.experts_per_token * arch.moe_intermediate_size + arch.shared_expert_intermediate_size
        mlp = arch.num_experts * 4 + arch.experts_per_token * keep * b_compute * h  # router logits, routed copies
        mlp += (3 * b_out + keep * (b_out + cast)) * width
    elif arch.mlp_gated:
        mlp = keep * b_compute * h + (3 * b_out + keep * (b_out + cast)) * arch.intermediate_size
    else:
        mlp = keep * b_compute * h + (b_out + keep * (b_out + cast)) * arch.intermediate_size
    if arch.parallel_block and keep:
        mlp -= b_compute * h  # attention and MLP read the same normalized input

    lora = 0.0
    if lora_roles:
        in_bytes = lora_input_bytes or b_compute
        for role, d_in, copies in _adapted_inputs(arch, lora_roles):
            first_half = role in ("q", "k", "v", "qkv", "gate", "up", "gate_up", "q_a", "kv_a")
            dt = in_bytes if first_half else (b_out if role == "down" else b_compute)
            if lora_dropout > 0:
                lora += copies * (dt + 1) * d_in  # dropout output + its mask
            elif not keep:
                lora += copies * dt * d_in / (3 if role in ("q", "k", "v") else 1)  # lora_A keeps the shared input
    return norms + attn + mlp + lora


def finetune(arch: ModelArch, fmt: WeightFormat, wl: Workload, compute: str, gpus: int) -> TrainingResult:
    b_c = DTYPE_BYTES[compute]
    method = wl.method or "full"
    T = wl.batch_size * wl.context
    n = max(1, gpus)
    shard = wl.sharding if n > 1 else "none"
    notes: list[str] = []

    # ---- parameters, gradients, optimizer ---------------------------------------------------
    wb_total: float
    if method == "full":
        P = arch.total_params
        master = 4 if fmt.name == "fp32" else DTYPE_BYTES.get(fmt.name, 2)
        wb_total = P * master
        trainable = P
        grad_b = master
        state_b = master
        if fmt.name == "fp32":
            notes.append(
                "mixed precision: fp32 master weights, fp32 gradients and optimizer states; autocast keeps 16-bit "
                "weight copies during forward/backward"
            )
        else:
            notes.append(f"pure {fmt.name} training: gradients and optimizer states in {fmt.name}")
        autocast_copies = P * b_c if (fmt.name == "fp32" and b_c < 4) else 0.0
        b_res = 4 if fmt.name == "fp32" else b_c
        b_out = b_c
    else:
        # PEFT's prepare_model_for_kbit_training both up-casts the non-quantized parameters to
        # fp32 and turns gradient checkpointing on; a QLoRA run without checkpointing did not
        # go through it (LitGPT, custom loops) and keeps 16-bit embeddings and norms
        upcast = fmt.is_bnb and method == "qlora" and wl.gradient_checkpointing
        wbytes = weight_bytes(arch, fmt, dense_override=4 if upcast else None)
        trainable = lora_trainable_params(arch, wl.lora_target, wl.lora_rank)
        wb_total = wbytes.total + trainable * LORA_ADAPTER_BYTES
        grad_b = LORA_ADAPTER_BYTES
        state_b = 4
        autocast_copies = trainable * b_c if b_c < 4 else 0.0  # 16-bit casts of the fp32 adapters
        if upcast:
            notes.append(
                "prepare_model_for_kbit_training up-casts the non-quantized parameters (embeddings, norms, lm_head) "
                "to fp32: the residual stream and bitsandbytes outputs become fp32"
            )
            b_res, b_out = 4, 4
        elif fmt.is_bnb and method == "qlora":
            notes.append(
                "QLoRA without gradient checkpointing: assumed without prepare_model_for_kbit_training (16-bit "
                "embeddings and norms)"
            )
            b_res, b_out = b_c, b_c
        else:
            b_res = 4 if fmt.name == "fp32" else (2 if not fmt.is_float else DTYPE_BYTES[fmt.name])
            b_out = b_c if fmt.is_float or fmt.is_packed_int else b_res
        notes.append(f"LoRA r={wl.lora_rank} on {','.join(wl.lora_target)}: {trainable:,} trainable parameters in fp32")

    opt = wl.optimizer
    if opt == "adamw":
        opt_per_param, step_temp = 2 * state_b, state_b  # m, v + foreach sqrt(v) temporary
    elif opt in ("adamw-8bit", "paged-adamw-8bit"):
        opt_per_param, step_temp = 2, 0  # 8-bit blockwise states, fused kernel
    else:
        opt_per_param, step_temp = state_b, 0  # SGD momentum buffer
    if shard != "none":
        step_temp = 0  # DeepSpeed/FSDP optimizers update in fused, partition-sized kernels

    # ---- sharding ----------------------------------------------------------------------------
    weights_gpu = wb_total
    grads_gpu: float = trainable * grad_b
    states_gpu: float = trainable * opt_per_param
    temp_gpu = trainable * step_temp
    gather = 0.0
    if shard in ("zero2", "zero3"):
        grads_gpu /= n
        states_gpu /= n
        if method == "full" and fmt.name == "fp32" and b_c < 4:
            # DeepSpeed mixed precision: 16-bit working weights, fp32 master copy partitioned;
            # the model runs in 16-bit without autocast, so the residual stream is 16-bit too
            working, master_part = P * b_c, P * 4 / n
            weights_gpu = (working / n if shard == "zero3" else working) + master_part
            autocast_copies = 0.0
            b_res = b_c
        elif shard == "zero3":
            weights_gpu /= n
        if shard == "zero3":
            gather = 2 * max(layer.params for layer in arch.layers) * b_c  # current + prefetched layer
        notes.append(
            f"DeepSpeed {shard.upper()} over {n} GPUs partitions "
            + ("parameters, " if shard == "zero3" else "")
            + "gradients and optimizer states"
        )
    elif n > 1:
        # DDP: every GPU holds a full replica, and the reducer's buckets hold a second copy of the gradients
        grads_gpu *= 2
        notes.append(f"DDP over {n} GPUs: full replica per GPU; gradient buckets double the gradient memory")

    # ---- activations ------------------------------------------------------------------------
    attention = "eager" if (wl.attention == "eager" or compute == "fp32") else (wl.attention or "sdpa")
    lora_roles = wl.lora_target if method != "full" else ()
    # trainable weights and bitsandbytes' MatMul4Bit keep each Linear's input for backward
    saves_inputs = method == "full" or fmt.is_bnb
    per_token_layer = layer_activation_bytes(
        arch,
        b_compute=b_c,
        b_residual=b_res,
        b_out=b_out,
        seq=wl.context,
        attention=attention,
        linear_saves_input=saves_inputs,
        lora_roles=lora_roles,
        lora_dropout=wl.lora_dropout if method != "full" else 0.0,
        lora_input_bytes=b_res,
    )
    L = arch.num_layers
    layer_acts = per_token_layer * T
    stored: float
    if wl.gradient_checkpointing:
        stored = L * b_res * arch.hidden_size * T  # each layer's input hidden states
        recompute = layer_acts
    else:
        stored = L * layer_acts
        recompute = 0.0
    # gradient transients while back-propagating through a layer: grads of the widest tensors
    ffn = (
        (arch.experts_per_token * arch.moe_intermediate_size + arch.shared_expert_intermediate_size)
        if arch.is_moe
        else arch.intermediate_size
    )
    bwd_transient = 2 * b_out * ffn * T + 2 * b_res * arch.hidden_size * T
    head_inputs = (4 + b_c) * arch.hidden_size * T  # final norm's fp32 input + lm_head input
    if method != "full" and b_res == 4 and b_c < 4:
        # autocast runs the fp32 (up-cast) lm_head in 16-bit; the cast weight is saved for backward
        head_inputs += arch.vocab_size * arch.hidden_size * b_c
    logits = LOSS_BYTES_PER_LOGIT * T * arch.vocab_size
    quant_scratch = 0.0
    if fmt.is_bnb4:
        quant_scratch = arch.largest_linear() * (2 + b_c)  # one dequantized weight, forward and backward
    elif fmt.is_packed_int and method != "full":
        # GPTQ/AWQ training kernels dequantize in plain PyTorch ops, so autograd keeps each
        # layer's 16-bit weights for the input gradient (the recomputed layer with checkpointing)
        dequant_layer = (
            sum(lin.weight_params for lin in arch.layers[0].linears if lin.role not in ("router", "shared_gate")) * 2
        )
        quant_scratch = arch.largest_linear() * 3  # unpacked int8 + fp16 product while dequantizing
        if wl.gradient_checkpointing:
            quant_scratch += dequant_layer
        else:
            stored += L * dequant_layer
        notes.append(
            "GPTQ/AWQ training: dequantized 16-bit weights are kept for backward (one layer with checkpointing)"
        )

    mask = arch.causal_mask_bytes(attention)
    static = weights_gpu + grads_gpu + states_gpu + gather + mask
    phases = {
        "loss": static + autocast_copies + stored + head_inputs + logits,
        "backward": static + autocast_copies + stored + recompute + bwd_transient + quant_scratch,
        "optimizer step": weights_gpu + grads_gpu + states_gpu + temp_gpu + mask,
    }
    phase = max(phases, key=phases.__getitem__)
    peak = phases[phase]

    bd = Breakdown()
    bd.set("weights", weights_gpu + gather, _weights_why(method, fmt, trainable, shard, n))
    bd.set(
        "gradients",
        grads_gpu,
        f"{trainable:,} trainable parameters x {grad_b} B" + (f" / {n} GPUs" if shard != "none" else ""),
    )
    bd.set(
        "optimizer",
        states_gpu + (temp_gpu if phase == "optimizer step" else 0.0),
        _opt_why(opt, state_b, step_temp, shard, n),
    )
    if phase == "optimizer step":
        bd.set("activations", 0.0, "activations are freed before the optimizer step")
        bd.set("logits", 0.0, "")
        bd.set("kv_cache", 0.0, "no KV cache in training")
        bd.set("other", mask, "causal-mask buffer" if mask else "")
    else:
        acts = stored + (recompute + bwd_transient + quant_scratch if phase == "backward" else head_inputs)
        bd.set("activations", acts, _act_why(wl, stored, recompute, phase, T))
        bd.set(
            "logits",
            logits if phase == "loss" else 0.0,
            f"{T} tokens x {arch.vocab_size} vocab x {LOSS_BYTES_PER_LOGIT} B (fp32 log-softmax, its gradient and the "
            "input gradient)",
        )
        bd.set("kv_cache", 0.0, "no KV cache in training")
        other_why = [
            text
            for text, value in (
                ("16-bit autocast copies of trainable fp32 weights", autocast_copies),
                ("causal-mask buffer", mask),
            )
            if value
        ]
        bd.set("other", autocast_copies + mask, " + ".join(other_why))
    bd.set(
        "cuda_context",
        (CUDA_CONTEXT_GIB + (NCCL_GIB if n > 1 else 0)) * GIB,
        "CUDA context, cuBLAS workspace" + (" and NCCL" if n > 1 else ""),
    )
    bd.set("allocator_reserve", ALLOCATOR_SLACK * peak, "caching-allocator fragmentation")
    res = TrainingResult(per_gpu=[bd] + [Breakdown(dict(bd.terms), dict(bd.why)) for _ in range(n - 1)])
    res.trainable_params = trainable
    res.binding = f"peak at the {phase}"
    res.layout = {
        "strategy": "ddp" if shard == "none" and n > 1 else (shard if n > 1 else "single"),
        "gpus": n,
        "sharding": shard,
    }
    res.assumptions.append(
        f"HF Trainer + PEFT, {method}, micro-batch {wl.batch_size} x {wl.context} tokens, gradient checkpointing "
        f"{'on' if wl.gradient_checkpointing else 'off'}, standard cross-entropy"
    )
    res.assumptions += notes
    if method != "full" and wl.lora_dropout > 0:
        res.assumptions.append(
            f"LoRA dropout {wl.lora_dropout:g} (each adapted module keeps a dropout copy of its input)"
        )
    return res


def _weights_why(method: str, fmt: WeightFormat, trainable: int, shard: str, n: int) -> str:
    if method == "full":
        base = f"{fmt.name} parameters"
    else:
        base = f"frozen {fmt.name} base + fp32 LoRA adapters ({trainable:,} parameters)"
    if shard == "zero3":
        base += f", partitioned over {n} GPUs + gathered layers"
    return base


def _opt_why(opt: str, state_b: int, temp: int, shard: str, n: int) -> str:
    text = {
        "adamw": f"AdamW m and v ({2 * state_b} B/param)"
        + (f" + foreach temporary ({temp} B/param) at the step" if temp else ""),
        "adamw-8bit": "8-bit AdamW states (2 B/param)",
        "paged-adamw-8bit": "paged 8-bit AdamW states (2 B/param, pageable to host)",
        "sgd": f"SGD momentum ({state_b} B/param)",
    }[opt]
    if shard != "none":
        text += f", partitioned over {n} GPUs"
    return text


def _act_why(wl: Workload, stored: float, recompute: float, phase: str, T: int) -> str:
    if wl.gradient_checkpointing:
        text = f"checkpointed layer inputs for {T} tokens"
        if phase == "backward":
            text += " + one recomputed layer and its gradient transients"
        return text
    return f"saved activations of every layer for {T} tokens"
