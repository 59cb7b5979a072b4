/** Precision settings: GradScaler state, DeepSpeed loss scale, TF32 (estimator/src/precision.ts). */
import { describe, expect, it } from 'vitest';
import { estimate } from '../../estimator/src/estimate';
import { gradScalerBytes } from '../../estimator/src/precision';
import type { TrainingJob } from '../../estimator/src/types';
import { TEST_GPU } from './cases';
import { gpt2, job } from './models';

const est = (over: Partial<TrainingJob>) => estimate(job(gpt2, { precision: 'fp16-mixed', amp_style: 'autocast', ...over }), TEST_GPU);

describe('precision', () => {
  it('GradScaler: scale, growth tracker, inverse scale and one found_inf: four 4-byte tensors, named', () => {
    const plain = est({});
    const scaled = est({ grad_scaler: true });
    expect(scaled.per_gpu.optimizer_states - plain.per_gpu.optimizer_states).toBe(16);
    expect(scaled.detail.grad_scaler_bytes).toBe(16);
    expect(scaled.notes.some((n) => n.startsWith('GradScaler'))).toBe(true);
  });

  it('DeepSpeed fp16 dynamic loss scale lives on the host', () => {
    const ds = job(gpt2, { precision: 'fp16-mixed', amp_style: 'master_weights', grad_scaler: true });
    expect(gradScalerBytes(ds)).toBe(0);
    expect(estimate(ds, TEST_GPU).notes.some((n) => n.includes('host-side'))).toBe(true);
  });

  it('TF32 changes no byte and says so', () => {
    const fp32 = estimate(job(gpt2, { precision: 'fp32' }), TEST_GPU);
    const tf32 = estimate(job(gpt2, { precision: 'fp32', tf32: true }), TEST_GPU);
    expect(tf32.per_gpu.total).toBe(fp32.per_gpu.total);
    expect(tf32.notes.some((n) => n.startsWith('TF32'))).toBe(true);
  });

  it('pure half halves weights against fp32; mixed precision with autocast keeps fp32 weights', () => {
    const f32 = estimate(job(gpt2, { precision: 'fp32' }), TEST_GPU).per_gpu.weights;
    expect(estimate(job(gpt2, { precision: 'bf16' }), TEST_GPU).per_gpu.weights).toBe(f32 / 2);
    expect(estimate(job(gpt2, { precision: 'bf16-mixed' }), TEST_GPU).per_gpu.weights).toBe(f32);
  });
});
