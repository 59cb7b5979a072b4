/**
 * Where new Python text goes so that it keeps the layout around it: keyword arguments on their own lines with
 * their neighbours' indentation when a call is written one argument per line, inline otherwise.
 */
import type { Node } from 'web-tree-sitter';
import type { Position, TextEdit } from '../analysis/types';

/** Appends keyword arguments (`name=value` texts) to an argument list. */
export function addKeywords(args: Node, keywordTexts: string[], text: string): TextEdit {
  const items = args.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment');
  const last = items[items.length - 1];
  if (!last) return insert({ line: args.startPosition.row, character: args.startPosition.column + 1 }, keywordTexts.join(', '));
  const trailingComma = last.nextSibling?.type === ',' ? last.nextSibling : undefined;
  const multiline = last.startPosition.row > args.startPosition.row;
  if (!multiline) return insert(pos(last.endPosition), keywordTexts.map((k) => `, ${k}`).join(''));
  const indent = indentAt(text, last.startIndex);
  // a comment at the end of the last item's line stays on that line
  const end = trailingComma ?? last;
  const comment = end.nextSibling?.type === 'comment' && end.nextSibling.startPosition.row === end.endPosition.row ? end.nextSibling : undefined;
  if (trailingComma) return insert(pos((comment ?? trailingComma).endPosition), keywordTexts.map((k) => `\n${indent}${k},`).join(''));
  if (comment) {
    const gap = text.slice(last.endIndex, comment.startIndex);
    const range = { start: pos(last.endPosition), end: pos(comment.endPosition) };
    return { range, newText: `,${gap}${comment.text}${keywordTexts.map((k, i) => `${i ? ',' : ''}\n${indent}${k}`).join('')}` };
  }
  return insert(pos(last.endPosition), keywordTexts.map((k) => `,\n${indent}${k}`).join(''));
}

/** The simple statement (an assignment or expression line) that holds a node. */
export function statementOf(node: Node): Node | undefined {
  for (let n: Node | null = node; n; n = n.parent) if (n.type === 'expression_statement') return n;
  return undefined;
}

/** `model` in `model = AutoModel.from_pretrained(...)` (also `.to(device)` after it): the plain name the result is assigned to. */
export function assignedName(call: Node): string | undefined {
  let node: Node | null = call;
  while (node && node.type !== 'assignment') node = node.parent;
  const target = node?.childForFieldName('left');
  return target?.type === 'identifier' ? target.text : undefined;
}

/** The indentation of the line that holds offset `index` (read from the line's start: a fix runs on every analysis, so never split the whole text). */
export function indentAt(text: string, index: number): string {
  const start = text.lastIndexOf('\n', index - 1) + 1;
  let end = start;
  while (text[end] === ' ' || text[end] === '\t') end++;
  return text.slice(start, end);
}

function pos(p: { row: number; column: number }): Position {
  return { line: p.row, character: p.column };
}

function insert(at: Position, newText: string): TextEdit {
  return { range: { start: at, end: at }, newText };
}
