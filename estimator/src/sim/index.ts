/**
 * The simulations that back an estimate with evidence, each where it applies to the job:
 * - timeline: the step replayed through the caching-allocator model (timeline.ts), training jobs;
 * - flash_attention: FlashAttention's tiles and HBM traffic for the GPU (flash.ts), when its SRAM is catalogued;
 * - quantization: weight-quantization error by scheme (quantization-error.ts), jobs that quantize weights;
 * - loss_scaling: dynamic loss scaling with the job's scaler (loss-scaling.ts), fp16 jobs;
 * - pipeline: the GPipe/1F1B schedule (pipeline.ts), jobs with pipeline parallelism.
 * All are deterministic (seeded) and pure.
 */
import { parallelDegrees } from '../sharding/parallel';
import type { Estimate, Gpu, StepTimeline, TrainingJob } from '../types';
import { flashTiling, type FlashTiling } from './flash';
import { lossScalingSim, type LossScalingSim } from './loss-scaling';
import { simulatePipeline, type PipelineSim } from './pipeline';
import { quantizationSim, type QuantizationSim } from './quantization-error';

export interface Simulations {
  timeline?: StepTimeline;
  flash_attention?: FlashTiling;
  quantization?: QuantizationSim;
  loss_scaling?: LossScalingSim;
  pipeline?: PipelineSim;
}

export function simulations(job: TrainingJob, gpu: Gpu, estimate: Estimate): Simulations {
  const out: Simulations = {};
  if (estimate.timeline) out.timeline = estimate.timeline;
  const flash = flashTiling(job, gpu);
  if (flash) out.flash_attention = flash;
  if (job.quantization) out.quantization = quantizationSim(job);
  if (!job.inference && (job.precision === 'fp16' || job.precision === 'fp16-mixed')) out.loss_scaling = lossScalingSim(job);
  const d = parallelDegrees(job).degrees;
  if (!job.inference && d.pp > 1) out.pipeline = simulatePipeline(d.schedule, d.pp, d.micro_batches);
  return out;
}

export { simulateStep } from './step';
export { fa2Supported, flashBlockSizes, hbmAccesses, type FlashTiling } from './flash';
export { BF16, FP16, type LossScalingSim } from './loss-scaling';
export type { PipelineSim } from './pipeline';
export type { QuantizationSim, QuantScheme } from './quantization-error';
