/**
 * The "Fit this job to…" request: analyse the open document for the GPU type and count asked for, run the
 * planner over the changes TrainLens can write, and return each plan with one WorkspaceEdit across the script and
 * its configs.
 */
import type { Analyzer } from '../analysis/analyzer';
import type { AnalysisSettings } from '../analysis/types';
import type { WorkspaceFiles } from '../workspace/files';
import { planSummary } from '../fixes/build';
import type { PlanParams, PlanResponse } from './protocol';
import { toWorkspaceEdit } from './workspaceEdits';

const MAX_PLANS = 10;

export function planResponse(
  analyzer: Pick<Analyzer, 'plan'>,
  document: { uri: string; version: number; getText(): string },
  params: PlanParams,
  defaults: AnalysisSettings,
  files: WorkspaceFiles | undefined,
  versioned: boolean,
): PlanResponse {
  const settings: AnalysisSettings = { ...defaults, ...(params.gpu ? { gpu: params.gpu } : {}), ...(params.gpus && params.gpus >= 1 ? { gpus: Math.floor(params.gpus) } : {}) };
  const limit = Math.min(MAX_PLANS, Math.max(1, Math.floor(params.limit ?? 3)));
  let planned: ReturnType<Analyzer['plan']>;
  try {
    planned = analyzer.plan({ uri: document.uri, text: document.getText(), version: document.version }, settings, files, { limit });
  } catch (err) {
    return { gpu: settings.gpu, gpus: settings.gpus, before_bytes: null, capacity_bytes: 0, plans: [], message: `TrainLens could not plan this file: ${err instanceof Error ? err.message : String(err)}` };
  }
  const { analysis, plans } = planned;
  const base = { gpu: analysis.gpu.id, gpus: analysis.job?.gpus ?? settings.gpus, capacity_bytes: analysis.gpu.memory_bytes };
  if (!analysis.job || !analysis.estimate) return { ...base, before_bytes: null, plans: [], message: 'TrainLens has no training job to plan in this file.' };
  return {
    ...base,
    before_bytes: analysis.estimate.per_gpu.total,
    plans: plans.map((p) => ({ ...planSummary(p), edit: toWorkspaceEdit(p.edit, document, versioned) ?? null })),
    ...(plans.length ? {} : { message: `No combination of the changes TrainLens can write fits ${base.gpus} × ${base.gpu}.` }),
  };
}
