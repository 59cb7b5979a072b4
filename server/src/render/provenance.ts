/**
 * One line per job value saying what it is and where it came from: "micro-batch per GPU = 4,
 * set at line 12".
 */
import type { Analysis, JobField, ValueInfo } from '../analysis/types';
import { FIELD_LABELS, formatValue } from '../analysis/fields';
import { code, escapeMarkdown } from './markdown';

function fieldLabel(field: JobField): string {
  const label = FIELD_LABELS[field];
  return label.charAt(0).toUpperCase() + label.slice(1);
}

/** Where the value was set, relative to the analysed file: "line 12" or "ds_config.json line 3". */
function location(info: ValueInfo, analysisFile: string): string | undefined {
  if (!info.source) return undefined;
  const line = `line ${info.source.range.start.line + 1}`;
  if (info.source.file === analysisFile) return line;
  const name = info.source.file.split(/[\\/]/).pop() ?? info.source.file;
  return `${name} ${line}`;
}

/** "**Micro-batch per GPU** = `4` (known; line 12: BATCH = 4 at line 3)" */
export function provenanceLine(analysis: Analysis, field: JobField): string | undefined {
  const info = analysis.values[field];
  if (!info) return undefined;
  const where = location(info, analysis.file);
  const details = [info.status, where, info.reason && escapeMarkdown(info.reason)].filter(Boolean);
  const value = info.status === 'unknown' ? 'unknown' : code(formatValue(info.value));
  return `**${fieldLabel(field)}** = ${value} (${details.join('; ')})`;
}

/** Lines for every value the analysis could not determine. */
export function unknownValueLines(analysis: Analysis): string[] {
  return (Object.keys(analysis.values) as JobField[])
    .filter((field) => analysis.values[field]?.status === 'unknown')
    .map((field) => provenanceLine(analysis, field))
    .filter((line): line is string => line !== undefined);
}
