/**
 * Every catalog model with a published total must match countParams() from estimator/src/params.ts exactly.
 * params.ts is written separately; until it exists this file skips (it is loaded by path at run time so the
 * type check does not depend on it). Expected signature: countParams(arch, peft?) => { total, trainable }.
 *
 * Known pitfalls the counter must get right for these totals to match:
 * - tied models (GPT-2, OPT, Llama-3.2, Qwen2.5 0.5B-3B) count the shared embedding/LM head once;
 * - OPT learned positions have max_position_embeddings + 2 rows (offset 2);
 * - Qwen2.5 (qkv_bias: true) adds q/k/v biases: num_layers * (hidden + 2 * num_kv_heads * head_dim);
 * - Llama-2-70b: hub safetensors say 68,976,653,312 (includes 80 x 64 rotary inv_freq buffers); the
 *   catalog keeps the nn.Parameter total 68,976,648,192.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MODELS } from '../../estimator/src/catalog';
import type { ModelArch } from '../../estimator/src/types';

const paramsPath = fileURLToPath(new URL('../../estimator/src/params.ts', import.meta.url));
const hasParams = existsSync(paramsPath);

type CountParams = (arch: ModelArch) => { total: number; trainable: number };

const published = MODELS.filter((m) => m.published_params !== undefined);

describe.skipIf(!hasParams)('published parameter totals match countParams', () => {
  it.each(published.map((m) => [m.id, m] as const))('%s', async (_id, m) => {
    const mod = (await import(/* @vite-ignore */ paramsPath)) as { countParams: CountParams };
    const { total, trainable } = mod.countParams(m);
    expect(total).toBe(m.published_params);
    expect(trainable).toBe(total);
  });
});

describe('published totals', () => {
  it('are present for the models the brief names', () => {
    expect(published.map((m) => m.id)).toEqual(
      expect.arrayContaining(['gpt2', 'meta-llama/Llama-2-7b-hf', 'facebook/opt-6.7b']),
    );
  });
});
