/**
 * Values stated for a trainer YAML where its keys cannot show them: whole-line comments
 * `# trainlens: seq_len=4096 micro_batch=2` (they win, as in scripts) and the `trainlens.assume`
 * setting (it fills only values that are not known). Keys and values as directives.ts reads them.
 */
import type { Precision, TrainingJob } from '../../../estimator/src/types';
import { readStatedValue } from './directives';
import { settleAmpStyle } from './job/amp-style';
import type { AnalysisSettings, JobField, ValueInfo } from './types';

/**
 * The launcher file a `# trainlens: launcher=path` comment picks, as for scripts (among several that run the config);
 * pairs are separated by blanks or commas, as applyStatedYaml and directives.ts read them.
 */
export function statedLauncher(text: string): string | undefined {
  return /^\s*#\s*trainlens:.*(?:^|[\s,:])launcher=([^\s,]+)/m.exec(text)?.[1];
}

/**
 * Applies the stated values to `values` and, when the model is known, to `job`; amp_style then follows the
 * precision. Returns what could not be read, as sentences.
 */
export function applyStatedYaml(text: string, file: string, job: TrainingJob | null, values: Partial<Record<JobField, ValueInfo>>, settings: AnalysisSettings): string[] {
  const problems: string[] = [];
  const read = values.precision;
  const set = (field: JobField, value: unknown, info: ValueInfo) => {
    if (job) (job as unknown as Record<string, unknown>)[field] = value;
    values[field] = info;
  };
  for (const [key, raw] of Object.entries(settings.assume ?? {})) {
    const stated = readStatedValue(key, String(raw));
    if (stated && values[stated.field]?.status !== 'known') set(stated.field, stated.value, { value: stated.value, status: 'known', reason: 'trainlens.assume setting' });
  }
  text.split(/\r?\n/).forEach((line, row) => {
    const m = /^\s*#\s*trainlens:(.*)$/.exec(line);
    for (const pair of m ? m[1].trim().split(/[\s,]+/).filter(Boolean) : []) {
      const [key, value = ''] = pair.split('=');
      if (key === 'launcher') continue; // which launch line runs the config: statedLauncher
      const stated = readStatedValue(key, value);
      if (stated) set(stated.field, stated.value, { value: stated.value, status: 'known', source: { file, range: { start: { line: row, character: 0 }, end: { line: row, character: line.length } } }, reason: '# trainlens: comment' });
      else problems.push(`"${pair}" in the trainlens comment on line ${row + 1} is not a job value TrainLens reads (seq_len, micro_batch, grad_accum, precision, optimizer, grad_checkpointing, attention)`);
    }
  });
  // Without a job, the style read with the precision stands unless a statement replaced the precision (then TrainLens's default, autocast).
  const stated = values.precision !== read;
  const precision = values.precision?.value as Precision | undefined;
  if (job) settleAmpStyle(values, job, stated);
  else if (stated && precision) settleAmpStyle(values, { precision, amp_style: 'autocast' }, true);
  return problems;
}
