/**
 * Regression pin for speed work on the estimator: the estimate of every job in jobs.ts, and the planner's plans
 * for its jobs, must stay bit-identical to those recorded in estimates.json (written from the estimator before
 * the speed changes). Each estimate is compared by its total and saved activations (readable on failure) and by a
 * SHA-256 digest of its whole JSON (every component, detail figure, note and step-timeline point).
 * After a change that is meant to alter results, rewrite the record with TRAINLENS_WRITE_GOLDEN=1 and review its diff.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { estimate } from '../../../estimator/src/estimate';
import { planFits } from '../../../estimator/src/planner';
import type { Estimate } from '../../../estimator/src/types';
import { goldenCases, plannerCases } from './jobs';

interface EstimateRecord { id: string; total?: number; activations_saved?: number; digest?: string; error?: string }
interface PlanRecord { id: string; estimates: number; full_estimates: number; plans: { title: string; total: number; step_time_s: number; digest: string }[] }
interface Golden { estimates: EstimateRecord[]; plans: PlanRecord[] }

const FILE = resolve(__dirname, 'estimates.json');
const digest = (e: Estimate) => createHash('sha256').update(JSON.stringify(e)).digest('hex').slice(0, 32);

function record(id: string, run: () => Estimate): EstimateRecord {
  try {
    const e = run();
    return { id, total: e.per_gpu.total, activations_saved: e.detail.activations_saved, digest: digest(e) };
  } catch (err) {
    return { id, error: String(err) };
  }
}

function current(): Golden {
  return {
    estimates: goldenCases().map((c) => record(c.id, () => estimate(c.job, c.gpu))),
    plans: plannerCases().map((c) => {
      const r = planFits(c.job, c.gpu, { limit: 3 });
      return {
        id: c.id, estimates: r.estimates, full_estimates: r.full_estimates,
        plans: r.plans.map((p) => ({ title: p.title, total: p.estimate.per_gpu.total, step_time_s: p.step_time_s, digest: digest(p.estimate) })),
      };
    }),
  };
}

const writing = process.env.TRAINLENS_WRITE_GOLDEN === '1';

describe('estimates and plans are unchanged', () => {
  const now = current();
  if (writing) writeFileSync(FILE, `${JSON.stringify(now, null, 1)}\n`);
  const golden: Golden = existsSync(FILE) ? JSON.parse(readFileSync(FILE, 'utf8')) : { estimates: [], plans: [] };

  it('covers every job it pins', () => {
    expect(now.estimates.map((r) => r.id)).toEqual(golden.estimates.map((r) => r.id));
    expect(now.plans.map((r) => r.id)).toEqual(golden.plans.map((r) => r.id));
    expect(golden.estimates.filter((r) => r.digest).length).toBeGreaterThan(1000);
  });

  it('every estimate', () => {
    const byId = new Map(golden.estimates.map((r) => [r.id, r]));
    for (const r of now.estimates) expect(r, r.id).toEqual(byId.get(r.id));
  });

  it('every plan search: candidates counted, plans, their full estimates', () => {
    const byId = new Map(golden.plans.map((r) => [r.id, r]));
    for (const r of now.plans) expect(r, r.id).toEqual(byId.get(r.id));
  });
});
