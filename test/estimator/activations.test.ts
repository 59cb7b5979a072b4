/**
 * Selective checkpointing and the Korthikanti et al. 2022 per-layer formula shown beside the op-level count.
 * Korthikanti, "Reducing Activation Recomputation in Large Transformer Models", Sec. 4.1 Eq. 1: s·b·h·(34 + 5as/h)
 * bytes per layer (16-bit activations, dropout, no tensor parallelism); Sec. 4.3 (selective): 34·s·b·h.
 */
import { describe, expect, it } from 'vitest';
import { estimate } from '../../estimator/src/estimate';
import type { TrainingJob } from '../../estimator/src/types';
import { TEST_GPU } from './cases';
import { gpt2, job, llama7b } from './models';

const est = (j: TrainingJob) => estimate(j, TEST_GPU);
const selective = { grad_checkpointing: true, checkpointing_mode: 'selective' } as const;

describe('Korthikanti formula in detail', () => {
  it('is s·b·h·(34 + 5as/h) and 34·s·b·h, exactly', () => {
    const e = est(job(llama7b, { micro_batch: 2, seq_len: 2048 }));
    const sbh = 2048 * 2 * 4096;
    expect(e.detail.korthikanti_per_layer).toBe(sbh * 34 + 5 * 32 * 2048 * 2048 * 2);
    expect(e.detail.korthikanti_selective_per_layer).toBe(34 * sbh);
  });

  it('is within 25% of the op-level count for GPT-2 in fp16 (the layer shape the formula was derived for)', () => {
    // our count is larger: HF GPT-2 keeps its tanh-GELU intermediates and contiguous copies of q, k, v
    const e = est(job(gpt2, { precision: 'fp16', seq_len: 1024 }));
    const ratio = e.detail.activations_per_layer / e.detail.korthikanti_per_layer;
    expect(ratio).toBeGreaterThan(1);
    expect(ratio).toBeLessThan(1.25);
  });
});

describe('selective activation checkpointing', () => {
  it('keeps no s² tensor: per-layer bytes are linear in the sequence length', () => {
    const a = est(job(gpt2, { ...selective, seq_len: 512 })).detail.activations_per_layer;
    const b = est(job(gpt2, { ...selective, seq_len: 1024 })).detail.activations_per_layer;
    // exact but for the 0-dim scalars GELU's multiplications save (batch- and length-independent)
    expect(Math.abs(b / (2 * a) - 1)).toBeLessThan(1e-6);
  });

  it('drops exactly the attention core and recomputes it in backward', () => {
    const full = est(job(gpt2, { seq_len: 1024 })).detail;
    const sel = est(job(gpt2, { ...selective, seq_len: 1024 })).detail;
    // the core keeps q, k, v (3·s·b·h half) instead of its own tensors
    expect(full.activations_per_layer - sel.activations_per_layer).toBe(sel.recompute_layer - 3 * 1024 * 768 * 2);
    // Korthikanti's 5as²b term: the core's s²-sized tensors (here ± the copies and scalars HF's code adds)
    const s2 = 5 * 12 * 1024 * 1024;
    expect(Math.abs(sel.recompute_layer / s2 - 1)).toBeLessThan(0.1);
  });

  it('sits between full checkpointing and none', () => {
    const none = est(job(llama7b, { seq_len: 2048 })).per_gpu.activations;
    const sel = est(job(llama7b, { ...selective, seq_len: 2048 })).per_gpu.activations;
    const full = est(job(llama7b, { grad_checkpointing: true, seq_len: 2048 })).per_gpu.activations;
    expect(sel).toBeLessThan(none);
    expect(sel).toBeGreaterThan(full);
  });

  it('changes nothing for fused attention (no s² tensors to drop)', () => {
    const sdpa = est(job(llama7b, { attention: 'sdpa' })).detail.activations_saved;
    expect(est(job(llama7b, { attention: 'sdpa', ...selective })).detail.activations_saved).toBe(sdpa);
  });
});
