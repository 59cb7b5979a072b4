/**
 * `npm run bench`: the simulations of estimator/src/sim/ on real jobs, each of which should take well under
 * 50 ms: the step timeline of Llama-2-7B and Llama-2-70B (80 layers) on one GPU and under ZeRO-3, FlashAttention's
 * tiling with its numerical run, the quantization-error comparison at hidden width 4096 and 8192 (64 Ki weights), fp16 loss
 * scaling over 3,000 steps, and a 1F1B pipeline of 8 stages × 64 micro-batches.
 */
import { bench, describe } from 'vitest';
import { findGpu, findModel } from '../../estimator/src/catalog';
import { flashTiling } from '../../estimator/src/sim/flash';
import { lossScalingSim } from '../../estimator/src/sim/loss-scaling';
import { simulatePipeline } from '../../estimator/src/sim/pipeline';
import { quantizationSim } from '../../estimator/src/sim/quantization-error';
import { simulateStep } from '../../estimator/src/sim/step';
import type { TrainingJob } from '../../estimator/src/types';

const gpu = findGpu('A100-80GB')!;
const job7b: TrainingJob = {
  model: findModel('meta-llama/Llama-2-7b-hf')!, micro_batch: 4, grad_accum: 1, seq_len: 2048,
  precision: 'bf16-mixed', amp_style: 'autocast', optimizer: 'adamw', grad_checkpointing: false, attention: 'sdpa',
  peft: null, gpus: 1,
};
const job70b: TrainingJob = { ...job7b, model: findModel('meta-llama/Llama-2-70b-hf') ?? job7b.model, micro_batch: 1, gpus: 64, zero: { stage: 3, offload_optimizer: 'none', offload_param: 'none' } };

describe('simulations', () => {
  bench('step timeline, Llama-2-7B, 1 × A100', () => {
    simulateStep(job7b, gpu);
  });
  bench('step timeline, Llama-2-70B, ZeRO-3 over 64 GPUs', () => {
    simulateStep(job70b, gpu);
  });
  bench('FlashAttention tiling + numerical run (d = 128)', () => {
    flashTiling(job7b, gpu);
  });
  bench('quantization error, 16 × 4096 weights, 8 schemes', () => {
    quantizationSim(job7b);
  });
  bench('quantization error, 8 × 8192 weights, 8 schemes', () => {
    quantizationSim(job70b);
  });
  bench('fp16 loss scaling, 3,000 steps', () => {
    lossScalingSim({ ...job7b, precision: 'fp16-mixed' });
  });
  bench('pipeline 1F1B, 8 stages × 64 micro-batches', () => {
    simulatePipeline('1f1b', 8, 64);
  });
});
