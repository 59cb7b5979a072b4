import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { beforeAll, describe, expect, it } from 'vitest';
import { Parser } from 'web-tree-sitter';
import { deleteMember, insertMember, offsetAt, positionAt } from '../../server/src/deepspeed/edits';
import { plainValue, readJsonTree, type JsonDocument, type JsonNode } from '../../server/src/deepspeed/json-tree';
import type { TextEdit } from '../../server/src/analysis/types';
import { defaultAssets } from '../../server/src/parsing/assets';
import { loadLanguages } from '../../server/src/parsing/languages';

const CONFIGS = join(__dirname, '..', 'fixtures', 'configs');
/** Fixture configs that are valid strict JSON. */
const VALID = readdirSync(CONFIGS).filter((f) => f.endsWith('.json')).map((f) => readFileSync(join(CONFIGS, f), 'utf8')).filter((t) => {
  try {
    JSON.parse(t);
    return true;
  } catch {
    return false;
  }
});

let parser: Parser;
beforeAll(async () => {
  const { grammarDir, projectRoot } = defaultAssets();
  const { json } = await loadLanguages(grammarDir, projectRoot);
  parser = new Parser();
  parser.setLanguage(json);
});

function read(text: string): JsonDocument {
  const tree = parser.parse(text)!;
  try {
    return readJsonTree(tree);
  } finally {
    tree.delete();
  }
}

function apply(text: string, edit: TextEdit): string {
  return TextDocument.applyEdits(TextDocument.create('x', 'json', 1, text), [edit]);
}

function objects(node: JsonNode | undefined): (JsonNode & { kind: 'object' })[] {
  if (node?.kind !== 'object') return [];
  return [node, ...node.members.flatMap((m) => objects(m.value))];
}

describe('JSON edits keep the document valid JSON', () => {
  it('deleting any member of any object leaves exactly that key out', () => {
    expect(VALID.length).toBeGreaterThanOrEqual(4);
    for (const text of VALID) {
      for (const { object, path } of withPaths(read(text).root, [])) {
        if (new Set(object.members.map((m) => m.key)).size !== object.members.length) continue; // duplicates: JSON.parse keeps the last
        for (const member of object.members) {
          const after = JSON.parse(apply(text, deleteMember(text, object, member))) as unknown;
          const expected = structuredClone(JSON.parse(text)) as Record<string, unknown>;
          const target = path.reduce((o, k) => o[k] as Record<string, unknown>, expected);
          delete target[member.key];
          expect(after).toEqual(expected);
        }
      }
    }
  });

  it('inserting a member adds it last, into empty objects too', () => {
    for (const text of [...VALID, '{}', '{"a": {}}']) {
      for (const object of objects(read(text).root)) {
        const after = apply(text, insertMember(text, object, 'added_key', '{ "device": "cpu" }'));
        const node = objects(read(after).root).find((o) => o.start === object.start)!;
        expect(node.members.at(-1)!.key).toBe('added_key');
        expect(plainValue(node.members.at(-1)!.value!)).toEqual({ device: 'cpu' });
        JSON.parse(after);
      }
    }
  });

  it('positions and offsets agree in UTF-16 code units', () => {
    const text = '{\n  "é😀": 1,\n  "b": 2\n}';
    for (let offset = 0; offset <= text.length; offset++) {
      if (text[offset - 1] === '\uD83D') continue; // inside a surrogate pair
      expect(offsetAt(text, positionAt(text, offset))).toBe(offset);
    }
  });
});

function withPaths(node: JsonNode | undefined, path: string[]): { object: JsonNode & { kind: 'object' }; path: string[] }[] {
  if (node?.kind !== 'object') return [];
  return [{ object: node, path }, ...node.members.flatMap((m) => withPaths(m.value, [...path, m.key]))];
}
