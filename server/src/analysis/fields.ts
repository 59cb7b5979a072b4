/** How job fields and their values are named for people (hovers, CLI, assumption sentences). */
import type { JobField } from './types';

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
