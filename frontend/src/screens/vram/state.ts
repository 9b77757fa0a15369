/** The page's inputs, the choices each control offers in the current context, and the request they make. */
import type {
  FinetuneMethod,
  LossMode,
  LoraTarget,
  ModelConfig,
  Optimizer,
  Sharding,
  TrainingStack,
  VramEngine,
  VramRequest,
  VramTask,
  VramWorkload,
} from '../../api/vram';
import { vramStrings as s } from '../../i18n/vram';

export interface Inputs {
  task: VramTask;
  engine: VramEngine;
  weights: string;
  kvCacheDtype: string;
  computeDtype: string; // auto | bf16 | fp16 | fp32
  attention: string; // auto | sdpa | flash_attention_2 | eager | flash
  context: string;
  batch: string;
  maxNumSeqs: string; // vLLM, empty = default
  util: string; // vLLM gpu_memory_utilization
  gpuLayers: string; // llama.cpp, empty = all
  method: FinetuneMethod;
  loraRank: string;
  loraTarget: LoraTarget;
  optimizer: Optimizer;
  gradientCheckpointing: boolean;
  sharding: Sharding;
  framework: TrainingStack;
  loss: LossMode;
  torchCompile: boolean;
  offloadOptimizer: boolean;
  offloadParams: boolean;
  optimizerInBackward: boolean;
  activationOffloading: boolean;
  packing: boolean;
  zeroBucketSize: string; // DeepSpeed bucket elements, empty = no DeepSpeed buffers
  overlapComm: boolean;
  gpu: string;
  count: string; // 'auto' | '1' | '2' ...
}

export const DEFAULT_INPUTS: Inputs = {
  task: 'inference',
  engine: 'vllm',
  weights: 'auto',
  kvCacheDtype: 'auto',
  computeDtype: 'auto',
  attention: 'auto',
  context: '8192',
  batch: '1',
  maxNumSeqs: '',
  util: '0.9',
  gpuLayers: '',
  method: 'lora',
  loraRank: '16',
  loraTarget: 'all-linear',
  optimizer: 'adamw',
  gradientCheckpointing: true,
  sharding: 'none',
  framework: 'hf-peft',
  loss: 'auto',
  torchCompile: false,
  offloadOptimizer: false,
  offloadParams: false,
  optimizerInBackward: false,
  activationOffloading: false,
  packing: false,
  zeroBucketSize: '',
  overlapComm: false,
  gpu: 'H100-80GB',
  count: 'auto',
};

export interface Choice {
  value: string;
  label: string;
}

const choices = (values: readonly string[], labels: Record<string, string>): Choice[] =>
  values.map((value) => ({ value, label: labels[value] ?? value }));

const GGUF_TYPES = [
  'q4_k_m',
  'q5_k_m',
  'q6_k',
  'q8_0',
  'q4_0',
  'q3_k_m',
  'q2_k',
  'iq4_xs',
  'f16',
  'bf16',
  'mxfp4_moe',
];

/** Weight formats that make sense for the task, runtime and method (the server validates the rest). */
export function weightChoices(inputs: Pick<Inputs, 'task' | 'engine' | 'method'>): Choice[] {
  const w = s.options.weights;
  if (inputs.task === 'finetune') {
    if (inputs.method === 'full')
      return [...choices(['auto', 'bf16', 'fp16'], w), { value: 'fp32', label: s.options.weightsFullFp32 }];
    if (inputs.method === 'lora') return choices(['auto', 'bf16', 'fp16', 'fp32'], w);
    return choices(['nf4', 'nf4-dq', 'fp4', 'gptq-int4', 'awq-int4'], w);
  }
  if (inputs.engine === 'llamacpp')
    return GGUF_TYPES.map((type) => ({ value: `gguf-${type}`, label: s.options.gguf(type) }));
  if (inputs.engine === 'vllm')
    return choices(
      ['auto', 'bf16', 'fp16', 'fp8', 'int8', 'awq-int4', 'gptq-int4', 'gptq-int8', 'int4', 'mxfp4', 'nf4'],
      w,
    );
  return choices(
    [
      'auto',
      'bf16',
      'fp16',
      'fp32',
      'fp8',
      'int8',
      'nf4',
      'nf4-dq',
      'fp4',
      'gptq-int4',
      'gptq-int8',
      'awq-int4',
      'int4',
      'mxfp4',
    ],
    w,
  );
}

export function kvChoices(engine: VramEngine): Choice[] {
  return choices(
    engine === 'llamacpp' ? ['auto', 'fp16', 'q8_0', 'q4_0'] : ['auto', 'fp16', 'bf16', 'fp8'],
    s.options.kv,
  );
}

export function attentionChoices(inputs: Pick<Inputs, 'task' | 'engine'>): Choice[] {
  if (inputs.task === 'inference' && inputs.engine === 'vllm') return [];
  const values =
    inputs.task === 'inference' && inputs.engine === 'llamacpp'
      ? ['auto', 'flash', 'eager']
      : ['auto', 'sdpa', 'flash_attention_2', 'eager'];
  return choices(values, s.options.attention);
}

export const targetChoices = (): Choice[] =>
  choices(['all-linear', 'attention', 'qv', 'mlp'], s.options.targets);
export const optimizerChoices = (): Choice[] =>
  choices(['adamw', 'adamw-8bit', 'paged-adamw-8bit', 'sgd'], s.options.optimizer);
export const shardingChoices = (): Choice[] => choices(['none', 'zero2', 'zero3'], s.options.sharding);
export const frameworkChoices = (): Choice[] =>
  choices(['hf-peft', 'fms-hf-tuning', 'torchtune', 'fsdp-qlora', 'litgpt'], s.options.framework);
export const lossChoices = (): Choice[] => choices(['auto', 'standard', 'chunked', 'fused'], s.options.loss);
export const computeChoices = (): Choice[] => choices(['auto', 'bf16', 'fp16', 'fp32'], s.options.compute);
export const COUNTS = [1, 2, 3, 4, 5, 6, 7, 8, 16, 32, 64];

/** Apply a change and keep dependent choices valid (e.g. llama.cpp needs GGUF weights, QLoRA quantized ones). */
export function update(old: Inputs, patch: Partial<Inputs>): Inputs {
  const next = { ...old, ...patch };
  const weights = weightChoices(next);
  if (!weights.some((c) => c.value === next.weights)) next.weights = weights[0].value;
  if (!kvChoices(next.engine).some((c) => c.value === next.kvCacheDtype)) next.kvCacheDtype = 'auto';
  const attention = attentionChoices(next);
  if (!attention.some((c) => c.value === next.attention)) next.attention = 'auto';
  return next;
}

// ---- validation ---------------------------------------------------------------------------------

export type Problems = Partial<Record<keyof Inputs, string>>;

const intIn = (value: string, min: number, max: number, optional = false): string | undefined => {
  const text = value.trim();
  if (optional && text === '') return undefined;
  if (!/^\d+$/.test(text)) return s.invalid.integer(min, max);
  const n = Number(text);
  return n < min || n > max ? s.invalid.integer(min, max) : undefined;
};

export function validate(inputs: Inputs): Problems {
  const problems: Problems = {
    context: intIn(inputs.context, 1, 10_000_000),
  };
  if (inputs.task === 'finetune' || inputs.engine !== 'vllm') problems.batch = intIn(inputs.batch, 1, 4096);
  if (inputs.task === 'inference' && inputs.engine === 'vllm') {
    problems.maxNumSeqs = intIn(inputs.maxNumSeqs, 1, 65536, true);
    const util = inputs.util.trim() === '' ? NaN : Number(inputs.util);
    if (!(util > 0 && util <= 1)) problems.util = s.invalid.fraction;
  }
  if (inputs.task === 'inference' && inputs.engine === 'llamacpp')
    problems.gpuLayers = intIn(inputs.gpuLayers, 0, 1000, true);
  if (inputs.task === 'finetune' && inputs.method !== 'full')
    problems.loraRank = intIn(inputs.loraRank, 1, 4096);
  if (inputs.task === 'finetune' && inputs.sharding !== 'none')
    problems.zeroBucketSize = intIn(inputs.zeroBucketSize, 1, 10_000_000_000, true);
  for (const key of Object.keys(problems) as Array<keyof Inputs>) if (!problems[key]) delete problems[key];
  return problems;
}

// ---- request ------------------------------------------------------------------------------------

export interface ModelChoice {
  config: ModelConfig;
  weightBytes?: number | null;
}

/** The estimate request for these inputs (call only when `validate` found nothing). */
export function buildRequest(model: ModelChoice, inputs: Inputs): VramRequest {
  const workload: VramWorkload = {
    task: inputs.task,
    context_length: Number(inputs.context),
    weights: inputs.weights,
  };
  if (inputs.computeDtype !== 'auto')
    workload.compute_dtype = inputs.computeDtype as VramWorkload['compute_dtype'];
  if (inputs.attention !== 'auto') workload.attention = inputs.attention;
  if (inputs.task === 'inference') {
    workload.engine = inputs.engine;
    workload.kv_cache_dtype = inputs.kvCacheDtype;
    if (inputs.engine === 'vllm') {
      workload.gpu_memory_utilization = Number(inputs.util);
      if (inputs.maxNumSeqs.trim()) workload.max_num_seqs = Number(inputs.maxNumSeqs);
    } else {
      workload.batch_size = Number(inputs.batch);
    }
    if (inputs.engine === 'llamacpp' && inputs.gpuLayers.trim())
      workload.gpu_layers = Number(inputs.gpuLayers);
  } else {
    workload.method = inputs.method;
    workload.batch_size = Number(inputs.batch);
    workload.optimizer = inputs.optimizer;
    workload.gradient_checkpointing = inputs.gradientCheckpointing;
    workload.sharding = inputs.sharding;
    workload.framework = inputs.framework;
    if (inputs.loss !== 'auto') workload.loss = inputs.loss;
    if (inputs.torchCompile) workload.torch_compile = true;
    if (inputs.offloadOptimizer) workload.offload_optimizer = true;
    if (inputs.offloadParams) workload.offload_params = true;
    if (inputs.optimizerInBackward) workload.optimizer_in_backward = true;
    if (inputs.activationOffloading) workload.activation_offloading = true;
    if (inputs.packing) workload.packing = true;
    if (inputs.sharding !== 'none' && inputs.zeroBucketSize.trim()) {
      workload.zero_bucket_size = Number(inputs.zeroBucketSize);
      if (inputs.overlapComm) workload.overlap_comm = true;
    }
    if (inputs.method !== 'full') {
      workload.lora_rank = Number(inputs.loraRank);
      workload.lora_target = inputs.loraTarget;
    }
  }
  return {
    model: model.weightBytes
      ? { config: model.config, weight_bytes: model.weightBytes }
      : { config: model.config },
    workload,
    hardware: { gpu: inputs.gpu, count: inputs.count === 'auto' ? null : Number(inputs.count) },
  };
}

// ---- manual architecture ------------------------------------------------------------------------

export interface ManualArch {
  hiddenSize: string;
  layers: string;
  heads: string;
  kvHeads: string;
  headDim: string;
  intermediate: string;
  vocab: string;
  maxPosition: string;
  dtype: 'bfloat16' | 'float16' | 'float32';
  experts: string;
  expertsPerToken: string;
  tied: boolean;
}

export const DEFAULT_MANUAL: ManualArch = {
  hiddenSize: '4096',
  layers: '32',
  heads: '32',
  kvHeads: '8',
  headDim: '',
  intermediate: '14336',
  vocab: '128256',
  maxPosition: '131072',
  dtype: 'bfloat16',
  experts: '0',
  expertsPerToken: '2',
  tied: false,
};

export type ManualProblems = Partial<Record<keyof ManualArch, string>>;

export function validateManual(m: ManualArch): ManualProblems {
  const problems: ManualProblems = {
    hiddenSize: intIn(m.hiddenSize, 1, 1_000_000),
    layers: intIn(m.layers, 1, 1000),
    heads: intIn(m.heads, 1, 10_000),
    kvHeads: intIn(m.kvHeads, 1, 10_000),
    headDim: intIn(m.headDim, 1, 10_000, true),
    intermediate: intIn(m.intermediate, 1, 10_000_000),
    vocab: intIn(m.vocab, 1, 10_000_000),
    maxPosition: intIn(m.maxPosition, 1, 100_000_000),
    experts: intIn(m.experts, 0, 10_000),
  };
  if (Number(m.experts) > 0)
    problems.expertsPerToken = intIn(m.expertsPerToken, 1, Math.max(1, Number(m.experts)));
  for (const key of Object.keys(problems) as Array<keyof ManualArch>)
    if (!problems[key]) delete problems[key];
  return problems;
}

/** A config.json for the manual fields: Llama for dense models, Mixtral for MoE. */
export function manualConfig(m: ManualArch): ModelConfig {
  const moe = Number(m.experts) > 0;
  const config: ModelConfig = {
    architectures: [moe ? 'MixtralForCausalLM' : 'LlamaForCausalLM'],
    model_type: moe ? 'mixtral' : 'llama',
    hidden_size: Number(m.hiddenSize),
    num_hidden_layers: Number(m.layers),
    num_attention_heads: Number(m.heads),
    num_key_value_heads: Number(m.kvHeads),
    intermediate_size: Number(m.intermediate),
    vocab_size: Number(m.vocab),
    max_position_embeddings: Number(m.maxPosition),
    tie_word_embeddings: m.tied,
    torch_dtype: m.dtype,
  };
  if (m.headDim.trim()) config.head_dim = Number(m.headDim);
  if (moe) {
    config.num_local_experts = Number(m.experts);
    config.num_experts_per_tok = Number(m.expertsPerToken);
  }
  return config;
}

const DTYPES: Record<string, ManualArch['dtype']> = { bf16: 'bfloat16', fp16: 'float16', fp32: 'float32' };

/** Manual fields that reproduce the geometry of a parsed model (the "start from the current model" action). */
export function manualFromSummary(summary: {
  hidden_size: number;
  num_layers: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  head_dim: number;
  intermediate_size: number;
  vocab_size: number;
  max_position_embeddings: number | null;
  torch_dtype: string;
  num_experts: number;
  experts_per_token: number;
  tie_word_embeddings: boolean;
}): ManualArch {
  const defaultHead = summary.hidden_size / summary.num_attention_heads;
  return {
    hiddenSize: String(summary.hidden_size),
    layers: String(summary.num_layers),
    heads: String(summary.num_attention_heads),
    kvHeads: String(summary.num_key_value_heads),
    headDim: summary.head_dim && summary.head_dim !== defaultHead ? String(summary.head_dim) : '',
    intermediate: String(summary.intermediate_size),
    vocab: String(summary.vocab_size),
    maxPosition: String(summary.max_position_embeddings ?? 4096),
    dtype: DTYPES[summary.torch_dtype] ?? 'bfloat16',
    experts: String(summary.num_experts || 0),
    expertsPerToken: String(summary.experts_per_token || 2),
    tied: summary.tie_word_embeddings,
  };
}
