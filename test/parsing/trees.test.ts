/**
 * TreeCache (server/src/parsing/trees.ts): trees and their state kept for the documents parsed
 * most recently, least recently used evicted first, and made room for before a parse (wasm memory
 * grows to the most trees alive at once).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Parser } from 'web-tree-sitter';
import { defaultAssets } from '../../server/src/parsing/assets';
import { loadLanguages } from '../../server/src/parsing/languages';
import { TreeCache } from '../../server/src/parsing/trees';

let parser: Parser;

beforeAll(async () => {
  const assets = defaultAssets();
  const { python } = await loadLanguages(assets.grammarDir, assets.projectRoot);
  parser = new Parser();
  parser.setLanguage(python);
});

describe('TreeCache', () => {
  it('keeps the documents parsed last, evicting the least recently used, and re-parses an evicted one afresh', () => {
    let created = 0;
    const trees = new TreeCache(parser, () => ({ id: created++ }), 3);
    try {
      const first = trees.parse('a', 'x = 1\n');
      trees.parse('b', 'y = 2\n');
      trees.parse('c', 'z = 3\n');
      expect(trees.parse('a', 'x = 1\n')).toBe(first); // unchanged text: the same entry, now the most recent
      trees.parse('d', 'w = 4\n'); // evicts b, the least recently used
      expect(trees.size).toBe(3);
      expect(trees.parse('a', 'x = 10\n').state).toBe(first.state); // an edit keeps the document's state
      const b = trees.parse('b', 'y = 2\n'); // evicted: new state, a fresh tree
      expect(b.state.id).toBe(4);
      expect(b.tree.rootNode.toString()).toBe(parser.parse('y = 2\n')!.rootNode.toString());
      expect(trees.size).toBe(3);
    } finally {
      trees.dispose();
    }
  });

  it('holds fewer trees than its capacity when it parses (besides the one being re-parsed)', () => {
    const trees = new TreeCache(parser, () => undefined, 2);
    const parse = parser.parse.bind(parser);
    // The other documents' trees alive when each parse starts.
    const counts: number[] = [];
    parser.parse = (...args: Parameters<Parser['parse']>) => {
      counts.push(trees.size);
      return parse(...args);
    };
    try {
      for (const uri of ['a', 'b', 'c', 'd']) trees.parse(uri, `${uri} = 1\n`);
      trees.parse('d', 'd = 2\n');
      expect(Math.max(...counts)).toBeLessThanOrEqual(1);
      expect(trees.size).toBe(2);
    } finally {
      parser.parse = parse;
      trees.dispose();
    }
  });

  it('keeps at most its budget of text in trees, the document being parsed included: a large one is kept alone', () => {
    const trees = new TreeCache(parser, () => undefined, 3, 100);
    const parse = (...uris: string[]) => uris.forEach((uri) => trees.parse(uri, texts[uri]));
    const line = (name: string, chars: number) => `${name} = ${'1'.repeat(chars - name.length - 4)}\n`;
    const texts: Record<string, string> = { a: line('a', 20), b: line('b', 20), c: line('c', 60), d: line('d', 90), e: line('e', 500) };
    try {
      parse('a', 'b');
      expect(trees.size).toBe(2);
      parse('c'); // 20 + 20 + 60 = 100: all three fit
      expect(trees.size).toBe(3);
      parse('d'); // 90 leaves room for none of the others
      expect(trees.size).toBe(1);
      const e = trees.parse('e', texts.e); // over the budget by itself: still parsed, and kept until the next parse
      expect(e.tree.rootNode.text).toBe(texts.e);
      expect(trees.size).toBe(1);
      trees.parse('a', texts.a);
      expect(trees.size).toBe(1);
    } finally {
      trees.dispose();
    }
  });
});
