/**
 * The `explain --json` contract for the estimate fields added by issue 3: per_gpu peaks and KV cache, host
 * memory, compute, job.inference and job.total_steps; the job's sharding, scaling and quantization
 * fields (issue 4); on a real estimate and through the bundled CLI.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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

describe('jsonReport job fields', () => {
  const full: TrainingJob = {
    ...job, precision: 'fp16-mixed', amp_style: 'master_weights', gpus: 8, checkpointing_mode: 'selective', grad_scaler: true, tf32: true,
    zero: { stage: 3, offload_optimizer: 'cpu', offload_param: 'none', reduce_bucket_size: 5e8 },
    parallel: { tensor: 2, pipeline: 1, sequence_parallel: false, expert: 1, pipeline_schedule: '1f1b', pipeline_micro_batches: 1 },
    quantization: { method: 'nf4', bits: 4, double_quant: true, compute_dtype: 'bf16', kbit_prepared: true },
    loss_scale: { loss_scale: 0, initial_scale_power: 16, loss_scale_window: 1000, hysteresis: 2, min_loss_scale: 1 },
    total_steps: 100,
  };

  it('every TrainingJob field the job sets is printed, with the job\'s value', () => {
    const r = reportOf(full);
    for (const [key, value] of Object.entries(full)) {
      if (key === 'model') continue;
      expect(r.job, key).toHaveProperty(key);
      expect(r.job[key], key).toEqual(value);
    }
    for (const key of ['max_position_embeddings', 'tie_word_embeddings'] as const) expect(r.job.model[key]).toEqual(full.model[key]);
  });

  it('fields a job does not state are null, never left out', () => {
    const fsdp = reportOf({ ...job, fsdp: { strategy: 'FULL_SHARD', cpu_offload: true } }).job;
    expect(fsdp.fsdp).toEqual({ strategy: 'FULL_SHARD', cpu_offload: true });
    for (const key of ['zero', 'parallel', 'quantization', 'loss_scale', 'grad_scaler', 'tf32', 'checkpointing_mode', 'inference', 'total_steps']) {
      expect(fsdp[key], key).toBeNull();
    }
    expect(fsdp.model).toMatchObject({ num_experts: null, experts_per_token: null, moe_intermediate_size: null });
  });
});

describe('trainlens explain --json (bundled CLI)', () => {
  it('prints the DeepSpeed config\'s zero and loss_scale in job', () => {
    const fixture = join(__dirname, '../fixtures/scripts/u1-trainer-ds-static-loss-scale');
    const read = (name: string) => readFileSync(join(fixture, name), 'utf8');
    const root = makeTree({ 'finetune.py': read('finetune.py'), 'ds_config_static.json': read('ds_config_static.json') });
    const run = runCli(['explain', 'finetune.py', '--json', '--gpu', 'T4', '--gpus', '2'], root);
    expect(run.status, run.stderr).not.toBe(2);
    const r = JSON.parse(run.stdout);
    expect(r.job).toMatchObject({ amp_style: 'master_weights', grad_scaler: true, fsdp: null, quantization: null });
    expect(r.job.zero).toMatchObject({ stage: 2, reduce_bucket_size: 200000000, allgather_bucket_size: 200000000 });
    expect(r.job.loss_scale).toMatchObject({ loss_scale: 1024, min_loss_scale: 1 });
  });

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
