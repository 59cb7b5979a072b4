/**
 * estimate(job, gpu): bytes per GPU by component, whether it fits, parameters and FLOPs.
 *
 * total = weights + gradients + optimizer_states + activations + autocast_weight_copies + other. Summing the
 * components is conservative: on the first step AdamW states do not exist yet, and gradients of early layers are
 * created while later activations are already freed; at steady state (step ≥ 2) weights and optimizer states
 * persist, and the sum is the peak that PyTorch's caching allocator must be able to serve.
 * Data parallelism (`gpus`) shards nothing in v1 (plain DDP replicates the model); DDP adds its gradient buckets.
 */
import { countActivations } from './activations';
import { computeEstimate } from './compute';
import { flopsPerStep } from './flops';
import { estimateInference } from './inference';
import { ALLOCATOR_RESERVE_FRACTION, CUDA_CONTEXT_BYTES, ddpBucketBytes, modelBufferBytes } from './overhead';
import { stateBytes } from './optimizer';
import { countParams } from './params';
import { precisionPlan } from './precision';
import type { Estimate, Gpu, TrainingJob } from './types';

export function estimate(job: TrainingJob, gpu: Gpu): Estimate {
  if (job.inference) return estimateInference(job, gpu);
  const plan = precisionPlan(job);
  const params = countParams(job.model, job.peft);
  const state = stateBytes(job, plan);
  const act = countActivations({
    arch: job.model,
    batch: job.micro_batch,
    seq: job.seq_len,
    plan,
    attention: job.attention,
    peft: job.peft,
    grad_checkpointing: job.grad_checkpointing,
  });
  const tensors = state.weights + state.gradients + state.optimizer_states + act.peak + act.casts_peak;
  const buffers = modelBufferBytes(job.model, plan);
  const ddp = ddpBucketBytes(job, state.gradients);
  const reserve = Math.round(ALLOCATOR_RESERVE_FRACTION * tensors);
  const other = CUDA_CONTEXT_BYTES + reserve + buffers + ddp;
  const total = tensors + other;
  const notes: string[] = [
    'Activations: op-level count of tensors saved for backward (Hugging Face eager layer code), plus logits and the loss/recompute peak.',
    `Other: CUDA context ${CUDA_CONTEXT_BYTES / 2 ** 20} MiB (assumed), allocator reserve ${ALLOCATOR_RESERVE_FRACTION * 100}% of tensor bytes (assumed).`,
  ];
  if (job.gpus > 1) notes.push('Data parallel: each GPU holds a full replica (DDP); ZeRO/FSDP sharding is not modelled in v1.');
  if (plan.autocast) notes.push('Autocast: half copies of trainable weights stay cached until the forward ends.');
  return {
    per_gpu: {
      weights: state.weights,
      gradients: state.gradients,
      optimizer_states: state.optimizer_states,
      activations: act.peak,
      autocast_weight_copies: act.casts_peak,
      other,
      total,
    },
    capacity_bytes: gpu.memory_bytes,
    fits: total <= gpu.memory_bytes,
    params: { total: params.total, trainable: params.trainable },
    detail: {
      ...act.detail,
      ...state.detail,
      model_buffers: buffers,
      cuda_context: CUDA_CONTEXT_BYTES,
      allocator_reserve: reserve,
      ddp_grad_buckets: ddp,
    },
    flops_per_step: flopsPerStep(job),
    notes,
    compute: computeEstimate(job, gpu),
  };
}
