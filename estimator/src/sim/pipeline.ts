/**
 * Pipeline schedules simulated slot by slot: GPipe (Huang et al. 2019: all m forwards, then all backwards) and
 * 1F1B / PipeDream-Flush (Narayanan et al. 2021, "Efficient Large-Scale Language Model Training on GPU Clusters
 * Using Megatron-LM", Sec. 2.2.1: stage i runs p − i − 1 warm-up forwards, then alternates one forward and one
 * backward). A forward takes one time unit and a backward two (backward ≈ 2× forward FLOPs); an op starts when its
 * stage is free and its input is ready (the previous stage's forward, the next stage's backward).
 * Both schedules idle for the same bubble, (p − 1)/(m + p − 1) of the step (Narayanan et al. Sec. 2.2.1), but
 * GPipe keeps all m micro-batches' activations on every stage, 1F1B at most p − i on stage i.
 */
export interface PipelineSim {
  schedule: 'gpipe' | '1f1b';
  stages: number;
  micro_batches: number;
  /** Idle fraction of the step, simulated. */
  bubble_fraction: number;
  /** (p − 1)/(m + p − 1). */
  bubble_formula: number;
  /** Most micro-batches whose activations a stage holds at once, per stage (first stage first). */
  in_flight_per_stage: number[];
  /** Stage holding the most micro-batches (the first, for both schedules). */
  worst_stage: number;
  /** Time units of one step. */
  makespan: number;
}

type Op = { kind: 'F' | 'B'; mb: number };

function stageOps(schedule: 'gpipe' | '1f1b', p: number, m: number, stage: number): Op[] {
  const F = (mb: number): Op => ({ kind: 'F', mb });
  const B = (mb: number): Op => ({ kind: 'B', mb });
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);
  if (schedule === 'gpipe') return [...range(m).map(F), ...range(m).map(B)];
  const warm = Math.min(p - stage - 1, m);
  const ops = range(warm).map(F);
  for (let k = 0; k < m - warm; k++) ops.push(F(warm + k), B(k));
  for (let k = m - warm; k < m; k++) ops.push(B(k));
  return ops;
}

/** Slot-by-slot work grows as p²·m; past this the schedule's closed forms are reported instead. */
const MAX_SIMULATED = 2e6;

export function simulatePipeline(schedule: 'gpipe' | '1f1b', p: number, m: number): PipelineSim {
  p = Math.max(1, Math.floor(p));
  m = Math.max(1, Math.floor(m));
  if (p * p * m > MAX_SIMULATED) return closedForm(schedule, p, m);
  const TF = 1;
  const TB = 2;
  const ops = Array.from({ length: p }, (_, s) => stageOps(schedule, p, m, s));
  const fEnd = Array.from({ length: p }, () => new Array<number>(m).fill(NaN));
  const bEnd = Array.from({ length: p }, () => new Array<number>(m).fill(NaN));
  const next = new Array<number>(p).fill(0);
  const free = new Array<number>(p).fill(0);
  const inFlight = new Array<number>(p).fill(0);
  const maxInFlight = new Array<number>(p).fill(0);
  let remaining = p * 2 * m;
  while (remaining > 0) {
    let progressed = false;
    for (let s = 0; s < p; s++) {
      const op = ops[s][next[s]];
      if (!op) continue;
      const ready = op.kind === 'F' ? (s === 0 ? 0 : fEnd[s - 1][op.mb]) : Math.max(fEnd[s][op.mb], s === p - 1 ? 0 : bEnd[s + 1][op.mb]);
      if (Number.isNaN(ready)) continue;
      const end = Math.max(free[s], ready) + (op.kind === 'F' ? TF : TB);
      (op.kind === 'F' ? fEnd : bEnd)[s][op.mb] = end;
      free[s] = end;
      inFlight[s] += op.kind === 'F' ? 1 : -1;
      maxInFlight[s] = Math.max(maxInFlight[s], inFlight[s]);
      next[s]++;
      remaining--;
      progressed = true;
    }
    if (!progressed) throw new Error('pipeline schedule deadlocked');
  }
  const makespan = Math.max(...free);
  const busy = m * (TF + TB);
  return {
    schedule,
    stages: p,
    micro_batches: m,
    bubble_fraction: 1 - busy / makespan,
    bubble_formula: (p - 1) / (m + p - 1),
    in_flight_per_stage: maxInFlight,
    worst_stage: maxInFlight.indexOf(Math.max(...maxInFlight)),
    makespan,
  };
}

/** The same figures from the formulas: bubble (p − 1)/(m + p − 1), in flight m (GPipe) or min(p − i, m) (1F1B). */
function closedForm(schedule: 'gpipe' | '1f1b', p: number, m: number): PipelineSim {
  const bubble = (p - 1) / (m + p - 1);
  const inFlight = Array.from({ length: p }, (_, i) => (schedule === 'gpipe' ? m : Math.min(p - i, m)));
  return { schedule, stages: p, micro_batches: m, bubble_fraction: bubble, bubble_formula: bubble, in_flight_per_stage: inFlight, worst_stage: 0, makespan: 3 * (m + p - 1) };
}
