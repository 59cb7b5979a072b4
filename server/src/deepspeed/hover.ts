/**
 * Hover on a DeepSpeed config key or value: what it means, its default and allowed values, and for
 * keys that change memory, the per-GPU memory of each script that uses the config at ZeRO stages
 * 0–3 with and without offload (every number from estimate(), see stages.ts).
 */
import type { Gpu, TrainingJob } from '../../../estimator/src/types';
import { code, escapeMarkdown } from '../render/markdown';
import { gib } from '../render/units';
import type { JsonMember, JsonNode, Span } from './json-tree';
import { formatValue, specAt, type KeySpec, type Schema } from './schema';
import { currentVariant, stageTable, VARIANTS, type OffloadVariant } from './stages';
import type { ConfigHover } from './view';

/** A script that uses the config, with its job as run with this config. */
export interface ConfigUserJob { label: string; job: TrainingJob; gpu: Gpu }

type ObjectNode = JsonNode & { kind: 'object' };

export interface Location {
  path: string[];
  object: ObjectNode;
  member?: JsonMember;
  on: 'key' | 'value' | 'object';
  /** A key being typed without its colon yet (on: 'key', no member). */
  partialKey?: Span;
}

/** Where an offset falls: on a member's key, on its value, or between members of an object. */
export function locate(root: JsonNode | undefined, offset: number): Location | undefined {
  if (root?.kind !== 'object' || offset <= root.start || offset >= root.end) return undefined;
  let object: ObjectNode = root;
  let path: string[] = [];
  for (;;) {
    const member: JsonMember | undefined = object.members.find((m) => offset >= m.span.start && offset <= m.span.end);
    if (!member) {
      const partialKey = object.partialKeys.find((k) => offset > k.start && offset < k.end);
      return partialKey ? { path, object, on: 'key', partialKey } : { path, object, on: 'object' };
    }
    if (offset <= member.keySpan.end) return { path, object, member, on: 'key' };
    const v: JsonNode | undefined = member.value;
    if (v?.kind !== 'object' || offset <= v.start || offset >= v.end) return { path, object, member, on: 'value' };
    object = v;
    path = [...path, member.key];
  }
}

/** The DeepSpeed module each section reproduces (DeepSpeed 0.19.6). */
const SOURCES: Record<string, string> = {
  zero_optimization: 'deepspeed/runtime/zero/config.py',
  offload_param: 'deepspeed/runtime/zero/offload_config.py',
  offload_optimizer: 'deepspeed/runtime/zero/offload_config.py',
  fp16: 'deepspeed/runtime/precision_config.py',
  bf16: 'deepspeed/runtime/precision_config.py',
  bfloat16: 'deepspeed/runtime/precision_config.py',
  activation_checkpointing: 'deepspeed/runtime/activation_checkpointing/config.py',
};

export const DEEPSPEED_SCHEMA: Schema = {
  specAt,
  source: (path) => `DeepSpeed 0.19.6 ${code([...path].reverse().map((k) => SOURCES[k]).find(Boolean) ?? 'deepspeed/runtime/constants.py, deepspeed/runtime/config.py')}`,
};

/** `stages`: whether ZeRO stages apply to this file (an accelerate file that is not DEEPSPEED says no). */
export function keyHover(location: Location, users: ConfigUserJob[], schema: Schema = DEEPSPEED_SCHEMA, stages = true): ConfigHover | null {
  const { member } = location;
  if (!member) return null;
  const path = [...location.path, member.key];
  const spec = schema.specAt(path);
  const range = location.on === 'value' && member.value ? member.value.range : member.keySpan.range;
  if (!spec) return { markdown: `${code(path.join('.'))}: not a key TrainLens knows here.`, range };
  const sections = [`**${escapeMarkdown(path.join('.'))}** · ${spec.type}`, escapeMarkdown(spec.doc), facts(spec)];
  sections.push(`Source: ${schema.source(path)}`);
  if (spec.memory && stages) sections.push(...users.slice(0, 3).map(memoryTable));
  if (spec.memory && stages && users.length === 0) {
    sections.push('No script in the workspace uses this config yet: name it in `TrainingArguments(deepspeed="...")`, or pass it in a launch script (`--deepspeed ...`, `accelerate launch --config_file ...`), and this hover shows its memory at each ZeRO stage.');
  }
  return { markdown: sections.filter(Boolean).join('\n\n'), range };
}

function facts(spec: KeySpec): string {
  const lines: string[] = [];
  const def = spec.defaultText ?? (spec.default !== undefined ? formatValue(spec.default) : undefined);
  if (def !== undefined) lines.push(`Default: ${code(def)}`);
  if (spec.values) lines.push(`Allowed: ${spec.values.map((v) => code(formatValue(v))).join(', ')}`);
  else if (spec.suggestions) lines.push(`For example: ${spec.suggestions.map((v) => code(formatValue(v))).join(', ')}`);
  else if (spec.min !== undefined || spec.max !== undefined) lines.push(`Range: ${spec.min ?? '−∞'} … ${spec.max ?? '∞'}`);
  if (spec.hfAuto) lines.push('`"auto"`: filled by the Hugging Face Trainer / accelerate from the script’s arguments.');
  if (spec.aliasOf) lines.push(`Same field as ${code(spec.aliasOf)}.`);
  if (spec.deprecated) lines.push(`Deprecated: use ${code(spec.deprecated.replacement)}${spec.deprecated.moved ? ' (the old value is carried over when the file is read)' : ''}.`);
  if (spec.strict) lines.push(`Unknown keys inside are rejected${spec.strict === 'all versions' ? '' : ` (DeepSpeed ≥ ${spec.strict})`}: "Extra inputs are not permitted".`);
  return lines.join('  \n');
}

const COLUMNS: [OffloadVariant, string][] = [['none', 'no offload'], ['optimizer', 'offload optimizer'], ['optimizer+param', 'offload optimizer + params']];

/** Per-GPU totals at every stage × offload cell, the config's own cell in bold, ✗ where it does not fit. */
function memoryTable(user: ConfigUserJob): string {
  const cells = stageTable(user.job, user.gpu);
  const current = currentVariant(user.job.zero);
  const header = `Per-GPU memory of ${escapeMarkdown(user.label)} (${escapeMarkdown(user.job.model.id)}, micro-batch ${user.job.micro_batch}, ${user.job.gpus} GPU${user.job.gpus === 1 ? '' : 's'}) on ${user.gpu.id} (${gib(user.gpu.memory_bytes)}):`;
  const rows = ([0, 1, 2, 3] as const).map((stage) => {
    const values = COLUMNS.map(([variant]) => {
      if (!VARIANTS[stage].includes(variant)) return '—';
      const cell = cells.find((c) => c.stage === stage && c.offload === variant)!;
      const text = `${gib(cell.estimate.per_gpu.total)}${cell.estimate.fits ? '' : ' ✗'}`;
      return stage === current.stage && variant === current.offload ? `**${text}**` : text;
    });
    return `| ${stage} | ${values.join(' | ')} |`;
  });
  return [header, '', `| stage | ${COLUMNS.map(([, name]) => name).join(' | ')} |`, '|:--|--:|--:|--:|', ...rows, '', 'Bold: this config. ✗: does not fit.'].join('\n');
}
