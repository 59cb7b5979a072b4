/**
 * `trainlens plan FILE --gpu ID --gpus N [--json]`: the planner's fitting plans for one script, best first
 * (estimator/src/planner.ts; only changes TrainLens can write into this script and its configs).
 * JSON contract: {"file", "gpu", "gpus", "capacity_bytes", "before_bytes", "plans": [{"title", "changes": [{"id", "label"}],
 * "per_gpu_total_bytes", "fits", "step_time_s"}]}.
 */
import type { Analyzer } from '../analysis/analyzer';
import type { AnalysisSettings } from '../analysis/types';
import { duration, gib } from '../render/units';
import type { WorkspaceFiles } from '../workspace/files';
import { planSummary } from '../fixes/build';

export interface PlanReport {
  file: string;
  gpu: string;
  gpus: number;
  capacity_bytes: number;
  /** Per-GPU total of the job as written; null when the file has no job. */
  before_bytes: number | null;
  plans: { title: string; changes: { id: string; label: string }[]; per_gpu_total_bytes: number; fits: boolean; step_time_s: number }[];
}

export function planReport(analyzer: Pick<Analyzer, 'plan'>, doc: { uri: string; text: string }, name: string, settings: AnalysisSettings, files: WorkspaceFiles): PlanReport {
  const { analysis, plans } = analyzer.plan({ ...doc, version: 1 }, settings, files, { limit: 5 });
  return {
    file: name,
    gpu: analysis.gpu.id,
    gpus: analysis.job?.gpus ?? settings.gpus,
    capacity_bytes: analysis.gpu.memory_bytes,
    before_bytes: analysis.estimate?.per_gpu.total ?? null,
    plans: plans.map(planSummary),
  };
}

export function planText(report: PlanReport): string {
  const where = `${report.gpus} × ${report.gpu}`;
  if (report.before_bytes === null) return `${report.file}: no training job TrainLens can plan.`;
  const head = `${report.file} on ${where}: needs ${gib(report.before_bytes)} per GPU of ${gib(report.capacity_bytes)}`;
  if (!report.plans.length) return `${head}\nNo combination of the changes TrainLens can write fits ${where}.`;
  const lines = report.plans.map((p, i) => `${i + 1}. ${p.title}\n   ${gib(p.per_gpu_total_bytes)} per GPU, ${p.fits ? 'fits' : 'does not fit'}, ${duration(p.step_time_s)} per step`);
  return [head, ...lines].join('\n');
}
