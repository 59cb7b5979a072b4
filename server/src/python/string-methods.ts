/**
 * Python's `str` methods on values the evaluator reads (`args.lora_target_modules.split(",")`,
 * `name.strip().lower()`, `",".join(parts)`), with CPython's semantics (Objects/unicodeobject.c):
 * `split()` without a separator splits on runs of whitespace and drops empty ends, `split(sep)` keeps
 * empty fields, `maxsplit` counts splits from the left, `strip(chars)` removes any of the characters.
 * Nothing is run; a receiver or argument that is not a string leaves the call unread, with the reason.
 */
import type { Node } from 'web-tree-sitter';
import { clip, type Evaluated, type Evaluator, type PyValue } from './evaluate';

const MODULES = /^(os\.path|posixpath|ntpath|re|shlex|string|str)$/;

type Method = (self: string, args: PyValue[]) => PyValue | string[] | undefined;

const text = (v: PyValue | undefined): v is string => typeof v === 'string';
const noneOr = (v: PyValue | undefined): v is string | null | undefined => v === undefined || v === null || typeof v === 'string';

/** The methods, each undefined for arguments Python would reject or that TrainLens does not read. */
const METHODS: Record<string, Method> = {
  split: (s, [sep, max]) => (noneOr(sep) && sep !== '' && (max === undefined || Number.isInteger(max)) ? split(s, sep ?? null, (max as number | undefined) ?? -1) : undefined),
  strip: (s, [chars]) => (noneOr(chars) ? trim(s, chars ?? null, true, true) : undefined),
  lstrip: (s, [chars]) => (noneOr(chars) ? trim(s, chars ?? null, true, false) : undefined),
  rstrip: (s, [chars]) => (noneOr(chars) ? trim(s, chars ?? null, false, true) : undefined),
  lower: (s, args) => (args.length ? undefined : s.toLowerCase()),
  upper: (s, args) => (args.length ? undefined : s.toUpperCase()),
  replace: (s, [old, to, count]) => (text(old) && old !== '' && text(to) && (count === undefined || Number.isInteger(count)) ? replace(s, old, to, (count as number | undefined) ?? -1) : undefined),
  startswith: (s, [prefix]) => (text(prefix) ? s.startsWith(prefix) : undefined),
  endswith: (s, [suffix]) => (text(suffix) ? s.endsWith(suffix) : undefined),
  join: (s, [items]) => (Array.isArray(items) && items.every(text) ? items.join(s) : undefined),
};

/** `<receiver>.<method>(...)` when `method` is a str method; undefined for any other call (or a receiver that may not be a str). */
export function stringMethod(ev: Evaluator, call: Node, depth: number): Evaluated | undefined {
  const fn = call.childForFieldName('function');
  const name = fn?.type === 'attribute' ? fn.childForFieldName('attribute')?.text : undefined;
  const receiver = fn?.childForFieldName('object');
  // `os.path.split(p)`, `re.split(...)`: module functions that share a str method's name.
  if (!name || !receiver || !Object.hasOwn(METHODS, name) || MODULES.test(receiver.text)) return undefined;
  const self = ev.evaluate(receiver, depth + 1);
  // `dataclasses.replace(...)`, `os.path.join(...)`: a module's function of the same name, not a str method.
  if (!self.ok || typeof self.value !== 'string') return self.ok || name === 'replace' || name === 'join' ? undefined : self;
  const args: PyValue[] = [];
  const via = [...self.via];
  for (const arg of call.childForFieldName('arguments')?.namedChildren ?? []) {
    if (!arg || arg.type === 'comment') continue;
    if (arg.type === 'keyword_argument') return { ok: false, reason: `\`${clip(call.text)}\`: keyword arguments of str.${name}() are not read`, node: call };
    const value = ev.evaluate(arg, depth + 1);
    if (!value.ok) return value;
    args.push(value.value);
    via.push(...value.via);
  }
  const value = METHODS[name](self.value, args);
  if (value === undefined) return { ok: false, reason: `\`${clip(call.text)}\` is not a str.${name}() call TrainLens evaluates`, node: call };
  return { ok: true, value, node: call, via: [...via, `${clip(call.text)} = ${clip(JSON.stringify(value), 60)}`], ...(self.origin ? { origin: self.origin } : {}) };
}

function split(s: string, sep: string | null, max: number): string[] {
  if (sep === null) {
    const words: string[] = [];
    let rest = s.replace(/^\s+/, '');
    while (rest !== '' && (max < 0 || words.length < max)) {
      const m = /\s+/.exec(rest);
      if (!m) break;
      words.push(rest.slice(0, m.index));
      rest = rest.slice(m.index + m[0].length);
    }
    // Stopped by maxsplit, the rest keeps its trailing whitespace, as in CPython.
    return rest === '' ? words : [...words, rest];
  }
  const parts = s.split(sep);
  return max < 0 || parts.length <= max + 1 ? parts : [...parts.slice(0, max), parts.slice(max).join(sep)];
}

function trim(s: string, chars: string | null, left: boolean, right: boolean): string {
  const strip = (c: string) => (chars === null ? /\s/.test(c) : chars.includes(c));
  let start = 0;
  let end = s.length;
  while (left && start < end && strip(s[start])) start++;
  while (right && end > start && strip(s[end - 1])) end--;
  return s.slice(start, end);
}

function replace(s: string, old: string, to: string, count: number): string {
  const parts = s.split(old);
  return count < 0 || parts.length <= count + 1 ? parts.join(to) : parts.slice(0, count + 1).join(to) + old + parts.slice(count + 1).join(old);
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v', '\n': '' };

/** A string literal's text with its escape sequences decoded (Python's lexical rules, `\ooo` octal included; unknown escapes stay as written). */
export function decodeEscapes(text: string): string {
  return text.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|[\s\S])/g, (whole, esc: string) => {
    if (/^[0-7]/.test(esc)) return String.fromCodePoint(parseInt(esc, 8));
    // `\UFFFFFFFF`, past U+10FFFF, is a syntax error in Python (typed mid-edit): kept as written, not thrown.
    const code = /^[xuU]/.test(esc) && esc.length > 1 ? parseInt(esc.slice(1), 16) : undefined;
    if (code !== undefined) return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    return ESCAPES[esc] ?? whole;
  });
}
