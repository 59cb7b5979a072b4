/**
 * What a DeepSpeed config means for the memory estimate, read from plain JSON values (a parsed
 * ds_config.json or a Python dict literal). Pure: no ranges, no file system. What it cannot
 * interpret is said in `problems`, never guessed. Defaults are DeepSpeed's own:
 * deepspeed/runtime/zero/config.py (DeepSpeedZeroConfig), zero/offload_config.py,
 * runtime/precision_config.py and runtime/config.py (DeepSpeed 0.19.6; see
 * ../shared/reference/domain-rules.md §1).
 */
import type { ZeroConfig } from '../../../estimator/src/types';
import type { JsonValue } from './json-tree';

export type { JsonValue } from './json-tree';

export interface DeepSpeedSettings {
  /** Present when the config has `zero_optimization`; DeepSpeed's defaults filled in. */
  zero?: ZeroConfig;
  /** The enabled precision block (undefined: neither, both, or "auto"). */
  half?: 'fp16' | 'bf16';
  /** `enabled: "auto"` in fp16 or bf16: the precision comes from TrainingArguments (HF fills it). */
  half_auto?: boolean;
  micro_batch?: number | 'auto';
  grad_accum?: number | 'auto';
  train_batch_size?: number | 'auto';
  /** optimizer.type as written. */
  optimizer?: string;
  gradient_clipping?: number | 'auto';
  problems: string[];
}

/** DeepSpeedZeroConfig defaults (element counts), deepspeed/runtime/zero/config.py. */
export const ZERO_DEFAULTS = {
  reduce_bucket_size: 5e8,
  allgather_bucket_size: 5e8,
  stage3_prefetch_bucket_size: 5e7,
  stage3_max_live_parameters: 1e9,
  stage3_param_persistence_threshold: 1e5,
} as const;

/** The stage-3 keys that DeepSpeed also accepts without their `stage3_` prefix (populate_by_name). */
const STAGE3_ALIASES = ['stage3_prefetch_bucket_size', 'stage3_max_live_parameters', 'stage3_param_persistence_threshold'] as const;

type Obj = { [k: string]: JsonValue };

export function interpretDeepSpeedConfig(config: JsonValue): DeepSpeedSettings {
  const problems: string[] = [];
  if (!isObject(config)) return { problems: [`a DeepSpeed config is a JSON object, not ${describe(config)}`] };
  const settings: DeepSpeedSettings = { problems };
  setIfDefined(settings, 'micro_batch', batchValue(config, 'train_micro_batch_size_per_gpu', problems));
  setIfDefined(settings, 'grad_accum', batchValue(config, 'gradient_accumulation_steps', problems));
  setIfDefined(settings, 'train_batch_size', batchValue(config, 'train_batch_size', problems));
  setIfDefined(settings, 'gradient_clipping', clipping(config.gradient_clipping, problems));
  Object.assign(settings, precision(config, problems));
  const optimizer = config.optimizer;
  if (isObject(optimizer) && typeof optimizer.type === 'string') settings.optimizer = optimizer.type;
  else if (optimizer !== undefined) problems.push('optimizer: expected an object with a "type" string');
  if ('zero_optimization' in config) setIfDefined(settings, 'zero', zero(config.zero_optimization, problems));
  return settings;
}

function batchValue(config: Obj, key: string, problems: string[]): number | 'auto' | undefined {
  const v = config[key];
  if (v === undefined || v === null) return undefined;
  if (v === 'auto') return 'auto';
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
  problems.push(`${key}: expected a positive integer or "auto", got ${describe(v)}`);
  return undefined;
}

function clipping(v: JsonValue | undefined, problems: string[]): number | 'auto' | undefined {
  if (v === undefined || v === null) return undefined;
  if (v === 'auto') return 'auto';
  if (typeof v === 'number' && v >= 0) return v;
  problems.push(`gradient_clipping: expected a number >= 0 or "auto", got ${describe(v)}`);
  return undefined;
}

/** fp16 / bf16 (old name "bfloat16", still read by runtime/config.py). Both enabled is DeepSpeed's AssertionError. */
function precision(config: Obj, problems: string[]): Pick<DeepSpeedSettings, 'half' | 'half_auto'> {
  const fp16 = enabled(config.fp16, 'fp16', problems);
  const bf16 = enabled(config.bf16 ?? config.bfloat16, 'bf16', problems);
  const out: Pick<DeepSpeedSettings, 'half' | 'half_auto'> = {};
  if (fp16 === 'auto' || bf16 === 'auto') out.half_auto = true;
  if (fp16 === true && bf16 === true) problems.push('fp16 and bf16 are both enabled (DeepSpeed: "bfloat16 and fp16 modes cannot be simultaneously enabled")');
  else if (fp16 === true) out.half = 'fp16';
  else if (bf16 === true) out.half = 'bf16';
  return out;
}

function enabled(block: JsonValue | undefined, name: string, problems: string[]): boolean | 'auto' | undefined {
  if (block === undefined || block === null) return undefined;
  if (!isObject(block)) {
    problems.push(`${name}: expected an object like {"enabled": true}, got ${describe(block)}`);
    return undefined;
  }
  const v = block.enabled;
  if (v === undefined) return false; // DeepSpeedFP16Config / DeepSpeedBF16Config: enabled defaults to false
  if (v === 'auto' || typeof v === 'boolean') return v;
  problems.push(`${name}.enabled: expected true, false or "auto", got ${describe(v)}`);
  return undefined;
}

function zero(block: JsonValue, problems: string[]): ZeroConfig | undefined {
  // Legacy boolean format (runtime/zero/config.py read_zero_config_deprecated): true → stage 1.
  if (typeof block === 'boolean') return withDefaults({ stage: block ? 1 : 0, offload_optimizer: 'none', offload_param: 'none' });
  if (!isObject(block)) {
    problems.push(`zero_optimization: expected an object, got ${describe(block)}`);
    return undefined;
  }
  const z = withDefaults({ stage: stage(block.stage, problems), offload_optimizer: 'none', offload_param: 'none' });
  z.offload_optimizer = offloadDevice(block.offload_optimizer, 'offload_optimizer', problems);
  z.offload_param = offloadDevice(block.offload_param, 'offload_param', problems);
  // Deprecated booleans, moved by DeepSpeed to their replacements when those are absent.
  if (block.offload_optimizer === undefined && block.cpu_offload === true) z.offload_optimizer = 'cpu';
  if (block.offload_param === undefined && block.cpu_offload_param === true) z.offload_param = 'cpu';
  for (const key of ['reduce_bucket_size', 'allgather_bucket_size'] as const) {
    const n = elementCount(block[key], `zero_optimization.${key}`, problems);
    if (n !== undefined) z[key] = n;
    else if (block[key] === 'auto') delete z[key]; // HF fills it from the model's hidden size
  }
  for (const key of STAGE3_ALIASES) {
    const written = block[key] !== undefined ? key : key.slice('stage3_'.length);
    const n = elementCount(block[written], `zero_optimization.${written}`, problems);
    if (n !== undefined) z[key] = n;
    else if (block[written] === 'auto') delete z[key];
  }
  return z;
}

function withDefaults(z: ZeroConfig): ZeroConfig {
  return { ...z, ...ZERO_DEFAULTS };
}

function stage(v: JsonValue | undefined, problems: string[]): ZeroConfig['stage'] {
  if (v === undefined) return 0;
  if (v === 0 || v === 1 || v === 2 || v === 3) return v;
  if (v === 'auto') problems.push('zero_optimization.stage: "auto" is not filled by Hugging Face; DeepSpeed drops it and uses stage 0');
  else problems.push(`zero_optimization.stage: expected 0, 1, 2 or 3, got ${describe(v)}`);
  return 0;
}

function offloadDevice(v: JsonValue | undefined, name: string, problems: string[]): ZeroConfig['offload_param'] {
  if (v === undefined || v === null) return 'none';
  if (!isObject(v)) {
    problems.push(`zero_optimization.${name}: expected an object like {"device": "cpu"}, got ${describe(v)}`);
    return 'none';
  }
  const device = v.device;
  if (device === undefined || device === 'auto') return 'none'; // offload_config.py: device defaults to "none"
  if (device === 'none' || device === 'cpu' || device === 'nvme') return device;
  problems.push(`zero_optimization.${name}.device: expected "none", "cpu" or "nvme", got ${describe(device)}`);
  return 'none';
}

function elementCount(v: JsonValue | undefined, name: string, problems: string[]): number | undefined {
  if (v === undefined || v === null || v === 'auto') return undefined;
  if (typeof v === 'number' && v >= 0) return Math.floor(v);
  problems.push(`${name}: expected a number of elements >= 0 or "auto", got ${describe(v)}`);
  return undefined;
}

function setIfDefined<K extends keyof DeepSpeedSettings>(settings: DeepSpeedSettings, key: K, value: DeepSpeedSettings[K] | undefined): void {
  if (value !== undefined) settings[key] = value;
}

function isObject(v: JsonValue | undefined): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function describe(v: JsonValue | undefined): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return JSON.stringify(v);
}
