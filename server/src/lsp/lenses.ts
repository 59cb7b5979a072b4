/**
 * The code lens above the training call ("≈ 71.2 / 80.0 GiB per GPU · 9.3 h on 8 × A100-80GB ·
 * fits", a click shows the breakdown), and for a job that does not fit a second one with the planner's
 * best plan ("Best fit: …", a click opens "Fit this job to…"); the inlay hints after memory-relevant
 * arguments with the share they drive ("≈ 21.4 GiB activations"; off unless `trainlens.inlayHints`).
 */
import { InlayHintKind, type CodeLens, type InlayHint } from 'vscode-languageserver/node';
import type { MemoryComponent } from '../../../estimator/src/types';
import type { Analysis, HoverAnchor, JobField } from '../analysis/types';
import { gib } from '../render/units';
import { bestPlanLine } from '../fixes/build';

export const SHOW_BREAKDOWN_COMMAND = 'trainlens.showBreakdown';
export const FIT_JOB_COMMAND = 'trainlens.fitJob';

export function codeLenses(analysis: Analysis): CodeLens[] {
  const { estimate, job, gpu } = analysis;
  if (!estimate || !job) return [];
  const at = analysis.anchors.find((a) => a.kind === 'training-args') ?? analysis.anchors.find((a) => a.kind === 'model');
  if (!at) return [];
  const used = estimate.per_gpu.device_used ?? estimate.per_gpu.total;
  const time = estimate.compute?.total_time_s ? `${hours(estimate.compute.total_time_s)} on ` : '';
  const verdict = estimate.fits ? 'fits' : 'does not fit';
  const title = `≈ ${gib(used).replace(' GiB', '')} / ${gib(estimate.capacity_bytes)} per GPU · ${time}${job.gpus} × ${gpu.id} · ${verdict}`;
  const line = { start: { line: at.range.start.line, character: 0 }, end: { line: at.range.start.line, character: 0 } };
  const lenses: CodeLens[] = [{ range: line, command: { title, command: SHOW_BREAKDOWN_COMMAND, arguments: [analysis.file, at.range.start] } }];
  if (analysis.bestPlan) lenses.push({ range: line, command: { title: bestPlanLine(analysis.bestPlan), command: FIT_JOB_COMMAND } });
  return lenses;
}

function hours(seconds: number): string {
  if (seconds < 3600) return `${Math.max(1, Math.round(seconds / 60))} min`;
  return `${(seconds / 3600).toFixed(seconds < 36000 ? 1 : 0)} h`;
}

/** The component each setting mostly drives. */
const DRIVES: Partial<Record<JobField, MemoryComponent>> = {
  micro_batch: 'activations', seq_len: 'activations', grad_checkpointing: 'activations', attention: 'activations',
  optimizer: 'optimizer_states', precision: 'weights', peft: 'gradients', zero: 'optimizer_states',
};

export function inlayHints(analysis: Analysis): InlayHint[] {
  const perGpu = analysis.estimate?.per_gpu;
  if (!perGpu) return [];
  const arguments_ = analysis.anchors.filter((a): a is HoverAnchor & { field: JobField } => a.kind === 'argument' && !!a.field && !!DRIVES[a.field]);
  const byEnd = new Map(arguments_.map((a) => [`${a.range.end.line}:${a.range.end.character}`, a]));
  return [...byEnd.values()]
    .map((a) => {
      const component = DRIVES[a.field]!;
      return { position: a.range.end, label: `≈ ${gib(perGpu[component])} ${component.replace(/_/g, ' ')}`, kind: InlayHintKind.Type, paddingLeft: true };
    });
}
