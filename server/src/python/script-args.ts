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

/**
 * A command-line string read the way `fire.Fire` reads it (fire/parser.py DefaultParseValue): a
 * Python literal in which bare words other than True/False/None are strings, so
 * `[q_proj,v_proj]` is a list of two strings, `1e-4` a float and `true` the string "true"; text
 * that is not such a literal (`./out`, `org/model-7b`) stays the string it is. Dicts stay strings
 * (a dict value needs its source nodes, PyDict); tuples are read as lists.
 */
export function parseFireValue(raw: string | true): PyValue {
  if (raw === true) return true;
  const tokens = fireTokens(raw);
  if (!tokens?.length) return raw;
  const reader: FireReader = { tokens, at: 0 };
  const top = fireItems(reader, undefined);
  if (!top || reader.at !== tokens.length) return raw;
  return top.comma || top.items.length !== 1 ? top.items : top.items[0];
}

type FireToken = { kind: 'punct'; text: string } | { kind: 'value'; value: PyValue };
interface FireReader { tokens: FireToken[]; at: number }

const FIRE_TOKEN = /\s*(?:([[\](),])|("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|([+-]?(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?)(?![\w.])|([A-Za-z_]\w*))/y;

function fireTokens(raw: string): FireToken[] | undefined {
  const tokens: FireToken[] = [];
  FIRE_TOKEN.lastIndex = 0;
  while (raw.slice(FIRE_TOKEN.lastIndex).trim() !== '') {
    const m = FIRE_TOKEN.exec(raw);
    if (!m) return undefined;
    const [, punct, quoted, num, word] = m;
    if (punct) tokens.push({ kind: 'punct', text: punct });
    else if (quoted) tokens.push({ kind: 'value', value: quoted.slice(1, -1).replace(/\\(.)/g, '$1') });
    else if (num) tokens.push({ kind: 'value', value: Number(num.replace(/_/g, '')) });
    else tokens.push({ kind: 'value', value: word === 'True' ? true : word === 'False' ? false : word === 'None' ? null : word });
  }
  return tokens;
}

/** Comma-separated items up to `close` (or the end of the text); `comma`: whether a comma made them a tuple. */
function fireItems(r: FireReader, close: string | undefined): { items: PyValue[]; comma: boolean } | undefined {
  const items: PyValue[] = [];
  let comma = false;
  while (r.at < r.tokens.length && !isPunct(r.tokens[r.at], close)) {
    const item = fireItem(r);
    if (item === undefined) return undefined;
    items.push(item);
    if (isPunct(r.tokens[r.at], ',')) {
      r.at++;
      comma = true;
    } else if (r.at < r.tokens.length && !isPunct(r.tokens[r.at], close)) {
      return undefined;
    }
  }
  return { items, comma };
}

function fireItem(r: FireReader): PyValue | undefined {
  const t = r.tokens[r.at++];
  if (t.kind === 'value') return t.value;
  const close = t.text === '[' ? ']' : t.text === '(' ? ')' : undefined;
  const inner = close ? fireItems(r, close) : undefined;
  if (!close || !inner || !isPunct(r.tokens[r.at], close)) return undefined;
  r.at++;
  // `(x)` is x itself; `(x,)` and `[x]` are sequences.
  return close === ')' && !inner.comma && inner.items.length === 1 ? inner.items[0] : inner.items;
}

function isPunct(t: FireToken | undefined, text: string | undefined): boolean {
  return !!t && t.kind === 'punct' && t.text === text;
}
