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
from odh_tec.vram.frameworks import Framework, get_framework
from odh_tec.vram.weights import DTYPE_BYTES, WeightFormat, weight_bytes
from odh_tec.vram.workload import Workload

CUDA_CONTEXT_GIB = 0.5
NCCL_GIB = 0.5
ALLOCATOR_SLACK = 0.08  # training fragments more (large transient logits and recompute buffers)
LOSS_BYTES_PER_LOGIT = 12  # fp32 log-softmax output + its incoming gradient + the outgoing gradient
LORA_ADAPTER_BYTES = 4  # PEFT keeps adapters in fp32 (autocast_adapter_dtype)
LOSS_CHUNKS = 8  # chunked cross-entropy splits the tokens in 8 (torchtune CEWithChunkedOutputLoss)
DS_OVERLAP_FACTOR = 4.5  # DeepSpeed docs: overlap_comm uses 4.5x the reduce + all-gather buckets
TORCHAO_DEQUANT_BYTES = 14  # per weight element: 2 x int64 half-codes, bf16 values, scaled and stacked
TORCHAO_QUANTIZE_BYTES = 16 * 2 * 2 + 2 + 8 + 2 + 2  # (numel, 16) diff + abs (bf16), min values, int64 idx
ALLOCATOR_FRAGMENTATION = 0.4  # reserved - allocated, per byte of varying per-step transients (calibrated, docs)
PACKED_FRAGMENTATION = 0.5  # fixed-shape (packed) batches reuse cached blocks exactly


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
    lora_cast_bytes: int | None = None,
    gqa_expand: bool = False,
    norm_weight_trains: bool = False,
    compiled: bool = False,
) -> float:
    """Bytes one token leaves saved for backward in one decoder layer (autograd's saved tensors).

    RMSNorm keeps an fp32 copy of its input; the attention kernel keeps q, k, v and its output;
    the MLP keeps the projections and the activation. A Linear keeps its input only when it is
    needed: trainable weights, or bitsandbytes' MatMul4Bit which always stores it. A frozen
    16-bit Linear does not (autograd only saves what the gradient of the input needs).
    LoRA keeps the (dropout) input of each adapted module for its A matrix; with
    `lora_cast_bytes` (PEFT with fp32 adapters) every adapted module first casts its input to the
    adapter dtype, so each keeps a copy of its own. `gqa_expand`: keys and values are repeated to
    every query head before SDPA (HF `repeat_kv` with a padding mask, LitGPT), and SDPA saves the
    copies. `norm_weight_trains`: the norm's `weight * x` also keeps its 16-bit input.
    `compiled` (torch.compile): the norm keeps its 16-bit input instead of an fp32 copy and the
    MLP keeps the two projections, recomputing the activation in backward.
    """
    h = arch.hidden_size
    a, k = arch.num_heads, arch.num_kv_heads
    d = arch.head_dim
    dv = arch.v_head_dim or d
    layer = arch.layers[0]
    norm_width = 2 * h if arch.norm_kind == "layer" else h
    n_norms = max(1, round(layer.norm_params / norm_width)) if layer.norm_params >= norm_width else 1
    norm_copy = 4 if arch.norm_kind == "rms" and not compiled else b_residual
    norms = n_norms * (norm_copy + (b_compute if norm_weight_trains else 0)) * h
    keep = 1 if linear_saves_input else 0

    if arch.is_mla:
        qkv_saved = b_compute * a * (2 * d + dv) + b_compute * (arch.kv_lora_rank + arch.qk_rope_head_dim)
    else:
        qkv_saved = b_compute * (a * d + 2 * (a if gqa_expand else k) * d)
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
        mlp = keep * b_compute * h + ((2 if compiled else 3) * b_out + keep * (b_out + cast)) * arch.intermediate_size
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
            if lora_cast_bytes and lora_cast_bytes > dt:
                # PEFT casts the input to the fp32 adapter first: a copy per module, kept by lora_A
                # (or by the dropout after it)
                lora += copies * (lora_cast_bytes + (1 if lora_dropout > 0 else 0)) * d_in
            elif lora_dropout > 0:
                lora += copies * (dt + 1) * d_in  # dropout output + its mask
            elif not keep:
                lora += copies * dt * d_in / (3 if role in ("q", "k", "v") else 1)  # lora_A keeps the shared input
    return norms + attn + mlp + lora


def finetune(arch: ModelArch, fmt: WeightFormat, wl: Workload, compute: str, gpus: int) -> TrainingResult:
    fw = get_framework(wl.framework)
    b_c = DTYPE_BYTES[compute]
    method = wl.method or "full"
    T = wl.batch_size * wl.context
    n = max(1, gpus)
    # DeepSpeed on one GPU still builds its buffers (and fused optimizer) when it is configured
    deepspeed_single = wl.zero_bucket_size is not None and wl.sharding in ("zero2", "zero3")
    shard = wl.sharding if (n > 1 or deepspeed_single) else "none"
    notes: list[str] = [fw.description]

    # ---- parameters, gradients, optimizer ---------------------------------------------------
    wb_total: float
    P = arch.total_params
    if method == "full":
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
        adapter_b = master
    else:
        # PEFT's prepare_model_for_kbit_training both up-casts the non-quantized parameters to
        # fp32 and turns gradient checkpointing on; a QLoRA run without checkpointing did not
        # go through it (LitGPT, custom loops) and keeps 16-bit embeddings and norms
        upcast = fw.kbit_upcast and fmt.is_bnb and method == "qlora" and wl.gradient_checkpointing
        wbytes = weight_bytes(arch, fmt, dense_override=4 if upcast else None)
        trainable = lora_trainable_params(arch, wl.lora_target, wl.lora_rank)
        base_b = 4 if fmt.name == "fp32" else (DTYPE_BYTES[fmt.name] if fmt.is_float else b_c)
        adapter_b = LORA_ADAPTER_BYTES if fw.adapter_fp32 else base_b
        wb_total = wbytes.total + trainable * adapter_b
        grad_b = adapter_b
        state_b = adapter_b
        autocast_copies = trainable * b_c if b_c < adapter_b else 0.0  # 16-bit casts of the fp32 adapters
        if upcast:
            notes.append(
                "prepare_model_for_kbit_training up-casts the non-quantized parameters (embeddings, norms, lm_head) "
                "to fp32: the residual stream and bitsandbytes outputs become fp32"
            )
            b_res, b_out = 4, 4
        elif fmt.is_bnb and method == "qlora":
            notes.append(
                "QLoRA without the fp32 up-cast (no prepare_model_for_kbit_training): 16-bit embeddings and norms"
            )
            b_res, b_out = b_c, b_c
        else:
            b_res = 4 if fmt.name == "fp32" else (2 if not fmt.is_float else DTYPE_BYTES[fmt.name])
            b_out = b_c if fmt.is_float or fmt.is_packed_int else b_res
        notes.append(
            f"LoRA r={wl.lora_rank} on {','.join(wl.lora_target)}: {trainable:,} trainable parameters in "
            f"{'fp32' if adapter_b == 4 else _dtype_name(adapter_b, compute)}"
        )

    opt = wl.optimizer
    if opt == "adamw":
        opt_per_param, step_temp = 2 * state_b, (state_b if fw.foreach_step else 0)  # m, v + foreach sqrt(v)
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
    temp_gpu: float = trainable * step_temp
    gather = 0.0
    buckets = 0.0
    if shard in ("zero2", "zero3"):
        grads_gpu /= n
        states_gpu /= n
        if method == "full" and fmt.name == "fp32" and b_c < 4:
            # DeepSpeed mixed precision: 16-bit working weights, fp32 master copy partitioned;
            # the model runs in 16-bit without autocast, so the residual stream is 16-bit too
            working, master_part = P * b_c, P * 4 / n
            weights_gpu = (working / n if shard == "zero3" else working) + (
                0.0 if (wl.offload_optimizer or wl.offload_params) else master_part
            )
            autocast_copies = 0.0
            b_res = b_c
        elif shard == "zero3":
            weights_gpu /= n
        if shard == "zero3":
            gather = 2 * max(layer.params for layer in arch.layers) * b_c  # current + prefetched layer
        if wl.zero_bucket_size is not None:
            # DeepSpeed's gradient reduce and parameter all-gather buckets (16-bit elements);
            # overlap_comm double-buffers them: "4.5x the allgather_bucket_size and
            # reduce_bucket_size" (DeepSpeed configuration docs)
            factor = DS_OVERLAP_FACTOR if wl.overlap_comm else 1.0
            buckets = factor * 2 * wl.zero_bucket_size * 2
            notes.append(
                f"DeepSpeed buckets of {wl.zero_bucket_size:.3g} elements"
                + (" with overlap_comm (4.5x reduce + all-gather buckets)" if wl.overlap_comm else "")
            )
        notes.append(
            f"DeepSpeed {shard.upper()} over {n} GPU{'s' if n > 1 else ''} partitions "
            + ("parameters, " if shard == "zero3" else "")
            + "gradients and optimizer states"
        )
    elif n > 1:
        # DDP: every GPU holds a full replica, and the reducer's buckets hold a second copy of the gradients
        grads_gpu *= 2
        notes.append(f"DDP over {n} GPUs: full replica per GPU; gradient buckets double the gradient memory")

    # ---- offload and optimizer placement -----------------------------------------------------
    if wl.offload_params:
        # FSDP CPUOffload(offload_params=True) / ZeRO-3 offload_param: parameters and gradients live
        # on the host; the GPU holds the layers being computed (current + prefetched), the
        # non-layer parameters of the root unit and one layer's gradients
        wbf = weight_bytes(arch, fmt)
        layer_b = max(wbf.layers / max(1, arch.num_layers), 1.0)
        weights_gpu = 2 * layer_b + wbf.embedding + wbf.lm_head + wbf.other
        weights_gpu += trainable * adapter_b / max(1, arch.num_layers) if method != "full" else 0.0
        gather = 0.0
        grads_gpu = (trainable * grad_b) / max(1, arch.num_layers)
        states_gpu = 0.0
        temp_gpu = 0.0
        autocast_copies = 0.0 if method == "full" else autocast_copies
        notes.append("parameters and gradients offloaded to the CPU: the GPU holds two layers at a time")
    if wl.offload_optimizer or wl.offload_params:
        states_gpu, temp_gpu = 0.0, 0.0
        notes.append("optimizer states on the CPU (ZeRO-Offload / FSDP cpu_offload): the step runs on the host")
    if wl.optimizer_in_backward:
        # each parameter is stepped and its gradient freed as soon as it is computed
        # (torchtune optimizer_in_bwd): one parameter's gradient at a time, no step phase
        largest = max(arch.largest_linear(include_experts=True), arch.embedding_params, arch.lm_head_params)
        grads_gpu = min(grads_gpu, (largest if method == "full" else trainable) * grad_b)
        temp_gpu = 0.0
        notes.append("optimizer in backward: each gradient is applied and freed during the backward pass")

    # ---- activations ------------------------------------------------------------------------
    attention = "eager" if (wl.attention == "eager" or compute == "fp32") else (wl.attention or "sdpa")
    flash = attention.startswith("flash")
    lora_roles = wl.lora_target if method != "full" else ()
    # trainable weights and bitsandbytes' MatMul4Bit keep each Linear's input for backward
    saves_inputs = method == "full" or (fmt.is_bnb and fw.quant_saves_input and not fw.torchao_nf4)
    compiled = wl.torch_compile
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
        lora_cast_bytes=adapter_b if (fw.lora_input_cast and method != "full") else None,
        gqa_expand=_expands_gqa(fw, attention, wl),
        norm_weight_trains=method == "full",
        compiled=compiled,
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
    if wl.activation_offloading:
        # saved activations stream to pinned host memory; the GPU keeps the layer being
        # computed and the one being prefetched (torchtune OffloadActivations)
        stored = min(stored, 2 * stored / max(1, L))
        notes.append("activation offloading: saved activations stream to the CPU, two layers stay on the GPU")
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
    loss_mode, kept_per_logit, chunk_per_logit = _loss_model(fw, wl, b_c)
    logits = kept_per_logit * T * arch.vocab_size + chunk_per_logit * _chunk_tokens(T) * arch.vocab_size
    quant_scratch = 0.0
    if fmt.is_bnb4 and fw.torchao_nf4:
        # torchao get_original_weight: int64 codes of both nibbles, bf16 values, scaled and stacked copies
        quant_scratch = arch.largest_linear() * TORCHAO_DEQUANT_BYTES
    elif fmt.is_bnb4:
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
    if wl.packing and not flash:
        # packed samples need a block-causal mask per sequence (b x s x s booleans) without flash-attention
        mask += wl.batch_size * wl.context * wl.context
        notes.append("packing without flash-attention: a block-causal mask per packed sequence")
    static = weights_gpu + grads_gpu + states_gpu + gather + buckets + mask
    phases = {
        "loss": static + autocast_copies + stored + head_inputs + logits,
        "backward": static + autocast_copies + stored + recompute + bwd_transient + quant_scratch,
    }
    if not wl.optimizer_in_backward:
        phases["optimizer step"] = weights_gpu + grads_gpu + states_gpu + temp_gpu + buckets + mask
    phase = max(phases, key=phases.__getitem__)
    peak = phases[phase]

    # ---- the caching allocator's view (reserved) and the device ------------------------------
    # Tensors freed and re-allocated every step in sizes that follow the batch (logits, saved
    # activations, the recomputed layer) leave cached blocks the next step cannot reuse exactly.
    # Checkpointed layer inputs are one size per step and are reused layer after layer; in full
    # fine-tuning the gradients, allocated during backward, fill the freed activation blocks.
    frag = ALLOCATOR_FRAGMENTATION * (PACKED_FRAGMENTATION if wl.packing else 1.0)
    saved_varying = 0.0 if wl.gradient_checkpointing else stored
    reuse = grads_gpu if method == "full" else 0.0
    frag_loss = max(0.0, frag * (logits + head_inputs + saved_varying) - reuse)
    frag_bwd = max(0.0, frag * (recompute + bwd_transient + quant_scratch + saved_varying) - reuse)
    reserved = max(peak, phases["loss"] + frag_loss, phases["backward"] + frag_bwd)
    load_reserved = 0.0
    if fmt.is_bnb4 and fw.torchao_nf4 and method == "qlora":
        # quantizing a weight at load builds (numel, 16) differences and their abs (16-bit), the
        # min values and int64 indices; the allocator keeps those blocks cached for the run
        load_reserved = weights_gpu + arch.largest_linear() * TORCHAO_QUANTIZE_BYTES
        reserved = max(reserved, load_reserved + max(frag_loss, frag_bwd))
    slack = reserved - peak
    reserve = max(0.0, ALLOCATOR_SLACK * peak - slack)

    bd = Breakdown()
    bd.set("weights", weights_gpu + gather, _weights_why(method, fmt, trainable, shard, n, adapter_b, compute))
    bd.set(
        "gradients",
        grads_gpu,
        f"{trainable:,} trainable parameters x {grad_b} B" + (f" / {n} GPUs" if shard != "none" and n > 1 else ""),
    )
    bd.set(
        "optimizer",
        states_gpu + (temp_gpu if phase == "optimizer step" else 0.0),
        _opt_why(opt, state_b, step_temp, shard, n, wl),
    )
    other_why = [
        text
        for text, value in (
            ("16-bit autocast copies of trainable fp32 weights", autocast_copies if phase != "optimizer step" else 0),
            ("causal-mask buffer", mask),
            ("DeepSpeed reduce/all-gather buckets", buckets),
        )
        if value
    ]
    if phase == "optimizer step":
        bd.set("activations", 0.0, "activations are freed before the optimizer step")
        bd.set("logits", 0.0, "")
        bd.set("kv_cache", 0.0, "no KV cache in training")
        bd.set("other", mask + buckets, " + ".join(other_why))
    else:
        acts = stored + (recompute + bwd_transient + quant_scratch if phase == "backward" else head_inputs)
        bd.set("activations", acts, _act_why(wl, stored, recompute, phase, T))
        bd.set(
            "logits",
            logits if phase == "loss" else 0.0,
            _loss_why(loss_mode, T, arch.vocab_size, kept_per_logit, chunk_per_logit),
        )
        bd.set("kv_cache", 0.0, "no KV cache in training")
        bd.set("other", autocast_copies + mask + buckets, " + ".join(other_why))
    bd.set(
        "cuda_context",
        (CUDA_CONTEXT_GIB + (NCCL_GIB if n > 1 else 0)) * GIB,
        "CUDA context, cuBLAS workspace" + (" and NCCL" if n > 1 else ""),
    )
    bd.set(
        "allocator_slack",
        slack,
        "cached but unallocated blocks: fragmentation by per-step transients of varying size"
        + (" and load-time quantization buffers" if load_reserved else ""),
    )
    bd.set("allocator_reserve", reserve, "caching-allocator headroom above reserved memory")
    res = TrainingResult(per_gpu=[bd] + [Breakdown(dict(bd.terms), dict(bd.why)) for _ in range(n - 1)])
    res.trainable_params = trainable
    res.binding = f"peak at the {phase}"
    res.layout = {
        "strategy": "ddp" if shard == "none" and n > 1 else (shard if n > 1 else "single"),
        "gpus": n,
        "sharding": shard,
    }
    res.assumptions.append(
        f"{fw.label}, {method}, micro-batch {wl.batch_size} x {wl.context} tokens"
        + (" (packed)" if wl.packing else "")
        + f", gradient checkpointing {'on' if wl.gradient_checkpointing else 'off'}, {_LOSS_LABEL[loss_mode]}"
        + (", torch.compile" if compiled else "")
    )
    res.assumptions += notes
    res.assumptions.append(
        "per_gpu_gib is torch.cuda.max_memory_allocated; per_gpu_reserved_gib adds the caching allocator's cached "
        "blocks (max_memory_reserved); per_gpu_device_gib adds the CUDA context (nvidia-smi)"
    )
    if method != "full" and wl.lora_dropout > 0:
        res.assumptions.append(
            f"LoRA dropout {wl.lora_dropout:g} (each adapted module keeps a dropout copy of its input)"
        )
    return res


_LOSS_LABEL = {
    "hf": "standard cross-entropy (16-bit logits kept by the model output, fp32 up-cast)",
    "fp32-logits": "standard cross-entropy over fp32 logits returned by the model",
    "chunked": "chunked cross-entropy (fp32 per chunk)",
    "chunked-compiled": "compiled chunked cross-entropy (16-bit logits kept, fp32 only per chunk)",
    "fused": "fused linear cross-entropy (logits never materialized beyond one chunk)",
}


def _loss_model(fw: Framework, wl: Workload, b_c: int) -> tuple[str, float, float]:
    """(mode, bytes kept per logit at the loss, bytes per logit of one chunk's transient)."""
    mode = fw.loss if wl.loss in ("auto", "standard") else wl.loss
    if wl.loss == "standard" and fw.loss == "chunked":
        mode = "hf"
    if mode == "chunked" and wl.torch_compile:
        mode = "chunked-compiled"
    if mode == "hf":
        # model output keeps the 16-bit logits; log-softmax output, its incoming and outgoing gradient in fp32
        return mode, LOSS_BYTES_PER_LOGIT + (b_c if b_c < 4 else 0), 0.0
    if mode == "fp32-logits":
        return mode, 4 + LOSS_BYTES_PER_LOGIT, 0.0  # the fp32 logits themselves + the same three buffers
    if mode == "chunked":
        return mode, b_c + 4, 8.0  # 16-bit chunks + every chunk's fp32 log-softmax; one chunk's two gradients
    if mode == "chunked-compiled":
        return mode, b_c, 12.0  # compiled chunk: fp32 logits, softmax and gradient of one chunk at a time
    return "fused", 0.0, b_c + 8.0  # fused linear CE: one chunk's logits and their fp32 gradient


def _chunk_tokens(tokens: int) -> int:
    return max(1, -(-tokens // LOSS_CHUNKS))


def _expands_gqa(fw: Framework, attention: str, wl: Workload) -> bool:
    """HF repeats K/V for eager attention and for SDPA with a padding mask (`use_gqa_in_sdpa` is
    false with a mask: padded micro-batches of more than one sequence); LitGPT and torchtune
    always expand them. Flash-attention takes grouped K/V."""
    if attention.startswith("flash"):
        return False
    if fw.gqa_expand or attention == "eager":
        return True
    return fw.hf_model and not wl.packing and wl.batch_size > 1


def _dtype_name(nbytes: int, compute: str) -> str:
    return compute if DTYPE_BYTES.get(compute) == nbytes else {2: "bf16", 4: "fp32", 1: "int8"}.get(nbytes, "")


def _loss_why(mode: str, T: int, vocab: int, kept: float, chunk: float) -> str:
    text = f"{T} tokens x {vocab} vocab x {kept:g} B ({_LOSS_LABEL[mode]})"
    if chunk:
        text += f" + one chunk of {_chunk_tokens(T)} tokens x {chunk:g} B"
    return text


def _weights_why(
    method: str, fmt: WeightFormat, trainable: int, shard: str, n: int, adapter_b: int, compute: str
) -> str:
    if method == "full":
        base = f"{fmt.name} parameters"
    else:
        dtype = "fp32" if adapter_b == 4 else _dtype_name(adapter_b, compute)
        base = f"frozen {fmt.name} base + {dtype} LoRA adapters ({trainable:,} parameters)"
    if shard == "zero3":
        base += f", partitioned over {n} GPUs + gathered layers"
    return base


def _opt_why(opt: str, state_b: int, temp: int, shard: str, n: int, wl: Workload) -> str:
    if wl.offload_optimizer or wl.offload_params:
        return "optimizer states on the CPU (offloaded)"
    text = {
        "adamw": f"AdamW m and v ({2 * state_b} B/param)"
        + (f" + foreach temporary ({temp} B/param) at the step" if temp else ""),
        "adamw-8bit": "8-bit AdamW states (2 B/param)",
        "paged-adamw-8bit": "paged 8-bit AdamW states (2 B/param, pageable to host)",
        "sgd": f"SGD momentum ({state_b} B/param)",
    }[opt]
    if shard != "none" and n > 1:
        text += f", partitioned over {n} GPUs"
    return text


def _act_why(wl: Workload, stored: float, recompute: float, phase: str, T: int) -> str:
    if wl.gradient_checkpointing:
        text = f"checkpointed layer inputs for {T} tokens"
        if phase == "backward":
            text += " + one recomputed layer and its gradient transients"
        return text
    return f"saved activations of every layer for {T} tokens"
