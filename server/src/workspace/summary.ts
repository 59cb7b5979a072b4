/**
 * One line per analysed file for a whole tree: its GPU fit, the GPU settings it was judged against
 * and where its breakdown is. The editor's workspace view and `trainlens check` over folders both
 * read it, so they always agree on what "tight" means.
 */
import { TIGHT_FRACTION } from '../analysis/findings';
import { configCopy, isBuiltInConfig } from '../analysis/torchtune-launch';
import type { Analysis, Finding, Position, Range } from '../analysis/types';
import { isShellScript } from './discover';

/** fits; tight: fits with under 10% headroom (TL002); oom: does not fit (TL001); unknown: no estimate. */
export type Fit = 'fits' | 'tight' | 'oom' | 'unknown';

export interface FileSummary {
  uri: string;
  /** A shell script holds no job: it is summarised by its findings (TL008 on a `tune run` line), fit `unknown`. */
  kind: 'script' | 'config' | 'shell';
  fit: Fit;
  /** The GPU judged against and how many, and whether a `# trainlens:` comment chose them. */
  gpu: string;
  gpus: number;
  judged_by: 'settings' | 'comment';
  /** Per-GPU peak and capacity in bytes; null without an estimate. */
  total_bytes: number | null;
  capacity_bytes: number;
  /** The model id, when a job was understood. */
  model: string | null;
  /** One sentence: the verdict's finding, or why there is no estimate. */
  detail: string;
  /** Where a hover shows the breakdown (the finding's text, else the model or TrainingArguments). */
  position: Position;
  /** Counts of findings by severity. */
  errors: number;
  warnings: number;
  /** A shell script's findings, in order: a short label ("config not readable: tune cp ..."), the message and its place. */
  findings?: ShellFinding[];
}

export interface ShellFinding { label: string; message: string; position: Position }

export function fitOf(analysis: Analysis): Fit {
  const { estimate } = analysis;
  if (!estimate) return 'unknown';
  if (!estimate.fits) return 'oom';
  return estimate.per_gpu.total > TIGHT_FRACTION * estimate.capacity_bytes ? 'tight' : 'fits';
}

export function summarize(analysis: Analysis): FileSummary {
  if (isShellScript(analysis.file)) return summarizeShell(analysis);
  const fit = fitOf(analysis);
  const verdict = analysis.findings.find((f) => f.code === 'TL001' || f.code === 'TL002');
  const anchor = analysis.anchors.find((a) => a.kind === 'training-args') ?? analysis.anchors.find((a) => a.kind === 'model');
  const position = (verdict?.range ?? anchor?.range ?? analysis.values.model?.source?.range ?? ORIGIN).start;
  return {
    uri: analysis.file,
    kind: /\.(json|ya?ml)$/i.test(analysis.file) ? 'config' : 'script',
    fit,
    gpu: analysis.gpu.id,
    gpus: analysis.job?.gpus ?? numberOr(analysis.values.gpus?.value, 1),
    judged_by: analysis.values.gpu?.reason === '# trainlens: comment' ? 'comment' : 'settings',
    total_bytes: analysis.estimate?.per_gpu.total ?? null,
    capacity_bytes: analysis.gpu.memory_bytes,
    model: analysis.job?.model.id ?? null,
    detail: verdict?.message ?? (fit === 'unknown' ? unknownReason(analysis) : 'fits with room to spare'),
    position,
    errors: analysis.findings.filter((f) => f.severity === 'error').length,
    warnings: analysis.findings.filter((f) => f.severity === 'warning').length,
  };
}

/** A shell script by its findings: the first one is its detail and its place. */
function summarizeShell(analysis: Analysis): FileSummary {
  const findings = analysis.findings.map((f) => ({ label: shellLabel(analysis, f), message: f.message, position: f.range.start }));
  return {
    uri: analysis.file,
    kind: 'shell',
    fit: 'unknown',
    gpu: analysis.gpu.id,
    gpus: numberOr(analysis.values.gpus?.value, 1),
    judged_by: 'settings',
    total_bytes: null,
    capacity_bytes: analysis.gpu.memory_bytes,
    model: null,
    detail: findings[0]?.message ?? 'no finding',
    position: findings[0]?.position ?? ORIGIN.start,
    errors: analysis.findings.filter((f) => f.severity === 'error').length,
    warnings: analysis.findings.filter((f) => f.severity === 'warning').length,
    findings,
  };
}

/** What a finding of a shell script is about, in a few words: for a built-in torchtune config, the command that copies it. */
function shellLabel(analysis: Analysis, finding: Finding): string {
  const tune = analysis.unreadableTuneRuns?.find((u) => sameRange(u.range, finding.range));
  if (!tune) return `${finding.code}: ${finding.message.split(/(?<=\.)\s/)[0]}`;
  const { config } = tune.run;
  return `config not readable: ${isBuiltInConfig(config) ? `tune cp ${config} ${configCopy(config)}` : config}`;
}

function sameRange(a: Range, b: Range): boolean {
  return a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;
}

const ORIGIN: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

function unknownReason(analysis: Analysis): string {
  const info = analysis.findings.find((f) => f.code === 'TL003');
  if (info) return info.message;
  const model = analysis.values.model;
  return model?.reason ? `no estimate: ${model.reason}` : 'no training job found';
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}
