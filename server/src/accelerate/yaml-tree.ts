/**
 * A tree-sitter YAML tree (the first document of the stream) read into the same ranged values as
 * JSON (server/src/deepspeed/json-tree.ts), so the key schema, hovers, completion and edits work on
 * accelerate config files too. Scalars follow YAML 1.2's core schema as PyYAML reads accelerate's
 * files: integers and floats, true/false, null/~, quoted and plain strings. Anchors, aliases and
 * tags keep their text as a string.
 */
import type { Node, Tree } from 'web-tree-sitter';
import { MAX_DEPTH, spanOf, type JsonDocument, type JsonMember, type JsonNode, type Span } from '../deepspeed/json-tree';

export function readYamlTree(tree: Tree): JsonDocument {
  const doc: JsonDocument = { root: undefined, comments: [], syntaxErrors: [], truncated: false };
  for (const c of tree.rootNode.descendantsOfType('comment')) if (c) doc.comments.push(spanOf(c));
  for (const e of tree.rootNode.descendantsOfType('ERROR')) if (e) doc.syntaxErrors.push(spanOf(e));
  if (tree.rootNode.type === 'ERROR') doc.syntaxErrors.push(spanOf(tree.rootNode));
  const first = tree.rootNode.type === 'stream' ? tree.rootNode.namedChildren.find((n) => n?.type === 'document') : undefined;
  const body = first?.namedChildren.find((n) => n && n.type !== 'comment');
  if (body) doc.root = readNode(body, doc, 0);
  return doc;
}

function readNode(node: Node, doc: JsonDocument, depth: number): JsonNode | undefined {
  if (depth >= MAX_DEPTH) {
    doc.truncated = true;
    return undefined;
  }
  const span = spanOf(node);
  switch (node.type) {
    case 'block_node':
    case 'flow_node': {
      const inner = node.namedChildren.find((n) => n && n.type !== 'comment' && n.type !== 'anchor' && n.type !== 'tag');
      return inner ? readNode(inner, doc, depth) : { ...span, kind: 'string', value: node.text };
    }
    case 'block_mapping':
    case 'flow_mapping':
      return readMapping(node, span, doc, depth);
    case 'block_sequence':
    case 'flow_sequence': {
      const items: JsonNode[] = [];
      for (const child of node.namedChildren) {
        const item = child?.type === 'block_sequence_item' ? child.namedChildren.find((n) => n?.type !== 'comment') : child;
        const value = item && item.type !== 'comment' ? readNode(item, doc, depth + 1) : undefined;
        if (value) items.push(value);
      }
      return { ...span, kind: 'array', items };
    }
    case 'plain_scalar':
      return scalar(node, span);
    case 'double_quote_scalar':
      return { ...span, kind: 'string', value: doubleQuoted(node.text) };
    case 'single_quote_scalar':
      return { ...span, kind: 'string', value: node.text.slice(1, -1).replace(/''/g, "'") };
    default:
      return { ...span, kind: 'string', value: node.text };
  }
}

function readMapping(node: Node, span: Span, doc: JsonDocument, depth: number): JsonNode {
  const members: JsonMember[] = [];
  for (const pair of node.namedChildren) {
    if (pair?.type !== 'block_mapping_pair' && pair?.type !== 'flow_pair') continue;
    const key = pair.childForFieldName('key');
    if (!key) continue;
    const keyValue = readNode(key, doc, depth + 1);
    const value = pair.childForFieldName('value');
    members.push({
      key: keyValue && 'value' in keyValue ? String(keyValue.value) : key.text,
      keySpan: spanOf(key),
      value: value ? readNode(value, doc, depth + 1) : undefined,
      span: spanOf(pair),
    });
  }
  return { ...span, kind: 'object', members, partialKeys: [] };
}

/** Plain scalars by their tree-sitter type: integer_scalar, float_scalar, boolean_scalar, null_scalar, string_scalar. */
function scalar(node: Node, span: Span): JsonNode {
  const text = node.text;
  const type = node.namedChildren[0]?.type;
  if (type === 'integer_scalar' || type === 'float_scalar') {
    const n = Number(text.replace(/_/g, ''));
    if (Number.isFinite(n)) return { ...span, kind: 'number', value: n, text };
  }
  if (type === 'boolean_scalar') return { ...span, kind: 'boolean', value: /^true$/i.test(text) };
  if (type === 'null_scalar') return { ...span, kind: 'null' };
  return { ...span, kind: 'string', value: text };
}

function doubleQuoted(text: string): string {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'string') return parsed;
  } catch {
    // YAML escapes JSON lacks (\x41, \e): keep the text between the quotes
  }
  return text.slice(1, -1);
}
