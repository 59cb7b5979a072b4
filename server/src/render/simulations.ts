/**
 * One line per simulation for the hover (estimator/src/sim/), and the cache that keeps hovers from re-running
 * them: the simulations are pure functions of the job and the GPU, so the last few results are kept by that key.
 */
import { simulations, type Simulations } from '../../../estimator/src/sim';
import type { QuantScheme } from '../../../estimator/src/sim/quantization-error';
import type { Analysis } from '../analysis/types';
import { code } from './markdown';
import { gib } from './units';

const CACHE_SIZE = 16;
const cache = new Map<string, Simulations>();

/** The simulations of an analysed training job (none without a job or an estimate). */
export function simulationsOf(analysis: Pick<Analysis, 'job' | 'estimate' | 'gpu'>): Simulations | undefined {
  const { job, estimate, gpu } = analysis;
  if (!job || !estimate) return undefined;
  const key = JSON.stringify([job, gpu.id]);
  let sims = cache.get(key);
  if (!sims) {
    sims = simulations(job, gpu, estimate);
    cache.set(key, sims);
    if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  }
  return sims;
}

const SCHEME_LABEL: Record<QuantScheme, string> = {
  int8_absmax_per_tensor: 'INT8 absmax per tensor',
  int8_percentile_per_tensor: 'INT8 99.99th percentile',
  int8_kl_per_tensor: 'INT8 KL calibration',
  int8_asymmetric_per_tensor: 'INT8 asymmetric',
  int8_absmax_per_channel: 'INT8 per channel',
  nf4_block64: 'NF4 block 64',
  nf4_block64_double_quant: 'NF4 block 64 + double quant',
  int4_group128: 'INT4 group 128',
};

const pow2 = (x: number): string => (x > 0 && Number.isInteger(Math.log2(x)) ? `2^${Math.log2(x)}` : String(x));

/** The simulations' one-line results, as a Markdown paragraph ('' when none applies). */
export function simulationLines(analysis: Pick<Analysis, 'job' | 'estimate' | 'gpu'>): string {
  const s = simulationsOf(analysis);
  if (!s) return '';
  const lines: string[] = [];
  const t = s.timeline;
  if (t) {
    const oom = t.oom_at ? `; the allocator runs out of memory at ${code(t.oom_at)}` : '';
    lines.push(`Step timeline: peak ${gib(t.peak_allocated_bytes)} allocated, ${gib(t.peak_reserved_bytes)} reserved, at ${code(t.peak_at)} (${gib(t.start_allocated_bytes)} held between steps)${oom}`);
  }
  const f = s.flash_attention;
  if (f && analysis.job?.attention !== 'eager') {
    const support = f.fa2_supported ? '' : `; no FlashAttention-2 kernels on ${analysis.gpu.id}`;
    lines.push(`FlashAttention tiles ${f.block_rows} × ${f.block_cols} (head dim ${f.head_dim}, ${analysis.gpu.sram_bytes_per_sm! / 1024} KiB SRAM per SM): HBM traffic ${gib(f.hbm_bytes_tiled)} vs ${gib(f.hbm_bytes_standard)} for standard attention per layer forward; tiled vs standard max error ${f.max_abs_error.toExponential(1)}${support}`);
  }
  const q = s.quantization;
  if (q) {
    const shown: QuantScheme[] = [...new Set([q.job_scheme, 'int8_absmax_per_channel', 'nf4_block64_double_quant', 'int4_group128'].filter((x): x is QuantScheme => !!x))];
    const parts = shown.map((k) => `${SCHEME_LABEL[k]}${k === q.job_scheme ? ' (this job)' : ''} ${q.schemes[k].sqnr_db.toFixed(1)} dB`);
    lines.push(`Quantization error, SQNR on synthetic ${q.rows} × ${q.cols} weights with outlier features: ${parts.join(', ')}`);
  }
  const l = s.loss_scaling;
  if (l) {
    const c = l.scaler;
    const scaler = c.kind === 'deepspeed' ? `DeepSpeed dynamic loss scale, window ${c.growth_interval}, hysteresis ${c.hysteresis}, min ${pow2(c.min_scale)}` : c.kind === 'deepspeed_static' ? 'DeepSpeed static loss scale' : 'GradScaler';
    lines.push(`fp16 loss scaling (${scaler}, start ${pow2(l.scaler.init_scale)}): ${l.skipped_at_start} steps skipped at the start, ${l.skipped_steps} in ${l.steps}; scale settles at ${pow2(l.steady_scale)} (fp16 max 65504, smallest normal 6.1e-5; bf16 needs no scaling)`);
  }
  const p = s.pipeline;
  if (p) {
    lines.push(`Pipeline ${p.schedule === 'gpipe' ? 'GPipe' : '1F1B'}, ${p.stages} stages × ${p.micro_batches} micro-batches: bubble ${(100 * p.bubble_fraction).toFixed(0)}% ((p − 1)/(m + p − 1)); micro-batches in flight per stage ${p.in_flight_per_stage.join(', ')}`);
  }
  return lines.join('  \n');
}
