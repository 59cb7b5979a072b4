/**
 * forward.ts replays the first decoder layers op by op until one saves as every later layer will, then repeats its
 * record for the others (golden.test.ts shows the figures are unchanged by it): every job of the golden matrix
 * reaches that point by its third layer (the second, unless only layer 1's input requires grad and so layer 1 is
 * the first to save the rotary tables: LLaMA with adapters or prefix tuning).
 */
import { describe, expect, it } from 'vitest';
import { forwardSpecOf } from '../../../estimator/src/activations';
import { countForward } from '../../../estimator/src/forward';
import { precisionPlan } from '../../../estimator/src/precision';
import { gpt2, job } from '../models';
import { goldenCases } from './jobs';

describe('decoder layers repeated from layer 1', () => {
  it('replays at most three layers for every training job of the golden matrix', () => {
    const jobs = goldenCases().filter((c) => !c.job.inference).map((c) => c.job);
    expect(jobs.length).toBeGreaterThan(1000);
    const replayed = jobs.map((job) => countForward(forwardSpecOf(job, precisionPlan(job))).replayed_layers);
    jobs.forEach((job, i) => expect(replayed[i], `${job.model.id} ${job.model.num_layers} layers`).toBeLessThanOrEqual(3));
    expect(replayed.filter((n) => n === 2).length).toBeGreaterThan(0.9 * jobs.length);
  });

  it('attributes to every later layer the bytes the steady layer saved', () => {
    const j = job(gpt2, { micro_batch: 2, seq_len: 128, precision: 'bf16-mixed' });
    const phases = countForward(forwardSpecOf(j, precisionPlan(j))).tape.bytesByPhase();
    const layers = [...phases].filter(([p]) => p.startsWith('layers'));
    expect(layers.map(([p]) => p)).toEqual(Array.from({ length: gpt2.num_layers }, (_, i) => `layers[${i}]`));
    for (const [, n] of layers.slice(2)) expect(n).toBe(phases.get('layers[1]'));
  });
});
