/**
 * fp16 loss scaling: the formats' ranges and a simulation of dynamic loss scaling over a synthetic trace of the
 * largest gradient magnitude per step.
 *
 * Ranges (IEEE 754 binary16; bfloat16 = the top 16 bits of binary32): fp16 max 65504, smallest normal 2^-14
 * (6.1e-5), smallest subnormal 2^-24 (6.0e-8), 10 mantissa bits; bf16 max 3.39e38, smallest normal 2^-126
 * (1.2e-38), 7 mantissa bits: the fp32 exponent range, so bf16 needs no loss scaling (Micikevicius et al. 2018,
 * "Mixed Precision Training", Sec. 3.2, for why fp16 does).
 *
 * Scalers, as the libraries implement them:
 * - torch.amp.GradScaler (torch/amp/grad_scaler.py, _amp_update_scale): init_scale 2^16, growth_factor 2,
 *   backoff_factor 0.5, growth_interval 2000; an inf/NaN gradient skips the step and multiplies the scale by the
 *   backoff; growth_interval clean steps in a row multiply it by the growth factor;
 * - DeepSpeed DynamicLossScaler (deepspeed/runtime/fp16/loss_scaler.py, update_scale; ds_config fp16 keys
 *   initial_scale_power 16, loss_scale_window 1000, hysteresis 2, min_loss_scale 1): an overflow skips the step and
 *   spends one unit of hysteresis; the scale halves (not below min_loss_scale) once hysteresis is down to 1; it
 *   doubles every loss_scale_window steps since the last overflow. A static `loss_scale` > 0 (LossScaler, same file)
 *   never changes; an overflow still skips the step (the ZeRO and fp16 optimizers check overflow either way).
 *
 * The trace is an assumption, not a measurement: log10 of the step's largest gradient is normal with σ = 0.25
 * around a mean that falls from log10(2) at the first step to log10(0.05) by step 500 (large early gradients of a
 * fresh or newly unfrozen model, settling as training proceeds). A step overflows when scale × max |g| > 65504.
 */
import type { LossScaleConfig, TrainingJob } from '../types';
import { Rng } from './prng';

export const FP16 = { max: 65504, min_normal: 2 ** -14, min_subnormal: 2 ** -24, mantissa_bits: 10 } as const;
export const BF16 = { max: (2 - 2 ** -7) * 2 ** 127, min_normal: 2 ** -126, mantissa_bits: 7 } as const;

export interface ScalerSettings {
  kind: 'grad_scaler' | 'deepspeed' | 'deepspeed_static';
  init_scale: number;
  growth_factor: number;
  backoff_factor: number;
  /** Clean steps before the scale grows; 0: it never grows (a static scale). */
  growth_interval: number;
  /** DeepSpeed: overflows tolerated before the scale drops (1 for GradScaler). */
  hysteresis: number;
  min_scale: number;
}

export interface LossScalingSim {
  scaler: ScalerSettings;
  steps: number;
  skipped_steps: number;
  /** Steps skipped before the first update that was applied. */
  skipped_at_start: number;
  steady_scale: number;
  /** Scale after each of the first steps and then every `steps / 50`-th (for a chart). */
  scale_series: { step: number; scale: number }[];
}

export const GRAD_SCALER_DEFAULTS: ScalerSettings = { kind: 'grad_scaler', init_scale: 2 ** 16, growth_factor: 2, backoff_factor: 0.5, growth_interval: 2000, hysteresis: 1, min_scale: 0 };

/** The scaler the job uses: DeepSpeed's with its ds_config settings under ZeRO/DeepSpeed (loss_scale comes only from a ds_config), GradScaler otherwise. */
export function scalerOf(job: TrainingJob): ScalerSettings {
  const c: LossScaleConfig = job.loss_scale ?? {};
  if (!job.zero && !job.loss_scale) return GRAD_SCALER_DEFAULTS;
  if (c.loss_scale && c.loss_scale > 0) {
    return { kind: 'deepspeed_static', init_scale: c.loss_scale, growth_factor: 1, backoff_factor: 1, growth_interval: 0, hysteresis: 1, min_scale: c.loss_scale };
  }
  return {
    kind: 'deepspeed',
    init_scale: 2 ** (c.initial_scale_power ?? 16),
    growth_factor: 2,
    backoff_factor: 0.5,
    growth_interval: c.loss_scale_window ?? 1000,
    hysteresis: c.hysteresis ?? 2,
    min_scale: c.min_loss_scale ?? 1,
  };
}

/** Largest |gradient| per step (see the module comment). */
export function gradientTrace(steps: number, seed = 3): Float64Array {
  const rng = new Rng(seed);
  const out = new Float64Array(steps);
  for (let t = 0; t < steps; t++) {
    const mean = Math.log10(2) + (Math.log10(0.05) - Math.log10(2)) * Math.min(1, t / 500);
    out[t] = 10 ** (mean + 0.25 * rng.normal());
  }
  return out;
}

export function simulateLossScaling(s: ScalerSettings, trace: Float64Array): LossScalingSim {
  let scale = s.init_scale;
  let hysteresis = s.hysteresis;
  let clean = 0;
  let skipped = 0;
  let atStart = 0;
  let applied = false;
  const series: { step: number; scale: number }[] = [];
  const every = Math.max(1, Math.floor(trace.length / 50));
  for (let t = 0; t < trace.length; t++) {
    if (trace[t] * scale > FP16.max) {
      skipped++;
      if (!applied) atStart++;
      clean = 0;
      if (hysteresis <= 1) scale = Math.max(scale * s.backoff_factor, s.min_scale);
      else hysteresis--;
    } else {
      applied = true;
      // DeepSpeed restores hysteresis only when the window completes (consecutive_hysteresis false, the default)
      if (++clean % s.growth_interval === 0 && s.growth_interval > 0) {
        scale *= s.growth_factor;
        hysteresis = s.hysteresis;
      }
    }
    if (t < 20 || t % every === 0) series.push({ step: t + 1, scale });
  }
  return { scaler: s, steps: trace.length, skipped_steps: skipped, skipped_at_start: atStart, steady_scale: scale, scale_series: series };
}

/** Steps simulated: past one GradScaler growth interval, so that growth shows. */
const STEPS = 3000;

export function lossScalingSim(job: TrainingJob): LossScalingSim {
  return simulateLossScaling(scalerOf(job), gradientTrace(STEPS));
}
