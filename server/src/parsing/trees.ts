/**
 * Syntax trees of open documents, keyed by URI, bounded in number. A tree is deleted (its wasm
 * memory freed) when its document closes, is re-parsed, or is evicted as least recently used.
 */
import type { Parser, Tree } from 'web-tree-sitter';

interface Entry { tree: Tree; text: string }

export class TreeCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly parser: Parser, private readonly capacity = 64) {}

  /** The tree of `text`, re-using the cached one when the text is unchanged. */
  parse(uri: string, text: string): Tree {
    const cached = this.entries.get(uri);
    if (cached && cached.text === text) {
      this.entries.delete(uri);
      this.entries.set(uri, cached);
      return cached.tree;
    }
    const tree = this.parser.parse(text);
    if (!tree) throw new Error('TrainLens: tree-sitter returned no tree');
    cached?.tree.delete();
    this.entries.delete(uri);
    this.entries.set(uri, { tree, text });
    this.evict();
    return tree;
  }

  close(uri: string): void {
    this.entries.get(uri)?.tree.delete();
    this.entries.delete(uri);
  }

  get size(): number {
    return this.entries.size;
  }

  dispose(): void {
    for (const { tree } of this.entries.values()) tree.delete();
    this.entries.clear();
  }

  private evict(): void {
    while (this.entries.size > this.capacity) {
      const [oldest] = this.entries.keys();
      this.close(oldest);
    }
  }
}
