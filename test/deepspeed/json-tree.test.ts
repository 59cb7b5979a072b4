import { beforeAll, describe, expect, it } from 'vitest';
import { Parser } from 'web-tree-sitter';
import { plainValue, memberOf, readJsonTree, MAX_DEPTH, type JsonDocument } from '../../server/src/deepspeed/json-tree';
import { defaultAssets } from '../../server/src/parsing/assets';
import { loadLanguages } from '../../server/src/parsing/languages';

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

describe('readJsonTree', () => {
  it('reads values equal to JSON.parse, with the range of every key and value', () => {
    const text = '{\n  "a": 1e9,\n  "b": [true, null, "x\\n\\u00e9"],\n  "c": {"d": -2.5}\n}';
    const doc = read(text);
    expect(plainValue(doc.root!)).toEqual(JSON.parse(text));
    expect(doc).toMatchObject({ comments: [], syntaxErrors: [], truncated: false });
    const c = memberOf(doc.root, 'c')!;
    expect(c.keySpan.range).toEqual({ start: { line: 3, character: 2 }, end: { line: 3, character: 5 } });
    const d = memberOf(c.value, 'd')!;
    expect(text.slice(d.value!.start, d.value!.end)).toBe('-2.5');
    expect(d.value!.range.start).toEqual({ line: 3, character: 13 });
  });

  it('measures characters in UTF-16 code units, as LSP positions do', () => {
    const doc = read('{"é€😀": 1}');
    const m = memberOf(doc.root, 'é€😀')!;
    expect(m.keySpan.range.end.character).toBe(1 + 2 + 4);
    expect(m.value!.range.start.character).toBe(9);
  });

  it('collects comments anywhere, keeps duplicate keys in order, and the last one wins in the plain value', () => {
    const doc = read('// top\n{"a": 1, /* mid */ "a": 2, "b": {"c": 3 // end\n}}');
    expect(doc.comments.map((c) => c.range.start.line)).toEqual([0, 1, 1]);
    expect(doc.root!.kind === 'object' && doc.root!.members.map((m) => m.key)).toEqual(['a', 'a', 'b']);
    expect(plainValue(doc.root!)).toEqual({ a: 2, b: { c: 3 } });
    expect(doc.syntaxErrors).toEqual([]);
  });

  it('reports broken JSON as syntax errors and still reads the rest', () => {
    const doc = read('{"a": 1,, "b": , "c": {"d": 2,}, "e": tru}');
    expect(doc.syntaxErrors.length).toBeGreaterThan(0);
    expect(memberOf(doc.root, 'a')?.value).toMatchObject({ kind: 'number', value: 1 });
    expect(memberOf(memberOf(doc.root, 'c')?.value, 'd')?.value).toMatchObject({ value: 2 });
  });

  it('gives an empty document for empty text and junk, never throws', () => {
    expect(read('').root).toBeUndefined();
    for (const junk of ['\u0000\u0001\ufffd', '}}}]]', 'not json at all', '"unterminated', '{"a": "\\q"}']) {
      expect(() => read(junk)).not.toThrow();
    }
  });

  it('stops reading below MAX_DEPTH instead of exhausting the stack', () => {
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    const doc = read(deep);
    expect(doc.truncated).toBe(true);
    const shallow = read('['.repeat(MAX_DEPTH - 1) + ']'.repeat(MAX_DEPTH - 1));
    expect(shallow.truncated).toBe(false);
  });
});
