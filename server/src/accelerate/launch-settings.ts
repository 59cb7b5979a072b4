/**
 * What `accelerate launch` adds to a script's job: its config file (`--config_file`) and flags, read
 * as accelerate reads them (flags override the file; keys of accelerate/commands/config/config_args.py,
 * launch flags of accelerate/commands/launch.py; ../shared/reference/domain-rules.md §3.3-3.4):
 * processes per node, mixed precision, DeepSpeed (inline `deepspeed_config` or its
 * `deepspeed_config_file`), FSDP (`fsdp_config`), gradient accumulation under DeepSpeed. The one
 * reading of those keys: for a script (the saved config file) and for an accelerate config open in
 * the editor (its unsaved text applied over the script's job, withOpenConfig).
 */
import type { FsdpConfig, LossScaleConfig, TrainingJob, ZeroConfig } from '../../../estimator/src/types';
import type { JobField, Range, ValueInfo } from '../analysis/types';
import { lossScaleOf, stripJsonComments } from '../analysis/job/deepspeed';
import { deepSpeedOptimizer } from '../analysis/job/optimizer-names';
import { interpretDeepSpeedConfig, type JsonValue } from '../deepspeed/interpret';
import type { LaunchCommand } from '../launch/command';
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

/** An accelerate config file's keys, with where each is written. */
export interface AccelerateConfig { root: YamlMap; uri?: string; label: string; keyAt: (path: string) => Range | undefined }

/** The launch an accelerate config is used by: its flags (which win over the file) and where it is written. */
export type AccelerateLaunch = Pick<FoundLaunch, 'command' | 'label' | 'origin'>;

export function readAccelerateConfig(text: string, uri: string | undefined, label: string): AccelerateConfig {
  const doc = readYamlDocument(text);
  const textLines = text.split(/\r?\n/);
  const keyAt = (path: string): Range | undefined => {
    const line = doc.lines.get(path);
    if (line === undefined) return undefined;
    const key = path.split('.').pop()!;
    const start = Math.max(0, textLines[line].indexOf(key));
    return { start: { line, character: start }, end: { line, character: start + key.length } };
  };
  return { root: doc.root, uri, label, keyAt };
}

/** The settings of the config file `accelerate launch --config_file` names (read from disk), and the launch flags. */
export function accelerateSettings(launch: FoundLaunch, files: WorkspaceFiles | undefined, scriptFile: string, notes: string[]): AccelerateSettings {
  const fromFile = launch.origin?.file ?? scriptFile;
  const file = launch.command.launcherOptions.get('config_file');
  let config: AccelerateConfig = { root: {}, label: typeof file === 'string' ? file : launch.label, keyAt: () => undefined };
  if (typeof file === 'string' && files) {
    const read = files.read(file, fromFile);
    if (read.ok) config = readAccelerateConfig(read.text, read.uri, file);
    else notes.push(`accelerate config ${read.reason}`);
  }
  return settingsOf(config, launch, files, fromFile, notes);
}

/** What a config (the saved file, or an open document) and the launch flags set, as accelerate reads them. */
export function settingsOf(cfg: AccelerateConfig, launch: AccelerateLaunch, files: WorkspaceFiles | undefined, fromFile: string, notes: string[]): AccelerateSettings {
  const flags = launch.command.launcherOptions;
  const config = cfg.root;
  const label = cfg.label;
  /** A key of the config file (dotted path), or the launch flag of the same name, which wins. */
  const pick = (flag: string, path: string): Placed<unknown> | undefined => {
    if (flags.has(flag)) return { value: flags.get(flag), ...(launch.origin ? { source: launch.origin } : {}), reason: `accelerate launch --${flag} (${launch.label})` };
    const value = path.split('.').reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as YamlMap)[key] : undefined), config);
    if (value === undefined) return undefined;
    const range = cfg.keyAt(path);
    return { value, ...(cfg.uri && range ? { source: { file: cfg.uri, range } } : {}), reason: `${path}: ${String(value)} (accelerate config ${label})` };
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

/** An FSDP1 sharding strategy as accelerate writes it, by name or by its number (accelerate utils/constants.py FSDP_SHARDING_STRATEGY, 1-based). */
export function strategyName(v: unknown): FsdpConfig['strategy'] {
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
      parsed = JSON.parse(stripJsonComments(read.text)) as JsonValue;
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

/** GPUs of the launch: processes per node (the launch line's, else the config's num_processes) × machines. */
export function launchGpus(command: LaunchCommand, s: AccelerateSettings | undefined): number | undefined {
  const perNode = command.gpusPerNode ?? s?.processes;
  return perNode ? perNode * (s?.machines ?? command.nodes ?? 1) : undefined;
}

type Values = Partial<Record<JobField, ValueInfo>>;

/**
 * The settings applied to the script's job. Under DeepSpeed and FSDP, accelerate hands the precision to the engine
 * (DeepSpeedPlugin.set_mixed_precision adds the enabled fp16/bf16 block; FullyShardedDataParallelPlugin.set_mixed_precision
 * builds a MixedPrecision policy): half parameters with an fp32 master copy. Elsewhere it autocasts.
 * `own(field)`: the script itself sets the field (a known value), which accelerate's config does not override.
 */
export function applyAccelerate(values: Values, job: Omit<TrainingJob, 'model'>, s: AccelerateSettings, own: (field: JobField) => boolean = (f) => values[f]?.status === 'known'): void {
  const record = (field: JobField, p: Placed<unknown>, value: unknown = p.value) => {
    values[field] = { value, status: 'known', ...(p.source ? { source: p.source } : {}), reason: p.reason };
  };
  /** The script's own precision, with why accelerate's engine changes how it is kept (a new ValueInfo: the old one may be shared). */
  const explain = (why: string) => {
    const script = values.precision!;
    if (!script.reason?.includes(why)) values.precision = { ...script, reason: script.reason ? `${script.reason} — ${why}` : why };
  };
  const scriptHalf = own('precision') && job.precision.endsWith('-mixed') ? job.precision.slice(0, 4) as 'bf16' | 'fp16' : undefined;
  if (s.distributed === 'DEEPSPEED' && (s.half || scriptHalf)) {
    const half = s.half?.value ?? scriptHalf!;
    job.precision = `${half}-mixed`;
    job.amp_style = 'master_weights';
    if (s.half) record('precision', s.half, job.precision);
    else explain('under accelerate DeepSpeed: half weights with fp32 master weights');
  } else if (scriptHalf && s.distributed === 'FSDP') {
    job.amp_style = 'master_weights';
    explain('under accelerate FSDP: a MixedPrecision policy over fp32 sharded parameters');
  } else if (s.half && !own('precision')) {
    job.precision = `${s.half.value}-mixed`;
    job.amp_style = s.distributed ? 'master_weights' : 'autocast';
    record('precision', s.half, job.precision);
  }
  if (job.precision === 'fp16-mixed') job.grad_scaler = true;
  if (s.zero && !own('zero')) {
    job.zero = s.zero.value;
    record('zero', s.zero);
  }
  if (s.lossScale && !job.loss_scale) job.loss_scale = s.lossScale;
  if (s.fsdp && !own('fsdp')) {
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
  // a DeepSpeed optimizer block pairs with DummyOptim in the script (accelerate refuses both at once)
  if (s.optimizer && !own('optimizer')) {
    job.optimizer = deepSpeedOptimizer(s.optimizer.value);
    record('optimizer', s.optimizer, job.optimizer);
  }
}

/**
 * A script's job (analysed with the saved copy of its accelerate config) as launched with an open copy of that
 * config: what the saved copy set gives way to the open document's settings; what the script sets itself stays.
 */
export function withOpenConfig(analysis: { job: TrainingJob; values: Values; file: string }, configUri: string, s: AccelerateSettings, gpus: number | undefined): { job: TrainingJob; values: Values } {
  const job = structuredClone(analysis.job);
  const values: Values = { ...analysis.values };
  const own = (f: JobField) => values[f]?.status === 'known' && values[f]?.source?.file === analysis.file;
  if (!s.half && values.precision?.source?.file === configUri) {
    // the saved copy's mixed_precision is gone (or "no"): accelerate runs the script in fp32
    job.precision = 'fp32';
    values.precision = { value: 'fp32', status: 'assumed', reason: 'the accelerate config sets no fp16/bf16 mixed_precision' };
  }
  for (const field of ['zero', 'fsdp'] as const) {
    if (own(field)) continue;
    delete job[field];
    delete values[field];
  }
  if (!own('zero')) delete job.loss_scale;
  if (gpus) job.gpus = gpus;
  applyAccelerate(values, job, s, own);
  return { job, values };
}
