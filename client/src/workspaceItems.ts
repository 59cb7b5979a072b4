/**
 * What the workspace view shows for each file of a `trainlens/workspaceSummary` answer: its order,
 * label, one-line description, icon and detail rows (for a shell script: its findings). Free of the `vscode` module so it is unit-tested.
 */
import type { Position } from '../../server/src/analysis/types';
import type { Fit, FileSummary } from '../../server/src/workspace/summary';
import { gibNumber } from '../../server/src/render/units';

/** Worst first: what needs attention is at the top. */
const ORDER: Record<Fit, number> = { oom: 0, tight: 1, unknown: 2, fits: 3 };

const VERDICT: Record<Fit, string> = { oom: 'OOM', tight: 'tight', fits: 'fits', unknown: 'unknown' };

/** Codicon ids and theme colours, by fit. */
export const ICONS: Record<Fit, { id: string; color: string }> = {
  oom: { id: 'error', color: 'problemsErrorIcon.foreground' },
  tight: { id: 'warning', color: 'problemsWarningIcon.foreground' },
  fits: { id: 'pass', color: 'testing.iconPassed' },
  unknown: { id: 'question', color: 'descriptionForeground' },
};

/** A shell script has findings instead of a verdict (its fit is `unknown`): listed with the information icon. */
export const SHELL_ICON = { id: 'info', color: 'problemsInfoIcon.foreground' };

export function sortSummaries(files: FileSummary[], relativePath: (uri: string) => string): FileSummary[] {
  return [...files].sort((a, b) => ORDER[a.fit] - ORDER[b.fit] || relativePath(a.uri).localeCompare(relativePath(b.uri)));
}

/** "1 × V100-32GB" (and where that came from). */
export function judgedAgainst(file: FileSummary): string {
  return `${file.gpus} × ${file.gpu}${file.judged_by === 'comment' ? ' (# trainlens: comment)' : ' (settings)'}`;
}

/** "OOM · 182.7 / 32.0 GiB · 1 × V100-32GB", "unknown · 1 × A100-80GB", or a shell script's first finding. */
export function describe(file: FileSummary): string {
  if (file.kind === 'shell') {
    const [first, ...more] = file.findings ?? [];
    return `${first?.label ?? file.detail}${more.length ? ` (+${more.length} more)` : ''}`;
  }
  const memory = file.total_bytes === null ? [] : [`${gibNumber(file.total_bytes)} / ${gibNumber(file.capacity_bytes)} GiB`];
  return [VERDICT[file.fit], ...memory, `${file.gpus} × ${file.gpu}`].join(' · ');
}

/** The rows under a file: the verdict, the GPUs it was judged against, the model; a shell script's findings, each with its place. */
export function detailRows(file: FileSummary): { label: string; description: string; position?: Position }[] {
  if (file.kind === 'shell') return (file.findings ?? []).map((f) => ({ label: `Line ${f.position.line + 1}`, description: f.label, position: f.position }));
  const rows = [
    { label: file.fit === 'unknown' ? 'No estimate' : 'Verdict', description: file.detail },
    { label: 'Judged against', description: judgedAgainst(file) },
  ];
  if (file.model) rows.push({ label: 'Model', description: file.model });
  if (file.errors + file.warnings > 0) rows.push({ label: 'Problems', description: `${plural(file.errors, 'error')}, ${plural(file.warnings, 'warning')}` });
  return rows;
}

/** "3 OOM, 1 tight, 5 fit, 2 unknown, 1 shell script" for the view's description (a shell script has no fit of its own). */
export function totals(files: FileSummary[]): string {
  const jobs = files.filter((f) => f.kind !== 'shell');
  const counts = (['oom', 'tight', 'fits', 'unknown'] as Fit[]).map((fit) => [fit, jobs.filter((f) => f.fit === fit).length] as const);
  const parts = counts.filter(([, n]) => n > 0).map(([fit, n]) => `${n} ${fit === 'fits' ? 'fit' : VERDICT[fit]}`);
  const shells = files.length - jobs.length;
  if (shells) parts.push(plural(shells, 'shell script'));
  return parts.join(', ');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
