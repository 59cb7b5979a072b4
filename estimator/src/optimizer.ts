/**
 * Bytes of parameters, gradients and optimizer state.
 *
 * - torch/optim/adamw.py (_init_group): exp_avg and exp_avg_sq are zeros_like(param) (the parameter's dtype) and
 *   `step` is a 0-dim fp32 tensor per parameter tensor. torch/optim/sgd.py: momentum_buffer is a clone of the
 *   gradient (parameter dtype); plain SGD keeps nothing.
 * - PEFT keeps LoRA adapter weights in fp32 even in a half model (peft LoraModel autocast_adapter_dtype=True),
 *   so adapters, their gradients and states are fp32 except when the whole model is cast to half (master weights).
 * - Master weights (DeepSpeed bf16/fp16: deepspeed/runtime/bf16_optimizer.py, fp16/fused_optimizer.py;
 *   Rajbhandari et al. 2020, "ZeRO", Sec. 3.1: 2Ψ + 2Ψ + 12Ψ bytes for mixed-precision Adam): half parameters and
 *   gradients; the optimizer holds an fp32 copy of the trainable parameters (counted in optimizer_states) and an
 *   fp32 gradient buffer (counted in gradients, detail `master_grad_bytes`).
 */
import { countParams, trainableTensorCount } from './params';
import type { PrecisionPlan } from './precision';
import type { TrainingJob } from './types';

export interface StateBytes {
  weights: number;
  gradients: number;
  optimizer_states: number;
  detail: Record<string, number>;
}

const ADAM_STEP_BYTES = 4;

export function stateBytes(job: TrainingJob, plan: PrecisionPlan): StateBytes {
  const counts = countParams(job.model, job.peft);
  const base = counts.total - counts.by_module.lora;
  const half = plan.param === 'half' ? 2 : 4;
  // adapters stay fp32 unless the whole model (adapters included) is cast to half for master weights
  const adapterBytes = plan.master_weights ? half : 4;
  const trainableBytes = job.peft ? adapterBytes : half;
  const trainable = counts.trainable;
  const weights = base * half + counts.by_module.lora * adapterBytes;
  const masterGrad = plan.master_weights ? trainable * 4 : 0;
  const master = plan.master_weights ? trainable * 4 : 0;
  // with a master copy, the optimizer's states live in fp32 beside it
  const stateElemBytes = plan.master_weights ? 4 : trainableBytes;
  let states = 0;
  if (job.optimizer === 'adamw') {
    states = 2 * trainable * stateElemBytes + ADAM_STEP_BYTES * trainableTensorCount(job.model, job.peft);
  } else if (job.optimizer === 'sgd_momentum') {
    states = trainable * stateElemBytes;
  }
  return {
    weights,
    gradients: trainable * trainableBytes + masterGrad,
    optimizer_states: states + master,
    detail: { master_weight_bytes: master, master_grad_bytes: masterGrad, optimizer_moment_bytes: states },
  };
}
