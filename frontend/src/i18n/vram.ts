/**
 * Strings of the VRAM estimator page (kept apart from strings.ts so the page's many labels do not crowd the
 * shared file; same rules: every user-visible string here, functions take what they interpolate).
 */

const num = (n: number, digits = 0) => n.toLocaleString(undefined, { maximumFractionDigits: digits });

/** 14.99 GiB, 54.0 GiB, 0.25 GiB: two decimals below 10, one above. */
export function gib(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const abs = Math.abs(value);
  if (abs > 0 && abs < 0.005) return '< 0.01 GiB';
  const digits = abs === 0 ? 0 : abs < 10 ? 2 : 1;
  return `${value.toLocaleString(undefined, { minimumFractionDigits: digits, maximumFractionDigits: digits })} GiB`;
}

/** 8.03 B, 103.5 M parameters. */
export function count(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (value >= 1e9) return `${num(value / 1e9, value >= 1e10 ? 1 : 2)} B`;
  if (value >= 1e6) return `${num(value / 1e6, 1)} M`;
  if (value >= 1e3) return `${num(value / 1e3, 1)} K`;
  return num(value);
}

export const tokens = (n: number) => num(n);

export const vramStrings = {
  title: 'VRAM estimator',
  intro:
    'How much GPU memory a model needs to serve or fine-tune, term by term, and the smallest number of GPUs it fits on. ' +
    'Estimates follow the memory the frameworks really allocate (transformers, vLLM, llama.cpp, HF Trainer + PEFT).',

  model: {
    title: 'Model',
    source: 'Model source',
    preset: 'Preset',
    hub: 'Hugging Face',
    manual: 'Manual',
    presetLabel: 'Popular model',
    repoId: 'Repository',
    repoIdPlaceholder: 'org/name, e.g. meta-llama/Llama-3.1-8B-Instruct',
    revision: 'Revision',
    fetch: 'Fetch',
    fetchHelp:
      'Reads config.json and the safetensors headers with the HuggingFace settings of this app (token included).',
    fetchFirst: 'Fetch a model to estimate it.',
    fetchFailed: 'Could not read the model',
    repoInvalid: 'Use the form org/name',
    fromFiles: (size: string, source: string) => `${size} of weights in the checkpoint files (${source})`,
    weightSource: (source: string | null) =>
      source === 'index' ? 'model.safetensors.index.json' : 'safetensors headers',
    ggufFiles: (n: number) =>
      `${n} GGUF file${n === 1 ? '' : 's'} in the repository: use the llama.cpp runtime to size them`,
    manualHelp:
      'A Llama-style decoder (a Mixtral-style MoE with experts). Start from a preset and change what differs.',
    copyFrom: 'Start from the current model',
    hiddenSize: 'Hidden size',
    layers: 'Layers',
    heads: 'Attention heads',
    kvHeads: 'KV heads',
    headDim: 'Head size',
    headDimHelp: 'Empty: hidden size ÷ heads',
    intermediate: 'MLP width',
    vocab: 'Vocabulary',
    maxPosition: 'Max positions',
    dtype: 'Stored dtype',
    experts: 'Experts',
    expertsHelp: '0 for a dense model',
    expertsPerToken: 'Experts per token',
    tied: 'Tied input and output embeddings',
    summaryTitle: 'Architecture',
    architecture: 'Architecture',
    params: 'Parameters',
    activeParams: (active: string) => `${active} active per token`,
    layersHeads: 'Layers · heads',
    layersHeadsValue: (layers: number, heads: number, kv: number, attention: string) =>
      `${layers} layers · ${heads} heads, ${kv} KV heads (${attention})`,
    geometry: 'Hidden · MLP · head',
    geometryValue: (h: number, i: number, d: number) => `${num(h)} · ${num(i)} · ${d}`,
    experts2: 'Experts',
    expertsValue: (n: number, k: number) => `${n} experts, ${k} per token`,
    context: 'Context',
    contextValue: (n: number | null) => (n ? `${num(n)} tokens` : '—'),
    slidingValue: (window: number, layers: number) => `sliding window ${num(window)} on ${layers} layers`,
    dtypeQuant: 'Dtype · quantization',
    kvPerToken: 'KV cache per token',
    kvPerTokenValue: (bytes: number) => `${num(bytes / 1024, 1)} KiB in 16-bit`,
    vocabValue: (n: number, tied: boolean) => `${num(n)}${tied ? ' (tied embeddings)' : ''}`,
    weightBytes: 'Weights in files',
  },

  workload: {
    title: 'Workload',
    task: 'Task',
    inference: 'Inference',
    finetune: 'Fine-tuning',
    runtime: 'Runtime',
    transformers: 'transformers',
    vllm: 'vLLM',
    llamacpp: 'llama.cpp',
    weights: 'Weights',
    weightsHelp: 'The format the weights are loaded in.',
    kvDtype: 'KV cache dtype',
    contextVllm: 'Max model length',
    contextVllmHelp: 'max_model_len: the longest request vLLM must hold.',
    contextTransformers: 'Context length',
    contextTransformersHelp: 'Prompt + generated tokens per sequence.',
    contextLlamacpp: 'Context per slot',
    contextLlamacppHelp: 'n_ctx is this × the parallel slots.',
    contextFinetune: 'Sequence length',
    contextFinetuneHelp: 'Tokens per training sample (padded or packed).',
    batch: 'Batch size',
    batchHelp: 'Sequences generated together.',
    slots: 'Parallel slots',
    slotsHelp: 'llama-server --parallel.',
    microBatch: 'Micro-batch per GPU',
    maxSeqs: 'Max sequences',
    maxSeqsHelp: "max_num_seqs, concurrent requests; empty: vLLM's default for the GPU.",
    maxSeqsPlaceholder: 'vLLM default',
    util: 'Memory utilization',
    utilHelp: 'gpu_memory_utilization: the fraction of the GPU vLLM claims (0.9 by default).',
    method: 'Method',
    full: 'Full',
    lora: 'LoRA',
    qlora: 'QLoRA',
    rank: 'LoRA rank',
    targets: 'Target modules',
    optimizer: 'Optimizer',
    checkpointing: 'Gradient checkpointing',
    sharding: 'Sharding across GPUs',
    framework: 'Training stack',
    frameworkHelp: {
      'hf-peft':
        'HF Trainer / TRL + PEFT + bitsandbytes: fp32 LoRA adapters and optimizer states; QLoRA up-casts embeddings, norms and lm_head to fp32; cross-entropy over fp32 logits.',
      'fms-hf-tuning':
        'fms-hf-tuning (OpenShift AI): SFTTrainer + PEFT, the same allocations as HF Trainer + PEFT.',
      torchtune:
        'torchtune: bf16 parameters, adapters and optimizer states, no fp32 up-cast, torchao NF4 for QLoRA (its quantization buffers stay reserved); the model returns fp32 logits.',
      'fsdp-qlora':
        'FSDP QLoRA (Answer.AI, pure bf16): bf16 LoRA adapters and optimizer states, bitsandbytes 4-bit, no fp32 up-cast.',
      litgpt: 'LitGPT (bf16-true): bf16 parameters, adapters and AdamW states, no fp32 up-cast.',
    } as Record<string, string>,
    stackSettings: 'Training settings that change memory',
    loss: 'Cross-entropy',
    lossHelp:
      'Chunked: the loss in 8 chunks (fp32 per chunk); fused: a fused linear cross-entropy (Liger) that never materializes the logits.',
    torchCompile: 'torch.compile (fused norms, MLP and chunked loss)',
    offloadOptimizer: 'Optimizer states on the CPU (ZeRO-Offload, FSDP cpu_offload)',
    offloadParams: 'Parameters and gradients on the CPU',
    optimizerInBackward: 'Optimizer step in backward (frees each gradient)',
    activationOffloading: 'Activation offloading to the CPU',
    packing: 'Packed samples (fixed shapes)',
    zeroBucketSize: 'DeepSpeed bucket size',
    zeroBucketSizeHelp:
      'reduce/allgather_bucket_size in elements (e.g. 500000000); empty: not DeepSpeed (no buckets counted).',
    overlapComm: 'DeepSpeed overlap_comm (4.5× the buckets)',
    advanced: 'Advanced',
    computeDtype: 'Compute dtype',
    attention: 'Attention',
    gpuLayers: 'Layers on the GPU',
    gpuLayersHelp: '-ngl; empty: all layers.',
    gpuLayersPlaceholder: 'all',
    auto: 'Auto',
  },

  options: {
    weights: {
      auto: 'As stored',
      bf16: 'BF16',
      fp16: 'FP16',
      fp32: 'FP32',
      fp8: 'FP8',
      int8: 'INT8 (LLM.int8 / W8A8)',
      nf4: 'NF4 (bitsandbytes)',
      'nf4-dq': 'NF4 + double quant',
      fp4: 'FP4 (bitsandbytes)',
      'gptq-int4': 'GPTQ 4-bit',
      'gptq-int8': 'GPTQ 8-bit',
      'awq-int4': 'AWQ 4-bit',
      int4: 'INT4 (W4A16)',
      mxfp4: 'MXFP4 experts',
    } as Record<string, string>,
    weightsFullFp32: 'FP32 (mixed precision)',
    gguf: (type: string) => `GGUF ${type.toUpperCase()}`,
    kv: {
      auto: 'Model dtype',
      fp16: 'FP16',
      bf16: 'BF16',
      fp8: 'FP8',
      q8_0: 'Q8_0',
      q4_0: 'Q4_0',
    } as Record<string, string>,
    targets: {
      qv: 'q, v',
      attention: 'Attention (q, k, v, o)',
      'all-linear': 'All linear layers',
      mlp: 'MLP (gate, up, down)',
    } as Record<string, string>,
    optimizer: {
      adamw: 'AdamW',
      'adamw-8bit': 'AdamW 8-bit',
      'paged-adamw-8bit': 'Paged AdamW 8-bit',
      sgd: 'SGD with momentum',
    } as Record<string, string>,
    sharding: {
      none: 'None (a full replica per GPU)',
      zero2: 'DeepSpeed ZeRO-2',
      zero3: 'DeepSpeed ZeRO-3 / FSDP',
    } as Record<string, string>,
    compute: { auto: 'Auto', bf16: 'BF16', fp16: 'FP16', fp32: 'FP32' } as Record<string, string>,
    framework: {
      'hf-peft': 'HF Trainer / TRL + PEFT',
      'fms-hf-tuning': 'fms-hf-tuning (OpenShift AI)',
      torchtune: 'torchtune',
      'fsdp-qlora': 'FSDP QLoRA (pure bf16)',
      litgpt: 'LitGPT',
    } as Record<string, string>,
    loss: {
      auto: "The stack's own",
      standard: 'Standard (full logits)',
      chunked: 'Chunked',
      fused: 'Fused linear cross-entropy',
    } as Record<string, string>,
    attention: {
      auto: 'Default',
      sdpa: 'SDPA',
      flash_attention_2: 'FlashAttention 2',
      eager: 'Eager',
      flash: 'Flash attention',
    } as Record<string, string>,
  },

  hardware: {
    title: 'Hardware',
    gpu: 'GPU',
    gpuOption: (name: string, usable: number) => `${name} (${num(usable, 2)} GiB)`,
    count: 'Number of GPUs',
    countAuto: 'Auto',
    countHelp: 'Auto: the fewest GPUs that fit.',
    gpuHelp: 'Usable memory, as CUDA reports it.',
    countN: (n: number) => `${n}`,
    gpusFailed: 'Could not load the GPU catalog',
  },

  invalid: {
    integer: (min: number, max: number) => `A whole number from ${num(min)} to ${num(max)}`,
    fraction: 'A number above 0 and at most 1',
    fix: 'Fix the highlighted fields to update the estimate.',
  },

  result: {
    title: 'Estimate',
    loading: 'Estimating…',
    failed: 'The estimate failed',
    fits: (n: number, gpu: string, spare: string) => `Fits on ${n} × ${gpu} with ${spare} to spare`,
    noFit: (n: number, gpu: string, need: string, usable: string) =>
      `Does not fit on ${n} × ${gpu}: ${need} needed per GPU, ${usable} usable`,
    noFitWeights: (n: number, gpu: string, weights: string, usable: string) =>
      `Does not fit on ${n} × ${gpu}: ${weights} of weights do not fit in ${usable}${n > 1 ? ' each' : ''}`,
    vllmKv: (tokensText: string, requests: string, length: string) =>
      `vLLM KV cache: ${tokensText} tokens, room for ${requests} concurrent requests of ${length} tokens`,
    vllmNoStart: (length: string) =>
      `vLLM would not start: the KV cache cannot hold one ${length}-token request`,
    llamacppCtx: (n: string) => `llama.cpp context: ${n} tokens`,
    trainable: (n: string) => `${n} trainable parameters`,
    searched: 'GPU count found by searching the layouts, smallest first.',
    binding: 'Binding constraint',
    layout: 'Layout',
    layoutSingle: '1 GPU',
    layoutDeviceMap: (n: number) => `${n} GPUs, layers split with device_map="auto"`,
    layoutTp: (tp: number, pp: number, dp: number) =>
      tp * pp * dp === 1
        ? '1 GPU'
        : `${tp * pp * dp} GPUs: ` +
          [
            `tensor parallel ${tp}`,
            pp > 1 ? `pipeline parallel ${pp}` : '',
            dp > 1 ? `${dp} data-parallel replicas` : '',
          ]
            .filter(Boolean)
            .join(' × '),
    layoutSharded: (n: number, sharding: string) =>
      `${n} GPU${n === 1 ? '' : 's'}, ${sharding === 'none' ? 'a full replica on each' : sharding.toUpperCase()}`,
    layoutLlamacpp: (layers: number) => `${layers} layers offloaded`,
    peak: 'Peak allocated per GPU',
    peakVllm: 'vLLM budget per GPU',
    device: 'Device memory per GPU',
    deviceHelp: 'What nvidia-smi will show: the reserved memory + the CUDA context (and NCCL, CUDA graphs).',
    peakHelp: 'torch.cuda.max_memory_allocated: the tensors alive at the peak.',
    reserved: 'Reserved per GPU',
    reservedHelp:
      'torch.cuda.max_memory_reserved: the allocated peak + blocks the caching allocator keeps cached (fragmentation, load-time buffers).',
    stack: 'Training stack',
    total: 'Total over all GPUs',
    precision: 'Weights · compute',
    warnings: 'Warnings',
    chartTitle: 'Memory per GPU',
    chartLabel: (gpus: string, parts: string, used: string, usable: string) =>
      `${gpus}: ${parts}; ${used} of ${usable} GiB`,
    gpuLabel: (first: number, last: number) => (first === last ? `GPU ${first}` : `GPU ${first}–${last}`),
    gpuTimes: (n: number) => `× ${n}`,
    used: (used: string, usable: string, pct: string) => `${used} of ${usable} (${pct})`,
    capacity: 'GPU capacity',
    legend: 'Legend',
    free: 'Free',
    segment: (term: string, value: string, pct: string) => `${term}: ${value} (${pct} of the GPU)`,
    tableTitle: 'Breakdown',
    tableCaption: 'Memory on each GPU',
    term: 'Term',
    deviceTotal: 'On the device',
    usable: 'Usable',
    explanations: 'What each term is',
    assumptions: 'Assumptions',
    none: 'Choose a model to see an estimate.',
  },

  terms: {
    weights: 'Weights',
    kv_cache: 'KV cache',
    activations: 'Activations',
    logits: 'Logits',
    gradients: 'Gradients',
    optimizer: 'Optimizer states',
    other: 'Other',
    cuda_graphs: 'CUDA graphs',
    cuda_context: 'CUDA context',
    allocator_reserve: 'Allocator reserve',
  } as Record<string, string>,
  termHelp: {
    allocator_reserve:
      'Memory the PyTorch caching allocator keeps reserved but not allocated (fragmentation, slack).',
  } as Record<string, string>,
};
