/**
 * In-file settings, in comments: `# trainlens: gpu=V100-32GB gpus=8` overrides the editor or CLI
 * GPU settings for that file; `launcher=scripts/train.sh` picks the launcher; and job values the
 * code cannot show (`seq_len=4096 micro_batch=2 precision=bf16-mixed grad_checkpointing=true`)
 * state them. Unknown keys or values are reported, never silently dropped.
 */
import type { Node } from 'web-tree-sitter';
import { findGpu, GPU_IDS } from '../../../estimator/src/catalog';
import type { AnalysisSettings, Finding, JobField } from './types';
import { rangeOf } from './values';

/** Job values a comment may state, with how each is read. */
const VALUE_KEYS: Partial<Record<JobField, (raw: string) => unknown>> = {
  micro_batch: positiveInt, grad_accum: positiveInt, seq_len: positiveInt,
  precision: (v) => (['fp32', 'fp16-mixed', 'bf16-mixed', 'fp16', 'bf16'].includes(v) ? v : undefined),
  optimizer: (v) => (['adamw', 'adamw_8bit', 'paged_adamw_8bit', 'paged_adamw_32bit', 'adafactor', 'sgd', 'sgd_momentum', 'lion', 'lion_8bit'].includes(v) ? v : undefined),
  grad_checkpointing: (v) => (v === 'true' ? true : v === 'false' ? false : undefined),
  attention: (v) => (['eager', 'sdpa', 'flash'].includes(v) ? v : undefined),
};

export interface DirectiveValue { value: unknown; node: Node }

export interface DirectiveResult {
  settings: AnalysisSettings;
  findings: Finding[];
  /** The comment that set the GPU or GPU count. */
  from?: Node;
  gpusExplicit: boolean;
  launcher?: string;
  values: Map<JobField, DirectiveValue>;
}

export function applyDirectives(comments: Node[], base: AnalysisSettings): DirectiveResult {
  const result: DirectiveResult = { settings: { ...base }, findings: [], gpusExplicit: false, values: new Map() };
  for (const comment of comments) {
    const body = comment.text.replace(/^#\s*trainlens:/, '');
    for (const pair of body.trim().split(/[\s,]+/).filter(Boolean)) {
      const [key, value = ''] = pair.split('=');
      const problem = (message: string) => result.findings.push({ code: 'TL004', severity: 'warning', message, range: rangeOf(comment) });
      if (key === 'gpu') {
        const gpu = findGpu(value);
        if (gpu) { result.settings.gpu = gpu.id; result.from = comment; }
        else problem(`unknown GPU "${value}" in trainlens comment; known: ${GPU_IDS.join(', ')}`);
      } else if (key === 'gpus') {
        const n = positiveInt(value);
        if (n) { result.settings.gpus = n; result.from = comment; result.gpusExplicit = true; }
        else problem(`gpus must be a whole number ≥ 1, got "${value}"`);
      } else if (key === 'launcher') {
        result.launcher = value;
      } else if (key in VALUE_KEYS) {
        const read = VALUE_KEYS[key as JobField]!(value);
        if (read === undefined) problem(`"${value}" is not a valid ${key}`);
        else result.values.set(key as JobField, { value: read, node: comment });
      } else {
        problem(`unknown trainlens setting "${key}"; use gpu, gpus, launcher, ${Object.keys(VALUE_KEYS).join(', ')}`);
      }
    }
  }
  return result;
}

/** A job value stated outside the code (a comment or the `trainlens.assume` setting), read and checked. */
export function readStatedValue(field: string, raw: string): { field: JobField; value: unknown } | undefined {
  const read = VALUE_KEYS[field as JobField];
  const value = read?.(raw);
  return value === undefined ? undefined : { field: field as JobField, value };
}

function positiveInt(raw: string): number | undefined {
  const n = Number(raw);
  return Number.isInteger(n) && n >= 1 ? n : undefined;
}
