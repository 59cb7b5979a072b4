/**
 * docs/accuracy.md is the generator's output for the estimator in this commit (run `npm run accuracy` after a
 * change), and every published figure with a tolerance is reproduced within it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { accuracyMarkdown } from '../../scripts/accuracy';
import { PUBLISHED_CHECKS } from '../../scripts/published';
import { loadCases } from './cases';

const cases = loadCases();

describe('published figures', () => {
  for (const check of PUBLISHED_CHECKS.filter((c) => c.tolerance !== null)) {
    it(`${check.name} (${check.source})`, () => {
      const est = check.estimate();
      const err = Math.abs(est - check.published) / check.published;
      expect(err, `estimate ${est}, published ${check.published}`).toBeLessThanOrEqual(check.tolerance!);
    });
  }
});

describe.skipIf(cases.length === 0)('docs/accuracy.md', () => {
  it('is up to date with scripts/accuracy.ts (run `npm run accuracy`)', () => {
    const doc = readFileSync(join(__dirname, '../../docs/accuracy.md'), 'utf8');
    expect(doc).toBe(accuracyMarkdown(cases));
  });
});
