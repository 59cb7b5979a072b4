/**
 * A script run by several launchers, none of them picked: which of the values read under the chosen launch
 * hold in every launch. The script's job is read again under each other launch's own arguments and
 * environment (nothing is run) and compared field by field, so a value derived from what the launches
 * disagree on (the GPU count, WORLD_SIZE, a batch size) differs as it would at run time.
 */
import { isDeepStrictEqual } from 'node:util';
import type { TrainingJob } from '../../../estimator/src/types';
import { formatValue } from '../analysis/fields';
import type { JobField, ValueInfo } from '../analysis/types';
import type { FoundLaunch } from './discover';

type Values = Partial<Record<JobField, ValueInfo>>;

/** A job and its values, as read under one launch. */
export interface LaunchRead { values: Values; job: TrainingJob | null }

/** Job entries read from the same text as a field, compared with it (`--bf16` alone, or with a DeepSpeed config: master weights). */
const ALSO_COMPARED: Partial<Record<JobField, (keyof TrainingJob)[]>> = { precision: ['amp_style'] };

const PICK = 'pick one with "# trainlens: launcher=<file>"';

/**
 * Settles the chosen launch's known values, in place: one that every launch gives, known and equal, stays
 * known (a launcher-set one says so); one that some launch does not give becomes assumed. Without the other
 * launches (`others` absent) only what the chosen launcher sets is in doubt, and all of it becomes assumed.
 */
export function settleAcrossLaunchers(chosen: LaunchRead, launch: FoundLaunch, readUnder: (other: FoundLaunch) => LaunchRead): void {
  const count = launch.alternatives.length + 1;
  const others = launch.others?.map((other) => ({ label: other.label, read: readUnder(other) }));
  for (const [field, info] of Object.entries(chosen.values) as [JobField, ValueInfo][]) {
    if (info.status !== 'known') continue;
    const fromLauncher = !!launch.origin && info.source?.file === launch.origin.file;
    const differing = others?.find((other) => !agrees(field, chosen, other.read));
    if (others && !differing) {
      if (fromLauncher) info.reason = `${info.reason ?? ''} — the same in all ${count} launchers: ${launcherNames([launch.label, ...launch.alternatives])}`.trim();
      continue;
    }
    if (!fromLauncher && !differing) continue;
    info.status = 'assumed';
    info.reason = fromLauncher || !differing
      ? `${info.reason ?? ''} — one of ${count} launchers; ${PICK}`.trim()
      : `${info.reason ?? ''} — under ${differing.label} it is ${described(differing.read.values[field])}; one of ${count} launchers, ${PICK}`.trim();
  }
}

function agrees(field: JobField, chosen: LaunchRead, other: LaunchRead): boolean {
  const theirs = other.values[field];
  if (theirs?.status !== 'known' || !isDeepStrictEqual(theirs.value, chosen.values[field]!.value)) return false;
  return (ALSO_COMPARED[field] ?? []).every((key) => isDeepStrictEqual(chosen.job?.[key], other.job?.[key]));
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
