/**
 * The small simulations against hand-worked cases and published figures: FlashAttention's tile sizes and HBM
 * traffic (Dao et al. 2022), fp16/bf16 limits and the two loss scalers' rules, quantization error ordering, and the
 * pipeline bubble (p − 1)/(m + p − 1).
 */
import { describe, expect, it } from 'vitest';
import { findGpu } from '../../estimator/src/catalog';
import { estimate } from '../../estimator/src/estimate';
import { simulations } from '../../estimator/src/sim';
import { fa2Supported, flashBlockSizes, flashNumericalCheck, flashTiling, hbmAccesses } from '../../estimator/src/sim/flash';
import { BF16, FP16, GRAD_SCALER_DEFAULTS, scalerOf, simulateLossScaling } from '../../estimator/src/sim/loss-scaling';
import { simulatePipeline } from '../../estimator/src/sim/pipeline';
import { errorOf, klThreshold, NF4_LEVELS, quantizationErrors, syntheticWeights } from '../../estimator/src/sim/quantization-error';
import type { TrainingJob } from '../../estimator/src/types';

const gpu = (id: string) => findGpu(id)!;
const llama7b = {
  id: 'llama-7b', family: 'llama', hidden_size: 4096, intermediate_size: 11008, num_layers: 32, num_heads: 32, num_kv_heads: 32,
  vocab_size: 32000, max_position_embeddings: 4096, tie_word_embeddings: false,
} as const;
const job: TrainingJob = {
  model: { ...llama7b }, micro_batch: 1, grad_accum: 1, seq_len: 2048, precision: 'bf16-mixed', amp_style: 'autocast',
  optimizer: 'adamw', grad_checkpointing: false, attention: 'flash', peft: null, gpus: 1,
};

describe('FlashAttention tiling (Dao et al. 2022, Algorithm 1)', () => {
  it("A100's 192 KB SRAM per SM: M = 98304 16-bit elements; d = 64 gives Bc = 384, Br = 64; d = 128 gives Bc = 192, Br = 128", () => {
    expect(gpu('A100-80GB').sram_bytes_per_sm).toBe(192 * 1024);
    expect(flashBlockSizes(64, 98304)).toEqual({ block_rows: 64, block_cols: 384 });
    expect(flashBlockSizes(128, 98304)).toEqual({ block_rows: 128, block_cols: 192 });
    const t = flashTiling(job, gpu('A100-80GB'))!;
    expect([t.head_dim, t.block_rows, t.block_cols]).toEqual([128, 128, 192]);
  });

  it('standard attention makes 4Nd + 4N² accesses, tiled 2Nd + ⌈N/Bc⌉(3Nd + 4N)', () => {
    expect(hbmAccesses(4, 2, 2)).toEqual({ standard: 4 * 4 * 2 + 4 * 16, tiled: 2 * 8 + 2 * (3 * 8 + 16) });
    const { standard, tiled } = hbmAccesses(2048, 128, 192);
    expect(tiled).toBeLessThan(standard);
    // Θ(N²d²/M) against Θ(Nd + N²): the longer the sequence or the larger the SRAM, the bigger the saving
    expect(standard / tiled).toBeLessThan(hbmAccesses(2048, 64, 384).standard / hbmAccesses(2048, 64, 384).tiled);
    expect(hbmAccesses(8192, 128, 192).tiled / tiled).toBeGreaterThan(12);
  });

  it('tiled online softmax matches standard attention to fp32 rounding', () => {
    expect(flashNumericalCheck(64, 16, 8, 16)).toBeLessThan(1e-5);
    expect(flashNumericalCheck(96, 32, 32, 24)).toBeLessThan(1e-5);
    expect(flashNumericalCheck(64, 16, 8, 16)).toBeGreaterThan(0);
  });

  it('FlashAttention-2 needs Ampere or newer: not V100 or T4', () => {
    expect(fa2Supported(gpu('V100-32GB'))).toBe(false);
    expect(fa2Supported(gpu('T4'))).toBe(false);
    expect(fa2Supported(gpu('A100-80GB'))).toBe(true);
    expect(fa2Supported(gpu('RTX-4090'))).toBe(true);
    expect(fa2Supported(gpu('H100-SXM-80GB'))).toBe(true);
  });
});

describe('quantization error', () => {
  const w = syntheticWeights(32, 4096);
  const e = quantizationErrors(32, 4096);

  it('SQNR and relative error agree (SQNR = −20·log10(relative error)), and a perfect copy has no error', () => {
    for (const x of Object.values(e)) expect(x.sqnr_db).toBeCloseTo(-20 * Math.log10(x.relative_error), 6);
    expect(errorOf(w, w).relative_error).toBe(0);
  });

  it('per-channel scales beat one scale; 8 bits beat 4; NF4 blocks of 64 beat INT4 groups of 128; double quant costs little', () => {
    expect(e.int8_absmax_per_channel.sqnr_db).toBeGreaterThan(e.int8_absmax_per_tensor.sqnr_db);
    expect(e.int8_absmax_per_channel.sqnr_db).toBeGreaterThan(e.nf4_block64.sqnr_db);
    expect(e.nf4_block64.sqnr_db).toBeGreaterThan(e.int4_group128.sqnr_db);
    const dq = e.nf4_block64.sqnr_db - e.nf4_block64_double_quant.sqnr_db;
    expect(dq).toBeGreaterThanOrEqual(0);
    expect(dq).toBeLessThan(0.5);
  });

  it('per-tensor INT8 absmax SQNR follows the uniform-noise model: step = max/127, noise = step²/12', () => {
    let max = 0;
    let power = 0;
    for (const x of w) [max, power] = [Math.max(max, Math.abs(x)), power + x * x];
    const step = max / 127;
    const predicted = 10 * Math.log10(power / w.length / (step * step / 12));
    expect(e.int8_absmax_per_tensor.sqnr_db).toBeCloseTo(predicted, 0);
  });

  it('calibration clips: the 99.99th percentile helps, but KL (built for activations) clips the outlier features and loses SQNR on weights', () => {
    let max = 0;
    for (const x of w) max = Math.max(max, Math.abs(x));
    expect(klThreshold(w)).toBeLessThan(max);
    expect(e.int8_percentile_per_tensor.sqnr_db).toBeGreaterThan(e.int8_absmax_per_tensor.sqnr_db);
    expect(e.int8_kl_per_tensor.sqnr_db).toBeLessThan(e.int8_absmax_per_tensor.sqnr_db);
  });

  it('NF4 has 16 levels from −1 to 1 with an exact zero', () => {
    expect(NF4_LEVELS).toHaveLength(16);
    expect([NF4_LEVELS[0], NF4_LEVELS[7], NF4_LEVELS[15]]).toEqual([-1, 0, 1]);
  });
});

describe('loss scaling', () => {
  it('fp16 and bf16 limits', () => {
    expect(FP16.max).toBe(65504);
    expect(FP16.min_normal).toBeCloseTo(6.1e-5, 6);
    expect(FP16.min_subnormal).toBeCloseTo(5.96e-8, 9);
    expect(BF16.max).toBeCloseTo(3.39e38, -35);
    expect(BF16.min_normal).toBeCloseTo(1.18e-38, 40);
  });

  it('GradScaler: each overflow halves the scale and skips the step; 2000 clean steps double it', () => {
    const trace = Float64Array.from([4, 4, 1, ...new Array(2000).fill(0.01)]);
    const s = simulateLossScaling(GRAD_SCALER_DEFAULTS, trace);
    // 4 × 65536 overflows → 32768; 4 × 32768 overflows → 16384; 1 × 16384 fits
    expect(s.skipped_steps).toBe(2);
    expect(s.skipped_at_start).toBe(2);
    expect(s.steady_scale).toBe(32768);
  });

  it('DeepSpeed: hysteresis 2 lets one overflow pass before the scale halves; min_loss_scale floors it', () => {
    const ds = scalerOf({ ...job, precision: 'fp16-mixed', zero: { stage: 2, offload_optimizer: 'none', offload_param: 'none' }, loss_scale: { initial_scale_power: 4, min_loss_scale: 8 } });
    expect(ds).toMatchObject({ kind: 'deepspeed', init_scale: 16, growth_interval: 1000, hysteresis: 2, min_scale: 8 });
    const s = simulateLossScaling(ds, Float64Array.from([1e5, 1e5, 1e5, 1e5]));
    // 1st overflow spends the hysteresis, 2nd halves 16 → 8, later ones stay at the floor
    expect(s.skipped_steps).toBe(4);
    expect(s.steady_scale).toBe(8);
  });

  it("applies to fp16 jobs only; the job's run skips a few steps at the start, then settles", () => {
    const est = (j: TrainingJob) => simulations(j, gpu('V100-32GB'), estimate(j, gpu('V100-32GB')));
    expect(est(job).loss_scaling).toBeUndefined();
    const s = est({ ...job, precision: 'fp16-mixed', attention: 'sdpa' }).loss_scaling!;
    expect(s.skipped_at_start).toBeGreaterThan(0);
    expect(s.skipped_at_start).toBeLessThan(10);
    expect(s.steady_scale).toBeGreaterThan(1);
  });
});

describe('pipeline schedule', () => {
  it('bubble (p − 1)/(m + p − 1) for GPipe and 1F1B alike (Narayanan et al. 2021)', () => {
    for (const [p, m] of [[4, 8], [2, 2], [8, 32], [4, 1]]) {
      for (const schedule of ['gpipe', '1f1b'] as const) {
        const s = simulatePipeline(schedule, p, m);
        expect(s.bubble_formula).toBeCloseTo((p - 1) / (m + p - 1), 12);
        expect(s.bubble_fraction).toBeCloseTo(s.bubble_formula, 12);
      }
    }
  });

  it('GPipe holds every micro-batch on every stage; 1F1B holds p − i on stage i', () => {
    expect(simulatePipeline('gpipe', 4, 8).in_flight_per_stage).toEqual([8, 8, 8, 8]);
    expect(simulatePipeline('1f1b', 4, 8).in_flight_per_stage).toEqual([4, 3, 2, 1]);
    expect(simulatePipeline('1f1b', 4, 2).in_flight_per_stage).toEqual([2, 2, 2, 1]);
    expect(simulatePipeline('1f1b', 4, 8).worst_stage).toBe(0);
  });

  it('agrees with what the estimate assumes in flight for the first stage', () => {
    const j: TrainingJob = { ...job, gpus: 4, parallel: { tensor: 1, pipeline: 4, sequence_parallel: false, expert: 1, pipeline_schedule: '1f1b', pipeline_micro_batches: 8 } };
    const e = estimate(j, gpu('A100-80GB'));
    const sim = simulations(j, gpu('A100-80GB'), e).pipeline!;
    if (e.parallel!.stage === 'first') expect(sim.in_flight_per_stage[0]).toBe(e.parallel!.micro_batches_in_flight);
    expect(sim.schedule).toBe('1f1b');
  });
});

describe('bad input stays fast and finite', () => {
  it('a huge pipeline falls back to the closed forms; absurd widths are sampled', () => {
    const big = simulatePipeline('1f1b', 512, 100000);
    expect(big.bubble_fraction).toBeCloseTo(511 / (100000 + 511), 12);
    expect(big.in_flight_per_stage[0]).toBe(512);
    expect(big.makespan).toBe(3 * (100000 + 511));
    const wide = { ...job, model: { ...job.model, hidden_size: 10_000_000, num_heads: 1 } };
    const quantized: TrainingJob = { ...wide, quantization: { method: 'nf4', bits: 4, double_quant: true, compute_dtype: 'bf16', kbit_prepared: true } };
    const sims = simulations(quantized, gpu('A100-80GB'), estimate({ ...job, micro_batch: 1 }, gpu('A100-80GB')));
    expect(sims.flash_attention!.head_dim).toBe(10_000_000);
    expect(sims.quantization!.cols).toBe(16384);
  });
});
