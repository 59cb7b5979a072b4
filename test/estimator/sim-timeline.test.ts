/**
 * The caching-allocator model on hand-worked sequences, and the step timeline against the calibration's measured
 * live bytes (details.peak_alloc: the max_memory_allocated analogue of a first step, relative to its start).
 *
 * Tolerance: 5% on the peak over the phases each case measured, with two known exceptions:
 * - 040 (LoRA, bf16, V=32000): measures a second fp32 logits-sized buffer in its forward that we do not model
 *   (-10.9%, as in calibration.test.ts);
 * - 055 (bf16 + fp32 master weights): the harness makes fp32 master gradients one tensor at a time in its optimizer
 *   step, where DeepSpeed's bf16 optimizer holds the partition's whole fp32 gradient (+24.7%).
 * The calibration ran on CPU, where torch.optim defaults to the for-loop AdamW, so the timeline replays that one.
 */
import { describe, expect, it } from 'vitest';
import { findGpu } from '../../estimator/src/catalog';
import { estimate } from '../../estimator/src/estimate';
import { CachingAllocator, roundSize, segmentSize } from '../../estimator/src/sim/allocator';
import { simulateStep } from '../../estimator/src/sim/step';
import type { TrainingJob } from '../../estimator/src/types';
import { jobOf, loadCases, TEST_GPU } from './cases';

const MiB = 2 ** 20;

describe('caching allocator model', () => {
  it('rounds requests to 512 B and sizes segments as CUDACachingAllocator does', () => {
    expect(roundSize(1)).toBe(512);
    expect(roundSize(512)).toBe(512);
    expect(roundSize(513)).toBe(1024);
    expect(segmentSize(MiB)).toBe(2 * MiB);
    expect(segmentSize(MiB + 512)).toBe(20 * MiB);
    expect(segmentSize(10 * MiB)).toBe(10 * MiB);
    expect(segmentSize(11 * MiB + 512)).toBe(12 * MiB);
  });

  it('serves small requests from one 2 MiB segment of the small pool', () => {
    const a = new CachingAllocator();
    a.malloc(600 * 1024);
    a.malloc(600 * 1024);
    a.malloc(100);
    expect(a.reserved).toBe(2 * MiB);
    expect(a.allocated).toBe(2 * 600 * 1024 + 512);
  });

  it('splits a large block only when more than 1 MiB remains', () => {
    const a = new CachingAllocator();
    a.malloc(9.5 * MiB); // a 20 MiB segment, split: 10.5 MiB stay free
    a.malloc(10 * MiB); // best fit is the 10.5 MiB remainder; 0.5 MiB left is not split off
    expect(a.reserved).toBe(20 * MiB);
    expect(a.allocated).toBe(20 * MiB);
    expect(a.segmentsCreated).toBe(1);
  });

  it('does not coalesce across segments: freed neighbours in different segments leave a new request unserved', () => {
    const a = new CachingAllocator();
    const blocks = [a.malloc(12 * MiB), a.malloc(12 * MiB), a.malloc(12 * MiB)];
    a.free(blocks[0]);
    a.free(blocks[1]);
    a.malloc(14 * MiB);
    expect(a.reserved).toBe(3 * 12 * MiB + 14 * MiB);
    expect(a.allocated).toBe(12 * MiB + 14 * MiB);
    // within a segment, freed neighbours merge and serve a request as large as both
    const b = new CachingAllocator();
    const [x, y] = [b.malloc(4 * MiB), b.malloc(4 * MiB)];
    b.free(x);
    b.free(y);
    b.malloc(8 * MiB);
    expect(b.reserved).toBe(20 * MiB);
  });

  it('releases cached segments before declaring an out-of-memory', () => {
    const a = new CachingAllocator(40 * MiB);
    a.free(a.malloc(30 * MiB));
    a.malloc(32 * MiB);
    expect(a.cacheFlushes).toBe(1);
    expect(a.ooms).toBe(0);
    expect(a.reserved).toBe(32 * MiB);
    a.malloc(32 * MiB);
    expect(a.ooms).toBe(1);
  });
});

const cases = loadCases().filter((c) => c.mode === 'run');
const EXCEPTIONS: Record<string, number> = { '040': 0.12, '055': 0.26 };

describe.skipIf(cases.length === 0)('step timeline against the calibration peak_alloc', () => {
  for (const c of cases) {
    it(c.case_id, () => {
      const peak = ((c.details.cuda_autocast_emulation ?? c.details) as { peak_alloc: { phase_peak_delta_bytes: Record<string, number> } }).peak_alloc;
      const phases = Object.keys(peak.phase_peak_delta_bytes) as ('forward' | 'backward' | 'optimizer')[];
      const measured = Math.max(...phases.map((p) => peak.phase_peak_delta_bytes[p]));
      const t = simulateStep(jobOf(c), TEST_GPU, { first_step: true, optimizer_impl: 'for-loop' });
      const simulated = Math.max(...phases.map((p) => t.phase_peaks[p])) - t.start_allocated_bytes;
      const tol = EXCEPTIONS[c.case_id.slice(0, 3)] ?? 0.05;
      expect(Math.abs(simulated / measured - 1), `${c.case_id}: measured ${measured}, simulated ${simulated}`).toBeLessThanOrEqual(tol);
    });
  }
});

const llama7b = {
  id: 'llama-7b', family: 'llama', hidden_size: 4096, intermediate_size: 11008, num_layers: 32, num_heads: 32, num_kv_heads: 32,
  vocab_size: 32000, max_position_embeddings: 4096, tie_word_embeddings: false,
} as const;
const job: TrainingJob = {
  model: { ...llama7b }, micro_batch: 1, grad_accum: 1, seq_len: 2048, precision: 'bf16-mixed', amp_style: 'autocast',
  optimizer: 'adamw', grad_checkpointing: false, attention: 'sdpa', peft: null, gpus: 1,
};
const sim = (j: Partial<TrainingJob>, gpu = TEST_GPU) => simulateStep({ ...job, ...j }, gpu);

describe('step timeline', () => {
  it('is what the estimate reports as its peaks, and is deterministic', () => {
    const e = estimate(job, TEST_GPU);
    expect(e.timeline).toEqual(sim({}));
    expect(e.per_gpu.peak_allocated).toBe(e.timeline!.peak_allocated_bytes);
    expect(e.per_gpu.peak_reserved).toBe(e.timeline!.peak_reserved_bytes);
    expect(e.timeline!.peak_reserved_bytes).toBeGreaterThanOrEqual(e.timeline!.peak_allocated_bytes);
  });

  it('names the phase of the peak and records every layer forward and backward', () => {
    const t = sim({ micro_batch: 8 });
    expect(t.peak_at).toMatch(/^(backward:|loss|optimizer)/);
    const at = t.series.map((p) => p.at);
    expect(at).toContain('forward:layer 31');
    expect(at).toContain('backward:layer 0');
    expect(at.indexOf('forward:layer 31')).toBeLessThan(at.indexOf('backward:layer 31'));
    // reserved never shrinks without empty_cache; allocated returns to the states after zero_grad
    for (let i = 1; i < t.series.length; i++) expect(t.series[i].reserved_bytes).toBeGreaterThanOrEqual(t.series[i - 1].reserved_bytes);
    expect(t.series.at(-1)!.allocated_bytes).toBe(t.start_allocated_bytes);
  });

  it('AdamW (foreach) needs a copy of its second moments at the step: the peak of a small batch is the optimizer step', () => {
    const t = sim({ micro_batch: 1, seq_len: 256 });
    expect(t.peak_at).toBe('optimizer');
    const sgd = sim({ micro_batch: 1, seq_len: 256, optimizer: 'sgd' });
    expect(sgd.peak_at).not.toBe('optimizer');
  });

  it('gradient accumulation keeps gradients through the next forward; without it they appear in backward', () => {
    const one = sim({});
    const acc = sim({ grad_accum: 4 });
    expect(one.series[0].by_component.gradients).toBe(0);
    expect(acc.series[0].by_component.gradients).toBeGreaterThan(0);
    expect(acc.peak_allocated_bytes).toBeGreaterThan(one.peak_allocated_bytes);
  });

  it('checkpointing lowers the activation peak and recomputes in backward', () => {
    const plain = sim({ micro_batch: 8 });
    const ckpt = sim({ micro_batch: 8, grad_checkpointing: true });
    const fwd = (t: typeof plain) => t.series.find((p) => p.at === 'forward:layer 31')!.by_component.activations;
    expect(fwd(ckpt)).toBeLessThan(fwd(plain) / 5);
    expect(ckpt.peak_allocated_bytes).toBeLessThan(plain.peak_allocated_bytes);
  });

  it('ZeRO-3 gathers a layer at a time: parameters in flight appear in forward and go after it', () => {
    const z3 = sim({ gpus: 8, zero: { stage: 3, offload_optimizer: 'none', offload_param: 'none' } });
    expect(z3.phase_peaks.forward).toBeGreaterThan(z3.start_allocated_bytes);
    const one = sim({});
    expect(z3.start_allocated_bytes).toBeLessThan(one.start_allocated_bytes / 4);
  });

  it('reports where the allocator runs out of memory on a small GPU, and the estimate does not fit', () => {
    const t4 = findGpu('T4')!;
    const t = sim({ micro_batch: 8 }, t4);
    expect(t.oom_at).toBeDefined();
    expect(estimate({ ...job, micro_batch: 8 }, t4).fits).toBe(false);
    expect(sim({ model: { ...llama7b, num_layers: 2, hidden_size: 512, intermediate_size: 1376, num_heads: 8, num_kv_heads: 8 } }, t4).oom_at).toBeUndefined();
  });
});

describe('step timeline on absurd input', () => {
  it('a model of 100,000 layers replays its layers in 512 groups', () => {
    const deep = sim({ model: { ...llama7b, num_layers: 100_000, hidden_size: 64, intermediate_size: 128, num_heads: 1, num_kv_heads: 1 }, seq_len: 16 });
    expect(deep.series.filter((p) => p.at.startsWith('forward:layer')).length).toBe(512);
    expect(deep.peak_allocated_bytes).toBeGreaterThan(deep.start_allocated_bytes);
  });
});
