/**
 * What the workspace view shows for each file of a `trainlens/workspaceSummary` answer: its order,
 * label, one-line description, icon and detail rows. Free of the `vscode` module so it is unit-tested.
 */
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

export function sortSummaries(files: FileSummary[], relativePath: (uri: string) => string): FileSummary[] {
  return [...files].sort((a, b) => ORDER[a.fit] - ORDER[b.fit] || relativePath(a.uri).localeCompare(relativePath(b.uri)));
}

/** "1 × V100-32GB" (and where that came from). */
export function judgedAgainst(file: FileSummary): string {
  return `${file.gpus} × ${file.gpu}${file.judged_by === 'comment' ? ' (# trainlens: comment)' : ' (settings)'}`;
}

/** "OOM · 182.7 / 32.0 GiB · 1 × V100-32GB", or "unknown · 1 × A100-80GB". */
export function describe(file: FileSummary): string {
  const memory = file.total_bytes === null ? [] : [`${gibNumber(file.total_bytes)} / ${gibNumber(file.capacity_bytes)} GiB`];
  return [VERDICT[file.fit], ...memory, `${file.gpus} × ${file.gpu}`].join(' · ');
}

/** The rows under a file: the verdict, the GPUs it was judged against, the model. */
export function detailRows(file: FileSummary): { label: string; description: string }[] {
  const rows = [
    { label: file.fit === 'unknown' ? 'No estimate' : 'Verdict', description: file.detail },
    { label: 'Judged against', description: judgedAgainst(file) },
  ];
  if (file.model) rows.push({ label: 'Model', description: file.model });
  if (file.errors + file.warnings > 0) rows.push({ label: 'Problems', description: `${plural(file.errors, 'error')}, ${plural(file.warnings, 'warning')}` });
  return rows;
}

/** "3 OOM, 1 tight, 5 fit, 2 unknown" for the view's description. */
export function totals(files: FileSummary[]): string {
  const counts = (['oom', 'tight', 'fits', 'unknown'] as Fit[]).map((fit) => [fit, files.filter((f) => f.fit === fit).length] as const);
  return counts.filter(([, n]) => n > 0).map(([fit, n]) => `${n} ${fit === 'fits' ? 'fit' : VERDICT[fit]}`).join(', ');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
