import { describe, expect, it } from 'vitest';
import { archProblem, MODELS, findModel } from '../../estimator/src/catalog';
import type { ModelArch } from '../../estimator/src/types';

const NUMERIC: (keyof ModelArch)[] = [
  'hidden_size',
  'intermediate_size',
  'num_layers',
  'num_heads',
  'num_kv_heads',
  'vocab_size',
  'max_position_embeddings',
];

const lastSegment = (s: string) => s.toLowerCase().split('/').pop() ?? s;

describe('model catalog', () => {
  it('every entry passes the checks applied to architectures read from user files', () => {
    for (const m of MODELS) expect(archProblem(m), m.id).toBeUndefined();
    const llama = findModel('meta-llama/Llama-2-7b-hf')!;
    expect(archProblem({ ...llama, num_layers: 0 })).toBe('num_layers 0: must be whole numbers above 0');
    expect(archProblem({ ...llama, hidden_size: 4096.5 })).toContain('hidden_size 4096.5');
    expect(archProblem({ ...llama, num_kv_heads: 5 })).toBe('num_heads 32 is not a multiple of num_kv_heads 5');
    expect(archProblem({ ...llama, num_experts: 8, experts_per_token: 9 })).toMatch(/need 1 ≤ per token ≤ experts/);
  });

  it('has entries for every family', () => {
    expect(MODELS.length).toBeGreaterThan(0);
    for (const family of ['gpt2', 'llama', 'opt'] as const) {
      expect(MODELS.some((m) => m.family === family)).toBe(true);
    }
  });

  it.each(MODELS.map((m) => [m.id, m] as const))('%s has positive integer dimensions', (_id, m) => {
    for (const k of NUMERIC) {
      const v = m[k] as number;
      expect(Number.isInteger(v), `${m.id}.${k}=${v}`).toBe(true);
      expect(v, `${m.id}.${k}`).toBeGreaterThan(0);
    }
    if (m.published_params !== undefined) {
      expect(Number.isSafeInteger(m.published_params)).toBe(true);
      expect(m.published_params).toBeGreaterThan(0);
    }
  });

  it.each(MODELS.map((m) => [m.id, m] as const))('%s has consistent heads', (_id, m) => {
    expect(m.hidden_size % m.num_heads, 'num_heads divides hidden_size').toBe(0);
    expect(m.num_heads % m.num_kv_heads, 'num_kv_heads divides num_heads').toBe(0);
    if (m.family !== 'llama') expect(m.num_kv_heads).toBe(m.num_heads);
    if (m.qkv_bias !== undefined) expect(m.family).toBe('llama');
  });

  it('every entry names its source', () => {
    for (const m of MODELS) expect(m.source?.length ?? 0, m.id).toBeGreaterThan(20);
  });

  it('ids and aliases are unique, also by last path segment', () => {
    const full = MODELS.flatMap((m) => [m.id, ...(m.aliases ?? [])].map((n) => n.toLowerCase()));
    expect(new Set(full).size).toBe(full.length);
    // A bare name ("Llama-2-7b-hf") must point at one model only.
    const owner = new Map<string, string>();
    for (const m of MODELS) {
      for (const n of [m.id, ...(m.aliases ?? [])]) {
        const seg = lastSegment(n);
        expect(owner.get(seg) ?? m.id, seg).toBe(m.id);
        owner.set(seg, m.id);
      }
    }
  });

  it('every id and alias resolves to its own entry', () => {
    for (const m of MODELS) {
      for (const n of [m.id, ...(m.aliases ?? [])]) {
        expect(findModel(n)).toBe(m);
        expect(findModel(n.toUpperCase())).toBe(m);
        expect(findModel(lastSegment(n))).toBe(m);
      }
    }
  });

  it('ties embeddings where the architecture does', () => {
    expect(findModel('gpt2')?.tie_word_embeddings).toBe(true);
    expect(findModel('facebook/opt-6.7b')?.tie_word_embeddings).toBe(true);
    expect(findModel('meta-llama/Llama-2-7b-hf')?.tie_word_embeddings).toBe(false);
    expect(findModel('meta-llama/Llama-3.2-1B')?.tie_word_embeddings).toBe(true);
    expect(findModel('Qwen/Qwen2.5-0.5B')?.tie_word_embeddings).toBe(true);
    expect(findModel('Qwen/Qwen2.5-7B')?.tie_word_embeddings).toBe(false);
  });

  it('marks Qwen2.5 with qkv_bias and nothing else', () => {
    for (const m of MODELS) expect(m.qkv_bias === true, m.id).toBe(m.id.startsWith('Qwen/Qwen2.5-'));
  });

  it('carries the published totals named in the brief', () => {
    expect(findModel('gpt2')?.published_params).toBe(124_439_808);
    expect(findModel('meta-llama/Llama-2-7b-hf')?.published_params).toBe(6_738_415_616);
    expect(findModel('facebook/opt-6.7b')?.published_params).toBe(6_658_473_984);
  });
});

describe('findModel', () => {
  it('matches the hub id exactly and case-insensitively', () => {
    const m = findModel('meta-llama/Llama-2-7b-hf');
    expect(m?.id).toBe('meta-llama/Llama-2-7b-hf');
    expect(m?.hidden_size).toBe(4096);
    expect(findModel('META-LLAMA/llama-2-7B-HF')).toBe(m);
    expect(findModel('  meta-llama/Llama-2-7b-hf/ ')).toBe(m);
  });

  it('matches the name without its org', () => {
    expect(findModel('Llama-2-7b-hf')?.id).toBe('meta-llama/Llama-2-7b-hf');
    expect(findModel('llama-2-7b-hf')?.id).toBe('meta-llama/Llama-2-7b-hf');
    expect(findModel('opt-6.7b')?.id).toBe('facebook/opt-6.7b');
    expect(findModel('Mistral-7B-v0.1')?.id).toBe('mistralai/Mistral-7B-v0.1');
  });

  it('matches aliases, with and without org', () => {
    expect(findModel('openai-community/gpt2')?.id).toBe('gpt2');
    expect(findModel('meta-llama/Llama-2-7b-chat-hf')?.id).toBe('meta-llama/Llama-2-7b-hf');
    expect(findModel('Llama-2-7b-chat-hf')?.id).toBe('meta-llama/Llama-2-7b-hf');
    expect(findModel('meta-llama/Meta-Llama-3.1-8B')?.id).toBe('meta-llama/Llama-3.1-8B');
  });

  it('matches a local directory by its last segment', () => {
    expect(findModel('/models/Llama-2-7b-hf')?.id).toBe('meta-llama/Llama-2-7b-hf');
    expect(findModel('./checkpoints/gpt2-medium/')?.id).toBe('gpt2-medium');
    expect(findModel('C:\\models\\opt-1.3b')?.id).toBe('facebook/opt-1.3b');
  });

  it('does not guess', () => {
    expect(findModel('')).toBeUndefined();
    expect(findModel('Llama-2-7b')).toBeUndefined();
    expect(findModel('someone/Llama-2-7b-hf')).toBeUndefined();
    expect(findModel('facebook/opt-350m')).toBeUndefined();
    expect(findModel('mistralai/Mixtral-8x7B-v0.1')).toBeUndefined();
    expect(findModel('custom')).toBeUndefined();
  });
});
