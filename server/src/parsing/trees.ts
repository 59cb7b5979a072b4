/**
 * Syntax trees of open documents, keyed by URI, each with state derived from it (e.g. facts cached
 * per statement), for the documents analysed most recently: the one being edited and the ones
 * beside it, at most three and at most KEPT_CHARS of text between them. Tree-sitter's wasm memory
 * grows to hold every live tree and never shrinks (a tree takes about 30 bytes per character of
 * its text: 8 trees of 3,000 lines grew it by 23 MB, and their statement facts took 11 MB of JS
 * heap), so 50 open documents must not each keep one, and a large document is kept alone. A
 * document whose tree was evicted is parsed afresh on its next edit. A changed text is re-parsed incrementally: the edit is the
 * span between the longest common prefix and suffix of the old and new text, applied with
 * `tree.edit` so tree-sitter reuses every subtree outside it. That is exact whatever the client
 * sent (one change, several, or the whole text). A tree is deleted (its wasm memory freed) when
 * its document closes, is re-parsed, or is evicted as least recently used.
 */
import type { Edit, Parser, Point, Tree } from 'web-tree-sitter';
import { budgetExceeded, Deadline } from './deadline';

interface Entry<S> { tree: Tree; text: string; state: S }

export interface ParsedDocument<S> {
  tree: Tree;
  /** The state kept with this document's tree, created once per document. */
  state: S;
}

export class TreeCache<S = undefined> {
  private readonly entries = new Map<string, Entry<S>>();

  constructor(
    private readonly parser: Parser,
    private readonly createState: () => S = () => undefined as S,
    private readonly capacity = 3,
    private readonly keptChars = KEPT_CHARS,
  ) {}

  /** The tree of `text`: the cached one when the text is unchanged, else an incremental re-parse. */
  parse(uri: string, text: string): ParsedDocument<S> {
    const cached = this.entries.get(uri);
    this.entries.delete(uri);
    if (cached && cached.text === text) {
      this.entries.set(uri, cached);
      return cached;
    }
    // Room first: wasm memory grows to the most trees ever alive at once, and never shrinks.
    this.evict(this.capacity - 1, this.keptChars - text.length);
    const deadline = new Deadline();
    let tree: Tree | null;
    if (cached) {
      cached.tree.edit(editBetween(cached.text, text));
      tree = this.parser.parse(text, cached.tree, deadline);
      cached.tree.delete();
      // Error recovery can differ between an incremental and a fresh parse: with a syntax error,
      // parse afresh so that the editor shows what `trainlens check` shows for the same text.
      if (tree?.rootNode.hasError) {
        tree.delete();
        tree = this.parser.parse(text, null, deadline);
      }
    } else {
      tree = this.parser.parse(text, null, deadline);
    }
    if (!tree) {
      this.parser.reset(); // a cancelled parse would otherwise resume on the next call
      throw deadline.expired ? budgetExceeded('parsing this file') : new Error('TrainLens: tree-sitter returned no tree');
    }
    const entry = { tree, text, state: cached?.state ?? this.createState() };
    this.entries.set(uri, entry);
    return entry;
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

  /** Frees the least recently used trees until at most `limit` are left, with at most `chars` of text between them. */
  private evict(limit: number, chars: number): void {
    let kept = 0;
    for (const { text } of this.entries.values()) kept += text.length;
    while (this.entries.size > limit || (this.entries.size > 0 && kept > chars)) {
      const [oldest, { text }] = this.entries.entries().next().value!;
      kept -= text.length;
      this.close(oldest);
    }
  }
}

/**
 * Characters of text whose trees may be alive at once, the one being parsed included: 128 K, about
 * 4 MB of wasm memory; three typical scripts of a few hundred lines, or one of 3,000.
 */
export const KEPT_CHARS = 128 * 1024;

/**
 * The single edit that turns `before` into `after`, in UTF-16 code units (what web-tree-sitter
 * counts in for a JavaScript string, indices and columns alike). A split surrogate pair or CRLF is
 * harmless: tree-sitter re-lexes from the start of the token the edit touches.
 */
export function editBetween(before: string, after: string): Edit {
  const max = Math.min(before.length, after.length);
  // Whole blocks first: comparing substrings runs natively, ~10× faster than a loop over
  // charCodeAt on a 100 KB text; the loops then finish within the first block that differs.
  let start = 0;
  while (start + BLOCK <= max && before.slice(start, start + BLOCK) === after.slice(start, start + BLOCK)) start += BLOCK;
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let suffix = 0;
  while (suffix + BLOCK <= max - start && before.slice(before.length - suffix - BLOCK, before.length - suffix) === after.slice(after.length - suffix - BLOCK, after.length - suffix)) suffix += BLOCK;
  while (suffix < max - start && before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)) suffix++;
  const startPosition = pointAt(before, start);
  return {
    startIndex: start,
    oldEndIndex: before.length - suffix,
    newEndIndex: after.length - suffix,
    startPosition,
    oldEndPosition: pointAfter(startPosition, before, start, before.length - suffix),
    newEndPosition: pointAfter(startPosition, after, start, after.length - suffix),
  };
}

/** Characters compared at once by editBetween. */
const BLOCK = 512;

function pointAt(text: string, index: number): Point {
  return pointAfter({ row: 0, column: 0 }, text, 0, index);
}

/** The point at `to`, given the point at `from` (counting only the text between them). */
function pointAfter(at: Point, text: string, from: number, to: number): Point {
  let { row, column } = at;
  let lineStart = from - column;
  for (let i = text.indexOf('\n', from); i !== -1 && i < to; i = text.indexOf('\n', i + 1)) {
    row++;
    lineStart = i + 1;
  }
  column = to - lineStart;
  return { row, column };
}
