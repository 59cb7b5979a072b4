/**
 * simulateStep(job, gpu): the step timeline of a training job on one GPU, from the same counts as estimate().
 * `first_step` replays the first optimizer step instead (AdamW creates its states inside it), which is what a
 * measurement of a fresh process sees.
 */
import { countActivations, forwardSpecOf } from '../activations';
import { CUDA_CONTEXT_BYTES, modelBufferBytes } from '../overhead';
import { stateBytes } from '../optimizer';
import { precisionPlan } from '../precision';
import { shardMemory } from '../sharding';
import type { Gpu, StepTimeline, TrainingJob } from '../types';
import { stepParts } from './step-parts';
import { replayStep } from './timeline';

export function simulateStep(job: TrainingJob, gpu: Gpu, opts: { first_step?: boolean; optimizer_impl?: 'foreach' | 'for-loop' } = {}): StepTimeline {
  const plan = precisionPlan(job);
  const state = stateBytes(job, plan);
  const act = countActivations(forwardSpecOf(job, plan));
  const share = shardMemory(job, plan, state, act);
  const parts = stepParts({ job, plan, state, act, share, model_buffers: modelBufferBytes(job.model, plan), first_step: opts.first_step, optimizer_impl: opts.optimizer_impl });
  return replayStep(parts, gpu.memory_bytes - CUDA_CONTEXT_BYTES);
}
