/**
 * From the estimator's changes to fixes with edits: each change's writer (python-changes, peft-changes,
 * deepspeed-changes, fsdp-changes) gives intents, composed into one edit per place. Single changes become the
 * quick fixes of an analysis; the planner's combinations become plans, searched only over changes TrainLens can
 * write.
 */
import { planFits, type JobChange, type Plan, type PlanOptions } from '../../../estimator/src';
import { cachedFitFixes } from '../analysis/estimate-cache';
import type { Estimate, Gpu, TrainingJob } from '../../../estimator/src/types';
import type { Fix, PlanLine } from '../analysis/types';
import { gib, gibNumber } from '../render/units';
import type { WriterContext } from './context';
import { zero } from './deepspeed-changes';
import { fsdp } from './fsdp-changes';
import { composeIntents, type ComposedEdit, type EditIntent } from './intents';
import { lora, qlora } from './peft-changes';
import * as py from './python-changes';

/** The intents that apply `change` (as it stands in `job`, the job after the whole plan); undefined when TrainLens cannot write it here. */
export function changeIntents(change: JobChange, job: TrainingJob, ctx: WriterContext): EditIntent[] | undefined {
  switch (change.id) {
    case 'enable-gradient-checkpointing': return py.checkpointing(ctx);
    case 'halve-micro-batch': return py.microBatch(ctx, job);
    case 'use-bf16-mixed': return py.mixedPrecision(ctx, 'bf16');
    case 'use-fp16-mixed': return py.mixedPrecision(ctx, 'fp16');
    case 'use-adamw-8bit':
    case 'use-paged-adamw-8bit':
    case 'use-adafactor': return py.optimizer(ctx, job);
    case 'use-sdpa-attention':
    case 'use-flash-attention': return py.attention(ctx, job);
    case 'zero-stage-2':
    case 'zero-stage-3':
    case 'zero-offload-optimizer':
    case 'zero-offload-all': return zero(ctx, job);
    case 'fsdp-full-shard':
    case 'fsdp-full-shard-offload': return fsdp(ctx, job);
    case 'use-lora': return lora(ctx, job);
    case 'use-qlora': return qlora(ctx, job);
    case 'shorten-sequence': return py.sequence(ctx, job);
  }
}

/** changeIntents of one script, as the fixes and the planner's filter ask for them: each single change applied to the script's job. */
export type ChangeWriter = (change: JobChange, job: TrainingJob) => EditIntent[] | undefined;

/**
 * A ChangeWriter that works each change out once: the quick fixes and the planner's filter of writable changes ask
 * for the same single changes on every analysis of a job that does not fit. Only for single changes of the script's
 * job (a plan's changes are written as they stand in the job after the whole plan).
 */
export function singleChangeWriter(ctx: WriterContext): ChangeWriter {
  const written = new Map<string, EditIntent[] | undefined>();
  return (change, job) => {
    const key = `${change.id}:${change.label}`;
    if (!written.has(key)) written.set(key, changeIntents(change, job, ctx));
    return written.get(key);
  };
}

/** All changes of a plan as one edit; undefined when one of them cannot be written or two collide. */
export function planEdit(changes: JobChange[], job: TrainingJob, ctx: WriterContext, write: ChangeWriter = (c, j) => changeIntents(c, j, ctx)): ComposedEdit | undefined {
  const intents: EditIntent[] = [];
  for (const change of changes) {
    const written = write(change, job);
    if (!written) return undefined;
    intents.push(...written);
  }
  return composeIntents(intents, ctx.uri, ctx.text, ctx.root);
}

/** "93.4 → 55.3 GiB, about +33% step time" (the time part only when the compute model sees a change). */
export function effectText(before: Estimate, after: Estimate): string {
  const memory = `${gibNumber(before.per_gpu.total)} → ${gib(after.per_gpu.total)}`;
  const t0 = before.compute?.step_time_s;
  const t1 = after.compute?.step_time_s;
  if (!t0 || !t1) return memory;
  const percent = Math.round((100 * (t1 - t0)) / t0);
  return percent === 0 ? memory : `${memory}, about ${percent > 0 ? '+' : '−'}${Math.abs(percent)}% step time`;
}

/**
 * Quick fixes: the single changes, largest saving first; a change without an edit is kept (hovers list it) with no
 * edits, titled as a hint where the title can say what to write (checkpointing in a custom module).
 */
export function buildFixes(ctx: WriterContext, gpu: Gpu, before: Estimate, write = singleChangeWriter(ctx)): Fix[] {
  const job = ctx.script.job!;
  return cachedFitFixes(job, gpu).map((candidate) => {
    const edit = planEdit([candidate.change], candidate.job, ctx, write);
    const after = candidate.estimate;
    const hint = !edit && candidate.id === 'enable-gradient-checkpointing' ? py.checkpointingHint(ctx) : undefined;
    return {
      id: candidate.id,
      title: `${hint ?? candidate.title}: ${effectText(before, after)}`,
      saves_bytes: before.per_gpu.total - after.per_gpu.total,
      total_after_bytes: after.per_gpu.total,
      fits_after: after.fits,
      ...(after.timeline?.oom_at && after.per_gpu.total <= after.capacity_bytes ? { oom_at_after: after.timeline.oom_at } : {}),
      edits: edit?.changes[ctx.uri] ?? [],
      ...(edit ? otherFiles(edit, ctx.uri) : {}),
    };
  });
}

/** Edits outside the script and files to create, when a fix has them. */
function otherFiles(edit: ComposedEdit, uri: string): Pick<Fix, 'otherEdits' | 'creates'> {
  const others = Object.entries(edit.changes).filter(([u]) => u !== uri).map(([u, edits]) => ({ uri: u, edits }));
  return { ...(others.length ? { otherEdits: others } : {}), ...(edit.creates.length ? { creates: edit.creates } : {}) };
}

export interface WrittenPlan extends Plan { edit: ComposedEdit }

/** A plan as the `plan --json` contract and the `trainlens/plan` request write it (without its edit). */
export function planSummary(p: WrittenPlan) {
  return {
    title: p.title,
    changes: p.changes.map((c) => ({ id: c.id, label: c.label })),
    per_gpu_total_bytes: p.estimate.per_gpu.total,
    fits: p.estimate.fits,
    step_time_s: p.step_time_s,
  };
}

/** The planner over the changes TrainLens can write for this script, each plan with its edit. */
export function writablePlans(ctx: WriterContext, gpu: Gpu, options: PlanOptions = {}, write = singleChangeWriter(ctx)): { plans: WrittenPlan[]; estimates: number } {
  const job = ctx.script.job!;
  const result = planFits(job, gpu, { ...options, allowed: (c) => write(c, c.apply(job)) !== undefined });
  const plans = result.plans.flatMap((plan) => {
    const edit = planEdit(plan.changes, plan.job, ctx);
    return edit ? [{ ...plan, edit }] : [];
  });
  return { plans, estimates: result.estimates };
}

/**
 * For a job that does not fit: the planner's best plan TrainLens can write (one plan searched; the planner caches
 * per job, so an unchanged job costs a lookup).
 */
export function bestPlan(ctx: WriterContext, gpu: Gpu, before: Estimate, write = singleChangeWriter(ctx)): PlanLine | undefined {
  const [best] = writablePlans(ctx, gpu, { limit: 1 }, write).plans;
  if (!best?.estimate.fits) return undefined;
  return { title: best.title, per_gpu_total_bytes: best.estimate.per_gpu.total, step_time_s: best.step_time_s, effect: effectText(before, best.estimate) };
}

/** "Best fit: ZeRO stage 2 + 8-bit AdamW (bitsandbytes): 93.4 → 71.2 GiB, about +12% step time", for hovers. */
export function bestPlanLine(plan: PlanLine): string {
  return `Best fit: ${plan.title}: ${plan.effect}`;
}
