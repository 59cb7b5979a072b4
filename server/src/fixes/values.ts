/**
 * Setting a job value where it is set: the literal in the script (`BATCH = 8`, `per_device_train_batch_size=8`),
 * the option on a launcher's command line (`--per_device_train_batch_size 8` in run.sh), or the key in the
 * DeepSpeed config (its JSON file, or its dict literal in the script). Never a second, conflicting setting elsewhere.
 */
import type { JobField, Position, Range } from '../analysis/types';
import { insertMember, replaceSpan } from '../deepspeed/edits';
import type { JsonNode } from '../deepspeed/json-tree';
import type { EditIntent } from './intents';
import type { WriterContext } from './context';
import { uriToPath } from '../workspace/files';
import { setDictKey } from './python-dict';

/** Python's spelling of a value. */
export function pyLiteral(value: number | boolean | string): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return typeof value === 'number' ? String(value) : JSON.stringify(value);
}

/** The text of a range of the script. */
export function textAt(text: string, range: Range): string {
  return text.slice(offsetOf(text, range.start), offsetOf(text, range.end));
}

/**
 * Where each line of the last text read starts: the writers of one analysis read several ranges of the same
 * script, and counting lines from the top for each (deepspeed/edits.ts offsetAt) was a tenth of an edit's analysis.
 */
let lines: { text: string; starts: number[] } | undefined;

/** offsetAt (deepspeed/edits.ts) through the line index: a character past the line's end is clamped to it. */
function offsetOf(text: string, position: Position): number {
  if (lines?.text !== text) {
    const starts = [0];
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    lines = { text, starts };
  }
  const start = lines.starts[position.line];
  if (start === undefined) return text.length;
  const next = lines.starts[position.line + 1];
  return Math.min(start + position.character, next === undefined ? text.length : next - 1);
}

const LITERAL = /^(\d+|True|False|"[^"\\]*"|'[^'\\]*')$/;

/**
 * Replaces a known value at its source: a literal in the script, a launcher option, or a DeepSpeed config key
 * (`dsKey`, when the value came from the config). undefined when TrainLens cannot write it there.
 */
export function setValue(ctx: WriterContext, field: JobField, value: number | boolean | string, dsKey?: string[]): EditIntent[] | undefined {
  const info = ctx.script.values[field];
  if (info?.status !== 'known' || !info.source) return undefined;
  const { file, range } = info.source;
  if (dsKey && info.reason?.startsWith('DeepSpeed config')) return setJsonKey(ctx, dsKey, JSON.stringify(value));
  if (file === ctx.uri) {
    return LITERAL.test(textAt(ctx.text, range)) ? [{ kind: 'replace', uri: file, range, newText: pyLiteral(value) }] : undefined;
  }
  return launcherOption(ctx, file, range, info.reason, value);
}

/** `--name 8` / `--name=8` on the launcher line the value came from; the option's name is in the value's reason. */
function launcherOption(ctx: WriterContext, file: string, range: Range, reason: string | undefined, value: number | boolean | string): EditIntent[] | undefined {
  const flag = /--([\w.-]+)[ =]/.exec(reason ?? '')?.[1];
  const path = uriToPath(file);
  const read = flag && path && ctx.files?.read(path, ctx.uri);
  if (!flag || !read || !read.ok) return undefined;
  // The option may sit on a continuation line of the command (`\` at the end of the lines before).
  const lines = read.text.split('\n');
  for (let row = range.start.line; row < lines.length; row++) {
    const match = new RegExp(`--${flag.replace(/[.]/g, '\\.')}(=|\\s+)([^\\s\\\\]+)`).exec(lines[row]);
    if (match) {
      const start = match.index + match[0].length - match[2].length;
      return [{ kind: 'replace', uri: file, range: { start: { line: row, character: start }, end: { line: row, character: start + match[2].length } }, newText: String(value) }];
    }
    if (!lines[row].trimEnd().endsWith('\\')) break;
  }
  return undefined;
}

/** The DeepSpeed JSON file the script names, read and parsed. */
export function deepSpeedFile(ctx: WriterContext): { uri: string; text: string; root: JsonNode & { kind: 'object' } } | undefined {
  const uri = ctx.script.sites.deepspeed?.uri;
  const path = uri && uriToPath(uri);
  const read = path && ctx.files?.read(path, ctx.uri);
  if (!uri || !read || !read.ok) return undefined;
  const doc = ctx.json(read.text);
  if (doc.syntaxErrors.length || doc.root?.kind !== 'object') return undefined;
  return { uri, text: read.text, root: doc.root };
}

/**
 * Sets `path` (object keys) in the DeepSpeed config to a JSON value text, adding the key (and objects on the way)
 * when absent: in the JSON file the script names, or in the dict literal written in the script.
 */
export function setJsonKey(ctx: WriterContext, path: string[], valueText: string): EditIntent[] | undefined {
  const dict = ctx.script.sites.deepspeed?.dict;
  if (dict) return setDictKey(ctx.uri, ctx.text, dict, path, valueText);
  const file = deepSpeedFile(ctx);
  if (!file) return undefined;
  let object: JsonNode & { kind: 'object' } = file.root;
  for (let i = 0; i < path.length; i++) {
    const member = object.members.find((m) => m.key === path[i]);
    if (!member?.value) {
      const nested = path.slice(i + 1).reduceRight((inner, key) => `{${JSON.stringify(key)}: ${inner}}`, valueText);
      return [{ kind: 'replace', uri: file.uri, ...insertMember(file.text, object, path[i], nested) }];
    }
    if (i === path.length - 1) return [{ kind: 'replace', uri: file.uri, ...replaceSpan(member.value, valueText) }];
    if (member.value.kind !== 'object') return undefined;
    object = member.value;
  }
  return undefined;
}
