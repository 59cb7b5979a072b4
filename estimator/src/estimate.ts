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
import { countActivations, forwardSpecOf, type ActivationCount } from './activations';
import type { ForwardSpec } from './forward';
import { computeEstimate } from './compute';
import { activeParams, flopsPerStep } from './flops';
import { estimateInference } from './inference';
import { ALLOCATOR_RESERVE_FRACTION, allocatorReserve, CUDA_CONTEXT_BYTES, memoryPeaks, modelBufferBytes } from './overhead';
import { stateBytes, type StateBytes } from './optimizer';
import { countParams } from './params';
import { precisionPlan, type PrecisionPlan } from './precision';
import { shardMemory } from './sharding';
import { stepParts } from './sim/step-parts';
import { replayStepMemo } from './sim/timeline';
import type { Estimate, Gpu, TrainingJob } from './types';

/** The counts the component sum is built from; the planner passes memoized ones (both are pure functions of their inputs). */
export interface MemoryCounters {
  activations: (spec: ForwardSpec) => ActivationCount;
  states: (job: TrainingJob, plan: PrecisionPlan) => StateBytes;
}

const COUNTERS: MemoryCounters = { activations: countActivations, states: stateBytes };

/**
 * One GPU's share of the states and activations and the component sum `total` (see above), without the step
 * timeline: `total > capacity` already means the job does not fit, which is what the planner's search prunes with.
 */
export function componentMemory(job: TrainingJob, counters: MemoryCounters = COUNTERS) {
  const plan = precisionPlan(job);
  const state = counters.states(job, plan);
  const act = counters.activations(forwardSpecOf(job, plan));
  const share = shardMemory(job, plan, state, act);
  const { weights, gradients, optimizer_states, activations, autocast_weight_copies } = share;
  const tensors = weights + gradients + optimizer_states + activations + autocast_weight_copies + share.buffers;
  const buffers = modelBufferBytes(job.model, plan);
  const reserve = allocatorReserve(tensors);
  const other = CUDA_CONTEXT_BYTES + reserve + buffers + share.buffers;
  const total = weights + gradients + optimizer_states + activations + autocast_weight_copies + other;
  return { plan, state, act, share, buffers, reserve, other, total };
}

/**
 * When the step is replayed through the caching-allocator model: always (the default), or only when the component
 * sum is within capacity. Over capacity the job cannot fit whatever the replay finds, so callers that only compare
 * totals (fitFixes' candidates) skip it: its replay was most of a cold server's first analysis.
 */
export type Replay = 'always' | 'within-capacity';

export function estimate(job: TrainingJob, gpu: Gpu, replay: Replay = 'always'): Estimate {
  if (job.inference) return estimateInference(job, gpu);
  const params = countParams(job.model, job.peft);
  const { plan, state, act, share: gpuShare, buffers, reserve, other, total } = componentMemory(job);
  const { weights, gradients, optimizer_states, activations, autocast_weight_copies } = gpuShare;
  // the step replayed through the caching-allocator model gives the peaks PyTorch reports and when they happen
  const timeline = replay === 'always' || total <= gpu.memory_bytes
    ? replayStepMemo(stepParts({ job, plan, state, act, share: gpuShare, model_buffers: buffers }), gpu.memory_bytes - CUDA_CONTEXT_BYTES)
    : undefined;
  const notes: string[] = [
    'Activations: op-level count of tensors saved for backward (Hugging Face eager layer code), plus logits and the loss/recompute peak.',
    `Other: CUDA context ${CUDA_CONTEXT_BYTES / 2 ** 20} MiB (assumed), allocator reserve ${ALLOCATOR_RESERVE_FRACTION * 100}% of tensor bytes (assumed).`,
  ];
  notes.push(...gpuShare.notes);
  if (plan.autocast) notes.push('Autocast: half copies of trainable weights stay cached until the forward ends.');
  notes.push(...state.notes);
  if (timeline?.oom_at) notes.push(`Step timeline: the caching allocator runs out of memory at ${timeline.oom_at} (peak ${(timeline.peak_reserved_bytes / 2 ** 30).toFixed(1)} GiB reserved).`);
  return {
    per_gpu: {
      weights,
      gradients,
      optimizer_states,
      activations,
      autocast_weight_copies,
      other,
      total,
      ...(timeline ? memoryPeaks(timeline) : {}),
    },
    capacity_bytes: gpu.memory_bytes,
    // the component sum bounds what is live at once; the timeline adds step temporaries and the allocator's segments
    fits: total <= gpu.memory_bytes && timeline?.oom_at === undefined,
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
    ...(timeline ? { timeline } : {}),
  };
}
