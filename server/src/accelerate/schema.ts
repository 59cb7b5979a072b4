/**
 * The keys of an accelerate config file (`accelerate config` writes it; `accelerate launch
 * --config_file` reads it): ClusterConfig in accelerate/commands/config/config_args.py (plus the
 * legacy `fp16`/`dynamo_backend` keys its process_config converts, and `parallelism_config` of
 * 1.15), DistributedType in accelerate/utils/dataclasses.py, and the deepspeed_config /
 * fsdp_config keys of the launcher (accelerate/commands/launch.py, examples/config_yaml_templates);
 * see ../shared/reference/domain-rules.md §3.3. Unknown top-level keys are a ValueError in
 * accelerate; the nested dicts are read key by key (unknown ones are ignored).
 */
import { specIn, type KeySpec, type Schema } from '../deepspeed/schema';

const bool = (doc: string, def: boolean, extra: Partial<KeySpec> = {}): KeySpec => ({ type: 'boolean', doc, default: def, ...extra });
const str = (doc: string, extra: Partial<KeySpec> = {}): KeySpec => ({ type: 'string', doc, ...extra });
const obj = (doc: string, keys?: Record<string, KeySpec>, extra: Partial<KeySpec> = {}): KeySpec => ({ type: 'object', doc, ...(keys ? { keys } : {}), ...extra });
const DEVICE = (what: string): KeySpec => str(`Where DeepSpeed offloads ${what} (ignored with deepspeed_config_file).`, { default: 'none', values: ['none', 'cpu', 'nvme'], memory: true });

/** accelerate/utils/dataclasses.py DistributedType. */
export const DISTRIBUTED_TYPES = ['NO', 'MULTI_CPU', 'MULTI_GPU', 'MULTI_NPU', 'MULTI_MLU', 'MULTI_SDAA', 'MULTI_MUSA', 'MULTI_XPU', 'DEEPSPEED', 'FSDP', 'XLA', 'MEGATRON_LM', 'MULTI_HPU', 'MULTI_NEURON'];

/** deepspeed_config keys that accelerate turns into DeepSpeed settings itself; with deepspeed_config_file they conflict. */
export const DEEPSPEED_INLINE_KEYS = ['zero_stage', 'offload_optimizer_device', 'offload_param_device', 'offload_optimizer_nvme_path', 'offload_param_nvme_path', 'gradient_accumulation_steps', 'gradient_clipping', 'zero3_init_flag', 'zero3_save_16bit_model'];

const DEEPSPEED_CONFIG: Record<string, KeySpec> = {
  deepspeed_config_file: str('Path of a DeepSpeed JSON config; then the other DeepSpeed keys here must not be set ("When using `deepspeed_config_file`, the following accelerate config variables will be ignored").', { memory: true }),
  zero_stage: { type: 'integer', doc: 'ZeRO stage: 0 off, 1 optimizer states, 2 also gradients, 3 also parameters, partitioned across GPUs.', default: 2, defaultText: '2 (when unspecified)', values: [0, 1, 2, 3], memory: true },
  offload_optimizer_device: DEVICE('optimizer states'),
  offload_param_device: DEVICE('parameters (stage 3 only)'),
  offload_optimizer_nvme_path: str('NVMe folder for optimizer offload.'),
  offload_param_nvme_path: str('NVMe folder for parameter offload.'),
  gradient_accumulation_steps: { type: 'integer', doc: 'Micro-batches accumulated per optimizer step.', default: 1, min: 1 },
  gradient_clipping: { type: 'number', doc: 'Gradient norm clipping.', default: 1.0, min: 0 },
  zero3_init_flag: bool('Build the model already partitioned (deepspeed.zero.Init) under stage 3.', false),
  zero3_save_16bit_model: bool('Gather and save 16-bit weights under stage 3.', false),
  deepspeed_multinode_launcher: str('Multi-node launcher.', { values: ['pdsh', 'standard', 'openmpi', 'mvapich', 'mpich', 'nossh', 'slurm'] }),
  deepspeed_hostfile: str('DeepSpeed hostfile.'),
  deepspeed_inclusion_filter: str('Hosts to include.'),
  deepspeed_exclusion_filter: str('Hosts to exclude.'),
  deepspeed_moe_layer_cls_names: str('MoE layer class names (stage 3 leaf modules).'),
};

const FSDP_CONFIG: Record<string, KeySpec> = {
  fsdp_version: { type: 'any', doc: 'FSDP 1 (FullyShardedDataParallel) or 2 (fully_shard).', default: 1 },
  fsdp_sharding_strategy: str('FSDP1 sharding: FULL_SHARD shards parameters, gradients and optimizer states; SHARD_GRAD_OP keeps parameters whole between forward and backward; NO_SHARD is DDP; HYBRID_SHARD shards within a node.', { values: ['FULL_SHARD', 'SHARD_GRAD_OP', 'NO_SHARD', 'HYBRID_SHARD', 'HYBRID_SHARD_ZERO2'], memory: true }),
  fsdp_reshard_after_forward: { type: 'any', doc: 'FSDP2 (and the replacement for fsdp_sharding_strategy): free gathered parameters after forward.', memory: true },
  fsdp_offload_params: bool('Offload parameters and gradients to CPU.', false, { memory: true }),
  fsdp_auto_wrap_policy: str('How modules are wrapped.', { values: ['TRANSFORMER_BASED_WRAP', 'SIZE_BASED_WRAP', 'NO_WRAP'] }),
  fsdp_transformer_layer_cls_to_wrap: str('Layer class names to wrap (TRANSFORMER_BASED_WRAP).'),
  fsdp_min_num_params: { type: 'integer', doc: 'Minimum parameters per wrapped module (SIZE_BASED_WRAP).', default: 1e8, min: 0 },
  fsdp_backward_prefetch: str('Backward prefetch.', { values: ['BACKWARD_PRE', 'BACKWARD_POST', 'NO_PREFETCH'] }),
  fsdp_forward_prefetch: bool('Forward prefetch.', false),
  fsdp_state_dict_type: str('Checkpoint format.', { values: ['FULL_STATE_DICT', 'LOCAL_STATE_DICT', 'SHARDED_STATE_DICT'] }),
  fsdp_sync_module_states: bool('Broadcast rank 0 weights at start.', true),
  fsdp_use_orig_params: bool('Keep original parameters (needed for torch.compile and some optimizers).', true),
  fsdp_cpu_ram_efficient_loading: bool('Load weights on rank 0 only.', true),
  fsdp_activation_checkpointing: bool('Activation checkpointing of wrapped layers.', false, { memory: true }),
};

export const ACCELERATE_TOP: Record<string, KeySpec> = {
  compute_environment: str('Where the job runs.', { default: 'LOCAL_MACHINE', values: ['LOCAL_MACHINE', 'AMAZON_SAGEMAKER'] }),
  distributed_type: str('How processes share the work (required).', { values: DISTRIBUTED_TYPES, memory: true }),
  mixed_precision: str('Mixed precision for the launched script.', { values: ['no', 'fp16', 'bf16', 'fp8'], memory: true }),
  use_cpu: bool('Run on CPU.', false),
  debug: bool('Debug checks for distributed operations.', false),
  num_processes: { type: 'integer', doc: 'Processes (GPUs) in total, across machines.', default: -1, min: -1, memory: true },
  machine_rank: { type: 'integer', doc: 'Rank of this machine.', default: 0, min: 0 },
  num_machines: { type: 'integer', doc: 'Machines.', default: 1, min: 1 },
  gpu_ids: { type: 'any', doc: 'GPUs to use on this machine ("all" or "0,1").' },
  main_process_ip: str('Address of the main machine.'),
  main_process_port: { type: 'integer', doc: 'Port of the main process.' },
  rdzv_backend: str('Rendezvous backend.', { default: 'static' }),
  same_network: bool('Machines share a network.', false),
  main_training_function: str('Function to launch (notebooks).', { default: 'main' }),
  enable_cpu_affinity: bool('Pin processes to CPU cores.', false),
  downcast_bf16: bool('TPU: downcast to bf16.', false),
  fp8_config: obj('FP8 training options.'),
  deepspeed_config: obj('DeepSpeed settings (distributed_type: DEEPSPEED).', DEEPSPEED_CONFIG, { memory: true }),
  fsdp_config: obj('FSDP settings (distributed_type: FSDP).', FSDP_CONFIG, { memory: true }),
  tp_config: obj('Tensor parallel settings.'),
  parallelism_config: obj('N-D parallelism settings (accelerate 1.15).'),
  megatron_lm_config: obj('Megatron-LM settings.'),
  ipex_config: obj('Intel extension settings.'),
  mpirun_config: obj('mpirun settings (MULTI_CPU).'),
  dynamo_config: obj('torch.compile (dynamo) settings.'),
  tpu_name: str('TPU name.'),
  tpu_zone: str('TPU zone.'),
  tpu_use_cluster: bool('TPU pod.', false),
  tpu_use_sudo: bool('sudo on TPU pods.', false),
  command_file: str('TPU pod command file.'),
  commands: { type: 'array', doc: 'TPU pod commands.' },
  tpu_vm: { type: 'array', doc: 'TPU VMs.' },
  tpu_env: { type: 'array', doc: 'TPU environment.' },
  fp16: bool('Legacy: converted to mixed_precision: fp16.', false, { deprecated: { replacement: 'mixed_precision', moved: true } }),
  dynamo_backend: str('Legacy: converted to dynamo_config.', { deprecated: { replacement: 'dynamo_config', moved: true } }),
};

export const ACCELERATE_SCHEMA: Schema = {
  specAt: (path) => specIn(ACCELERATE_TOP, 'accelerate configuration', path),
  source: (path) => (path[0] === 'deepspeed_config' || path[0] === 'fsdp_config'
    ? 'accelerate `commands/launch.py` and `utils/dataclasses.py` (DeepSpeedPlugin, FullyShardedDataParallelPlugin)'
    : 'accelerate `commands/config/config_args.py` (ClusterConfig)'),
};
