/**
 * The VRAM estimator API (/api/vram, docs/vram.md).
 * Same conventions as client.ts: every failure is an ApiError carrying the server's `{error, message}`.
 */
import { apiUrl } from './base';
import { request } from './client';
import type { components } from './schema';

type Schemas = components['schemas'];

// ---- request ------------------------------------------------------------------------------------
// Hand-written: the estimate's body is read by odh_tec.vram.workload, which answers its own errors
// (unknown fields become warnings), not by a pydantic model, so the OpenAPI document has no schema for it.

export type VramTask = 'inference' | 'finetune';
export type VramEngine = 'transformers' | 'vllm' | 'llamacpp';
export type FinetuneMethod = 'full' | 'lora' | 'qlora';
export type Optimizer = 'adamw' | 'adamw-8bit' | 'paged-adamw-8bit' | 'sgd';
export type Sharding = 'none' | 'zero2' | 'zero3';
export type LoraTarget = 'qv' | 'attention' | 'all-linear' | 'mlp';
/** The training stack (odh_tec.vram.frameworks): what is kept in which dtype, the loss, optimizer placement. */
export type TrainingStack = 'hf-peft' | 'fms-hf-tuning' | 'torchtune' | 'fsdp-qlora' | 'litgpt';
export type LossMode = 'auto' | 'standard' | 'chunked' | 'fused';

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
  framework?: TrainingStack;
  loss?: LossMode;
  torch_compile?: boolean;
  offload_optimizer?: boolean;
  offload_params?: boolean;
  optimizer_in_backward?: boolean;
  activation_offloading?: boolean;
  packing?: boolean;
  zero_bucket_size?: number;
  overlap_comm?: boolean;
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

// ---- responses (generated from the OpenAPI document: schema.d.ts) -----------------------------------

export type GpuInfo = Schemas['GpuInfo'];
/** Architecture summary (odh_tec.vram.architecture.ModelArch.summary). */
export type ModelSummary = Schemas['ModelSummary'];
/** GET /api/vram/model: the summary plus what the Hub says about the files, and the config itself. */
export type HubModelSummary = Schemas['HubModelSummary'];
/** GiB per term on one GPU. Known terms: weights, kv_cache, activations, logits, gradients, optimizer, other,
 * cuda_context (outside the framework peak), cuda_graphs (vLLM). Terms that do not apply are 0. */
export type VramBreakdown = Schemas['VramResult']['breakdown'];
export type VramLayout = Schemas['VramLayout'];
export type VramResult = Schemas['VramResult'];

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
