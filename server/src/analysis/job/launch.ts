/**
 * What the launch command adds to the job: the GPU count (processes × nodes) and, for
 * `accelerate launch`, the settings of its config file and flags (accelerate
 * commands/config/config_args.py keys: num_processes, num_machines, mixed_precision,
 * distributed_type, deepspeed_config.{zero_stage, offload_optimizer_device, offload_param_device,
 * deepspeed_config_file}, fsdp_config.{fsdp_sharding_strategy, fsdp_offload_params}).
 */
import type { FsdpConfig, TrainingJob, ZeroConfig } from '../../../../estimator/src/types';
import type { FoundLaunch } from '../../launch/discover';
import { readYamlMap, type YamlMap } from '../../launch/yaml-lite';
import type { JobContext } from './context';

export function applyLaunch(ctx: JobContext, job: TrainingJob, launch: FoundLaunch, gpusExplicit: boolean): string[] {
  const notes: string[] = [];
  const { command } = launch;
  const accelerate = command.launcher === 'accelerate' ? acceleratorSettings(ctx, launch, notes) : undefined;
  const perNode = command.gpusPerNode ?? accelerate?.processes;
  if (perNode && !gpusExplicit) {
    job.gpus = perNode * (command.nodes ?? 1);
    ctx.values.gpus = { value: job.gpus, status: 'known', ...(launch.origin ? { source: launch.origin } : {}), reason: `${command.launcher} in ${launch.label}` };
  }
  if (accelerate?.precision && ctx.values.precision?.status !== 'known') {
    job.precision = accelerate.precision;
    job.amp_style = 'autocast';
    ctx.values.precision = { value: job.precision, status: 'known', ...(launch.origin ? { source: launch.origin } : {}), reason: `accelerate mixed_precision (${launch.label})` };
  }
  if (accelerate?.zero && !job.zero) {
    job.zero = accelerate.zero;
    ctx.values.zero = { value: job.zero, status: 'known', reason: `accelerate deepspeed_config (${launch.label})` };
  }
  if (accelerate?.fsdp && !job.fsdp) {
    job.fsdp = accelerate.fsdp;
    ctx.values.fsdp = { value: job.fsdp, status: 'known', reason: `accelerate fsdp_config (${launch.label})` };
  }
  if (launch.alternatives.length) notes.push(`launched by ${launch.label}; also by ${launch.alternatives.join(', ')} (pick one with a "# trainlens: launcher=<file>" comment)`);
  return notes;
}

interface AccelerateSettings { processes?: number; precision?: 'fp16-mixed' | 'bf16-mixed'; zero?: ZeroConfig; fsdp?: FsdpConfig }

function acceleratorSettings(ctx: JobContext, launch: FoundLaunch, notes: string[]): AccelerateSettings {
  const flags = launch.command.launcherOptions;
  let config: YamlMap = {};
  const file = flags.get('config_file');
  if (typeof file === 'string' && ctx.files) {
    const read = ctx.files.read(file, launch.origin?.file ?? ctx.file);
    if (read.ok) config = readYamlMap(read.text);
    else notes.push(`accelerate config ${read.reason}`);
  }
  const get = (key: string) => (flags.has(key) ? flags.get(key) : config[key]);
  const num = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined);
  const processes = num(get('num_processes'));
  const machines = num(get('num_machines')) ?? 1;
  const mp = get('mixed_precision');
  const out: AccelerateSettings = {
    processes: processes ? Math.max(1, Math.floor(processes / machines)) : undefined,
    precision: mp === 'bf16' ? 'bf16-mixed' : mp === 'fp16' ? 'fp16-mixed' : undefined,
  };
  const ds = typeof config.deepspeed_config === 'object' && config.deepspeed_config ? config.deepspeed_config as YamlMap : undefined;
  const stage = num(flags.get('zero_stage') ?? ds?.zero_stage);
  if (stage !== undefined && stage >= 0 && stage <= 3) {
    const device = (v: unknown) => (v === 'cpu' || v === 'nvme' ? v : 'none');
    out.zero = { stage: stage as ZeroConfig['stage'], offload_optimizer: device(flags.get('offload_optimizer_device') ?? ds?.offload_optimizer_device), offload_param: device(flags.get('offload_param_device') ?? ds?.offload_param_device) };
  }
  const fsdp = typeof config.fsdp_config === 'object' && config.fsdp_config ? config.fsdp_config as YamlMap : undefined;
  if (fsdp || config.distributed_type === 'FSDP' || flags.has('use_fsdp')) {
    const raw = String(fsdp?.fsdp_sharding_strategy ?? 'FULL_SHARD').toUpperCase();
    const byNumber: Record<string, FsdpConfig['strategy']> = { '1': 'FULL_SHARD', '2': 'SHARD_GRAD_OP', '3': 'NO_SHARD', '4': 'HYBRID_SHARD' };
    const strategy = byNumber[raw] ?? (['FULL_SHARD', 'SHARD_GRAD_OP', 'NO_SHARD', 'HYBRID_SHARD'].includes(raw) ? raw as FsdpConfig['strategy'] : 'FULL_SHARD');
    out.fsdp = { strategy, cpu_offload: fsdp?.fsdp_offload_params === true };
  }
  return out;
}
