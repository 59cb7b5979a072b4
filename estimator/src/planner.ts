/**
 * planFits(job, gpu): the fastest combinations of changes (planner-changes.ts) that make a job fit, best first.
 *
 * Ranking: tier (exact changes, then LoRA/QLoRA, then shorter sequences), then estimated step time
 * (compute.ts), then disruption (how intrusive the changes are where the compute model sees no time cost).
 *
 * Search: the planner does not estimate every combination. Changes that
 * move step time (checkpointing, precision, PEFT, sequence) form step-time classes, sorted by tier and by their
 * step time, which compute.ts gives without a memory estimate. Inside a class, the time-neutral changes
 * (micro-batch, optimizer, attention, ZeRO) are tried: first all at their strongest, and when even that does not
 * fit the class is dropped; else in order of disruption, skipping any combination whose every option is at most
 * as strong as one that did not fit. Before that, time-neutral changes that save no more than a less intrusive one
 * of their group are dropped (withoutDominated). The first fitting combination is the class's plan, unless it only adds changes
 * to a plan already found.
 *
 * Cost: a full estimate replays the step through the allocator model (a few ms); the component sum alone
 * (estimate.ts componentMemory) is a fraction of that, and over a search its activation and state counts repeat
 * (activations do not depend on the optimizer or the ZeRO stage, states not on the batch shape), so both are
 * memoized per search. A candidate is judged first by the sum of its model states alone (no activations: a lower
 * bound of its total), then by its component sum: `total > capacity` is exactly the full estimate's verdict (fits
 * needs total ≤ capacity, and the total is the same number). Only a candidate whose sum fits is fully estimated,
 * and its `fits` (the step timeline may still run out) decides. A class is dropped when its strongest
 * combination's sum does not fit; one whose sum fits but whose timeline runs out is still searched, each of its
 * combinations confirmed by a full estimate. So the ranking is exact for the plans shown: each carries its full
 * estimate, and every candidate ranked before it was rejected by a figure the full estimate shares.
 *
 * Results are kept per (job, GPU, allowed changes, options) for the last few searches: the search is a pure
 * function of those, so a hover or a repeated command answers from the cache.
 */
import { countActivations, type ActivationCount } from './activations';
import { computeEstimate } from './compute';
import { componentMemory, estimate, type MemoryCounters } from './estimate';
import type { ForwardSpec } from './forward';
import { boundedMemo, memo } from './memo';
import { stateBytes } from './optimizer';
import { precisionPlan, type PrecisionPlan } from './precision';
import { isCoherent, jobChanges, type ChangeGroup, type ChangeTier, type JobChange } from './planner-changes';
import type { Estimate, Gpu, ModelArch, TrainingJob } from './types';

export interface Plan {
  changes: JobChange[];
  /** The changes' labels joined, or "No change" for a job that fits as it is. */
  title: string;
  job: TrainingJob;
  estimate: Estimate;
  tier: ChangeTier;
  step_time_s: number;
}

export interface PlanOptions {
  /** Plans to return (default 3). */
  limit?: number;
  /** Only changes the caller can apply (e.g. those the editor can write an edit for). */
  allowed?: (change: JobChange) => boolean;
  /** Upper bound on candidates counted (component sums; default 200): the search stops there with what it found. */
  maxEstimates?: number;
}

export interface PlanResult {
  plans: Plan[];
  /** Candidates whose memory the search counted (their component sums). */
  estimates: number;
  /** Of those, the candidates whose sum fits and that were fully estimated (step timeline included). */
  full_estimates: number;
}

/** Groups whose changes leave the step's FLOPs and peak FLOP/s as they are (flops.ts counts attention the same for eager, SDPA and flash). */
const NEUTRAL_GROUPS: ChangeGroup[] = ['micro-batch', 'optimizer', 'attention', 'zero'];

/** Options of one group: index 0 is "no change", then the group's changes weakest to strongest. */
type Options = (JobChange | undefined)[];

function groupsOf(changes: JobChange[], neutral: boolean): Options[] {
  const byGroup = new Map<ChangeGroup, JobChange[]>();
  for (const c of changes) {
    if (NEUTRAL_GROUPS.includes(c.group) !== neutral) continue;
    byGroup.set(c.group, [...(byGroup.get(c.group) ?? []), c]);
  }
  return [...byGroup.values()].map((list) => [undefined, ...list]);
}

/** Every choice of one option per group, as index vectors. */
function product(groups: Options[]): number[][] {
  let out: number[][] = [[]];
  for (const g of groups) out = out.flatMap((prefix) => g.map((_, i) => [...prefix, i]));
  return out;
}

const pick = (groups: Options[], indices: number[]): JobChange[] => indices.flatMap((i, g) => (groups[g][i] ? [groups[g][i]!] : []));
const applyAll = (job: TrainingJob, changes: JobChange[]) => changes.reduce((j, c) => c.apply(j), job);
const disruption = (changes: JobChange[]) => changes.reduce((s, c) => s + c.disruption, 0);
const tierOf = (changes: JobChange[]): ChangeTier => changes.reduce<ChangeTier>((t, c) => (c.tier > t ? c.tier : t), 0);

/**
 * Drops a time-neutral change that, applied alone, saves no more than a less intrusive change of its group (paged
 * 8-bit AdamW where 8-bit AdamW keeps the same bytes on the GPU, FlashAttention where SDPA saves as much): it could
 * only make a plan more intrusive. One component sum per time-neutral change.
 */
function withoutDominated(changes: JobChange[], job: TrainingJob, totalOf: (j: TrainingJob) => number): JobChange[] {
  const totals = new Map(changes.filter((c) => NEUTRAL_GROUPS.includes(c.group)).map((c) => [c, totalOf(c.apply(job))]));
  return changes.filter((c) => {
    const total = totals.get(c);
    if (total === undefined) return true;
    return !changes.some((o) => o !== c && o.group === c.group && o.disruption < c.disruption && (totals.get(o) ?? Infinity) <= total);
  });
}

/** Keys of one search's memoized counts. The model, one object throughout a search, is keyed by its identity. */
function searchKeys() {
  const models = new Map<ModelArch, number>();
  const model = (m: ModelArch) => {
    let id = models.get(m);
    if (id === undefined) models.set(m, (id = models.size));
    return id;
  };
  return {
    /**
     * A job without its batch shape (micro-batch, accumulation, sequence, attention, checkpointing), with its
     * precision plan: all that the model states (optimizer.ts stateBytes) and their sharded share read.
     */
    states(job: TrainingJob, plan: PrecisionPlan): string {
      const { micro_batch, grad_accum, seq_len, attention, grad_checkpointing, checkpointing_mode, total_steps, model: m, ...rest } = job;
      return `${model(m)} ${JSON.stringify([rest, plan])}`;
    },
    forward({ arch, ...rest }: ForwardSpec): string {
      return `${model(arch)} ${JSON.stringify(rest)}`;
    },
  };
}

/** No activations: the component sum of the model states alone, a lower bound of the total (nothing else grows with it). */
const NO_ACTIVATIONS: ActivationCount = { saved: 0, logits: 0, transient: 0, peak: 0, detail: {}, casts_saved: 0, casts_peak: 0 };

/** The plans for a job, from the last searches when the same one was made (callers must not mutate the result). */
export function planFits(job: TrainingJob, gpu: Gpu, options: PlanOptions = {}): PlanResult {
  const changes = jobChanges(job, gpu).filter((c) => options.allowed?.(c) ?? true);
  return cachedSearch(job, gpu, changes, options);
}

const cachedSearch = boundedMemo(
  16,
  (job: TrainingJob, gpu: Gpu, changes: JobChange[], options: PlanOptions) => JSON.stringify([job, gpu, changes.map((c) => c.label), options.limit, options.maxEstimates]),
  search,
);

function search(job: TrainingJob, gpu: Gpu, allowed: JobChange[], options: PlanOptions): PlanResult {
  const limit = options.limit ?? 3;
  const maxEstimates = options.maxEstimates ?? 200;
  const keys = searchKeys();
  const counters: MemoryCounters = { activations: memo(keys.forward, countActivations), states: memo(keys.states, stateBytes) };
  const statesOnly: MemoryCounters = { ...counters, activations: () => NO_ACTIVATIONS };
  // the states-only sum reads the batch shape nowhere (no activations to shard), so it is shared like the states
  const statesTotal = memo((j: TrainingJob) => keys.states(j, precisionPlan(j)), (j: TrainingJob) => componentMemory(j, statesOnly).total);
  let estimates = 0;
  let fullEstimates = 0;
  const totalOf = (j: TrainingJob) => {
    estimates++;
    return componentMemory(j, counters).total;
  };
  /** Whether the component sum exceeds the GPU; the states alone (no activation count) often already do. */
  const over = (j: TrainingJob) => statesTotal(j) > gpu.memory_bytes || totalOf(j) > gpu.memory_bytes;
  /** The full estimate of a candidate whose component sum fits; undefined when the sum already does not. */
  const fittingEstimate = (j: TrainingJob): Estimate | undefined => {
    if (over(j)) return undefined;
    fullEstimates++;
    return estimate(j, gpu);
  };
  const changes = withoutDominated(allowed, job, totalOf);
  const timeGroups = groupsOf(changes, false);
  const neutralGroups = groupsOf(changes, true);

  const classes = product(timeGroups)
    .map((indices) => {
      const picked = pick(timeGroups, indices);
      const classJob = applyAll(job, picked);
      return { picked, classJob, tier: tierOf(picked), time: computeEstimate(classJob, gpu).step_time_s };
    })
    .filter((c) => isCoherent(c.classJob, job))
    .sort((a, b) => a.tier - b.tier || a.time - b.time || disruption(a.picked) - disruption(b.picked));

  const neutralCombos = product(neutralGroups)
    .map((indices) => ({ indices, picked: pick(neutralGroups, indices) }))
    .sort((a, b) => disruption(a.picked) - disruption(b.picked) || a.picked.length - b.picked.length);
  const strongest = neutralGroups.map((g) => g.length - 1);

  const plans: Plan[] = [];
  const found: { picked: JobChange[]; time: number }[] = [];
  for (const cls of classes) {
    if (plans.length >= limit || estimates >= maxEstimates) break;
    // More changes at the same step time than a class that already gave a plan (a change the compute model sees no time in): nothing gained.
    if (found.some((f) => cls.time === f.time && f.picked.every((c) => cls.picked.includes(c)))) continue;
    // a class whose strongest combination's sum does not fit has no plan; its plan, if any, is fully estimated below
    if (over(applyAll(cls.classJob, pick(neutralGroups, strongest)))) continue;
    const failed: number[][] = [];
    for (const combo of neutralCombos) {
      if (estimates >= maxEstimates) break;
      if (failed.some((f) => combo.indices.every((i, g) => i <= f[g]))) continue;
      const all = [...cls.picked, ...combo.picked];
      const planned = applyAll(job, all);
      if (!isCoherent(planned, job)) continue;
      const est = fittingEstimate(planned);
      if (!est?.fits) {
        failed.push(combo.indices);
        continue;
      }
      // A plan that only adds changes to one already found (same step time, more changes) is not offered.
      const ids = new Set(all.map((c) => c.id));
      if (plans.some((p) => p.changes.every((c) => ids.has(c.id)))) break;
      found.push(cls);
      plans.push({
        changes: all, job: planned, estimate: est, tier: cls.tier,
        title: all.length ? all.map((c) => c.label).join(' + ') : 'No change',
        step_time_s: est.compute?.step_time_s ?? cls.time,
      });
      break;
    }
  }
  return { plans, estimates, full_estimates: fullEstimates };
}
