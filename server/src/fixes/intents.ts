/**
 * What a fix wants done, before it is text: replace a value, add a keyword argument to a call, add a statement
 * after another, add an import, create a file. Several changes of one plan often add to the same call or after
 * the same statement; composing intents (instead of concatenating text edits) gives one edit per place, so
 * `TrainingArguments(...)` gains all its new keywords in its own layout and the result stays valid Python.
 */
import type { Node } from 'web-tree-sitter';
import type { Position, Range, TextEdit } from '../analysis/types';
import { addKeywords, indentAt, statementOf } from './python-layout';

export type EditIntent =
  | { kind: 'replace'; uri: string; range: Range; newText: string }
  /** A keyword argument (`name=value`) appended to a call's argument list in the script. */
  | { kind: 'keyword'; args: Node; text: string }
  /** A statement on its own line after the statement that holds `node`, at that statement's indentation. */
  | { kind: 'after'; node: Node; line: string }
  /** An import line after the script's last top-level import (or at the top). */
  | { kind: 'import'; line: string }
  | { kind: 'create'; uri: string; text: string };

/** Edits by file (the script's under its own URI) and files to create. */
export interface ComposedEdit {
  changes: Record<string, TextEdit[]>;
  creates: { uri: string; text: string }[];
}

/** undefined when two intents replace overlapping text differently (the changes cannot be written together). */
export function composeIntents(intents: EditIntent[], scriptUri: string, text: string, root: Node | undefined): ComposedEdit | undefined {
  const changes: Record<string, TextEdit[]> = {};
  const add = (uri: string, edit: TextEdit) => (changes[uri] ??= []).push(edit);
  const keywords = new Map<Node['id'], { args: Node; texts: string[] }>();
  const after = new Map<Node['id'], { statement: Node; lines: string[] }>();
  const imports: string[] = [];
  const creates: ComposedEdit['creates'] = [];
  for (const intent of intents) {
    if (intent.kind === 'replace') add(intent.uri, { range: intent.range, newText: intent.newText });
    else if (intent.kind === 'keyword') {
      const entry = keywords.get(intent.args.id) ?? { args: intent.args, texts: [] };
      if (!entry.texts.includes(intent.text)) entry.texts.push(intent.text);
      keywords.set(intent.args.id, entry);
    } else if (intent.kind === 'after') {
      const statement = statementOf(intent.node);
      if (!statement) return undefined;
      const entry = after.get(statement.id) ?? { statement, lines: [] };
      if (!entry.lines.includes(intent.line)) entry.lines.push(intent.line);
      after.set(statement.id, entry);
    } else if (intent.kind === 'import') {
      if (!imports.includes(intent.line) && !hasLine(text, intent.line)) imports.push(intent.line);
    } else creates.push({ uri: intent.uri, text: intent.text });
  }
  for (const { args, texts } of keywords.values()) add(scriptUri, addKeywords(args, texts, text));
  for (const { statement, lines } of after.values()) add(scriptUri, linesAfter(statement, lines, text));
  if (imports.length && !root) return undefined;
  if (imports.length) add(scriptUri, importEdit(root!, text, imports));
  for (const [uri, edits] of Object.entries(changes)) {
    const replaced = dedupe(edits);
    if (!replaced) return undefined;
    changes[uri] = replaced;
  }
  return { changes, creates };
}

/** Some line of `text` is `line` (blanks around it aside); found with indexOf, as this runs on every analysis. */
function hasLine(text: string, line: string): boolean {
  for (let at = text.indexOf(line); at !== -1; at = text.indexOf(line, at + 1)) {
    const start = text.lastIndexOf('\n', at - 1) + 1;
    const next = text.indexOf('\n', at + line.length);
    if (BLANK.test(text.slice(start, at)) && BLANK.test(text.slice(at + line.length, next === -1 ? text.length : next))) return true;
  }
  return false;
}

const BLANK = /^\s*$/;

/** Identical edits once; overlapping replacements refused. */
function dedupe(edits: TextEdit[]): TextEdit[] | undefined {
  const out: TextEdit[] = [];
  for (const e of edits) {
    if (out.some((o) => same(o, e))) continue;
    if (out.some((o) => overlaps(o.range, e.range))) return undefined;
    out.push(e);
  }
  return out;
}

const before = (a: Position, b: Position) => a.line < b.line || (a.line === b.line && a.character < b.character);
const same = (a: TextEdit, b: TextEdit) => JSON.stringify(a) === JSON.stringify(b);

/** Strictly overlapping: insertions at a replacement's boundary, or at one point, can all be applied. */
function overlaps(a: Range, b: Range): boolean {
  return before(a.start, b.end) && before(b.start, a.end);
}

function linesAfter(statement: Node, lines: string[], text: string): TextEdit {
  const indent = indentAt(text, statement.startIndex);
  const body = lines.map((l) => `${indent}${l}`).join('\n');
  const isLastLine = text.indexOf('\n', statement.endIndex) === -1;
  if (isLastLine) {
    const at = { line: statement.endPosition.row, character: statement.endPosition.column };
    return { range: { start: at, end: at }, newText: `\n${body}` };
  }
  const at = { line: statement.endPosition.row + 1, character: 0 };
  return { range: { start: at, end: at }, newText: `${body}\n` };
}

/** After the last top-level import (a `from __future__` import stays first), else at the top. */
function importEdit(root: Node, text: string, lines: string[]): TextEdit {
  const last = lastImport(root, text);
  if (!last) {
    const at = { line: 0, character: 0 };
    return { range: { start: at, end: at }, newText: lines.map((l) => `${l}\n`).join('') };
  }
  const at = { line: last.endPosition.row, character: last.endPosition.column };
  return { range: { start: at, end: at }, newText: lines.map((l) => `\n${l}`).join('') };
}

/**
 * The last top-level import statement. A top-level statement starts a line, so the lines are read backwards (a
 * string scan) for one that starts with `import` or `from`, and the tree confirms it (a line of a string can look
 * like one): no node is made for the statements in between, as walking the module's children did.
 */
function lastImport(root: Node, text: string): Node | undefined {
  for (let end = text.length; end > 0; ) {
    const start = text.lastIndexOf('\n', end - 1) + 1;
    if (text.startsWith('import', start) || text.startsWith('from', start)) {
      let node: Node | null = root.descendantForIndex(start);
      while (node?.parent && node.parent.id !== root.id) node = node.parent;
      if (node && node.startIndex === start && (node.type === 'import_statement' || node.type === 'import_from_statement')) return node;
    }
    end = start - 1;
  }
  return undefined;
}
