/**
 * A script run by several launchers, none of them picked: which of the values read under the chosen launch
 * hold in every launch. The script's job is read again under each other launch's own arguments and
 * environment (nothing is run) and compared field by field, so a value derived from what the launches
 * disagree on (the GPU count, WORLD_SIZE, a batch size) differs as it would at run time.
 */
import { isDeepStrictEqual } from 'node:util';
import { formatValue } from '../analysis/fields';
import type { JobField, ValueInfo } from '../analysis/types';
import type { FoundLaunch } from './discover';

type Values = Partial<Record<JobField, ValueInfo>>;

const PICK = 'pick one with "# trainlens: launcher=<file>"';

/**
 * Settles the chosen launch's known values, in place: one that every launch gives, known and equal, stays
 * known (a launcher-set one says so); one that some launch does not give becomes assumed. Without the other
 * launches (`others` absent) only what the chosen launcher sets is in doubt, and all of it becomes assumed.
 */
export function settleAcrossLaunchers(chosen: Values, launch: FoundLaunch, readUnder: (other: FoundLaunch) => { values: Values }): void {
  const count = launch.alternatives.length + 1;
  const others = launch.others?.map((other) => ({ label: other.label, values: readUnder(other).values }));
  for (const [field, info] of Object.entries(chosen) as [JobField, ValueInfo][]) {
    if (info.status !== 'known') continue;
    const fromLauncher = !!launch.origin && info.source?.file === launch.origin.file;
    const differing = others?.find((other) => !agrees(info, other.values[field]));
    if (others && !differing) {
      if (fromLauncher) info.reason = `${info.reason ?? ''} — the same in all ${count} launchers: ${launcherNames([launch.label, ...launch.alternatives])}`.trim();
      continue;
    }
    if (!fromLauncher && !differing) continue;
    info.status = 'assumed';
    info.reason = fromLauncher || !differing
      ? `${info.reason ?? ''} — one of ${count} launchers; ${PICK}`.trim()
      : `${info.reason ?? ''} — under ${differing.label} it is ${described(differing.values[field])}; one of ${count} launchers, ${PICK}`.trim();
  }
}

function agrees(ours: ValueInfo, theirs: ValueInfo | undefined): boolean {
  return theirs?.status === 'known' && isDeepStrictEqual(theirs.value, ours.value);
}

function described(info: ValueInfo | undefined): string {
  if (!info) return 'not set';
  if (info.status === 'unknown') return 'unknown';
  return info.status === 'assumed' ? `${formatValue(info.value)} (assumed)` : formatValue(info.value);
}

/** "launch/a100x8.sh line 2" → "launch/a100x8.sh": the line only where a file launches the script more than once. */
function launcherNames(labels: string[]): string {
  const fileOf = (label: string) => label.replace(/ line \d+$/, '');
  const files = labels.map(fileOf);
  return labels.map((label, i) => (files.indexOf(files[i]) === files.lastIndexOf(files[i]) ? files[i] : label)).join(', ');
}
