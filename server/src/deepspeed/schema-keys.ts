/**
 * DeepSpeed config keys, defaults and allowed values (DeepSpeed 0.19.6; sources per section, as
 * collected in ../shared/reference/domain-rules.md §1.2–§1.7). See schema.ts for the shape.
 */
import type { KeySpec } from './schema';

const bool = (doc: string, def: boolean, extra: Partial<KeySpec> = {}): KeySpec => ({ type: 'boolean', doc, default: def, ...extra });
const count = (doc: string, def: number | undefined, extra: Partial<KeySpec> = {}): KeySpec => ({ type: 'integer', doc, default: def, min: 0, ...extra });

/** offload_config.py: DeepSpeedZeroOffloadParamConfig / DeepSpeedZeroOffloadOptimizerConfig. */
const DEVICE: KeySpec = { type: 'string', doc: 'Where the offloaded tensors live.', default: 'none', values: ['none', 'cpu', 'nvme'], memory: true };

const OFFLOAD_PARAM: Record<string, KeySpec> = {
  device: DEVICE,
  nvme_path: { type: 'string', doc: 'Folder for NVMe offload (device "nvme").' },
  buffer_count: count('Buffers in the pool for parameter offload to NVMe.', 5),
  buffer_size: count('Size of each NVMe parameter buffer, in elements.', 1e8),
  max_in_cpu: count('Parameter elements kept in CPU memory when offloading to NVMe.', 1e9),
  pin_memory: bool('Offload to page-locked CPU memory: faster transfers, uses more host memory.', true),
};

const OFFLOAD_OPTIMIZER: Record<string, KeySpec> = {
  device: DEVICE,
  nvme_path: { type: 'string', doc: 'Folder for NVMe offload (device "nvme").' },
  buffer_count: count('Buffers in the pool for optimizer-state offload to NVMe.', 4),
  pin_memory: bool('Offload to page-locked CPU memory: faster transfers, uses more host memory.', true),
  pipeline_read: bool('Overlap reading optimizer states from NVMe with computation.', false),
  pipeline_write: bool('Overlap writing optimizer states to NVMe with computation.', false),
  fast_init: bool('Faster optimizer initialisation when offloading to NVMe.', false),
  ratio: { type: 'number', doc: 'Fraction of optimizer states offloaded; below 1.0 only with ZeRO stage 3 ("Partial offloading only supported for ZeRO Stage 3.").', default: 1.0, min: 0, max: 1, memory: true },
  super_offload: bool('SuperOffload (ZeRO stage 3 only).', false),
  cpuadam_cores_perc: { type: 'number', doc: 'Fraction of CPU cores used by CPU Adam.', default: 0.8, min: 0, max: 1 },
};

/** runtime/zero/config.py DeepSpeedZeroConfig (pydantic, extra="forbid"). */
const ZERO: Record<string, KeySpec> = {
  stage: { type: 'integer', doc: 'ZeRO stage: 0 off, 1 partitions optimizer states, 2 also gradients, 3 also parameters, across data-parallel GPUs.', default: 0, values: [0, 1, 2, 3], memory: true },
  contiguous_gradients: bool('Copy gradients to a contiguous buffer as they are produced (avoids fragmentation in backward).', true),
  reduce_scatter: bool('Average gradients with reduce-scatter instead of all-reduce (stage 1/2).', true),
  reduce_bucket_size: count('Elements reduced at a time; larger is faster, costs more memory.', 5e8, { hfAuto: true }),
  use_multi_rank_bucket_allreduce: bool('Combine reduce buckets of several ranks into one all-reduce.', true),
  allgather_partitions: bool('All-gather updated partitions at the end of each step (else a series of broadcasts).', true),
  allgather_bucket_size: count('Elements all-gathered at a time; larger is faster, costs more memory.', 5e8),
  overlap_comm: { type: 'boolean', doc: 'Overlap gradient reduction with backward computation (uses more memory for buffers).', defaultText: 'true for stage 3, false otherwise (validator overlap_comm_valid)' },
  load_from_fp32_weights: bool('Initialise fp32 master weights from the fp32 copies in the checkpoint.', true),
  elastic_checkpoint: bool('Checkpoints loadable at a different data-parallel size (deprecated for stage 3).', false),
  offload_param: { type: 'object', doc: 'Offload parameters to CPU or NVMe. Valid only with stage 3 (ignored silently with stage 1 and 2).', keys: OFFLOAD_PARAM, strict: 'all versions', memory: true },
  offload_optimizer: { type: 'object', doc: 'Offload optimizer states (and the optimizer step) to CPU or NVMe; stages 1, 2 and 3.', keys: OFFLOAD_OPTIMIZER, strict: 'all versions', memory: true },
  zenflow: { type: 'object', doc: 'ZenFlow: stall-free offloading of optimizer updates.' },
  sub_group_size: count('Parameter elements per optimizer sub-group in stage 3 (bounds the fp32 step buffer).', 1e9),
  stage3_prefetch_bucket_size: count('Parameter elements prefetched ahead of use in stage 3.', 5e7, { hfAuto: true, memory: true }),
  stage3_param_persistence_threshold: count('Parameters smaller than this many elements are not partitioned in stage 3.', 1e5, { hfAuto: true }),
  stage3_model_persistence_threshold: count('Upper bound on unpartitioned (persistent) parameter elements in stage 3.', Number.MAX_SAFE_INTEGER, { defaultText: 'sys.maxsize' }),
  stage3_max_live_parameters: count('Parameter elements kept on the GPU at once in stage 3, before release.', 1e9, { memory: true }),
  stage3_max_reuse_distance: count('Do not release a parameter that is reused within this many elements.', 1e9),
  stage3_gather_16bit_weights_on_model_save: bool('Gather the 16-bit weights onto one rank when the model is saved (stage 3).', false),
  stage3_module_granularity_threshold: count('Modules with fewer elements are fetched together in stage 3.', 0),
  stage3_use_all_reduce_for_fetch_params: bool('Fetch parameters with all-reduce instead of all-gather in stage 3.', false),
  stage3_allgather_sequential: bool('All-gather parameters one after another in stage 3.', false),
  ignore_unused_parameters: bool('Do not fail on parameters that receive no gradient.', true),
  legacy_stage1: bool('Removed; true raises "The deprecated version of ZeRO Stage 1 is not supported in deepspeed >= 0.5.9".', false, { values: [false] }),
  round_robin_gradients: bool('Round-robin gradient partitioning across ranks (stage 1/2 with CPU offload).', false),
  zero_hpz_partition_size: count('ZeRO++ hierarchical partition size (secondary partition within a node).', 1),
  zero_quantized_weights: bool('ZeRO++ quantized weight communication.', false),
  zero_quantized_nontrainable_weights: bool('ZeRO++ quantize non-trainable weights.', false),
  zero_quantized_gradients: bool('ZeRO++ quantized gradient communication.', false),
  zeropp_loco_param: { type: 'object', doc: 'ZeRO++ LoCo error-feedback settings.' },
  mics_shard_size: { type: 'integer', doc: 'MiCS shard group size (-1: off).', default: -1 },
  mics_hierarchical_params_gather: bool('MiCS hierarchical parameter gather.', false),
  memory_efficient_linear: bool('Memory-efficient linear layer in stage 3.', true),
  pipeline_loading_checkpoint: bool('Pipeline checkpoint loading for stage 3 inference.', false),
  override_module_apply: bool('Override nn.Module.apply to gather parameters in stage 3.', true),
  log_trace_cache_warnings: bool('Log stage-3 trace cache warnings.', false),
  enable_sanity_checks: bool('Extra stage-3 sanity checks.', false),
  save_muon_momentum_buffer_in_memory: bool('Keep the Muon momentum buffer in memory.', false),
  leaf_module: { type: 'object', doc: 'Modules treated as leaves by stage 3 (classes, names, name_suffixes).' },
  // Deprecated (zero/config.py json_schema_extra deprecated/new_param).
  cpu_offload: { type: 'boolean', doc: 'Deprecated: use offload_optimizer {"device": "cpu"}.', deprecated: { replacement: 'offload_optimizer', moved: true }, memory: true },
  cpu_offload_param: { type: 'boolean', doc: 'Deprecated: use offload_param {"device": "cpu"}.', deprecated: { replacement: 'offload_param', moved: true }, memory: true },
  cpu_offload_use_pin_memory: { type: 'boolean', doc: 'Deprecated: use pin_memory inside offload_param / offload_optimizer.', deprecated: { replacement: 'pin_memory', moved: false, note: 'not moved by DeepSpeed: set pin_memory in offload_optimizer / offload_param' } },
  stage3_gather_fp16_weights_on_model_save: { type: 'boolean', doc: 'Deprecated: use stage3_gather_16bit_weights_on_model_save.', deprecated: { replacement: 'stage3_gather_16bit_weights_on_model_save', moved: true } },
};
// Fields DeepSpeed also accepts without the stage3_ prefix (populate_by_name=True).
for (const key of Object.keys(ZERO)) {
  if (key.startsWith('stage3_') && !ZERO[key].deprecated) ZERO[key.slice('stage3_'.length)] = { ...ZERO[key], aliasOf: key };
}

/** runtime/precision_config.py DeepSpeedFP16Config (pydantic, extra="forbid" since 0.17.1). */
const FP16: Record<string, KeySpec> = {
  enabled: bool('fp16 mixed precision: fp16 weights and activations, fp32 master weights in the optimizer, dynamic loss scaling.', false, { hfAuto: true, memory: true }),
  auto_cast: bool('Cast the model inputs to fp16.', false),
  loss_scale: { type: 'number', doc: 'Static loss scale; 0 enables dynamic loss scaling.', default: 0, min: 0 },
  initial_scale_power: { type: 'integer', doc: 'Dynamic loss scaling starts at 2^initial_scale_power.', default: 16, min: 0 },
  loss_scale_window: { type: 'integer', doc: 'Steps without overflow before the dynamic loss scale is raised.', default: 1000, min: 1 },
  hysteresis: { type: 'integer', doc: 'Overflows tolerated before the loss scale is lowered.', default: 2, min: 0 },
  consecutive_hysteresis: bool('Refill hysteresis after a step without overflow.', false),
  min_loss_scale: { type: 'integer', doc: 'Lower bound of the dynamic loss scale.', default: 1, min: 1 },
  fp16_master_weights_and_grads: bool('Keep master weights and gradients in fp16 (ZeRO stage 1, 2 or 3 only).', false),
};

/** runtime/precision_config.py DeepSpeedBF16Config: no loss-scale keys (bf16 needs no loss scaling). */
const BF16: Record<string, KeySpec> = {
  enabled: bool('bf16 mixed precision: bf16 weights and activations, fp32 master weights in the optimizer. Needs an Ampere or newer GPU.', false, { hfAuto: true, memory: true }),
  immediate_grad_update: bool('Apply gradient updates immediately in the bf16 optimizer.', false),
  check_grad_overflow: bool('Check bf16 gradients for overflow.', true),
  bf16_master_weights_and_grads: bool('Keep master weights and gradients in bf16 (ZeRO 1/2/3; since 0.18.3).', false, { memory: true }),
  bf16_optimizer_states: bool('Keep optimizer states in bf16 (needs bf16_master_weights_and_grads).', false, { memory: true }),
};

const OPTIMIZER: Record<string, KeySpec> = {
  type: { type: 'string', doc: 'DeepSpeed optimizer name (case-insensitive) or a torch.optim class name. With offload_optimizer, Adam/AdamW/Adagrad/Lion run as DeepSpeed CPU implementations.', suggestions: ['Adam', 'AdamW', 'Adagrad', 'Lamb', 'OneBitAdam', 'ZeroOneAdam', 'OneBitLamb', 'MuAdam', 'MuAdamW', 'MuSGD', 'Lion', 'Muon'], memory: true },
  params: { type: 'object', doc: 'Constructor arguments of the optimizer (lr, betas, eps, weight_decay, ...). Hugging Face fills "auto" from TrainingArguments.' },
};

const SCHEDULER: Record<string, KeySpec> = {
  type: { type: 'string', doc: 'DeepSpeed LR scheduler, or a torch.optim.lr_scheduler class name.', suggestions: ['LRRangeTest', 'OneCycle', 'WarmupLR', 'WarmupDecayLR', 'WarmupCosineLR'] },
  params: { type: 'object', doc: 'Scheduler arguments (warmup_min_lr, warmup_max_lr, warmup_num_steps, total_num_steps, ...). Hugging Face fills "auto".' },
};

/** runtime/activation_checkpointing/config.py (plain dict read). */
const ACTIVATION_CHECKPOINTING: Record<string, KeySpec> = {
  partition_activations: bool('Partition checkpointed activations across model-parallel GPUs (Megatron-style deepspeed.checkpointing).', false),
  number_checkpoints: { type: 'integer', doc: 'Checkpoints kept (deepspeed.checkpointing).' },
  contiguous_memory_optimization: bool('Copy checkpoints to a contiguous buffer.', false),
  cpu_checkpointing: bool('Offload checkpointed activations to CPU (needs partition_activations).', false),
  profile: bool('Profile checkpointing.', false),
  synchronize_checkpoint_boundary: bool('Synchronise at checkpoint boundaries.', false),
};

/** Top-level keys: runtime/constants.py and runtime/config.py (plain dict.get: unknown keys are ignored). */
export const TOP_LEVEL: Record<string, KeySpec> = {
  train_batch_size: { type: 'integer', doc: 'Samples per optimizer step over all GPUs: must equal train_micro_batch_size_per_gpu × gradient_accumulation_steps × data-parallel GPUs.', min: 1, hfAuto: true },
  train_micro_batch_size_per_gpu: { type: 'integer', doc: 'Samples per GPU per forward/backward pass.', min: 1, hfAuto: true, memory: true },
  gradient_accumulation_steps: { type: 'integer', doc: 'Micro-batches accumulated before each optimizer step.', min: 1, hfAuto: true },
  gradient_clipping: { type: 'number', doc: 'Clip gradients to this global norm (0 disables).', default: 1.0, defaultText: '1.0 since DeepSpeed 0.19.3 (0.0 before)', min: 0, hfAuto: true },
  steps_per_print: { type: 'integer', doc: 'Print training progress every N steps.', min: 1 },
  wall_clock_breakdown: bool('Time forward, backward and step.', false),
  memory_breakdown: bool('Print memory use during training.', false),
  dump_state: bool('Print the DeepSpeed state after initialisation.', false),
  prescale_gradients: bool('Scale gradients before all-reduce.', false),
  gradient_predivide_factor: { type: 'number', doc: 'Divide gradients by this before all-reduce.', default: 1.0 },
  gradient_allreduce_op: { type: 'string', doc: 'How gradients are combined across GPUs ("sum" is invalid with ZeRO-3).', default: 'mean', values: ['mean', 'sum'] },
  sparse_gradients: bool('Sparse gradients for embeddings.', false),
  disable_allgather: bool('Disable all-gather.', false),
  zero_allow_untested_optimizer: bool('Allow an optimizer ZeRO was not tested with (bitsandbytes 8-bit optimizers need it; HF Trainer sets it when there is no "optimizer" block).', false),
  zero_force_ds_cpu_optimizer: bool('With ZeRO-Offload, require (accelerate: substitute) DeepSpeed CPU Adam for the client optimizer.', true),
  communication_data_type: { type: 'string', doc: 'Data type of gradient communication.', values: ['fp16', 'bf16', 'fp32'] },
  dataloader_drop_last: bool('Drop the last incomplete batch.', false),
  vocabulary_size: { type: 'integer', doc: 'Vocabulary size (a warning if not a multiple of 8).' },
  log_level: { type: 'string', doc: 'DeepSpeed log level.' },
  graph_harvesting: bool('CUDA graph harvesting.', false),
  use_data_before_expert_parallelism: bool('Data before expert parallelism.', false),
  managed_gradient_accumulation: bool('Let DeepSpeed manage gradient accumulation (0.19.x).', true),
  sequence_parallel_size: { type: 'integer', doc: 'Ulysses sequence-parallel size: the data-parallel size is GPUs / sequence_parallel_size.', min: 1 },
  zero_optimization: { type: 'object', doc: 'ZeRO: partitions optimizer states (stage 1), gradients (2) and parameters (3) across data-parallel GPUs, optionally offloading to CPU/NVMe.', keys: ZERO, strict: 'all versions', memory: true },
  fp16: { type: 'object', doc: 'fp16 mixed precision with loss scaling.', keys: FP16, strict: '0.17.1', memory: true },
  bf16: { type: 'object', doc: 'bf16 mixed precision (no loss scaling).', keys: BF16, strict: '0.17.1', memory: true },
  bfloat16: { type: 'object', doc: 'Old name of "bf16", still read.', keys: BF16, strict: '0.17.1', deprecated: { replacement: 'bf16', moved: true }, memory: true },
  optimizer: { type: 'object', doc: 'Optimizer DeepSpeed builds. Without it, HF Trainer builds its own (and sets zero_allow_untested_optimizer).', keys: OPTIMIZER, memory: true },
  scheduler: { type: 'object', doc: 'Learning-rate scheduler DeepSpeed builds.', keys: SCHEDULER },
  activation_checkpointing: { type: 'object', doc: 'Configures deepspeed.checkpointing (Megatron-style code); does not turn on HF gradient_checkpointing.', keys: ACTIVATION_CHECKPOINTING },
  amp: { type: 'object', doc: 'NVIDIA Apex AMP (incompatible with ZeRO and with fp16/bf16 blocks).' },
  torch_autocast: { type: 'object', doc: 'torch.autocast inside DeepSpeed: enabled, dtype, lower_precision_safe_modules.' },
  data_types: { type: 'object', doc: 'grad_accum_dtype, param_dtype, buffer_dtype.' },
  checkpoint: { type: 'object', doc: 'Checkpoint options: tag_validation (Ignore|Warn|Fail), load_universal, use_node_local_storage.' },
  pipeline: { type: 'object', doc: 'Pipeline parallelism options.' },
  elasticity: { type: 'object', doc: 'Elastic training: overrides the batch keys.' },
  flops_profiler: { type: 'object', doc: 'FLOPs profiler.' },
  autotuning: { type: 'object', doc: 'DeepSpeed autotuner.' },
  comms_logger: { type: 'object', doc: 'Communication logging.' },
  tensorboard: { type: 'object', doc: 'TensorBoard monitor.' },
  wandb: { type: 'object', doc: 'Weights & Biases monitor.' },
  csv_monitor: { type: 'object', doc: 'CSV monitor.' },
  comet: { type: 'object', doc: 'Comet monitor.' },
  aio: { type: 'object', doc: 'Async I/O for NVMe offload.' },
  compile: { type: 'object', doc: 'torch.compile options.' },
  tensor_parallel: { type: 'object', doc: 'AutoTP tensor parallelism.' },
  hybrid_engine: { type: 'object', doc: 'Hybrid engine (RLHF).' },
  nebula: { type: 'object', doc: 'Nebula checkpointing.' },
  compression_training: { type: 'object', doc: 'Compression training.' },
  data_efficiency: { type: 'object', doc: 'Data efficiency.' },
  curriculum_learning: { type: 'object', doc: 'Curriculum learning.' },
  sparse_attention: { type: 'object', doc: 'Sparse attention.' },
  progressive_layer_drop: { type: 'object', doc: 'Progressive layer drop.' },
  weight_quantization: { type: 'object', doc: 'Weight quantization.' },
  expert_parallel: { type: 'object', doc: 'Expert parallelism.' },
  timers: { type: 'object', doc: 'Timers.' },
};
