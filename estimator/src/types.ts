/**
 * The estimator's vocabulary. A TrainingJob is the only thing the estimator sees: plain data,
 * no ranges or provenance (the server keeps those beside it). Sizes are bytes, integers.
 */

/** Decoder-only transformer architecture, in Hugging Face config.json terms. */
export interface ModelArch {
  /** Catalog id or Hugging Face id ("meta-llama/Llama-2-7b-hf"), or "custom" for a literal config. */
  id: string;
  /** Module layout family: decides parameter names (LoRA targets) and the op sequence of a layer. */
  family: ModelFamily;
  hidden_size: number;
  intermediate_size: number;
  num_layers: number;
  num_heads: number;
  /** Equal to num_heads when the model has no GQA/MQA. */
  num_kv_heads: number;
  vocab_size: number;
  max_position_embeddings: number;
  /** Input embedding and LM head share one matrix. */
  tie_word_embeddings: boolean;
  /** Published total parameter count, when a source gives one (used to check our count). */
  published_params?: number;
  /** Where the numbers come from. */
  source?: string;
  /** Other hub ids with the same config (e.g. "meta-llama/Llama-2-7b-chat-hf", "openai-community/gpt2"); matched case-insensitively, with or without org. */
  aliases?: string[];
  /**
   * llama family only: q_proj/k_proj/v_proj carry a bias (Qwen2/Qwen2.5: HF Qwen2Attention builds them with
   * bias=True; o_proj and the MLP stay bias-free). Absent or false: no bias, as in Llama/Mistral.
   */
  qkv_bias?: boolean;
}

/**
 * gpt2: learned positions, LayerNorm, fused c_attn (Conv1D), GELU MLP c_fc/c_proj, biases.
 * llama: RoPE, RMSNorm, q/k/v/o_proj without bias, SwiGLU gate/up/down_proj (Mistral, Qwen2 without qkv bias...).
 * opt: learned positions (offset 2), LayerNorm, q/k/v/out_proj with bias, ReLU fc1/fc2.
 */
export type ModelFamily = 'gpt2' | 'llama' | 'opt';

/**
 * fp32: everything in fp32.
 * fp16-mixed / bf16-mixed: half-precision compute with fp32 master weights (see AmpStyle).
 * fp16 / bf16: pure half: weights, gradients and optimizer states in half, no master copy.
 */
export type Precision = 'fp32' | 'fp16-mixed' | 'bf16-mixed' | 'fp16' | 'bf16';

/**
 * How mixed precision is implemented.
 * autocast: fp32 parameters, torch.autocast casts weights to half per op (HF Trainer fp16/bf16=True, AMP O1).
 * master_weights: half parameters, fp32 master copy held by the optimizer (DeepSpeed fp16/bf16, AMP O2).
 */
export type AmpStyle = 'autocast' | 'master_weights';

export type Optimizer = 'adamw' | 'sgd' | 'sgd_momentum';

export type Attention = 'eager' | 'sdpa' | 'flash';

export interface PeftConfig {
  method: 'lora';
  r: number;
  alpha: number;
  /** Module names as in PEFT's target_modules ("q_proj", "c_attn"), or ["all-linear"]. */
  targets: string[];
  dropout: number;
}

export interface TrainingJob {
  model: ModelArch;
  micro_batch: number;
  grad_accum: number;
  seq_len: number;
  precision: Precision;
  /** Only meaningful for the *-mixed precisions. */
  amp_style: AmpStyle;
  optimizer: Optimizer;
  grad_checkpointing: boolean;
  attention: Attention;
  peft: PeftConfig | null;
  /** Data-parallel GPUs. */
  gpus: number;
}

export interface Gpu {
  id: string;
  name: string;
  /** Usable device memory in bytes, as the vendor states it (GiB for NVIDIA "GB" products). */
  memory_bytes: number;
  bf16: boolean;
  /** Peak dense fp16/bf16 tensor-core TFLOP/s (no sparsity). */
  peak_half_tflops: number;
  peak_fp32_tflops: number;
  source: string;
}

/** Bytes per GPU by component. `total` is their sum. */
export interface MemoryBreakdown {
  weights: number;
  gradients: number;
  optimizer_states: number;
  /** Everything the forward pass keeps for backward, logits and loss buffers included. */
  activations: number;
  /** Half-precision weight copies that autocast keeps for backward. */
  autocast_weight_copies: number;
  /** CUDA context, allocator overhead, model buffers. */
  other: number;
  total: number;
}

export interface Estimate {
  per_gpu: MemoryBreakdown;
  capacity_bytes: number;
  fits: boolean;
  params: { total: number; trainable: number };
  /** Finer detail for hovers: activations split, buffers, etc. Keys are stable, values bytes. */
  detail: Record<string, number>;
  /** Training FLOPs of one optimizer step (all GPUs), 6·N·tokens plus attention. */
  flops_per_step: number;
  /** Assumptions the estimator itself made (the resolver's are reported by the server). */
  notes: string[];
}
