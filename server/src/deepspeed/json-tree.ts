/**
 * A tree-sitter JSON tree read into plain values that keep the range of every key and value, so a
 * diagnostic lands on the exact text and a quick fix can replace or delete it. Comments and syntax
 * errors are collected, never thrown, and duplicate keys are kept in order: DeepSpeed reads its
 * config with hjson (comments allowed, duplicate keys rejected), Hugging Face and accelerate with
 * strict json.
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { Range } from '../analysis/types';
import { rangeOf } from '../analysis/values';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

/** Byte-free span of a node: its LSP range and its UTF-16 offsets into the document text. */
export interface Span { range: Range; start: number; end: number }

export type JsonNode =
  | (Span & { kind: 'object'; members: JsonMember[]; partialKeys: Span[] })
  | (Span & { kind: 'array'; items: JsonNode[] })
  | (Span & { kind: 'string'; value: string })
  | (Span & { kind: 'number'; value: number; text: string })
  | (Span & { kind: 'boolean'; value: boolean })
  | (Span & { kind: 'null' });

export interface JsonMember {
  key: string;
  /** The key with its quotes. */
  keySpan: Span;
  /** undefined when the text after the colon is missing or not a value. */
  value: JsonNode | undefined;
  /** The whole `"key": value` pair. */
  span: Span;
}

export interface JsonDocument {
  /** The top-level value, or undefined for an empty or unreadable document. */
  root: JsonNode | undefined;
  comments: Span[];
  /** Text tree-sitter could not parse as JSON (missing values, stray commas, junk). */
  syntaxErrors: Span[];
  /** Nesting deeper than MAX_DEPTH is not read (a pathological file must not exhaust the stack). */
  truncated: boolean;
}

/** Deeper than any DeepSpeed config (4 levels); guards the recursive walk. */
export const MAX_DEPTH = 64;

export function readJsonTree(tree: Tree): JsonDocument {
  const doc: JsonDocument = { root: undefined, comments: [], syntaxErrors: [], truncated: false };
  for (const child of childrenOf(tree.rootNode)) {
    if (child.type === 'comment') doc.comments.push(spanOf(child));
    else if (child.type === 'ERROR') {
      doc.syntaxErrors.push(spanOf(child));
      collectComments(child, doc);
    } else if (child.isNamed && doc.root === undefined) doc.root = readValue(child, doc, 0);
    else if (child.isNamed) doc.syntaxErrors.push(spanOf(child));
  }
  return doc;
}

/** The plain value of a node, without ranges (duplicate keys: the last wins, as in Python's dict). */
export function plainValue(node: JsonNode): JsonValue {
  switch (node.kind) {
    case 'object': {
      const out: { [k: string]: JsonValue } = {};
      for (const m of node.members) if (m.value) out[m.key] = plainValue(m.value);
      return out;
    }
    case 'array':
      return node.items.map(plainValue);
    case 'null':
      return null;
    default:
      return node.value;
  }
}

/** The member `key` of an object node (the last one when the key is duplicated). */
export function memberOf(node: JsonNode | undefined, key: string): JsonMember | undefined {
  if (node?.kind !== 'object') return undefined;
  for (let i = node.members.length - 1; i >= 0; i--) if (node.members[i].key === key) return node.members[i];
  return undefined;
}

export function spanOf(node: Node): Span {
  return { range: rangeOf(node), start: node.startIndex, end: node.endIndex };
}

function readValue(node: Node, doc: JsonDocument, depth: number): JsonNode | undefined {
  if (node.isMissing) {
    doc.syntaxErrors.push(spanOf(node));
    return undefined;
  }
  const span = spanOf(node);
  switch (node.type) {
    case 'object':
    case 'array':
      if (depth >= MAX_DEPTH) {
        doc.truncated = true;
        return undefined;
      }
      return node.type === 'object' ? readObject(node, span, doc, depth) : readArray(node, span, doc, depth);
    case 'string':
      return { ...span, kind: 'string', value: stringValue(node) };
    case 'number':
      return { ...span, kind: 'number', value: Number(node.text), text: node.text };
    case 'true':
    case 'false':
      return { ...span, kind: 'boolean', value: node.type === 'true' };
    case 'null':
      return { ...span, kind: 'null' };
    default:
      doc.syntaxErrors.push(span);
      collectComments(node, doc);
      return undefined;
  }
}

function readObject(node: Node, span: Span, doc: JsonDocument, depth: number): JsonNode {
  const members: JsonMember[] = [];
  const partialKeys: Span[] = [];
  for (const child of childrenOf(node)) {
    // A key being typed (`"train_mi"` with no colon yet) is an ERROR holding a string: keep it for completion.
    const typed = child.type === 'ERROR' ? child.namedChildren[0] : undefined;
    if (typed?.type === 'string') partialKeys.push(spanOf(typed));
    if (child.type === 'pair') {
      const keyNode = child.childForFieldName('key');
      const valueNode = child.childForFieldName('value');
      if (!keyNode || keyNode.type !== 'string') {
        doc.syntaxErrors.push(spanOf(child));
        continue;
      }
      members.push({
        key: stringValue(keyNode),
        keySpan: spanOf(keyNode),
        value: valueNode ? readValue(valueNode, doc, depth + 1) : undefined,
        span: spanOf(child),
      });
      collectTrivia(child, doc);
    } else visitTrivia(child, doc);
  }
  return { ...span, kind: 'object', members, partialKeys };
}

function readArray(node: Node, span: Span, doc: JsonDocument, depth: number): JsonNode {
  const items: JsonNode[] = [];
  for (const child of childrenOf(node)) {
    if (!child.isNamed || child.type === 'comment' || child.type === 'ERROR') visitTrivia(child, doc);
    else {
      const item = readValue(child, doc, depth + 1);
      if (item) items.push(item);
    }
  }
  return { ...span, kind: 'array', items };
}

/** Comments and errors that sit between a pair's key, colon and value. */
function collectTrivia(pair: Node, doc: JsonDocument): void {
  for (const child of childrenOf(pair)) if (child.type === 'comment' || child.type === 'ERROR') visitTrivia(child, doc);
}

function visitTrivia(node: Node, doc: JsonDocument): void {
  if (node.type === 'comment') doc.comments.push(spanOf(node));
  else if (node.type === 'ERROR' || node.isMissing) {
    doc.syntaxErrors.push(spanOf(node));
    collectComments(node, doc);
  }
}

function childrenOf(node: Node): Node[] {
  return node.children.filter((c): c is Node => c !== null);
}

function collectComments(node: Node, doc: JsonDocument): void {
  for (const c of node.descendantsOfType('comment')) if (c) doc.comments.push(spanOf(c));
}

/** A string node's value with its escapes decoded (JSON.parse of its text); raw content if that fails. */
function stringValue(node: Node): string {
  try {
    const parsed: unknown = JSON.parse(node.text);
    if (typeof parsed === 'string') return parsed;
  } catch {
    // an unterminated or invalid escape: fall through to the raw content
  }
  return node.text.replace(/^"|"$/g, '');
}
