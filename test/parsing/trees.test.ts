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
});
