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
  /** Mixture of experts: experts per MoE layer, experts each token is routed to, expert FFN width. */
  num_experts?: number;
  experts_per_token?: number;
  moe_intermediate_size?: number;
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

/**
 * What the optimizer keeps per parameter decides its memory. Fused AdamW keeps what AdamW keeps;
 * bitsandbytes' 8-bit and paged variants keep block-quantized states (paged: in unified memory that
 * can be evicted to the host).
 */
export type Optimizer =
  | 'adamw' | 'adamw_8bit' | 'paged_adamw_8bit' | 'paged_adamw_32bit'
  | 'adafactor' | 'sgd' | 'sgd_momentum' | 'lion' | 'lion_8bit';

export type Attention = 'eager' | 'sdpa' | 'flash';

export type PeftMethod = 'lora' | 'dora' | 'adapter' | 'bitfit' | 'prefix' | 'p-tuning' | 'prompt';

export interface PeftConfig {
  method: PeftMethod;
  /** LoRA/DoRA rank (0 for methods without one). */
  r: number;
  alpha: number;
  /** Module names as in PEFT's target_modules ("q_proj", "c_attn"), or ["all-linear"]. */
  targets: string[];
  dropout: number;
  /** Modules made fully trainable and saved beside the adapter (PEFT `modules_to_save`). */
  modules_to_save?: string[];
  /** Adapter (Houlsby) bottleneck width. */
  bottleneck_size?: number;
  /** Prefix / P-tuning / prompt tuning: virtual tokens prepended. */
  num_virtual_tokens?: number;
  /** Prefix tuning: reparametrise the prefix through an MLP (PEFT PrefixTuningConfig.prefix_projection). */
  prefix_projection?: boolean;
  /** Prefix tuning with projection / P-tuning: hidden width of the prompt encoder MLP (PEFT default: token_dim). */
  encoder_hidden_size?: number;
}

/** DeepSpeed ZeRO (zero_optimization). Sizes are element counts, as DeepSpeed states them. */
export interface ZeroConfig {
  stage: 0 | 1 | 2 | 3;
  offload_optimizer: 'none' | 'cpu' | 'nvme';
  offload_param: 'none' | 'cpu' | 'nvme';
  reduce_bucket_size?: number;
  allgather_bucket_size?: number;
  stage3_prefetch_bucket_size?: number;
  stage3_max_live_parameters?: number;
  stage3_param_persistence_threshold?: number;
  /** Default true (forced on by offload_optimizer): stages 1-2 reduce into a reduce_bucket_size buffer. */
  contiguous_gradients?: boolean;
  /** Default true for stage 3, false otherwise: stages 1-2 then double their reduce buffer. */
  overlap_comm?: boolean;
}

/** PyTorch FSDP (FullyShardedDataParallel / HF `fsdp=` / accelerate fsdp_config). */
export interface FsdpConfig {
  strategy: 'FULL_SHARD' | 'SHARD_GRAD_OP' | 'NO_SHARD' | 'HYBRID_SHARD';
  cpu_offload: boolean;
  /** GPUs per node for HYBRID_SHARD (sharding inside a node, replication across). */
  shard_group_size?: number;
}

/** Model parallelism beyond data parallel. Data-parallel size = gpus / (tp · pp). */
export interface ParallelConfig {
  tensor: number;
  pipeline: number;
  /** Megatron sequence parallelism (splits LayerNorm/dropout activations over the TP group). */
  sequence_parallel: boolean;
  expert: number;
  pipeline_schedule: 'gpipe' | '1f1b';
  /** Micro-batches per pipeline flush (gradient accumulation steps under PP). */
  pipeline_micro_batches: number;
}

/** Weight quantization at load time (bitsandbytes, GPTQ, AWQ). */
export interface QuantizationConfig {
  method: 'int8' | 'nf4' | 'fp4' | 'gptq' | 'awq';
  bits: 4 | 8;
  double_quant: boolean;
  /** GPTQ/AWQ group size (128 typical); bitsandbytes 4-bit uses blocks of 64. */
  group_size?: number;
  compute_dtype: 'fp32' | 'fp16' | 'bf16';
  /** peft prepare_model_for_kbit_training: non-quantized parameters upcast to fp32. */
  kbit_prepared: boolean;
}

/** Inference (generation) instead of training. */
export interface InferenceConfig {
  engine: 'hf' | 'vllm';
  /** Prompt tokens per sequence. */
  prompt_len: number;
  max_new_tokens: number;
  batch: number;
  kv_cache_dtype: 'fp32' | 'fp16' | 'bf16' | 'fp8';
  /** vLLM: fraction of GPU memory it preallocates (default 0.9). */
  gpu_memory_utilization?: number;
  max_model_len?: number;
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
  /** GPUs in the job (all of them: data × tensor × pipeline parallel). */
  gpus: number;
  /** 'full' (default when grad_checkpointing): every layer input kept; 'selective': Korthikanti's attention-only recompute. */
  checkpointing_mode?: 'full' | 'selective';
  /** fp16 loss scaling with torch GradScaler / DeepSpeed dynamic loss scale. */
  grad_scaler?: boolean;
  /** TF32 matmuls: speed only, no memory effect. */
  tf32?: boolean;
  zero?: ZeroConfig;
  fsdp?: FsdpConfig;
  parallel?: ParallelConfig;
  quantization?: QuantizationConfig;
  /** Present for inference jobs; then training fields (optimizer, gradients) do not apply. */
  inference?: InferenceConfig;
  /** Optimizer steps of the whole run, for C = 6·N·D and time (from max_steps or epochs × dataset). */
  total_steps?: number;
  /** DeepSpeed fp16 dynamic loss-scale settings (ds_config `fp16` block); absent keys take DeepSpeed's defaults. */
  loss_scale?: LossScaleConfig;
}

/** ds_config `fp16`: initial_scale_power, loss_scale_window, hysteresis, min_loss_scale. */
export interface LossScaleConfig {
  /** A static loss scale (ds_config `fp16.loss_scale` > 0); 0 or absent: dynamic scaling. */
  loss_scale?: number;
  initial_scale_power?: number;
  loss_scale_window?: number;
  hysteresis?: number;
  min_loss_scale?: number;
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
  /** Combined L1 / shared memory of one SM in bytes (FlashAttention's on-chip SRAM M). */
  sram_bytes_per_sm?: number;
  /** CUDA compute capability (7.0 Volta, 7.5 Turing, 8.0/8.6 Ampere, 8.9 Ada, 9.0 Hopper). */
  compute_capability?: number;
}

/** The components that add up to `total`. */
export type MemoryComponent = 'weights' | 'gradients' | 'optimizer_states' | 'activations' | 'autocast_weight_copies' | 'other';

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
  /** torch.cuda.max_memory_allocated() analogue: live tensor bytes at the step's peak. */
  peak_allocated?: number;
  /** torch.cuda.max_memory_reserved() analogue: what the caching allocator holds at the peak. */
  peak_reserved?: number;
  /** What nvidia-smi shows for the process: reserved + CUDA context. */
  device_used?: number;
  /** Inference: key/value cache bytes (part of `total`, beside the six components). */
  kv_cache?: number;
}

/** Memory outside the GPU that offload needs, per node-local process. */
export interface HostMemory {
  cpu_bytes: number;
  nvme_bytes: number;
}

/** Compute and time of a step and of the run. */
export interface ComputeEstimate {
  flops_per_token: number;
  tokens_per_step: number;
  /** Model FLOPs utilisation assumed for the time figures. */
  mfu: number;
  step_time_s: number;
  tokens_per_s: number;
  /** Whole run, when total_steps is known. */
  total_flops?: number;
  total_time_s?: number;
  /** Model FLOPs per token (6N + attention for training; no recomputation), the numerator of MFU. */
  model_flops_per_token?: number;
  /** Hardware FLOPs utilization assumed (applied to flops_per_token, recomputation included). */
  hardware_utilization?: number;
  /** Peak FLOP/s of one GPU for the job's compute dtype (tensor-core half, TF32 or fp32). */
  peak_flops_per_gpu?: number;
  /** Whole run: model FLOPs (C = 6·N·D plus attention) and tokens D. */
  total_model_flops?: number;
  total_tokens?: number;
}

export interface Estimate {
  per_gpu: MemoryBreakdown;
  capacity_bytes: number;
  fits: boolean;
  /** `active`: parameters one token uses (differs from total for mixture-of-experts models). */
  params: { total: number; trainable: number; active?: number };
  /** Finer detail for hovers: activations split, buffers, etc. Keys are stable, values bytes. */
  detail: Record<string, number>;
  /** Training FLOPs of one optimizer step (all GPUs), 6·N·tokens plus attention. */
  flops_per_step: number;
  /** Assumptions the estimator itself made (the resolver's are reported by the server). */
  notes: string[];
  host?: HostMemory;
  compute?: ComputeEstimate;
  /** How the job is laid out over its GPUs and the batch one optimizer step trains on. */
  parallel?: ParallelLayout;
  /** One training step replayed through the caching-allocator model (estimator/src/sim/timeline.ts). */
  timeline?: StepTimeline;
}

/** A point of the step timeline, at the end of a phase. */
export interface TimelinePoint {
  /** Phase that ends here: "forward:layer 3", "loss", "backward:layer 31", "optimizer"... */
  at: string;
  allocated_bytes: number;
  reserved_bytes: number;
  /** Live bytes by component (requested sizes, before the allocator's 512-byte rounding). */
  by_component: Record<MemoryComponent, number>;
}

/** One training step's memory over time on one GPU (torch.cuda.max_memory_allocated/reserved analogues). */
export interface StepTimeline {
  peak_allocated_bytes: number;
  peak_reserved_bytes: number;
  /** Phase at which allocated bytes peak, e.g. "backward:layer 31". */
  peak_at: string;
  /** Allocated bytes at the start of the step (what persists between steps). */
  start_allocated_bytes: number;
  /** Peak allocated bytes within the forward (loss included), the backward and the optimizer step. */
  phase_peaks: { forward: number; backward: number; optimizer: number };
  series: TimelinePoint[];
  /** Segments the allocator cudaMalloc'd. */
  segments: number;
  /** The allocator ran out of device memory, even after releasing its cache, in this phase. */
  oom_at?: string;
}

/** Parallel layout of a job (estimator/src/sharding/parallel.ts) as the estimate used it. */
export interface ParallelLayout {
  tensor: number;
  pipeline: number;
  /** Data-parallel size: GPUs / (tensor · pipeline). */
  data: number;
  expert: number;
  sequence_parallel: boolean;
  /** GPUs the model states are sharded over (ZeRO stage ≥ 1 or FSDP group); 1 when replicated. */
  shard_size: number;
  /** Pipeline stage reported (the fuller of first and last); 'only' without pipeline parallelism. */
  stage: 'only' | 'first' | 'last';
  layers_on_stage: number;
  /** Micro-batches whose activations the stage holds at its peak (1 without pipeline parallelism). */
  micro_batches_in_flight: number;
  /** Samples per optimizer step: micro_batch × gradient accumulation (pipeline micro-batches under PP) × data. */
  effective_batch: number;
}
