/**
 * Text edits for the fixes, made on the syntax tree so that they keep the surrounding layout:
 * a new keyword argument goes on its own line with the indentation of its neighbours when the call
 * is written one argument per line, inline otherwise.
 */
import type { Node } from 'web-tree-sitter';
import type { JobSites } from './script-job';
import type { Position, TextEdit } from './types';
import { rangeOf } from './values';

export function enableGradientCheckpointingEdits(sites: JobSites, text: string): TextEdit[] | undefined {
  const current = sites.gradCheckpointing?.value;
  if (current?.ok && current.value === false && current.node.type === 'false') {
    return [{ range: rangeOf(current.node), newText: 'True' }];
  }
  if (sites.trainingArgs && !sites.gradCheckpointing) return [addKeyword(sites.trainingArgs.args, 'gradient_checkpointing=True', text)];
  const load = sites.model?.call.call;
  if (!sites.trainingArgs && load) return addStatementAfter(load, (name) => `${name}.gradient_checkpointing_enable()`, text);
  return undefined;
}

/** Appends `keywordText` to an argument list. */
export function addKeyword(args: Node, keywordText: string, text: string): TextEdit {
  const items = args.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment');
  const last = items[items.length - 1];
  if (!last) return insert(pointAfterOpenParen(args), keywordText);
  const trailingComma = last.nextSibling?.type === ',' ? last.nextSibling : undefined;
  const multiline = last.startPosition.row > args.startPosition.row;
  if (!multiline) return insert(pos(last.endPosition), `, ${keywordText}`);
  const indent = lineIndent(text, last.startPosition.row);
  if (trailingComma) return insert(pos(trailingComma.endPosition), `\n${indent}${keywordText},`);
  return insert(pos(last.endPosition), `,\n${indent}${keywordText}`);
}

/** Inserts a statement after the one that assigns `call`'s result (`model = ...from_pretrained(...)`). */
function addStatementAfter(call: Node, statement: (target: string) => string, text: string): TextEdit[] | undefined {
  let node: Node | null = call;
  while (node && node.type !== 'assignment') node = node.parent;
  const target = node?.childForFieldName('left');
  const stmt = node?.parent;
  if (!target || target.type !== 'identifier' || !stmt) return undefined;
  const indent = lineIndent(text, stmt.startPosition.row);
  const line = `${indent}${statement(target.text)}`;
  const isLastLine = stmt.endPosition.row + 1 >= text.split('\n').length;
  if (isLastLine) return [insert(pos(stmt.endPosition), `\n${line}`)];
  return [insert({ line: stmt.endPosition.row + 1, character: 0 }, `${line}\n`)];
}

function pointAfterOpenParen(args: Node): Position {
  return { line: args.startPosition.row, character: args.startPosition.column + 1 };
}

function lineIndent(text: string, row: number): string {
  const line = text.split('\n')[row] ?? '';
  return /^[ \t]*/.exec(line)![0];
}

function pos(p: { row: number; column: number }): Position {
  return { line: p.row, character: p.column };
}

function insert(at: Position, newText: string): TextEdit {
  return { range: { start: at, end: at }, newText };
}
