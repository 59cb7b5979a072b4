import { describe, expect, it } from 'vitest';
import { countParams } from '../../estimator/src/params';
import type { ModelArch } from '../../estimator/src/types';

const gpt2: ModelArch = {
  id: 'gpt2', family: 'gpt2', hidden_size: 768, intermediate_size: 3072, num_layers: 12, num_heads: 12,
  num_kv_heads: 12, vocab_size: 50257, max_position_embeddings: 1024, tie_word_embeddings: true,
};
const llama7b: ModelArch = {
  id: 'meta-llama/Llama-2-7b-hf', family: 'llama', hidden_size: 4096, intermediate_size: 11008, num_layers: 32,
  num_heads: 32, num_kv_heads: 32, vocab_size: 32000, max_position_embeddings: 4096, tie_word_embeddings: false,
};
const opt67b: ModelArch = {
  id: 'facebook/opt-6.7b', family: 'opt', hidden_size: 4096, intermediate_size: 16384, num_layers: 32,
  num_heads: 32, num_kv_heads: 32, vocab_size: 50272, max_position_embeddings: 2048, tie_word_embeddings: true,
};
const lora = (r: number, targets: string[]) => ({ method: 'lora' as const, r, alpha: 2 * r, targets, dropout: 0 });

describe('countParams', () => {
  it('matches Hugging Face totals', () => {
    expect(countParams(gpt2).total).toBe(124_439_808);
    expect(countParams(llama7b).total).toBe(6_738_415_616);
    expect(countParams(opt67b).total).toBe(6_658_473_984);
  });

  it('counts LoRA adapters r·(in+out) per targeted module', () => {
    // GPT-2 c_attn is a Conv1D 768→2304
    expect(countParams(gpt2, lora(8, ['c_attn'])).trainable).toBe(12 * 8 * (768 + 2304));
    // "c_proj" matches attn.c_proj (768→768) and mlp.c_proj (3072→768)
    expect(countParams(gpt2, lora(4, ['c_proj'])).trainable).toBe(12 * 4 * (768 + 768 + 3072 + 768));
    // all-linear: every linear except lm_head
    const perLayer = 4 * (4096 + 4096) + 3 * (4096 + 11008);
    expect(countParams(llama7b, lora(16, ['all-linear'])).trainable).toBe(32 * 16 * perLayer);
  });

  it('keeps the base count and adds adapters to the total', () => {
    const c = countParams(llama7b, lora(16, ['q_proj', 'v_proj']));
    expect(c.total).toBe(6_738_415_616 + c.trainable);
    expect(c.trainable / c.total).toBeLessThan(0.01);
  });

  it('GQA shrinks k/v projections', () => {
    const gqa = countParams({ ...llama7b, num_kv_heads: 8 }).total;
    expect(countParams(llama7b).total - gqa).toBe(32 * 2 * 4096 * (4096 - 1024));
  });
});
