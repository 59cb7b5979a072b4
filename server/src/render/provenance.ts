/**
 * One line per job value saying what it is and where it came from: "micro-batch per GPU = 4,
 * set at line 12".
 */
import type { Analysis, JobField, ValueInfo } from '../analysis/types';
import { code, escapeMarkdown } from './markdown';

const FIELD_LABELS: Record<JobField, string> = {
  model: 'Model',
  micro_batch: 'Micro-batch per GPU',
  grad_accum: 'Gradient accumulation steps',
  seq_len: 'Sequence length',
  precision: 'Precision',
  optimizer: 'Optimizer',
  grad_checkpointing: 'Gradient checkpointing',
  attention: 'Attention',
  peft: 'PEFT',
  gpus: 'GPUs',
  gpu: 'GPU',
};

function fieldLabel(field: JobField): string {
  return FIELD_LABELS[field];
}

/** A value as a short string: primitives as written, objects by their id or as compact JSON. */
function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'none';
  if (typeof value !== 'object') return String(value);
  const id = (value as { id?: unknown }).id;
  if (typeof id === 'string') return id;
  const json = JSON.stringify(value);
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

/** Where the value was set, relative to the analysed file: "line 12" or "ds_config.json line 3". */
function location(info: ValueInfo, analysisFile: string): string | undefined {
  if (!info.source) return undefined;
  const line = `line ${info.source.range.start.line + 1}`;
  if (info.source.file === analysisFile) return line;
  const name = info.source.file.split(/[\\/]/).pop() ?? info.source.file;
  return `${name} ${line}`;
}

/** "**Micro-batch per GPU** = `4` (known; line 12: BATCH = 4 at line 3)" */
export function provenanceLine(analysis: Analysis, field: JobField): string | undefined {
  const info = analysis.values[field];
  if (!info) return undefined;
  const where = location(info, analysis.file);
  const details = [info.status, where, info.reason && escapeMarkdown(info.reason)].filter(Boolean);
  const value = info.status === 'unknown' ? 'unknown' : code(formatValue(info.value));
  return `**${fieldLabel(field)}** = ${value} (${details.join('; ')})`;
}

/** Lines for every value the analysis could not determine. */
export function unknownValueLines(analysis: Analysis): string[] {
  return (Object.keys(analysis.values) as JobField[])
    .filter((field) => analysis.values[field]?.status === 'unknown')
    .map((field) => provenanceLine(analysis, field))
    .filter((line): line is string => line !== undefined);
}
