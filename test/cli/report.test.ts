/**
 * The `explain --json` contract for the estimate fields added by issue 3: per_gpu peaks and KV cache, host
 * memory, compute, job.inference and job.total_steps; on a real estimate and through the bundled CLI.
 */
import { describe, expect, it } from 'vitest';
import { estimate, findGpu, findModel, type TrainingJob } from '../../estimator/src';
import type { Analysis } from '../../server/src/analysis/types';
import { jsonReport } from '../../server/src/cli/report';
import { makeTree, runCli } from './helpers';

const gpu = findGpu('A100-80GB')!;
const job: TrainingJob = {
  model: findModel('meta-llama/Llama-2-7b-hf')!, micro_batch: 1, grad_accum: 4, seq_len: 2048, precision: 'bf16',
  amp_style: 'autocast', optimizer: 'adamw', grad_checkpointing: true, attention: 'sdpa', peft: null, gpus: 1,
};
const analysisOf = (j: TrainingJob): Analysis => ({
  file: 'file:///w/job.py', job: j, values: {}, gpu, estimate: estimate(j, gpu), findings: [], fixes: [], assumptions: [], anchors: [],
});
const reportOf = (j: TrainingJob) => JSON.parse(JSON.stringify(jsonReport(analysisOf(j))));

describe('jsonReport estimate fields', () => {
  it('carries compute (FLOPs per token, step time, tokens/s, utilization) and the whole run when total_steps is known', () => {
    const r = reportOf({ ...job, total_steps: 500 });
    const c = r.estimate.compute;
    expect(c.flops_per_token).toBe(r.estimate.flops_per_step / c.tokens_per_step);
    expect(c.step_time_s).toBeGreaterThan(0);
    expect(c.tokens_per_s).toBeCloseTo(c.tokens_per_step / c.step_time_s, 6);
    expect(c.hardware_utilization).toBe(0.4);
    expect(c.total_time_s).toBeCloseTo(500 * c.step_time_s, 6);
    expect(r.job.total_steps).toBe(500);
    expect(reportOf(job).estimate.compute.total_time_s).toBeUndefined();
  });

  it('host is null without offload, compute and peaks are bytes when the estimator gives them', () => {
    const r = reportOf(job);
    expect(r.estimate.host === null || Number.isInteger(r.estimate.host.cpu_bytes)).toBe(true);
    for (const key of ['peak_allocated', 'peak_reserved', 'device_used'] as const) {
      const v = r.estimate.per_gpu[key];
      if (v !== undefined) expect(Number.isInteger(v)).toBe(true);
    }
  });

  it('an inference job reports its KV cache, the three peaks and job.inference', () => {
    const inference = { engine: 'hf' as const, prompt_len: 512, max_new_tokens: 128, batch: 4, kv_cache_dtype: 'bf16' as const };
    const r = reportOf({ ...job, inference });
    expect(r.job.inference).toEqual(inference);
    const p = r.estimate.per_gpu;
    expect(p.kv_cache).toBe(32 * 2 * 32 * 128 * 2 * (512 + 127) * 4);
    expect(p.peak_allocated).toBeLessThanOrEqual(p.peak_reserved);
    expect(p.peak_reserved).toBeLessThanOrEqual(p.device_used);
    expect(r.estimate.fits).toBe(p.device_used <= gpu.memory_bytes);
  });
});

describe('trainlens explain --json (bundled CLI)', () => {
  it('prints compute and keeps every earlier estimate field', () => {
    const root = makeTree({ 'train.py': '@example:llama2-7b-full-finetune.py' });
    const run = runCli(['explain', 'train.py', '--json'], root);
    expect(run.status, run.stderr).not.toBe(2);
    const r = JSON.parse(run.stdout);
    for (const key of ['per_gpu', 'capacity_bytes', 'fits', 'flops_per_step', 'detail', 'notes', 'host', 'compute']) {
      expect(r.estimate).toHaveProperty(key);
    }
    expect(r.estimate.compute.tokens_per_s).toBeGreaterThan(0);
  });
});
