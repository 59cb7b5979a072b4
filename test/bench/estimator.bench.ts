/**
 * `npm run bench`: how long one estimate() of Llama-2-7B takes, and a planner-style search over 5,000 variants
 * of that job (micro-batch × sequence × precision × checkpointing × optimizer × ZeRO), each estimated on 8 ×
 * A100-80GB, keeping the one that fits with the most tokens per step (then the highest tokens/s). The search also
 * prints its own wall time once, with what it found.
 */
import { bench, describe } from 'vitest';
import { findGpu, findModel } from '../../estimator/src/catalog';
import { estimate } from '../../estimator/src/estimate';
import type { Optimizer, Precision, TrainingJob, ZeroConfig } from '../../estimator/src/types';

const gpu = findGpu('A100-80GB')!;
const base: TrainingJob = {
  model: findModel('meta-llama/Llama-2-7b-hf')!, micro_batch: 4, grad_accum: 1, seq_len: 2048,
  precision: 'bf16-mixed', amp_style: 'autocast', optimizer: 'adamw', grad_checkpointing: false, attention: 'sdpa',
  peft: null, gpus: 8,
};

const MICRO = [1, 2, 4, 8, 16];
const SEQ = [512, 1024, 2048, 4096, 8192];
const PRECISION: Precision[] = ['fp32', 'bf16-mixed', 'fp16-mixed', 'bf16'];
const CHECKPOINTING = [false, true];
const OPTIMIZER: Optimizer[] = ['adamw', 'adamw_8bit', 'sgd_momentum', 'adafactor', 'lion'];
const ZERO: (ZeroConfig | undefined)[] = [
  undefined,
  { stage: 1, offload_optimizer: 'none', offload_param: 'none' },
  { stage: 2, offload_optimizer: 'none', offload_param: 'none' },
  { stage: 3, offload_optimizer: 'none', offload_param: 'none' },
  { stage: 3, offload_optimizer: 'cpu', offload_param: 'cpu' },
];

const variants: TrainingJob[] = [];
for (const micro_batch of MICRO)
  for (const seq_len of SEQ)
    for (const precision of PRECISION)
      for (const grad_checkpointing of CHECKPOINTING)
        for (const optimizer of OPTIMIZER)
          for (const zero of ZERO) variants.push({ ...base, micro_batch, seq_len, precision, grad_checkpointing, optimizer, zero });

/** How many variants fit, and the fitting one with the most tokens per step, ties broken by tokens/s. */
function search(): { fitting: number; best?: TrainingJob; tokensPerS: number } {
  let fitting = 0;
  let best: TrainingJob | undefined;
  let tokensPerS = 0;
  const size = (j: TrainingJob) => j.micro_batch * j.seq_len;
  for (const job of variants) {
    const e = estimate(job, gpu);
    if (!e.fits) continue;
    fitting++;
    const speed = e.compute?.tokens_per_s ?? 0;
    const bigger = !best || size(job) > size(best) || (size(job) === size(best) && speed > tokensPerS);
    if (bigger) [best, tokensPerS] = [job, speed];
  }
  return { fitting, best, tokensPerS };
}

const t0 = performance.now();
const found = search();
const ms = performance.now() - t0;
const b = found.best;
console.log(
  `estimator search: ${variants.length} variants in ${ms.toFixed(0)} ms (${((1000 * ms) / variants.length).toFixed(0)} µs each); ` +
    `${found.fitting} fit 8 × ${gpu.id}` +
    (b ? `; largest: micro-batch ${b.micro_batch} × ${b.seq_len}, ${b.precision}, ${b.optimizer}, ZeRO ${b.zero?.stage ?? 0}` +
      `${b.grad_checkpointing ? ', checkpointing' : ''}, ${Math.round(found.tokensPerS)} tokens/s` : ''),
);

describe('estimator', () => {
  bench('one estimate(): Llama-2-7B, bf16-mixed, AdamW, micro-batch 4 × 2048', () => {
    estimate(base, gpu);
  });
  bench(`search over ${variants.length} job variants`, () => {
    search();
  }, { iterations: 3, time: 0 });
});
