/**
 * The VRAM estimator API (/api/vram, docs/vram.md; request/response contract: shared/vram/CONTRACT.md).
 * Same conventions as client.ts: every failure is an ApiError carrying the server's `{error, message}`.
 */
import { apiUrl } from './base';
import { request } from './client';

// ---- request (CONTRACT.md §1) -------------------------------------------------------------------

export type VramTask = 'inference' | 'finetune';
export type VramEngine = 'transformers' | 'vllm' | 'llamacpp';
export type FinetuneMethod = 'full' | 'lora' | 'qlora';
export type Optimizer = 'adamw' | 'adamw-8bit' | 'paged-adamw-8bit' | 'sgd';
export type Sharding = 'none' | 'zero2' | 'zero3';
export type LoraTarget = 'qv' | 'attention' | 'all-linear' | 'mlp';

/** A HuggingFace config.json (multimodal: its text_config is used). */
export type ModelConfig = Record<string, unknown>;

export interface VramWorkload {
  task: VramTask;
  engine?: VramEngine;
  weights?: string; // auto | bf16 | fp16 | fp32 | fp8 | int8 | nf4 | nf4-dq | fp4 | gptq-int4 | ... | gguf-<type>
  compute_dtype?: 'bf16' | 'fp16' | 'fp32';
  kv_cache_dtype?: string;
  attention?: string;
  context_length: number;
  batch_size?: number;
  gpu_memory_utilization?: number;
  max_num_seqs?: number;
  gpu_layers?: number;
  method?: FinetuneMethod;
  optimizer?: Optimizer;
  gradient_checkpointing?: boolean;
  lora_rank?: number;
  lora_target?: LoraTarget;
  sharding?: Sharding;
}

export interface VramRequest {
  /** An inline config (what the page sends: presets, manual fields, or a config fetched with `model()`). */
  model: { config: ModelConfig; weight_bytes?: number | null } | { repo_id: string; revision?: string };
  workload: VramWorkload;
  hardware: {
    gpu: string;
    count: number | null;
    memory_gib?: number | null;
    tensor_parallel?: number | null;
  };
}

// ---- responses ----------------------------------------------------------------------------------

export interface GpuInfo {
  name: string;
  usable_gib: number;
  nominal_gb: number;
  vendor: string;
  source: string;
  aliases: string[];
}

/** Architecture summary (odh_tec.vram.architecture.ModelArch.summary). */
export interface ModelSummary {
  model_type: string;
  architecture: string | null;
  parameters: number;
  active_parameters: number;
  hidden_size: number;
  num_layers: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  head_dim: number;
  attention: 'MHA' | 'GQA' | 'MQA' | 'MLA' | string;
  intermediate_size: number;
  vocab_size: number;
  tie_word_embeddings: boolean;
  max_position_embeddings: number | null;
  sliding_window: number | null;
  sliding_window_layers: number;
  num_experts: number;
  experts_per_token: number;
  kv_lora_rank: number | null;
  torch_dtype: string;
  quantization: { method: string; weights: string; bits: number | null; group_size: number | null } | null;
  multimodal: boolean;
  remote_code: boolean;
  kv_cache_bytes_per_token_bf16: number;
  notes: string[];
}

/** GET /api/vram/model: the summary plus what the Hub says about the files. */
export interface HubModelSummary extends ModelSummary {
  repo_id: string;
  revision: string;
  weight_bytes: number | null;
  weight_source: 'index' | 'headers' | null;
  parameters_by_dtype: Record<string, number>;
  safetensors_files: Array<{ path: string; size: number }>;
  gguf_files: Array<{ path: string; size: number }>;
  config: ModelConfig;
}

/** GiB per term on one GPU. Known terms: weights, kv_cache, activations, logits, gradients, optimizer, other,
 * cuda_context (outside the framework peak), cuda_graphs (vLLM). Terms that do not apply are 0. */
export type VramBreakdown = Record<string, number>;

export interface VramLayout {
  strategy: string; // single | device_map | tensor_parallel | tensor+pipeline_parallel | zero2 | zero3 | ...
  gpus: number;
  tensor_parallel?: number;
  pipeline_parallel?: number;
  data_parallel?: number;
  sharding?: string;
  gpu_layers?: number;
}

export interface VramResult {
  per_gpu_gib: number;
  total_gib: number;
  per_gpu_device_gib: number;
  gpus_used: number;
  gpus_needed: number;
  fits: boolean;
  breakdown: VramBreakdown;
  explanations: Record<string, string>;
  assumptions: string[];
  warnings: string[];
  gpu: string;
  usable_gib: number;
  spare_gib: number;
  margin_gib: number;
  allocator_reserve_gib: number;
  binding_constraint: string;
  verdict: string;
  layout: VramLayout;
  engine: VramEngine;
  task: VramTask;
  weights: string;
  compute_dtype: string;
  per_gpu: Array<{ gpu: number; per_gpu_gib: number; device_gib: number; breakdown: VramBreakdown }>;
  model: ModelSummary;
  kv_cache_tokens?: number;
  max_concurrency?: number;
  starts?: boolean;
  trainable_parameters?: number;
  hub?: Omit<HubModelSummary, keyof ModelSummary | 'config'>;
}

// ---- calls --------------------------------------------------------------------------------------

export const vramApi = {
  gpus: (signal?: AbortSignal) => request<GpuInfo[]>('GET', apiUrl('/vram/gpus'), undefined, signal),
  model: (repoId: string, revision: string, signal?: AbortSignal) =>
    request<HubModelSummary>(
      'GET',
      apiUrl('/vram/model', { repo_id: repoId, revision: revision || 'main' }),
      undefined,
      signal,
    ),
  estimate: (body: VramRequest, signal?: AbortSignal) =>
    request<VramResult>('POST', apiUrl('/vram/estimate'), body, signal),
};
