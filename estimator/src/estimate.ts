/**
 * estimate(job, gpu): bytes per GPU by component, whether it fits, parameters and FLOPs.
 *
 * total = weights + gradients + optimizer_states + activations + autocast_weight_copies + other. Summing the
 * components is conservative: on the first step AdamW states do not exist yet, and gradients of early layers are
 * created while later activations are already freed; at steady state (step ≥ 2) weights and optimizer states
 * persist, and the sum is the peak that PyTorch's caching allocator must be able to serve.
 * Parallelism (sharding/): the single-GPU states and activations become one GPU's share under tensor, pipeline and
 * expert parallelism and ZeRO/FSDP sharding (or DDP replication); communication buffers and gathered parameters
 * go into `other`. `total` is what nvidia-smi shows (per_gpu.device_used) and `fits` compares it with capacity.
 */
import { countActivations } from './activations';
import { computeEstimate } from './compute';
import { activeParams, flopsPerStep } from './flops';
import { estimateInference } from './inference';
import { ALLOCATOR_RESERVE_FRACTION, allocatorReserve, CUDA_CONTEXT_BYTES, memoryPeaks, modelBufferBytes } from './overhead';
import { stateBytes } from './optimizer';
import { countParams } from './params';
import { precisionPlan } from './precision';
import { shardMemory } from './sharding';
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
    checkpointing_mode: job.checkpointing_mode,
    quantization: job.quantization,
  });
  const gpuShare = shardMemory(job, plan, state, act);
  const { weights, gradients, optimizer_states, activations, autocast_weight_copies } = gpuShare;
  const tensors = weights + gradients + optimizer_states + activations + autocast_weight_copies + gpuShare.buffers;
  const buffers = modelBufferBytes(job.model, plan);
  const reserve = allocatorReserve(tensors);
  const other = CUDA_CONTEXT_BYTES + reserve + buffers + gpuShare.buffers;
  const total = weights + gradients + optimizer_states + activations + autocast_weight_copies + other;
  const notes: string[] = [
    'Activations: op-level count of tensors saved for backward (Hugging Face eager layer code), plus logits and the loss/recompute peak.',
    `Other: CUDA context ${CUDA_CONTEXT_BYTES / 2 ** 20} MiB (assumed), allocator reserve ${ALLOCATOR_RESERVE_FRACTION * 100}% of tensor bytes (assumed).`,
  ];
  notes.push(...gpuShare.notes);
  if (plan.autocast) notes.push('Autocast: half copies of trainable weights stay cached until the forward ends.');
  notes.push(...state.notes);
  return {
    per_gpu: {
      weights,
      gradients,
      optimizer_states,
      activations,
      autocast_weight_copies,
      other,
      total,
      ...memoryPeaks(total, reserve),
    },
    capacity_bytes: gpu.memory_bytes,
    fits: total <= gpu.memory_bytes,
    params: { total: params.total, trainable: params.trainable, active: activeParams(job.model) },
    detail: {
      ...act.detail,
      ...state.detail,
      model_buffers: buffers,
      cuda_context: CUDA_CONTEXT_BYTES,
      allocator_reserve: reserve,
      ...gpuShare.detail,
    },
    flops_per_step: flopsPerStep(job),
    notes,
    compute: computeEstimate(job, gpu),
    parallel: gpuShare.layout,
    host: gpuShare.host,
  };
}
