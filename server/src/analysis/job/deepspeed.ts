/**
 * The DeepSpeed config a script uses: `TrainingArguments(deepspeed=...)` or
 * `deepspeed.initialize(config=...)`, as a dict literal or a path to a JSON file read from the
 * workspace (relative to the script, then the workspace roots).
 */
import type { Node } from 'web-tree-sitter';
import type { LossScaleConfig } from '../../../../estimator/src/types';
import { interpretDeepSpeedConfig, type DeepSpeedSettings, type JsonValue } from '../../deepspeed/interpret';
import { callsNamed } from '../../python/facts';
import { isDict } from '../../python/evaluate';
import { keyword, type KeywordValue } from '../../python/call-args';
import { toPlain } from '../../python/plain';
import type { Range } from '../types';
import { rangeOf } from '../values';
import type { JobContext } from './context';

export interface DeepSpeedSource {
  settings: DeepSpeedSettings;
  /** Where the config is named in the script. */
  source: { file: string; range: Range };
  /** "ds_config.json" or "dict at line 12". */
  label: string;
  /** The file, when the config is a JSON file. */
  uri?: string;
  /** The script text that names the config. */
  site: Node;
  /** The dict literal, when the config is one (fixes edit it in place). */
  dict?: Node;
  /** The config's fp16 loss-scaling keys, when it writes any. */
  lossScale?: LossScaleConfig;
}

/** A config named but not read: the reason (shown as an assumption and, for a path, as a diagnostic). */
export interface DeepSpeedProblem {
  reason: string;
  range: Range;
  /** `unreadable`: a path that is missing, outside the workspace or not JSON (a diagnostic); `unknown`: a value known only at run time. */
  kind: 'unreadable' | 'unknown';
}

export function findDeepSpeed(ctx: JobContext): { found?: DeepSpeedSource; problem?: DeepSpeedProblem } {
  const init = callsNamed(ctx.facts, 'initialize').find((c) => c.receiver?.text === 'deepspeed');
  const arg: KeywordValue | undefined = ctx.taKeyword('deepspeed') ?? (init && (keyword(ctx.ev, init, 'config') ?? keyword(ctx.ev, init, 'config_params')));
  if (!arg) return {};
  const range = rangeOf(arg.site);
  if (!arg.value.ok) return { problem: { reason: `DeepSpeed config \`${arg.site.text}\` not read: ${arg.value.reason}`, range, kind: 'unknown' } };
  const value = arg.value.value;
  if (isDict(value)) {
    const unread: string[] = [];
    const plain = toPlain(ctx.ev, value, unread);
    const settings = interpretDeepSpeedConfig(plain);
    if (unread.length) settings.problems.push(`keys not read statically: ${unread.join(', ')}`);
    return { found: withLossScale({ settings, source: { file: ctx.file, range }, label: `dict at line ${arg.value.node.startPosition.row + 1}`, site: arg.site, dict: arg.value.node }, plain) };
  }
  if (typeof value !== 'string') return { problem: { reason: `DeepSpeed config \`${arg.site.text}\` is neither a dict nor a path`, range, kind: 'unreadable' } };
  if (!ctx.files) return { problem: { reason: `DeepSpeed config ${value} not read (no workspace access)`, range, kind: 'unknown' } };
  const read = ctx.files.read(value, ctx.file);
  if (!read.ok) return { problem: { reason: `DeepSpeed config ${read.reason}`, range, kind: 'unreadable' } };
  let parsed: unknown;
  try {
    parsed = JSON.parse(stripJsonComments(read.text));
  } catch (err) {
    return { problem: { reason: `DeepSpeed config ${value} is not valid JSON: ${(err as Error).message}`, range, kind: 'unreadable' } };
  }
  const settings = interpretDeepSpeedConfig(parsed as JsonValue);
  return { found: withLossScale({ settings, source: { file: ctx.file, range }, label: value, uri: read.uri, site: arg.site }, parsed as JsonValue) };
}

function withLossScale(found: DeepSpeedSource, config: JsonValue): DeepSpeedSource {
  const lossScale = lossScaleOf(config);
  return lossScale ? { ...found, lossScale } : found;
}

/**
 * The ds_config `fp16` block's loss-scaling keys (DeepSpeedFP16Config, deepspeed/runtime/precision_config.py:
 * loss_scale 0 = dynamic, initial_scale_power 16, loss_scale_window 1000, hysteresis 2, min_loss_scale 1).
 * Only keys written as numbers are kept; the estimator fills DeepSpeed's defaults for the others.
 */
export function lossScaleOf(config: JsonValue | undefined): LossScaleConfig | undefined {
  const fp16 = config && typeof config === 'object' && !Array.isArray(config) ? config.fp16 : undefined;
  if (!fp16 || typeof fp16 !== 'object' || Array.isArray(fp16)) return undefined;
  const out: LossScaleConfig = {};
  for (const key of ['loss_scale', 'initial_scale_power', 'loss_scale_window', 'hysteresis', 'min_loss_scale'] as const) {
    const v = fp16[key];
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0) out[key] = v;
  }
  return Object.keys(out).length ? out : undefined;
}

/** DeepSpeed's own loader accepts `//` and `/* *\/` comments (hjson-like); JSON.parse does not. */
export function stripJsonComments(text: string): string {
  return text.replace(/("(?:\\.|[^"\\])*")|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, (_m, str: string | undefined) => str ?? '');
}
