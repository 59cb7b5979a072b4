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

/**
 * Device bytes of fp16 loss scaling. torch.amp.GradScaler (torch/amp/grad_scaler.py) keeps a 0-dim fp32 `_scale`
 * and a 0-dim int32 `_growth_tracker`; during unscale_/step it adds a 0-dim fp32 inverse scale and one fp32
 * `found_inf` per device: four 4-byte tensors on one GPU. DeepSpeed's fp16 DynamicLossScaler and static
 * LossScaler (deepspeed/runtime/fp16/loss_scaler.py) keep their scale as a Python float on the host: no device tensor.
 */
export function gradScalerBytes(job: TrainingJob): number {
  if (!job.grad_scaler) return 0;
  return job.zero || job.amp_style === 'master_weights' ? 0 : 4 * 4;
}

/** What precision settings mean for memory, as notes. */
export function precisionNotes(job: TrainingJob): string[] {
  const notes: string[] = [];
  if (job.tf32) notes.push('TF32: matmul speed only; tensors stay fp32, so memory is unchanged.');
  if (job.grad_scaler) {
    notes.push(
      gradScalerBytes(job) > 0
        ? 'GradScaler: scale, growth tracker, inverse scale and found_inf: 16 bytes (each a 512-byte allocator block).'
        : `DeepSpeed ${job.loss_scale?.loss_scale ? 'static' : 'dynamic'} loss scale: a host-side Python float; no device memory.`,
    );
  }
  return notes;
}
