"""Training stacks (`workload.framework`): what each one keeps in which dtype (docs/vram.md).

The same model, method and batch cost different memory under different trainers. Each stack is a
small data object; `training.finetune` reads these properties and never the stack's name, so a new
stack is a new entry here, not a new branch there.

Sources (the code each property follows):

* hf-peft: transformers `Trainer`/TRL `SFTTrainer` + PEFT + bitsandbytes. PEFT's
  `prepare_model_for_kbit_training` up-casts the non-quantized parameters to fp32; LoRA adapters
  are fp32 (`autocast_adapter_dtype`) and each adapted module casts its input to fp32
  (`lora.Linear.forward`: `x = self._cast_input_dtype(x, lora_A.weight.dtype)`); the loss is
  `ForCausalLMLoss` (16-bit logits kept by the model output, `logits.float()`, log-softmax).
* fms-hf-tuning: the OpenShift AI tuning stack, `SFTTrainer` + PEFT + bitsandbytes: the same
  allocations as hf-peft (its acceleration plugins are the `loss`, `packing` settings).
* torchtune: `lora_finetune_single_device` / `full_finetune_single_device`. bf16 parameters, LoRA
  adapters and optimizer states in the parameter dtype, no up-cast; the model returns fp32 logits
  (`self.output(h).float()`) for a full-logit `CrossEntropyLoss`; QLoRA is torchao `NF4Tensor`:
  `linear_nf4` saves nothing but the NF4 weight, and quantizing a weight at load
  (`quantize_tensor_nearest`) builds a (numel, 16) difference table.
* fsdp-qlora: Answer.AI `train.py --precision bf16`: pure-bf16 HF model and bf16 LoRA, no up-cast,
  bitsandbytes `Linear4bit`, HF loss.
* litgpt: `litgpt finetune` with `bf16-true`: bf16 parameters, adapters and AdamW states; LoRA on
  a fused QKV; `chunked_cross_entropy` (lm_head chunks of 128 tokens); GQA keys and values
  expanded to every head before SDPA.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Framework:
    name: str
    label: str
    kbit_upcast: bool  # prepare_model_for_kbit_training up-casts non-quantized params to fp32 (with checkpointing)
    adapter_fp32: bool  # LoRA weights, gradients and optimizer states in fp32 (else the parameter dtype)
    lora_input_cast: bool  # each adapted module keeps its own up-cast copy of its input
    loss: str  # "hf" | "fp32-logits" | "chunked": the default loss computation
    gqa_expand: bool  # K/V repeated to all query heads before SDPA (materialized copies saved)
    quant_saves_input: bool  # the 4-bit linear keeps its input for backward (bitsandbytes MatMul4Bit)
    torchao_nf4: bool  # torchao NF4: linear_nf4 saves only the weight; int64 codes when dequantizing; a
    # (numel, 16) nearest-code table when quantizing at load
    foreach_step: bool  # the optimizer step allocates a foreach temporary (torch AdamW foreach)
    hf_model: bool  # transformers modelling code: SDPA with a padding mask repeats K/V to every head
    description: str


FRAMEWORKS: dict[str, Framework] = {
    f.name: f
    for f in (
        Framework(
            name="hf-peft",
            label="HF Trainer / TRL + PEFT",
            kbit_upcast=True,
            adapter_fp32=True,
            lora_input_cast=True,
            loss="hf",
            gqa_expand=False,
            quant_saves_input=True,
            torchao_nf4=False,
            foreach_step=True,
            hf_model=True,
            description=(
                "HF Trainer/TRL + PEFT + bitsandbytes: fp32 LoRA adapters and optimizer states, QLoRA up-casts "
                "embeddings, norms and lm_head to fp32, standard cross-entropy over fp32 logits"
            ),
        ),
        Framework(
            name="fms-hf-tuning",
            label="fms-hf-tuning (OpenShift AI)",
            kbit_upcast=True,
            adapter_fp32=True,
            lora_input_cast=True,
            loss="hf",
            gqa_expand=False,
            quant_saves_input=True,
            torchao_nf4=False,
            foreach_step=True,
            hf_model=True,
            description=(
                "fms-hf-tuning: SFTTrainer + PEFT + bitsandbytes (the same allocations as HF Trainer + PEFT); its "
                "acceleration plugins are the loss and packing settings"
            ),
        ),
        Framework(
            name="torchtune",
            label="torchtune",
            kbit_upcast=False,
            adapter_fp32=False,
            lora_input_cast=False,
            loss="fp32-logits",
            gqa_expand=True,
            quant_saves_input=False,
            torchao_nf4=True,
            foreach_step=True,
            hf_model=False,
            description=(
                "torchtune: bf16 parameters, LoRA adapters and optimizer states, no fp32 up-cast, torchao NF4 "
                "for QLoRA, the model returns fp32 logits for a full-logit cross-entropy"
            ),
        ),
        Framework(
            name="fsdp-qlora",
            label="FSDP QLoRA (pure bf16)",
            kbit_upcast=False,
            adapter_fp32=False,
            lora_input_cast=False,
            loss="hf",
            gqa_expand=False,
            quant_saves_input=True,
            torchao_nf4=False,
            foreach_step=True,
            hf_model=True,
            description=(
                "Answer.AI fsdp_qlora (precision bf16): pure-bf16 HF model with bf16 LoRA adapters and optimizer "
                "states, bitsandbytes 4-bit, no fp32 up-cast"
            ),
        ),
        Framework(
            name="litgpt",
            label="LitGPT",
            kbit_upcast=False,
            adapter_fp32=False,
            lora_input_cast=False,
            loss="hf",
            gqa_expand=True,
            quant_saves_input=True,
            torchao_nf4=False,
            foreach_step=True,
            hf_model=False,
            description=(
                "LitGPT (bf16-true): bf16 parameters, adapters and AdamW states, no fp32 up-cast, chunked "
                "cross-entropy, GQA keys/values expanded to every head"
            ),
        ),
    )
}
DEFAULT_FRAMEWORK = "hf-peft"
FRAMEWORK_NAMES = tuple(FRAMEWORKS)
LOSSES = ("auto", "standard", "chunked", "fused")
# The on/off settings of a training run, each false unless the request turns it on.
STACK_SWITCHES = (
    "torch_compile",
    "offload_optimizer",
    "offload_params",
    "optimizer_in_backward",
    "activation_offloading",
    "packing",
    "overlap_comm",
)


def get_framework(name: str | None) -> Framework:
    return FRAMEWORKS[name or DEFAULT_FRAMEWORK]
