/** The closing lines of `trainlens check` over several files: how many fit, how many are shell scripts, and which have no training job. */
import type { Analysis } from '../analysis/types';
import { isShellScript } from '../workspace/discover';
import { summarize, type Fit } from '../workspace/summary';

const LABELS: [Fit, string][] = [['oom', 'out of memory'], ['tight', 'tight (under 10% headroom)'], ['fits', 'fitting'], ['unknown', 'without an estimate']];
/** Names listed in full up to this many; then a count. */
const MAX_NAMES = 10;

export function treeSummary(analyses: Analysis[], names: string[]): string {
  const shell = analyses.map((a) => isShellScript(a.file));
  // shell scripts hold no job of their own: counted apart, never "without an estimate"
  const fits = analyses.flatMap((a, i) => (shell[i] ? [] : [summarize(a).fit]));
  const counts = LABELS.flatMap(([fit, label]) => {
    const n = fits.filter((f) => f === fit).length;
    return n ? [`${n} ${label}`] : [];
  });
  const shells = shell.filter(Boolean).length;
  if (shells) counts.push(`${shells} shell script${shells === 1 ? '' : 's'}`);
  const lines = [`Checked ${analyses.length} file${analyses.length === 1 ? '' : 's'}: ${counts.join(', ')}.`];
  const silent = analyses.flatMap((a, i) => (!shell[i] && !a.job && a.findings.length === 0 ? [names[i]] : []));
  if (silent.length) {
    const listed = silent.slice(0, MAX_NAMES).join(', ');
    lines.push(`No training job found in ${silent.length > MAX_NAMES ? `${listed} and ${silent.length - MAX_NAMES} more` : listed}.`);
  }
  return lines.join('\n');
}
