/**
 * Which dtypes a training job keeps its tensors in, from `precision` and `amp_style`.
 *
 * - fp32: parameters, gradients, activations fp32.
 * - *-mixed + autocast (HF Trainer fp16/bf16=True, AMP O1): fp32 parameters and gradients; torch.autocast runs
 *   matmuls in half and the residual stream stays fp32 (torch docs "Automatic Mixed Precision package - CUDA Ops
 *   that can autocast to float16 / to float32").
 * - *-mixed + master_weights (DeepSpeed fp16/bf16, AMP O2): the model is cast to half, so parameters, gradients and
 *   activations are half; the optimizer holds an fp32 master copy (deepspeed/runtime/bf16_optimizer.py).
 * - fp16 / bf16 (pure): everything half, no master copy.
 */
import type { TrainingJob } from './types';

export type DType = 'f32' | 'half' | 'i64' | 'bool' | 'f64';

export const DTYPE_BYTES: Record<DType, number> = { f32: 4, half: 2, i64: 8, bool: 1, f64: 8 };

export interface PrecisionPlan {
  /** dtype of parameters (and of the residual stream when not autocasting). */
  param: 'f32' | 'half';
  /** torch.autocast active (matmuls in half over fp32 parameters). */
  autocast: boolean;
  /** Optimizer keeps an fp32 master copy of half parameters. */
  master_weights: boolean;
}

export function precisionPlan(job: TrainingJob): PrecisionPlan {
  switch (job.precision) {
    case 'fp32':
      return { param: 'f32', autocast: false, master_weights: false };
    case 'fp16':
    case 'bf16':
      return { param: 'half', autocast: false, master_weights: false };
    case 'fp16-mixed':
    case 'bf16-mixed':
      return job.amp_style === 'autocast'
        ? { param: 'f32', autocast: true, master_weights: false }
        : { param: 'half', autocast: false, master_weights: true };
  }
}
