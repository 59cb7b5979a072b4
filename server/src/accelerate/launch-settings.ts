/**
 * What `accelerate launch` adds to a script's job: its config file (`--config_file`) and flags, read
 * as accelerate reads them (flags override the file; keys of accelerate/commands/config/config_args.py,
 * launch flags of accelerate/commands/launch.py; ../shared/reference/domain-rules.md §3.3-3.4):
 * processes per node, mixed precision, DeepSpeed (inline `deepspeed_config` or its
 * `deepspeed_config_file`), FSDP (`fsdp_config`), gradient accumulation under DeepSpeed.
 */
import type { FsdpConfig, LossScaleConfig, TrainingJob, ZeroConfig } from '../../../estimator/src/types';
import type { JobContext } from '../analysis/job/context';
import type { JobField, Range } from '../analysis/types';
import { lossScaleOf } from '../analysis/job/deepspeed';
import { deepSpeedOptimizer } from '../analysis/job/optimizer-names';
import { interpretDeepSpeedConfig, type JsonValue } from '../deepspeed/interpret';
import type { FoundLaunch } from '../launch/discover';
import { readYamlDocument, type YamlMap } from '../launch/yaml-lite';
import type { WorkspaceFiles } from '../workspace/files';

type Where = { file: string; range: Range };

/** One setting and where it is written (the config file's key, or the launch line for a flag). */
export interface Placed<T> { value: T; source?: Where; reason: string }

export interface AccelerateSettings {
  /** Processes per machine, and machines (num_processes counts all of them). */
  processes?: number;
  machines: number;
  distributed?: 'DEEPSPEED' | 'FSDP';
  half?: Placed<'bf16' | 'fp16'>;
  zero?: Placed<ZeroConfig>;
  fsdp?: Placed<FsdpConfig>;
  /** DeepSpeed's gradient accumulation: launch.py exports it as ACCELERATE_GRADIENT_ACCUMULATION_STEPS, which the Accelerator reads over its own argument. */
  gradAccum?: Placed<number>;
  /** fsdp_activation_checkpointing: accelerate wraps the transformer layers in activation checkpointing. */
  checkpointing?: Placed<boolean>;
  lossScale?: LossScaleConfig;
  /** The DeepSpeed file's optimizer.type. */
  optimizer?: Placed<string>;
}

export function accelerateSettings(launch: FoundLaunch, files: WorkspaceFiles | undefined, scriptFile: string, notes: string[]): AccelerateSettings {
  const flags = launch.command.launcherOptions;
  const fromFile = launch.origin?.file ?? scriptFile;
  let config: YamlMap = {};
  let keyAt: (path: string) => Range | undefined = () => undefined;
  let configUri: string | undefined;
  const file = flags.get('config_file');
  if (typeof file === 'string' && files) {
    const read = files.read(file, fromFile);
    if (read.ok) {
      const doc = readYamlDocument(read.text);
      const textLines = read.text.split(/\r?\n/);
      config = doc.root;
      configUri = read.uri;
      keyAt = (path) => {
        const line = doc.lines.get(path);
        const key = path.split('.').pop()!;
        const start = line === undefined ? -1 : textLines[line].indexOf(key);
        return line === undefined ? undefined : { start: { line, character: Math.max(0, start) }, end: { line, character: Math.max(0, start) + key.length } };
      };
    } else notes.push(`accelerate config ${read.reason}`);
  }
  const label = typeof file === 'string' ? file : launch.label;
  /** A key of the config file (dotted path), or the launch flag of the same name, which wins. */
  const pick = (flag: string, path: string): Placed<unknown> | undefined => {
    if (flags.has(flag)) return { value: flags.get(flag), ...(launch.origin ? { source: launch.origin } : {}), reason: `accelerate launch --${flag} (${launch.label})` };
    const value = path.split('.').reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as YamlMap)[key] : undefined), config);
    if (value === undefined) return undefined;
    const range = keyAt(path);
    return { value, ...(configUri && range ? { source: { file: configUri, range } } : {}), reason: `${path}: ${String(value)} (accelerate config ${label})` };
  };
  const num = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined);

  const processes = num(pick('num_processes', 'num_processes')?.value);
  const machines = Math.max(1, num(pick('num_machines', 'num_machines')?.value) ?? 1);
  const out: AccelerateSettings = { machines };
  if (processes && processes > 0) out.processes = Math.max(1, Math.floor(processes / machines));
  const type = pick('distributed_type', 'distributed_type')?.value;
  const dsBlock = typeof config.deepspeed_config === 'object' && config.deepspeed_config !== null;
  const fsdpBlock = typeof config.fsdp_config === 'object' && config.fsdp_config !== null;
  if (flags.has('use_deepspeed') || type === 'DEEPSPEED' || (type === undefined && dsBlock)) out.distributed = 'DEEPSPEED';
  else if (flags.has('use_fsdp') || type === 'FSDP' || (type === undefined && fsdpBlock)) out.distributed = 'FSDP';
  const mp = pick('mixed_precision', 'mixed_precision');
  if (mp && (mp.value === 'bf16' || mp.value === 'fp16')) out.half = { ...mp, value: mp.value };

  if (out.distributed === 'DEEPSPEED') deepspeed(out, pick, num, files, fromFile, notes);
  if (out.distributed === 'FSDP') {
    // fsdp_reshard_after_forward replaces fsdp_sharding_strategy: a bool for FSDP2, a strategy name for FSDP1.
    const reshard = pick('fsdp_reshard_after_forward', 'fsdp_config.fsdp_reshard_after_forward');
    const legacy = pick('fsdp_sharding_strategy', 'fsdp_config.fsdp_sharding_strategy');
    const strategy = reshard?.value === false || reshard?.value === 'false' ? 'SHARD_GRAD_OP' : reshard?.value === true || reshard?.value === 'true' ? 'FULL_SHARD' : strategyName(reshard?.value ?? legacy?.value);
    const offload = pick('fsdp_offload_params', 'fsdp_config.fsdp_offload_params');
    const at = reshard ?? legacy;
    out.fsdp = { value: { strategy, cpu_offload: offload?.value === true || offload?.value === 'true' }, ...(at?.source ? { source: at.source } : {}), reason: at ? at.reason : `accelerate FSDP (${label}): default FULL_SHARD` };
    const ckpt = pick('fsdp_activation_checkpointing', 'fsdp_config.fsdp_activation_checkpointing');
    if (ckpt) out.checkpointing = { ...ckpt, value: ckpt.value === true || ckpt.value === 'true' };
  }
  return out;
}

function strategyName(v: unknown): FsdpConfig['strategy'] {
  const raw = String(v ?? 'FULL_SHARD').toUpperCase();
  const byNumber: Record<string, FsdpConfig['strategy']> = { '1': 'FULL_SHARD', '2': 'SHARD_GRAD_OP', '3': 'NO_SHARD', '4': 'HYBRID_SHARD', '5': 'HYBRID_SHARD' };
  return byNumber[raw] ?? (['FULL_SHARD', 'SHARD_GRAD_OP', 'NO_SHARD', 'HYBRID_SHARD'].includes(raw) ? raw as FsdpConfig['strategy'] : 'FULL_SHARD');
}

/**
 * DeepSpeed under accelerate: a `deepspeed_config_file` decides everything it writes (accelerate then refuses
 * its own deepspeed keys); otherwise DeepSpeedPlugin's fields: zero_stage (default 2), offload devices (none),
 * gradient_accumulation_steps.
 */
function deepspeed(out: AccelerateSettings, pick: (flag: string, path: string) => Placed<unknown> | undefined, num: (v: unknown) => number | undefined, files: WorkspaceFiles | undefined, fromFile: string, notes: string[]): void {
  const dsFile = pick('deepspeed_config_file', 'deepspeed_config.deepspeed_config_file');
  if (typeof dsFile?.value === 'string') {
    const read = files?.read(dsFile.value, fromFile);
    if (!read?.ok) {
      notes.push(`DeepSpeed config ${read ? read.reason : `${dsFile.value} not read (no workspace access)`}`);
      return;
    }
    let parsed: JsonValue;
    try {
      parsed = JSON.parse(read.text) as JsonValue;
    } catch (err) {
      notes.push(`DeepSpeed config ${dsFile.value} is not valid JSON: ${(err as Error).message}`);
      return;
    }
    const s = interpretDeepSpeedConfig(parsed);
    const placed = <T>(value: T): Placed<T> => ({ value, ...(dsFile.source ? { source: dsFile.source } : {}), reason: `DeepSpeed config ${dsFile.value} (via accelerate)` });
    if (s.zero) out.zero = placed(s.zero);
    if (s.half) out.half = placed(s.half);
    if (typeof s.grad_accum === 'number') out.gradAccum = placed(s.grad_accum);
    if (s.optimizer) out.optimizer = placed(s.optimizer);
    const lossScale = lossScaleOf(parsed);
    if (lossScale) out.lossScale = lossScale;
    return;
  }
  const stage = pick('zero_stage', 'deepspeed_config.zero_stage');
  const optimizer = pick('offload_optimizer_device', 'deepspeed_config.offload_optimizer_device');
  const param = pick('offload_param_device', 'deepspeed_config.offload_param_device');
  const device = (v: unknown) => (v === 'cpu' || v === 'nvme' ? v : 'none');
  const n = num(stage?.value);
  const zero: ZeroConfig = { stage: n !== undefined && n >= 0 && n <= 3 ? n as ZeroConfig['stage'] : 2, offload_optimizer: device(optimizer?.value), offload_param: device(param?.value) };
  out.zero = { value: zero, ...(stage?.source ? { source: stage.source } : {}), reason: stage ? stage.reason : 'accelerate DeepSpeedPlugin default zero_stage 2' };
  const gas = pick('gradient_accumulation_steps', 'deepspeed_config.gradient_accumulation_steps');
  const steps = num(gas?.value);
  if (gas && steps && steps > 0) out.gradAccum = { ...gas, value: steps };
}

/**
 * The settings applied to the script's job. Under DeepSpeed and FSDP, accelerate hands the precision to the engine
 * (DeepSpeedPlugin.set_mixed_precision adds the enabled fp16/bf16 block; FullyShardedDataParallelPlugin.set_mixed_precision
 * builds a MixedPrecision policy): half parameters with an fp32 master copy. Elsewhere it autocasts.
 */
export function applyAccelerate(ctx: JobContext, job: TrainingJob, s: AccelerateSettings): void {
  const record = (field: JobField, p: Placed<unknown>, value: unknown = p.value) => {
    ctx.values[field] = { value, status: 'known', ...(p.source ? { source: p.source } : {}), reason: p.reason };
  };
  const script = ctx.values.precision;
  const scriptHalf = script?.status === 'known' && job.precision.endsWith('-mixed') ? job.precision.slice(0, 4) as 'bf16' | 'fp16' : undefined;
  if (s.distributed === 'DEEPSPEED' && (s.half || scriptHalf)) {
    const half = s.half?.value ?? scriptHalf!;
    job.precision = `${half}-mixed`;
    job.amp_style = 'master_weights';
    if (s.half) record('precision', s.half, job.precision);
    else script!.reason = `${script!.reason ?? ''} — under accelerate DeepSpeed: half weights with fp32 master weights`.trim();
  } else if (scriptHalf && s.distributed === 'FSDP') {
    job.amp_style = 'master_weights';
    script!.reason = `${script!.reason ?? ''} — under accelerate FSDP: a MixedPrecision policy over fp32 sharded parameters`.trim();
  } else if (s.half && script?.status !== 'known') {
    job.precision = `${s.half.value}-mixed`;
    job.amp_style = s.distributed ? 'master_weights' : 'autocast';
    record('precision', s.half, job.precision);
  }
  if (job.precision === 'fp16-mixed') job.grad_scaler = true;
  if (s.zero && !job.zero) {
    job.zero = s.zero.value;
    record('zero', s.zero);
  }
  if (s.fsdp && !job.fsdp) {
    job.fsdp = s.fsdp.value;
    record('fsdp', s.fsdp);
  }
  if (s.gradAccum) {
    job.grad_accum = s.gradAccum.value;
    record('grad_accum', s.gradAccum);
  }
  if (s.checkpointing?.value) {
    job.grad_checkpointing = true;
    record('grad_checkpointing', s.checkpointing);
  }
  if (s.lossScale && !job.loss_scale) job.loss_scale = s.lossScale;
  // a DeepSpeed optimizer block pairs with DummyOptim in the script (accelerate refuses both at once)
  if (s.optimizer && ctx.values.optimizer?.status !== 'known') {
    job.optimizer = deepSpeedOptimizer(s.optimizer.value);
    record('optimizer', s.optimizer, job.optimizer);
  }
}
