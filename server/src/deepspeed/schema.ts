/**
 * The shape of a DeepSpeed config: which keys exist where, their types, defaults and allowed
 * values, which sections reject unknown keys, and which keys are deprecated. There is no official
 * JSON schema (DeepSpeed issue #2355); the entries reproduce DeepSpeed 0.19.6's pydantic models
 * and constants (runtime/config.py, runtime/constants.py, runtime/zero/config.py,
 * runtime/zero/offload_config.py, runtime/precision_config.py,
 * runtime/activation_checkpointing/config.py) as collected in
 * ../shared/reference/domain-rules.md §1. The key data lives in schema-keys.ts.
 */
import type { JsonValue } from './json-tree';
import { TOP_LEVEL } from './schema-keys';

export type KeyType = 'boolean' | 'integer' | 'number' | 'string' | 'object' | 'array' | 'any';

export interface KeySpec {
  type: KeyType;
  doc: string;
  /** DeepSpeed's default, as JSON (undefined: none / None). */
  default?: JsonValue;
  /** Words for a default that is not a constant ("true for stage 3, false otherwise"). */
  defaultText?: string;
  /** The only values allowed (an enum). */
  values?: JsonValue[];
  /** Values completion offers where others are allowed too (optimizer.type also takes any torch.optim class). */
  suggestions?: JsonValue[];
  min?: number;
  max?: number;
  /** Hugging Face fills `"auto"` here (transformers integrations/deepspeed.py, accelerate). */
  hfAuto?: boolean;
  /** Deprecated name: the key that replaces it, and whether DeepSpeed moves the value itself. */
  deprecated?: { replacement: string; moved: boolean; note?: string };
  /** Other accepted spelling of the same field (pydantic alias / populate_by_name). */
  aliasOf?: string;
  /** Keys of an object section. */
  keys?: Record<string, KeySpec>;
  /** Section is a pydantic model with extra="forbid": unknown keys are errors, with the version that made them so. */
  strict?: string;
  /** Changes the memory a GPU needs: its hover shows the job's memory at each ZeRO stage. */
  memory?: boolean;
}

/** A config format: its top-level keys and the module each key's facts come from. */
export interface Schema {
  specAt(path: readonly string[]): KeySpec | undefined;
  /** "DeepSpeed 0.19.6 `deepspeed/runtime/zero/config.py`" */
  source(path: readonly string[]): string;
}

/** The spec at a key path ([] = the top level) of a DeepSpeed config. */
export function specAt(path: readonly string[]): KeySpec | undefined {
  return specIn(TOP_LEVEL, 'DeepSpeed configuration', path);
}

export function specIn(top: Record<string, KeySpec>, doc: string, path: readonly string[]): KeySpec | undefined {
  let spec: KeySpec | undefined = { type: 'object', doc, keys: top };
  for (const key of path) {
    spec = spec?.keys?.[key];
    if (!spec) return undefined;
  }
  return spec;
}

/** Known keys close to `key` (edit distance ≤ 2, or one contains the other), best first. */
export function didYouMean(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  const scored = known
    .map((k) => ({ k, d: editDistance(lower, k.toLowerCase()) }))
    .filter(({ k, d }) => d <= Math.max(2, Math.floor(k.length / 5)) || (lower.length > 3 && k.includes(lower)))
    .sort((a, b) => a.d - b.d);
  return scored[0]?.k;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/** How a value of this spec is written, for hovers and messages: `true`, `"cpu"`, `5e8`. */
export function formatValue(v: JsonValue): string {
  if (typeof v === 'number' && v >= 1e6 && Number.isInteger(v)) return v.toExponential().replace('+', '');
  return JSON.stringify(v);
}
