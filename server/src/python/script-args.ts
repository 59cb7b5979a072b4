/**
 * Arguments given to a script on its command line (by a launcher in the workspace, a setting, or
 * the CLI's --command), keyed the way argparse, HfArgumentParser, fire and click name their
 * destinations: leading dashes dropped, `-` turned into `_`.
 */
import type { Range } from '../analysis/types';
import type { PyValue } from './evaluate';

export interface ScriptArg {
  /** As written; `true` for a bare flag. */
  raw: string | true;
  /** Where the command line is written (a launcher .sh), when it is a file. */
  origin?: { file: string; range: Range };
  /** "scripts/train.sh line 4", "--command". */
  label: string;
}

export type ScriptArgs = Map<string, ScriptArg>;

export function argKey(flag: string): string {
  return flag.replace(/^-+/, '').replace(/-/g, '_');
}

/** A command-line string read the way the script's parser would type it. */
export function parseScalar(raw: string | true, type?: string): PyValue {
  if (raw === true) return true;
  if (type === 'str') return raw;
  if (/^(true|false)$/i.test(raw) && type !== 'int' && type !== 'float') return raw.toLowerCase() === 'true';
  const n = Number(raw);
  if (raw.trim() !== '' && Number.isFinite(n) && type !== 'str') return n;
  return raw;
}
