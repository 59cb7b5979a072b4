/** How job fields and their values are named for people (hovers, CLI, assumption sentences). */
import type { JobField, ValueInfo } from './types';

export const FIELD_LABELS: Record<JobField, string> = {
  model: 'model', micro_batch: 'micro-batch per GPU', grad_accum: 'gradient accumulation steps', seq_len: 'sequence length',
  precision: 'precision', amp_style: 'mixed-precision style', optimizer: 'optimizer', grad_checkpointing: 'gradient checkpointing', attention: 'attention',
  peft: 'PEFT', gpus: 'GPUs', gpu: 'GPU', zero: 'ZeRO', fsdp: 'FSDP', quantization: 'quantization', inference: 'inference',
  total_steps: 'optimizer steps of the run',
};

/** A value as a short string: primitives as written, objects by their id or as compact JSON. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'none';
  if (typeof value !== 'object') return String(value);
  const id = (value as { id?: unknown }).id;
  if (typeof id === 'string') return id;
  const json = JSON.stringify(value);
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

/**
 * Whether a value is worth a line of its own beside the others: a mixed-precision style of none only restates a
 * precision that is not mixed (fp32, or pure half weights), which has its own line. JSON outputs list it anyway.
 */
export function shownApart(field: JobField, info: ValueInfo | undefined): boolean {
  return !(field === 'amp_style' && info?.value === null);
}

/** "micro-batch per GPU 1 assumed: not set; ...", one per value that is not known, for the assumptions list. */
export function assumptionLines(values: Partial<Record<JobField, ValueInfo>>): string[] {
  return (Object.entries(values) as [JobField, ValueInfo][])
    .filter(([field, v]) => v.status !== 'known' && shownApart(field, v))
    .map(([field, v]) => `${FIELD_LABELS[field]} ${v.status === 'assumed' ? `${formatValue(v.value)} assumed` : 'unknown'}: ${v.reason ?? ''}`);
}
