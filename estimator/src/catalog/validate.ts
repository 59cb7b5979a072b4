/**
 * What an architecture read from user files (a config.json, a literal config, a local GPT class) must
 * satisfy before it is counted: whole positive sizes, heads that divide the hidden size, KV heads that
 * divide the heads (HF attention reshapes by hidden_size // num_heads and repeats KV heads
 * num_heads // num_kv_heads times). A zero layer count or a fractional width would otherwise give NaN or
 * nonsense bytes in every component.
 */
import type { ModelArch } from '../types';

const POSITIVE: (keyof ModelArch)[] = ['hidden_size', 'intermediate_size', 'num_layers', 'num_heads', 'num_kv_heads', 'vocab_size', 'max_position_embeddings'];

/** Why the architecture cannot be counted, or undefined when it can. */
export function archProblem(arch: ModelArch): string | undefined {
  const bad = POSITIVE.filter((key) => !isPositiveWhole(arch[key]));
  if (bad.length) return `${bad.map((key) => `${key} ${String(arch[key])}`).join(', ')}: must be whole numbers above 0`;
  if (arch.hidden_size % arch.num_heads !== 0) return `hidden_size ${arch.hidden_size} is not a multiple of num_heads ${arch.num_heads}`;
  if (arch.num_heads % arch.num_kv_heads !== 0) return `num_heads ${arch.num_heads} is not a multiple of num_kv_heads ${arch.num_kv_heads}`;
  if (arch.num_experts !== undefined || arch.experts_per_token !== undefined) {
    if (!isPositiveWhole(arch.num_experts) || !isPositiveWhole(arch.experts_per_token) || arch.experts_per_token! > arch.num_experts!) {
      return `experts ${String(arch.num_experts)} with ${String(arch.experts_per_token)} per token: need 1 ≤ per token ≤ experts`;
    }
  }
  return undefined;
}

function isPositiveWhole(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}
