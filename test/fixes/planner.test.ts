/**
 * The planner's pruned search (component sums first, full estimates only for candidates whose sum fits) against
 * a brute force that fully estimates every coherent combination of the same changes: the best plan it returns
 * is the fastest fitting combination of the lowest tier, and every plan carries the estimate a fresh estimate()
 * gives. Also the cache: the same question answers with the same result, another set of changes searches anew.
 */
import { describe, expect, it } from 'vitest';
import { findGpu, findModel } from '../../estimator/src/catalog';
import { estimate } from '../../estimator/src/estimate';
import { planFits } from '../../estimator/src/planner';
import { isCoherent, jobChanges, type ChangeGroup, type JobChange } from '../../estimator/src/planner-changes';
import type { Gpu, TrainingJob } from '../../estimator/src/types';

const job: TrainingJob = {
  model: findModel('Qwen/Qwen2.5-1.5B')!, micro_batch: 8, grad_accum: 1, seq_len: 2048,
  precision: 'fp16-mixed', amp_style: 'autocast', optimizer: 'adamw', grad_checkpointing: false, attention: 'eager',
  peft: null, gpus: 2,
};
const T4 = findGpu('T4')!;
const GROUPS: ChangeGroup[] = ['checkpointing', 'micro-batch', 'optimizer', 'attention', 'zero', 'peft'];
const allowed = (c: JobChange) => GROUPS.includes(c.group);

/** Every coherent combination (one option or none per group), fully estimated; the fitting ones. */
function bruteForce(j: TrainingJob, gpu: Gpu) {
  const byGroup = new Map<ChangeGroup, JobChange[]>();
  for (const c of jobChanges(j, gpu).filter(allowed)) byGroup.set(c.group, [...(byGroup.get(c.group) ?? []), c]);
  let combos: JobChange[][] = [[]];
  for (const options of byGroup.values()) combos = combos.flatMap((combo) => [combo, ...options.map((o) => [...combo, o])]);
  return combos.flatMap((changes) => {
    const planned = changes.reduce((x, c) => c.apply(x), j);
    if (!isCoherent(planned, j)) return [];
    const est = estimate(planned, gpu);
    const tier = Math.max(0, ...changes.map((c) => c.tier));
    return est.fits ? [{ changes, tier, time: est.compute!.step_time_s }] : [];
  });
}

describe('planFits', () => {
  it('finds the fastest fitting combination of the lowest tier, as a search of every combination does', () => {
    expect(estimate(job, T4).fits).toBe(false);
    const fitting = bruteForce(job, T4);
    expect(fitting.length).toBeGreaterThan(0);
    const best = fitting.reduce((a, b) => (b.tier < a.tier || (b.tier === a.tier && b.time < a.time) ? b : a));
    const { plans, estimates, full_estimates } = planFits(job, T4, { allowed, limit: 3 });
    expect(plans.length).toBeGreaterThan(0);
    expect(plans[0].tier).toBe(best.tier);
    expect(plans[0].step_time_s).toBeCloseTo(best.time, 9);
    for (const plan of plans) {
      expect(plan.estimate).toEqual(estimate(plan.job, T4));
      expect(plan.estimate.fits).toBe(true);
    }
    // plans rank by tier, then step time
    for (let i = 1; i < plans.length; i++) {
      expect(plans[i].tier > plans[i - 1].tier || plans[i].step_time_s >= plans[i - 1].step_time_s).toBe(true);
    }
    expect(full_estimates).toBeLessThan(estimates);
  });

  it('answers a repeated question from its cache; other allowed changes search again', () => {
    const first = planFits({ ...job, total_steps: 7 }, T4, { allowed });
    expect(planFits({ ...job, total_steps: 7 }, T4, { allowed })).toBe(first);
    const noZero = planFits({ ...job, total_steps: 7 }, T4, { allowed: (c) => allowed(c) && c.group !== 'zero' });
    expect(noZero).not.toBe(first);
    for (const plan of noZero.plans) expect(plan.changes.some((c) => c.group === 'zero')).toBe(false);
  });
});
