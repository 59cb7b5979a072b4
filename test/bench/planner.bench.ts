/**
 * `npm run bench`: the planner (estimator/src/planner.ts) on jobs that do not fit, as the "Fit this job to…"
 * command and `trainlens plan` run it: Llama-2-7B full fine-tunes on one V100-32GB, one A100-80GB and 8 × A100-80GB,
 * and Llama-2-70B on 8 × H100. Prints each search's wall time, the memory estimates it made and the best plan once;
 * target: well under a hover's budget (100 ms).
 */
import { bench, describe } from 'vitest';
import { findGpu, findModel } from '../../estimator/src/catalog';
import { planFits } from '../../estimator/src/planner';
import type { TrainingJob } from '../../estimator/src/types';

const llama7b: TrainingJob = {
  model: findModel('meta-llama/Llama-2-7b-hf')!, micro_batch: 8, grad_accum: 1, seq_len: 2048,
  precision: 'fp16-mixed', amp_style: 'autocast', optimizer: 'adamw', grad_checkpointing: false, attention: 'eager',
  peft: null, gpus: 1,
};
const CASES: [string, TrainingJob, string][] = [
  ['Llama-2-7B on 1 × V100-32GB', llama7b, 'V100-32GB'],
  ['Llama-2-7B on 1 × A100-80GB', llama7b, 'A100-80GB'],
  ['Llama-2-7B on 8 × A100-80GB', { ...llama7b, gpus: 8 }, 'A100-80GB'],
  ['Llama-2-70B on 8 × H100', { ...llama7b, model: findModel('meta-llama/Llama-2-70b-hf')!, micro_batch: 4, precision: 'bf16-mixed', attention: 'sdpa', gpus: 8 }, 'H100-SXM-80GB'],
];

for (const [, job, gpuId] of CASES) planFits(job, findGpu(gpuId)!); // warm up the JIT before timing
for (const [name, job, gpuId] of CASES) {
  const t0 = performance.now();
  const { plans, estimates } = planFits(job, findGpu(gpuId)!);
  const ms = performance.now() - t0;
  const best = plans[0];
  console.log(`planner: ${name}: ${ms.toFixed(1)} ms, ${estimates} estimates, ${plans.length} plans` +
    (best ? `; best: ${best.title} (${(best.estimate.per_gpu.total / 2 ** 30).toFixed(1)} GiB, ${best.step_time_s.toFixed(2)} s/step)` : ''));
}

describe('planner', () => {
  for (const [name, job, gpuId] of CASES) {
    const gpu = findGpu(gpuId)!;
    bench(`planFits: ${name}`, () => {
      planFits(job, gpu);
    }, { iterations: 5, time: 0 });
  }
});
