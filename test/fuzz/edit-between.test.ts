/**
 * editBetween (server/src/parsing/trees.ts), the edit handed to tree-sitter before an incremental
 * re-parse: for any two texts, long ones included (it compares whole blocks before characters),
 * it is the span between their longest common prefix and suffix, with its rows and columns.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Point } from 'web-tree-sitter';
import { editBetween } from '../../server/src/parsing/trees';
import { runs } from './corpus';

function pointOf(text: string, index: number): Point {
  const lines = text.slice(0, index).split('\n');
  return { row: lines.length - 1, column: lines[lines.length - 1].length };
}

/** A long text and an edited copy: a change somewhere in a shared body of up to ~5,000 characters. */
const textPair = fc.record({
  body: fc.string({ unit: fc.constantFrom('a', 'b', '\n', ' ', 'é', '😀'), maxLength: 5000 }),
  at: fc.nat(),
  removed: fc.nat({ max: 1200 }),
  inserted: fc.string({ unit: fc.constantFrom('a', 'b', '\n', 'x'), maxLength: 1200 }),
}).map(({ body, at, removed, inserted }) => {
  const start = at % (body.length + 1);
  return [body, body.slice(0, start) + inserted + body.slice(start + removed)] as const;
});

describe('editBetween', () => {
  it(`is the span between the longest common prefix and suffix (${runs(300)} text pairs)`, () => {
    fc.assert(
      fc.property(textPair, ([before, after]) => {
        const edit = editBetween(before, after);
        const prefix = edit.startIndex;
        const suffix = before.length - edit.oldEndIndex;
        expect(after.length - edit.newEndIndex).toBe(suffix);
        expect(before.slice(0, prefix)).toBe(after.slice(0, prefix));
        expect(before.slice(before.length - suffix)).toBe(after.slice(after.length - suffix));
        // Longest: one more character of prefix (or suffix) would differ or overlap.
        const rest = Math.min(before.length, after.length) - prefix - suffix;
        if (rest > 0) {
          expect(before[prefix]).not.toBe(after[prefix]);
          expect(before[edit.oldEndIndex - 1]).not.toBe(after[edit.newEndIndex - 1]);
        }
        expect(before.slice(0, prefix) + after.slice(prefix, edit.newEndIndex) + before.slice(edit.oldEndIndex)).toBe(after);
        expect(edit.startPosition).toEqual(pointOf(before, prefix));
        expect(edit.oldEndPosition).toEqual(pointOf(before, edit.oldEndIndex));
        expect(edit.newEndPosition).toEqual(pointOf(after, edit.newEndIndex));
      }),
      { numRuns: runs(300) },
    );
  });

  it('finds one changed character in the middle of a 100,000-character text', () => {
    const before = 'x = 1\n'.repeat(20_000);
    const after = `${before.slice(0, 60_001)}#${before.slice(60_001)}`;
    expect(editBetween(before, after)).toMatchObject({ startIndex: 60_001, oldEndIndex: 60_001, newEndIndex: 60_002, startPosition: { row: 10_000, column: 1 } });
  });
});
