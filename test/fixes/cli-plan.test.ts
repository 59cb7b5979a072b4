/** `trainlens plan`: the planner from the bundled CLI, as text and as the documented JSON contract. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/helpers';

const TRAINER = join(__dirname, 'fixtures', 'trainer');
const GiB = 2 ** 30;

describe('trainlens plan', () => {
  it('--json: plans best first with title, changes, per-GPU total, fit and step time', () => {
    const run = runCli(['plan', 'finetune.py', '--gpu', 'A100-80GB', '--gpus', '1', '--json'], TRAINER);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout) as { gpu: string; gpus: number; before_bytes: number; plans: { title: string; changes: { id: string; label: string }[]; per_gpu_total_bytes: number; fits: boolean; step_time_s: number }[] };
    expect(report).toMatchObject({ gpu: 'A100-80GB', gpus: 1 });
    expect(report.before_bytes).toBeGreaterThan(80 * GiB);
    expect(report.plans.length).toBeGreaterThan(1);
    for (const plan of report.plans) {
      expect(Object.keys(plan).sort()).toEqual(['changes', 'fits', 'per_gpu_total_bytes', 'step_time_s', 'title']);
      expect(plan.fits).toBe(true);
      expect(plan.per_gpu_total_bytes).toBeLessThanOrEqual(80 * GiB);
      expect(plan.title).toBe(plan.changes.map((c) => c.label).join(' + '));
    }
    // exact changes first, each tier fastest first
    const tiers = report.plans.map((p) => (p.changes.some((c) => c.id === 'shorten-sequence') ? 2 : p.changes.some((c) => /lora/.test(c.id)) ? 1 : 0));
    expect([...tiers].sort()).toEqual(tiers);
  });

  it('text: one line per plan with memory and step time; a script without a job says so', () => {
    const run = runCli(['plan', 'finetune.py', '--gpu', 'H100-SXM-80GB', '--gpus', '8'], TRAINER);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^finetune\.py on 8 × H100-SXM-80GB: needs [\d.]+ GiB per GPU of 80\.0 GiB\n1\. /);
    expect(run.stdout).toMatch(/\n {3}[\d.]+ GiB per GPU, fits, [\d.]+ s per step/);
    const none = runCli(['plan', join('..', 'loop', 'missing.py')], TRAINER);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('no such file');
    expect(runCli(['plan', 'a.py', 'b.py'], TRAINER).status).toBe(2);
  });
});
