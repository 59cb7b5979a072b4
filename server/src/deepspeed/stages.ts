/**
 * A script's job run with a DeepSpeed config, and the same job at every ZeRO stage with and
 * without offload: every number comes from the estimator's estimate() (estimator/src), nothing
 * is computed here but the job each cell describes.
 */
import { estimate } from '../../../estimator/src';
import type { Estimate, Gpu, TrainingJob, ZeroConfig } from '../../../estimator/src/types';
import type { DeepSpeedSettings } from './interpret';

export type OffloadVariant = 'none' | 'optimizer' | 'optimizer+param';

export interface StageCell { stage: ZeroConfig['stage']; offload: OffloadVariant; estimate: Estimate }

/** Offload needs ZeRO (stage ≥ 1); parameter offload needs stage 3 (domain-rules.md §1.4). */
export const VARIANTS: Record<ZeroConfig['stage'], OffloadVariant[]> = {
  0: ['none'],
  1: ['none', 'optimizer'],
  2: ['none', 'optimizer'],
  3: ['none', 'optimizer', 'optimizer+param'],
};

/**
 * The job as this config runs it: ZeRO from the config (stage 0 without one), DeepSpeed's fp16/bf16
 * blocks keep half weights with fp32 master weights in the optimizer (AmpStyle master_weights),
 * numeric batch keys replace the script's, and the launcher's GPU count wins.
 */
export function jobWithConfig(job: TrainingJob, ds: DeepSpeedSettings, gpus?: number): TrainingJob {
  const out: TrainingJob = { ...job, zero: ds.zero ?? { stage: 0, offload_optimizer: 'none', offload_param: 'none' } };
  if (ds.half) out.precision = ds.half === 'fp16' ? 'fp16-mixed' : 'bf16-mixed';
  if (ds.half || out.precision.endsWith('-mixed')) out.amp_style = 'master_weights';
  if (typeof ds.micro_batch === 'number') out.micro_batch = ds.micro_batch;
  if (typeof ds.grad_accum === 'number') out.grad_accum = ds.grad_accum;
  if (gpus !== undefined) out.gpus = gpus;
  return out;
}

export function withZero(job: TrainingJob, stage: ZeroConfig['stage'], offload: OffloadVariant): TrainingJob {
  const zero: ZeroConfig = {
    ...(job.zero ?? {}),
    stage,
    offload_optimizer: offload === 'none' ? 'none' : (job.zero?.offload_optimizer !== 'none' && job.zero?.offload_optimizer) || 'cpu',
    offload_param: offload === 'optimizer+param' ? (job.zero?.offload_param !== 'none' && job.zero?.offload_param) || 'cpu' : 'none',
  };
  return { ...job, zero };
}

export function stageTable(job: TrainingJob, gpu: Gpu): StageCell[] {
  return ([0, 1, 2, 3] as const).flatMap((stage) => VARIANTS[stage].map((offload) => ({ stage, offload, estimate: estimate(withZero(job, stage, offload), gpu) })));
}

/** Which cell the config itself is. */
export function currentVariant(zero: ZeroConfig | undefined): { stage: ZeroConfig['stage']; offload: OffloadVariant } {
  if (!zero) return { stage: 0, offload: 'none' };
  const offload: OffloadVariant = zero.offload_param !== 'none' && zero.stage === 3 ? 'optimizer+param' : zero.offload_optimizer !== 'none' && zero.stage > 0 ? 'optimizer' : 'none';
  return { stage: zero.stage, offload };
}
