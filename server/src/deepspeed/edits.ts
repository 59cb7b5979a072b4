/**
 * Text edits on a JSON document that keep it valid JSON: replace a value, rename a key, delete a
 * member with its comma, insert a member into an object. Offsets are UTF-16 code units (what
 * tree-sitter reports for a JavaScript string and what LSP positions count).
 */
import type { Position, Range, TextEdit } from '../analysis/types';
import type { JsonMember, JsonNode, Span } from './json-tree';

export function replaceSpan(span: Span, newText: string): TextEdit {
  return { range: span.range, newText };
}

/** Deletes a member and the comma that separates it from its neighbour. */
export function deleteMember(text: string, object: JsonNode & { kind: 'object' }, member: JsonMember): TextEdit {
  const i = object.members.indexOf(member);
  const next = object.members[i + 1];
  const prev = object.members[i - 1];
  // Before a next member: delete up to it. Last of several: delete from the previous member's end. Only one: delete it alone.
  const start = next ? lineStartIfBlank(text, member.span.start) : prev ? prev.span.end : member.span.start;
  const end = next ? lineStartIfBlank(text, next.span.start) : member.span.end;
  return { range: { start: positionAt(text, start), end: positionAt(text, end) }, newText: '' };
}

/** Adds `"key": value` as the last member of an object, in the object's indentation style. */
export function insertMember(text: string, object: JsonNode & { kind: 'object' }, key: string, valueText: string): TextEdit {
  const last = object.members[object.members.length - 1];
  if (!last) {
    const at = positionAt(text, object.start + 1);
    return { range: { start: at, end: at }, newText: ` ${JSON.stringify(key)}: ${valueText} ` };
  }
  const indent = indentationOf(text, last.span.start);
  const at = positionAt(text, last.span.end);
  const separator = indent === undefined ? ', ' : `,\n${indent}`;
  return { range: { start: at, end: at }, newText: `${separator}${JSON.stringify(key)}: ${valueText}` };
}

/** The LSP position of a UTF-16 offset. */
export function positionAt(text: string, offset: number): Position {
  let line = 0;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, character: offset - lineStart };
}

export function rangeAt(text: string, start: number, end: number): Range {
  return { start: positionAt(text, start), end: positionAt(text, end) };
}

/** The whitespace before `offset` when only whitespace precedes it on its line (undefined otherwise). */
function indentationOf(text: string, offset: number): string | undefined {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const before = text.slice(lineStart, offset);
  return lineStart > 0 && /^[ \t]*$/.test(before) ? before : undefined;
}

/** The start of the offset's line when only whitespace precedes it (so whole lines are deleted). */
function lineStartIfBlank(text: string, offset: number): number {
  return indentationOf(text, offset) !== undefined ? text.lastIndexOf('\n', offset - 1) + 1 : offset;
}

/** The UTF-16 offset of an LSP position (clamped to the text). */
export function offsetAt(text: string, position: Position): number {
  let offset = 0;
  for (let line = 0; line < position.line; line++) {
    const next = text.indexOf('\n', offset);
    if (next === -1) return text.length;
    offset = next + 1;
  }
  const lineEnd = text.indexOf('\n', offset);
  return Math.min(offset + position.character, lineEnd === -1 ? text.length : lineEnd);
}
