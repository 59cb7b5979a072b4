import { describe, expect, it } from 'vitest';
import { estimate } from '../../estimator/src/estimate';
import { fitFixes } from '../../estimator/src/fixes';
import type { TrainingJob } from '../../estimator/src/types';
import { TEST_GPU } from './cases';

const job: TrainingJob = {
  model: {
    id: 'meta-llama/Llama-2-7b-hf', family: 'llama', hidden_size: 4096, intermediate_size: 11008, num_layers: 32,
    num_heads: 32, num_kv_heads: 32, vocab_size: 32000, max_position_embeddings: 4096, tie_word_embeddings: false,
  },
  micro_batch: 4, grad_accum: 1, seq_len: 2048, precision: 'bf16-mixed', amp_style: 'autocast', optimizer: 'adamw',
  grad_checkpointing: false, attention: 'eager', peft: null, gpus: 1,
};
const est = (j: Partial<TrainingJob>) => estimate({ ...job, ...j }, TEST_GPU);

describe('estimate', () => {
  it('total is the sum of components and fits compares with capacity', () => {
    const e = est({});
    const p = e.per_gpu;
    expect(p.total).toBe(p.weights + p.gradients + p.optimizer_states + p.activations + p.autocast_weight_copies + p.other);
    expect(e.fits).toBe(p.total <= TEST_GPU.memory_bytes);
    expect(e.fits).toBe(false);
  });

  it('gradient checkpointing reduces activations', () => {
    expect(est({ grad_checkpointing: true }).per_gpu.activations).toBeLessThan(est({}).per_gpu.activations / 5);
  });

  it('SDPA saves less than eager, flash likewise, and neither keeps an S×S tensor', () => {
    const eager = est({}).detail.activations_saved;
    const sdpa = est({ attention: 'sdpa' }).detail.activations_saved;
    expect(sdpa).toBeLessThan(eager);
    const s2 = est({ attention: 'sdpa', seq_len: 4096 }).detail.activations_per_layer;
    // linear in sequence length: doubling s doubles the per-layer bytes (no s² term)
    expect(s2).toBe(2 * est({ attention: 'sdpa' }).detail.activations_per_layer);
  });

  it('LoRA trains a tiny fraction and drops gradients and optimizer state', () => {
    const e = est({ peft: { method: 'lora', r: 16, alpha: 32, targets: ['all-linear'], dropout: 0.05 } });
    expect(e.params.trainable / e.params.total).toBeLessThan(0.01);
    expect(e.per_gpu.optimizer_states).toBeLessThan(est({}).per_gpu.optimizer_states / 50);
  });

  it('activations scale linearly with micro-batch and include logits', () => {
    const a1 = est({ micro_batch: 1 }).detail.activations_saved;
    // everything but the batch-independent rotary tables and 0-dim scalars scales with the batch
    expect(Math.abs(est({ micro_batch: 2 }).detail.activations_saved / (2 * a1) - 1)).toBeLessThan(1e-4);
    expect(est({}).detail.logits).toBe(4 * 2048 * 32000 * 2);
  });

  it('master weights keep an fp32 copy in optimizer_states', () => {
    const e = est({ amp_style: 'master_weights' });
    expect(e.per_gpu.weights).toBe(2 * e.params.total);
    expect(e.detail.master_weight_bytes).toBe(4 * e.params.trainable);
  });

  it('DDP adds a gradient-sized bucket buffer and scales FLOPs with GPUs', () => {
    const one = est({});
    const eight = est({ gpus: 8 });
    expect(eight.detail.ddp_grad_buckets).toBe(one.per_gpu.gradients);
    expect(eight.flops_per_step).toBe(8 * one.flops_per_step);
    // 6N per token plus attention, Kaplan et al. 2020
    expect(one.flops_per_step).toBeGreaterThan(6 * 6.7e9 * 4 * 2048);
    // recomputation reruns the decoder layers (not the LM head): a little under 8N/6N
    const ratio = est({ grad_checkpointing: true }).flops_per_step / one.flops_per_step;
    expect(ratio).toBeGreaterThan(1.3);
    expect(ratio).toBeLessThan(4 / 3);
  });
});

describe('fitFixes', () => {
  it('offers checkpointing first-class, only applicable fixes, sorted by saving', () => {
    const fixes = fitFixes(job, TEST_GPU);
    const ids = fixes.map((f) => f.id);
    expect(ids).toContain('enable-gradient-checkpointing');
    expect(ids).toContain('use-lora');
    expect(ids).not.toContain('use-bf16-mixed'); // already bf16
    const savings = fixes.map((f) => f.saves_bytes);
    expect([...savings].sort((a, b) => b - a)).toEqual(savings);
    for (const f of fixes) expect(f.saves_bytes).toBe(estimate(job, TEST_GPU).per_gpu.total - f.estimate.per_gpu.total);
  });

  it('skips fixes already applied', () => {
    const done = fitFixes({ ...job, grad_checkpointing: true, attention: 'sdpa', micro_batch: 1 }, TEST_GPU).map((f) => f.id);
    expect(done).not.toContain('enable-gradient-checkpointing');
    expect(done).not.toContain('use-sdpa-attention');
    expect(done).not.toContain('halve-micro-batch');
  });

  it('suggests bf16 for fp32 jobs only on GPUs with bf16', () => {
    // activation-bound job (GPT-2 124M, 8×1024 tokens): autocast halves most activations
    const fp32: TrainingJob = {
      ...job,
      precision: 'fp32',
      model: { ...job.model, family: 'gpt2', hidden_size: 768, intermediate_size: 3072, num_layers: 12, num_heads: 12, num_kv_heads: 12, vocab_size: 50257, max_position_embeddings: 1024, tie_word_embeddings: true },
      micro_batch: 8,
      seq_len: 1024,
    };
    expect(fitFixes(fp32, TEST_GPU).map((f) => f.id)).toContain('use-bf16-mixed');
    expect(fitFixes(fp32, { ...TEST_GPU, bf16: false }).map((f) => f.id)).not.toContain('use-bf16-mixed');
  });
});
