/**
 * fitFixes(job, gpu): single changes to a job that reduce its memory, each re-estimated, largest saving first.
 * Only changes that apply are returned (no checkpointing fix when it is already on, no bf16 on a GPU without bf16);
 * the micro-batch is only halved here (the planner tries smaller ones). A change that saves less than
 * MIN_MEMORY_SAVING_BYTES is not a memory fix and is left out.
 */
import { estimate } from './estimate';
import { isCoherent, jobChanges, MIN_MEMORY_SAVING_BYTES, type FitFixId, type JobChange } from './planner-changes';
import type { Estimate, Gpu, TrainingJob } from './types';

export type { FitFixId } from './planner-changes';

export interface FitFix {
  id: FitFixId;
  title: string;
  job: TrainingJob;
  /** The job after the change; without a step timeline when its component sum exceeds capacity (it cannot fit). */
  estimate: Estimate;
  /** Bytes per GPU saved against the original job's total. */
  saves_bytes: number;
  /** The change, for callers that combine or describe it (tier, group). */
  change: JobChange;
  /** Step time after the change over the step time before (compute.ts); 1 when unchanged. */
  step_time_ratio: number;
}

export function fitFixes(job: TrainingJob, gpu: Gpu): FitFix[] {
  const before = estimate(job, gpu);
  const seen = new Set<FitFixId>();
  return jobChanges(job, gpu)
    .filter((c) => !seen.has(c.id) && seen.add(c.id))
    .map((change) => ({ change, job: change.apply(job) }))
    .filter(({ job: changed }) => isCoherent(changed, job))
    .map(({ change, job: changed }) => {
      const est = estimate(changed, gpu, 'within-capacity');
      const ratio = est.compute && before.compute ? est.compute.step_time_s / before.compute.step_time_s : 1;
      return { id: change.id, title: change.label, change, job: changed, estimate: est, saves_bytes: before.per_gpu.total - est.per_gpu.total, step_time_ratio: ratio };
    })
    .filter((f) => f.saves_bytes >= MIN_MEMORY_SAVING_BYTES)
    .sort((a, b) => b.saves_bytes - a.saves_bytes);
}
