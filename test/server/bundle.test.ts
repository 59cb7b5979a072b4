/**
 * The bundles the server and the CLI run from (scripts/build.mjs; `npm test` builds them first).
 * V8 keeps a script's source in memory for as long as it runs, one byte per character if the text
 * is ASCII and two otherwise: one non-ASCII character (a "—" in a comment or a regex) doubled the
 * server's 1.2 MB source in the heap.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');

describe('bundles', () => {
  for (const file of ['server.js', 'cli.js']) {
    it(`dist/${file} is ASCII, without comments`, () => {
      const text = readFileSync(join(ROOT, 'dist', file), 'utf8');
      const nonAscii = /[^\x00-\x7f]/.exec(text);
      expect(nonAscii && text.slice(Math.max(0, nonAscii.index - 60), nonAscii.index + 20)).toBeNull();
      expect(text).not.toMatch(/\n\s*\/\*\*/); // JSDoc comments are stripped (minifyWhitespace)
    });
  }
});
