/**
 * Memory fixes save memory: every single change offered saves at least MIN_MEMORY_SAVING_BYTES (a tenth of a
 * GiB, the precision of fix titles), on jobs where some candidate changes save nothing (bf16 for fp16, paged
 * 8-bit AdamW beside 8-bit AdamW, attention on short sequences).
 */
import { describe, expect, it } from 'vitest';
import { findGpu, findModel } from '../../estimator/src/catalog';
import { estimate } from '../../estimator/src/estimate';
import { fitFixes } from '../../estimator/src/fixes';
import { MIN_MEMORY_SAVING_BYTES } from '../../estimator/src/planner-changes';
import type { TrainingJob } from '../../estimator/src/types';

const base: TrainingJob = {
  model: findModel('meta-llama/Llama-2-7b-hf')!, micro_batch: 8, grad_accum: 1, seq_len: 2048,
  precision: 'fp16-mixed', amp_style: 'autocast', optimizer: 'adamw', grad_checkpointing: false, attention: 'eager',
  peft: null, gpus: 1, grad_scaler: true,
};
const JOBS: [string, TrainingJob][] = [
  ['fp16 full fine-tune', base],
  ['short sequences with SDPA', { ...base, seq_len: 128, micro_batch: 1, attention: 'sdpa' }],
  ['LoRA with checkpointing', { ...base, peft: { method: 'lora', r: 16, alpha: 32, targets: ['q_proj', 'v_proj'], dropout: 0.05 }, grad_checkpointing: true }],
];

describe('fitFixes', () => {
  it.each(JOBS)('%s: each fix saves at least a tenth of a GiB, as its estimate shows', (_, job) => {
    const gpu = findGpu('A100-80GB')!;
    const before = estimate(job, gpu).per_gpu.total;
    const fixes = fitFixes(job, gpu);
    for (const fix of fixes) {
      expect(before - fix.estimate.per_gpu.total, fix.title).toBeGreaterThanOrEqual(MIN_MEMORY_SAVING_BYTES);
      expect(fix.saves_bytes).toBe(before - fix.estimate.per_gpu.total);
    }
    expect(fixes.map((f) => f.title).join('\n')).not.toMatch(/bf16 instead of fp16/);
  });

  it('replays the step only for changes within capacity: the rest keep the full estimate\'s total and verdict', () => {
    const gpu = findGpu('A100-80GB')!;
    const fixes = fitFixes({ ...base, micro_batch: 1, seq_len: 512 }, gpu); // LoRA and QLoRA fit, the rest do not
    expect(fixes.some((f) => f.estimate.per_gpu.total > gpu.memory_bytes)).toBe(true);
    expect(fixes.some((f) => f.estimate.per_gpu.total <= gpu.memory_bytes)).toBe(true);
    for (const fix of fixes) {
      const full = estimate(fix.job, gpu);
      const within = fix.estimate.per_gpu.total <= gpu.memory_bytes;
      expect(fix.estimate.timeline !== undefined, fix.title).toBe(within);
      expect({ total: fix.estimate.per_gpu.total, fits: fix.estimate.fits, step: fix.estimate.compute?.step_time_s })
        .toEqual({ total: full.per_gpu.total, fits: full.fits, step: full.compute?.step_time_s });
      if (within) expect(fix.estimate).toEqual(full);
    }
  });
});
